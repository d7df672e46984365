// `fanout graph [ids...]`: the dependency graph as text, Mermaid or DOT.
import { Option } from '@commander-js/extra-typings';
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout graph`. */
export function register(program: Program): void {
  program
    .command('graph')
    .description('show the dependency graph: levels, edges and the critical path')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot'] as const).default('text' as const))
    .argument('[ids...]', 'only these checks and what they require')
    .option('--changed [ref]', 'only the checks `fanout check --changed` would run: files: matching what git reports changed since REF (default: HEAD), with what they require')
    .action(async (ids, _options, command) => {
      const flags = command.optsWithGlobals();
      const { logDirOf } = await import('../log-dir.js');
      const { graphCommand } = await import('../actions/graph.js');
      finish(await graphCommand(ids, { ...commonOptions(flags), format: flags.format, logDir: await logDirOf(flags), changed: flags.changed }));
    });
}
