// `fanout mcp`: serve the checks to AI agents as a Model Context Protocol server on stdio.
import { commonOptions, finish, versionOf, type Program } from './global.js';

/** Registers `fanout mcp`. */
export function register(program: Program): void {
  program
    .command('mcp')
    .description('serve the checks to AI agents: a Model Context Protocol server on stdin/stdout (needs: npm install @modelcontextprotocol/sdk zod)')
    .option('--cwd <dir>', 'the project folder, where the config is looked up and runs start (default: the current folder)')
    .action(async (options, command) => {
      const flags = command.optsWithGlobals();
      const { mcpCommand } = await import('../mcp/server.js');
      finish(await mcpCommand({ ...commonOptions(flags), logDir: flags.logDir, parallel: flags.parallel, cwd: options.cwd }, versionOf(program)));
    });
}
