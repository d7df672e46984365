// `fanout worker`: runs the jobs `fanout check --redis` dispatches.
import { Option } from '@commander-js/extra-typings';
import { parallelFlag } from '../options.js';
import { splitList } from '../../common/text.js';
import { finish, redisTarget, withRedisTls, type Program } from './global.js';

/** Registers `fanout worker`. */
export function register(program: Program): void {
  withRedisTls(
    program
      .command('worker')
      .description('run check jobs that `fanout check --redis` dispatches, until SIGINT/SIGTERM')
      .option('--redis [url]', 'Redis URL without a password (redis[s]://host:port[/db]); default and with a password: FANOUT_REDIS_URL, or the file FANOUT_REDIS_URL_FILE names (mode 0600)'),
  )
    .option('--queue <name>', 'queue name', 'checks')
    .option('--commit <sha>', 'take only jobs for this commit (default: git HEAD of the working directory)')
    .addOption(new Option('--concurrency <n>', 'jobs at once (default: the number of CPUs)').argParser(parallelFlag('--concurrency')))
    .option('--env-allow <names>', 'comma-separated variables of the worker\'s environment checks see (NAME or PREFIX*; default: PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TERM, TMPDIR, TZ, CI)')
    .option('--insecure', 'run unsigned jobs when no shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE) is set: anyone who can write to the Redis runs commands here')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { workerCommand } = await import('../actions/worker.js');
      finish(
        await workerCommand({
          redis: redisTarget(flags),
          queue: flags.queue,
          commit: flags.commit,
          concurrency: flags.concurrency,
          insecure: flags.insecure === true,
          ...(flags.envAllow === undefined ? {} : { envAllow: splitList([flags.envAllow]) }),
          // --config pins the worker to that config's checks.
          ...(flags.config === undefined ? {} : { config: flags.config }),
          // Only an explicit --log-dir: the default run folder is for `check`'s runs, not every job of a worker.
          logDir: flags.logDir,
        }),
      );
    });
}
