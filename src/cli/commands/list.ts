// `fanout list`: the checks of the config.
import { parseList } from '../options.js';
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout list`. */
export function register(program: Program): void {
  program
    .command('list')
    .description('list the checks (-v: with their commands and settings; --json: machine-readable)')
    .option('--tags <tags>', 'only the checks having any of these tags (comma-separated or repeated)', parseList, [])
    .option('--exclude-tags <tags>', 'leave out the checks having any of these tags', parseList, [])
    .option('--changed [ref]', 'only the checks `fanout check --changed` would run: files: matching what git reports changed since REF (default: HEAD), with what they require')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { listCommand } = await import('../actions/list.js');
      finish(await listCommand({ ...commonOptions(flags), tags: flags.tags, excludeTags: flags.excludeTags, changed: flags.changed }));
    });
}
