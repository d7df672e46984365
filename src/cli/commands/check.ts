// `fanout check [ids...]` (alias `run`): its flags, and their mapping to the check action's options.
import { Option } from '@commander-js/extra-typings';
import { durationFlag, parseAsyncThreshold, parseKeepRuns, parseList, parallelFlag } from '../options.js';
import { versionOf, withRedisTls, type Program } from './global.js';

/** Default number of run folders kept (`--keep-runs`). */
const KEEP_RUNS_DEFAULT = 20;

function command(program: Program) {
  return withRedisTls(
    program
      .command('check')
      .alias('run')
      .description('run the checks (with ids: those and what they require)')
      .argument('[ids...]', 'check ids to run, with what they require')
      .option('--only <ids>', 'run exactly these checks (comma-separated or repeated), without their requirements', parseList, [])
      .option('--tags <tags>', 'run the checks having any of these tags, with what they require', parseList, [])
      .option('--exclude-tags <tags>', 'leave out the checks having any of these tags (unless a selected check requires them)', parseList, [])
      .addOption(new Option('--schedule <mode>', 'ready: start each check as soon as what it requires passed; levels: VibeGuard’s level by level').choices(['ready', 'levels'] as const).default('ready' as const))
      .addOption(new Option('--timeout <duration>', 'default per-check timeout, for checks that set none (e.g. 30s, 2m)').argParser(durationFlag('--timeout')))
      .addOption(new Option('--max-time <duration>', 'deadline for the whole run: then everything still running is cancelled').argParser(durationFlag('--max-time')))
      .option('--stream', 'NDJSON events on stdout as they happen (the last one carries the report)')
      .option('--junit <file>', 'also write a JUnit XML report to FILE')
      .option('--redis [url]', 'run the checks as jobs on `fanout worker` processes through this Redis (-p then defaults to 64); the URL, when it holds a password, goes in FANOUT_REDIS_URL or FANOUT_REDIS_URL_FILE (a file of mode 0600), not here'),
  )
    .option('--queue <name>', 'with --redis: the queue name (jobs go to <name>@<commit>)', 'checks')
    .option('--commit <sha>', 'with --redis: the commit workers must have checked out (default: git HEAD)')
    .option('--insecure', 'with --redis: dispatch unsigned jobs when no shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE) is set')
    .addOption(new Option('--worker-wait <duration>', 'with --redis: stop the run (exit 75) when no worker takes a job for this long').argParser(durationFlag('--worker-wait', true)).default(30_000, '"30s"'))
      .addOption(
        new Option('--heartbeat-ttl <duration>', "with --redis: time to live of the run's heartbeat; when this process dies, workers stop its checks and drop its queued jobs within this + 1 s")
          .argParser(durationFlag('--heartbeat-ttl', true))
          .default(5_000, '"5s"'),
      )
    .option('--shard <i/n>', 'run only shard i of n (and what its checks require); report only its own checks')
    .option('--no-cache', 'run every check, even one whose inputs: are unchanged since it passed (its pass is stored again; see fanout cache)')
    .option('--shared-cache', 'also read and store passed checks in the Redis of FANOUT_REDIS_URL (or FANOUT_REDIS_URL_FILE), signed with the shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE); env FANOUT_SHARED_CACHE=1')
    .option('--no-config-cache', 'parse the config even when it is unchanged since the last run (see <log-dir>/.config-cache)')
    .addOption(new Option('--observer <name>', 'also send the run\'s events to an observer: json (JSON lines on stderr), otel (OpenTelemetry spans), noop').choices(['noop', 'json', 'otel'] as const))
    .addOption(new Option('--async-threshold <duration>', 'also run in the async pool, outside -p, each check whose own timeout: is above this (default off: only async: true checks)').argParser(parseAsyncThreshold))
    .addOption(new Option('--async-parallel <n>', 'async checks running at once (default: -p)').argParser(parallelFlag('--async-parallel')))
    .option('--resume [run]', 'rerun only what did not pass in RUN (default: the latest run)')
    .option('--changed [ref]', 'only the checks whose files: match what git reports changed since REF (default: HEAD; untracked files too), with what they require')
    .option('--dry-run', 'print the checks that would run and why (selected, required by, changed files matched); run nothing (--json: as JSON)')
    .option('--background', 'run detached; return once the non-async checks ended (then: fanout status / wait / logs / cancel)')
    .addOption(new Option('--keep-runs <n>', `run folders kept in --log-dir (default: ${KEEP_RUNS_DEFAULT})`).argParser(parseKeepRuns));
}

/** Registers `fanout check`. */
export function register(program: Program): void {
  command(program).action(async (ids, _options, command) => {
    const { runCheck } = await import('./check-fast.js');
    await runCheck(ids, command.optsWithGlobals(), versionOf(program));
  });
}
