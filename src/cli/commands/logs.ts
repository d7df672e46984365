// `fanout logs [run] <check>`: a check's log, of the latest run unless a run is named first.
import { UsageError } from '../errors.js';
import { finish, type Program } from './global.js';

/** Registers `fanout logs`. */
export function register(program: Program): void {
  program
    .command('logs')
    .description("print a check's log of a run (default: the latest; --follow: and what it writes until it ends)")
    // commander has no optional argument before a required one: both are declared optional and the count decides —
    // one is the check (of the latest run), two are the run and the check. A run is never guessed from a check id.
    .usage('[options] [run] <check>')
    .argument('[run]', 'run id (or a unique part of one), or latest; when only one argument is given, it is the check')
    .argument('[check]', 'check id')
    .option('-f, --follow', 'keep printing what the check writes until it ends')
    .action(async (first, second, _options, command) => {
      if (first === undefined) throw new UsageError("missing the check: fanout logs [run] <check>");
      const [run, checkId] = second === undefined ? [undefined, first] : [first, second];
      const flags = command.optsWithGlobals();
      const { logDirOf } = await import('../log-dir.js');
      const { logsCommand } = await import('../actions/background.js');
      finish(await logsCommand(run, checkId, { logDir: await logDirOf(flags), follow: flags.follow === true }));
    });
}
