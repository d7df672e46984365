// `fanout merge-reports <files...>`: the shards' reports joined into one.
import { finish, type Program } from './global.js';

/** Registers `fanout merge-reports`. */
export function register(program: Program): void {
  program
    .command('merge-reports')
    .description('join the JSON reports of `fanout check --shard i/n --json` into one report and exit code')
    .argument('<files...>', 'the shards\' JSON reports')
    .option('-o, --output <file>', 'write the merged report here instead of stdout')
    .action(async (files, options) => {
      const { mergeReportsCommand } = await import('../actions/merge-reports.js');
      finish(mergeReportsCommand(files, { output: options.output }));
    });
}
