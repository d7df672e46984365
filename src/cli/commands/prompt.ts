// `fanout prompt [id]`: the prompts of the config.
import { commonOptions, finish, type Program } from './global.js';

/** Registers `fanout prompt`. */
export function register(program: Program): void {
  program
    .command('prompt')
    .description('list the prompts of the config, or print one')
    .argument('[id]', 'prompt id to print')
    .action(async (id, _options, command) => {
      const { promptCommand } = await import('../actions/prompt.js');
      finish(await promptCommand(id, commonOptions(command.optsWithGlobals())));
    });
}
