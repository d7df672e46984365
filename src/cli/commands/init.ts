// `fanout init`: a starter config.
import { finish, type Program } from './global.js';

/** Registers `fanout init`. */
export function register(program: Program): void {
  program
    .command('init')
    .description('write a starter fanout.yaml for a kind of project')
    .option('-t, --template <name>', 'node-typescript, python, go, rust or generic (default: guessed from the files present)')
    .option('-f, --force', 'overwrite an existing config')
    .option('-o, --output <file>', 'file to write', 'fanout.yaml')
    .option('--list-templates', 'list the templates and exit')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { initCommand } = await import('../actions/init.js');
      finish(await initCommand({ template: flags.template, force: flags.force === true, output: flags.output, list: flags.listTemplates === true, json: flags.json === true }));
    });
}
