// `fanout validate`: every problem of the config at once.
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout validate`. */
export function register(program: Program): void {
  program
    .command('validate')
    .description('check the config and report every problem at once as file:line:col: message')
    .action(async (_options, command) => {
      const { validateCommand } = await import('../actions/validate.js');
      finish(await validateCommand(commonOptions(command.optsWithGlobals())));
    });
}
