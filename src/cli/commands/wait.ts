// `fanout wait [run]`: block until a run has ended.
import { Option } from '@commander-js/extra-typings';
import { durationFlag } from '../options.js';
import { finish, type Program } from './global.js';

/** Registers `fanout wait`. */
export function register(program: Program): void {
  program
    .command('wait')
    .description('block until a run (default: the latest) has ended, then exit with its exit code')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .addOption(new Option('--timeout <duration>', 'give up after this long (exit 124, the run goes on)').argParser(durationFlag('--timeout')))
    .action(async (run, _options, command) => {
      const flags = command.optsWithGlobals();
      const { logDirOf } = await import('../log-dir.js');
      const { waitCommand } = await import('../actions/background.js');
      finish(await waitCommand(run, { logDir: await logDirOf(flags), timeoutMs: flags.timeout, json: flags.json === true }));
    });
}
