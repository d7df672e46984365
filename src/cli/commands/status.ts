// `fanout status [run]`: the state of a run.
import { finish, type Program } from './global.js';

/** Registers `fanout status`. */
export function register(program: Program): void {
  program
    .command('status')
    .description('the state of a run (default: the latest): each check running, pending or ended, and its status')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .action(async (run, _options, command) => {
      const flags = command.optsWithGlobals();
      const { logDirOf } = await import('../log-dir.js');
      const { statusCommand } = await import('../actions/background.js');
      finish(statusCommand(run, { logDir: await logDirOf(flags), json: flags.json === true }));
    });
}
