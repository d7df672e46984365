// `fanout report [run] --html FILE`: a run as a self-contained HTML page.
import { Option } from '@commander-js/extra-typings';
import { parallelFlag } from '../options.js';
import { finish, type Program } from './global.js';

/** Registers `fanout report`. */
export function register(program: Program): void {
  program
    .command('report')
    .description('render a run (default: the latest) as a self-contained HTML page: timeline, critical path, history')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .requiredOption('--html <file>', 'write the HTML page here')
    .addOption(new Option('--history <n>', 'past runs shown in the duration history').argParser(parallelFlag('--history')).default(20, '"20"'))
    .action(async (run, _options, command) => {
      const flags = command.optsWithGlobals();
      const { logDirOf } = await import('../log-dir.js');
      const { reportHtmlCommand } = await import('../actions/report.js');
      finish(reportHtmlCommand(run, { logDir: await logDirOf(flags), html: flags.html, history: flags.history }));
    });
}
