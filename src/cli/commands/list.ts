// `fanout list`: the checks of the config.
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout list`. */
export function register(program: Program): void {
  program
    .command('list')
    .description('list the checks (-v: with their commands and settings; --json: machine-readable)')
    .action(async (_options, command) => {
      const { listCommand } = await import('../actions/list.js');
      finish(await listCommand(commonOptions(command.optsWithGlobals())));
    });
}
