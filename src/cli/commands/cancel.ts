// `fanout cancel [run]`: stop a running run.
import { finish, type Program } from './global.js';

/** Registers `fanout cancel`. */
export function register(program: Program): void {
  program
    .command('cancel')
    .description('stop a running run (default: the latest): its checks’ process groups are killed, its report written')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .action(async (run, _options, command) => {
      const { cancelCommand } = await import('../actions/background.js');
      const { logDirOf } = await import('../log-dir.js');
      finish(await cancelCommand(run, { logDir: await logDirOf(command.optsWithGlobals()) }));
    });
}
