// `fanout logs <run> <check>`: a check's log.
import { finish, type Program } from './global.js';

/** Registers `fanout logs`. */
export function register(program: Program): void {
  program
    .command('logs')
    .description("print a check's log of a run (--follow: and what it writes until it ends)")
    .argument('<run>', 'run id (or a unique part of one), or latest')
    .argument('<check>', 'check id')
    .option('-f, --follow', 'keep printing what the check writes until it ends')
    .action(async (run, checkId, _options, command) => {
      const flags = command.optsWithGlobals();
      const { logsCommand } = await import('../actions/background.js');
      finish(await logsCommand(run, checkId, { logDir: flags.logDir, follow: flags.follow === true }));
    });
}
