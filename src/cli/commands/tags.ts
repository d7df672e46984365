// `fanout tags`: the tags the checks use.
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout tags`. */
export function register(program: Program): void {
  program
    .command('tags')
    .description('list the tags used by the checks, with how many checks have each')
    .action(async (_options, command) => {
      const { tagsCommand } = await import('../actions/list.js');
      finish(await tagsCommand(commonOptions(command.optsWithGlobals())));
    });
}
