// `fanout mcp`: serve the checks to AI agents as a Model Context Protocol server on stdio.
import { resolve } from 'node:path';
import { commonOptions, finish, versionOf, withRedisTls, type Program } from './global.js';

/** Registers `fanout mcp`. */
export function register(program: Program): void {
  const mcp = program
    .command('mcp')
    .description('serve the checks to AI agents: a Model Context Protocol server on stdin/stdout (needs: npm install @modelcontextprotocol/sdk zod)')
    .option('--cwd <dir>', 'the project folder, where the config is looked up and runs start (default: the current folder)')
    .option('--shared-cache', "every run_checks run reads and stores passed checks in the Redis of FANOUT_REDIS_URL (or FANOUT_REDIS_URL_FILE), signed with the shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE), as check --shared-cache does; env FANOUT_SHARED_CACHE=1");
  withRedisTls(mcp).action(async (options, command) => {
    const flags = command.optsWithGlobals();
    const { sharedCacheTarget } = await import('../redis-cache.js');
    const { mcpCommand } = await import('../mcp/server.js');
    // Files named relative to where the server was started, not to --cwd.
    const shared = sharedCacheTarget(flags);
    const file = (path: string | undefined) => (path === undefined ? undefined : resolve(path));
    const sharedCache = shared === undefined ? undefined : { ...shared, ca: file(shared.ca), cert: file(shared.cert), key: file(shared.key) };
    finish(await mcpCommand({ ...commonOptions(flags), logDir: flags.logDir, parallel: flags.parallel, cwd: options.cwd, sharedCache }, versionOf(program)));
  });
}
