// `fanout init`: a starter config.
import { finish, type Program } from './global.js';

/** Registers `fanout init`. */
export function register(program: Program): void {
  program
    .command('init')
    .description('write a starter fanout.yaml for a kind of project')
    .option('-t, --template <name>', 'a template name (`--template list` lists them: VibeGuard\'s and fanout\'s; default: guessed from the files present)')
    .option('-f, --force', 'write even where a config exists')
    .option('-o, --output <file>', 'file to write (default: vibeguard.yaml for VibeGuard\'s templates, fanout.yaml for fanout\'s; with --assist: stdout)')
    .option('--list-templates', 'list the templates and exit')
    .option('--assist', 'print VibeGuard\'s setup guide for an AI agent (or write it to --output) instead of a config')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { initCommand } = await import('../actions/init.js');
      finish(await initCommand({ template: flags.template, force: flags.force === true, output: flags.output, list: flags.listTemplates === true, json: flags.json === true, assist: flags.assist === true }));
    });
}
