// `fanout watch [ids...]`: its flags, and their mapping to the watch action's options.
import { Option } from '@commander-js/extra-typings';
import type { WatchOptions } from '../actions/watch.js';
import { UsageError } from '../errors.js';
import { boundedDurationFlag, durationFlag, parseExitCode, parseKeepRuns, parseList, parseParallel } from '../options.js';
import { sharedCacheTarget } from '../redis-cache.js';
import { commonOptions, finish, versionOf, withRedisTls, type Program } from './global.js';

function command(program: Program) {
  const watch = program
    .command('watch')
    .description('run the checks, then run again those that changed files affect, until Ctrl-C')
    .argument('[ids...]', 'check ids to run, with what they require')
    .option('--only <ids>', 'watch exactly these checks (comma-separated or repeated), without their requirements', parseList, [])
    .option('--tags <tags>', 'watch the checks having any of these tags, with what they require', parseList, [])
    .option('--exclude-tags <tags>', 'leave out the checks having any of these tags (unless a selected check requires them)', parseList, [])
    .addOption(new Option('--timeout <duration>', 'default per-check timeout, for checks that set none (e.g. 30s, 2m)').argParser(durationFlag('--timeout')))
    .addOption(new Option('--debounce <duration>', 'quiet time after the last change before the affected checks run again').argParser(boundedDurationFlag('--debounce')).default(200, '"200ms"'))
    .option('--stream', 'NDJSON events on stdout: every run\'s events, and watch:ready / watch:change')
    .addOption(new Option('--keep-runs <n>', 'run folders kept in --log-dir (default: 20)').argParser(parseKeepRuns))
    .option('--shared-cache', 'as for check: also read and store passed checks in the Redis of FANOUT_REDIS_URL (or FANOUT_REDIS_URL_FILE), signed with the shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE); env FANOUT_SHARED_CACHE=1');
  return withRedisTls(watch);
}

/** The flags of `fanout watch`, global ones included, as commander gives them. */
export type WatchFlags = ReturnType<ReturnType<typeof command>['optsWithGlobals']>;

/** The watch action's options from the command line. */
export function watchOptions(flags: WatchFlags, logDir: string): WatchOptions {
  if (flags.json) throw new UsageError('watch has no single JSON document: use --stream for NDJSON events');
  return {
    ...commonOptions(flags),
    parallel: parseParallel(flags.parallel ?? '4'),
    failFast: flags.failFast === true,
    logDir,
    errorExitCode: parseExitCode(flags.errorExitCode),
    only: flags.only,
    tags: flags.tags,
    excludeTags: flags.excludeTags,
    timeoutMs: flags.timeout,
    debounceMs: flags.debounce,
    stream: flags.stream === true,
    keepRuns: flags.keepRuns,
    sharedCache: sharedCacheTarget(flags),
  };
}

/** Registers `fanout watch`. */
export function register(program: Program): void {
  command(program).action(async (ids, _options, command) => {
    const flags = command.optsWithGlobals();
    const { logDirOf } = await import('../log-dir.js');
    const options = watchOptions(flags, await logDirOf(flags));
    const { watchCommand } = await import('../actions/watch.js');
    finish(await watchCommand(ids, options, versionOf(program)));
  });
}
