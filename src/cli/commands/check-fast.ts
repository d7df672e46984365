// `fanout check` without commander: the command lines most runs are (`fanout check`, `fanout check -c FILE ids…`)
// are read here, as commander reads them, and the run starts without loading commander and building the program's
// forty-odd flags. Anything else — help, an unknown or a rarer flag, a value that could be a flag, `--` — is
// left to commander (see program.ts), which parses it the same way or says what is wrong.
import { checkCommand, type CheckOptions } from '../actions/check.js';
import { EXIT_INFRASTRUCTURE, UsageError } from '../errors.js';
import { exitOnBrokenStdout, reportFailure } from '../failure.js';
import { logDirOf } from '../log-dir.js';
import { durationFlag, parseExitCode, parseKeepRuns, parseList, parseParallelOrDefault } from '../options.js';
import { sharedCacheFromEnv } from '../redis-cache.js';
import { afterWritten } from '../terminal.js';
import { commonOptions, finish, redisTarget, type CommonFlags } from './flags.js';

/** The flags of `fanout check`, global ones included, as commander gives them (see check.ts). */
export interface CheckFlags extends CommonFlags {
  parallel?: string | undefined;
  failFast?: true | undefined;
  logDir?: string | undefined;
  errorExitCode: string;
  only: string[];
  tags: string[];
  excludeTags: string[];
  schedule: 'ready' | 'levels';
  timeout?: number | undefined;
  maxTime?: number | undefined;
  stream?: true | undefined;
  junit?: string | undefined;
  redis?: string | true | undefined;
  redisCa?: string | undefined;
  redisCert?: string | undefined;
  redisKey?: string | undefined;
  redisServername?: string | undefined;
  queue: string;
  commit?: string | undefined;
  insecure?: true | undefined;
  workerWait: number;
  heartbeatTtl: number;
  shard?: string | undefined;
  cache: boolean;
  sharedCache?: true | undefined;
  configCache: boolean;
  observer?: 'noop' | 'json' | 'otel' | undefined;
  asyncThreshold?: number | 'off' | undefined;
  asyncParallel?: number | undefined;
  resume?: string | true | undefined;
  changed?: string | true | undefined;
  dryRun?: true | undefined;
  background?: true | undefined;
  keepRuns?: number | undefined;
}

/** The flags commander sets before reading any: the defaults check.ts and global.ts give. */
const DEFAULTS = { color: true, errorExitCode: '1', only: [], tags: [], excludeTags: [], schedule: 'ready', queue: 'checks', workerWait: 30_000, heartbeatTtl: 5_000, cache: true, configCache: true } as const;

/** A flag read here: the key commander stores it under, and its value's parser (none for a switch). */
interface Flag {
  key: keyof CheckFlags;
  /** A flag of the program, which commander reads before the command's name too; the command's own come after it. */
  global?: true;
  /** The value of a `--no-…` switch. */
  negated?: true;
  parse?: (text: string, previous: unknown) => unknown;
}

const asText = (text: string) => text;
const list = (text: string, previous: unknown) => parseList(text, previous as string[]);

/** The flags read here; each parser is the one commander is given. */
const FLAGS: ReadonlyMap<string, Flag> = new Map<string, Flag>([
  ['-c', { key: 'config', global: true, parse: asText }],
  ['--config', { key: 'config', global: true, parse: asText }],
  ['-v', { key: 'verbose', global: true }],
  ['--verbose', { key: 'verbose', global: true }],
  ['--json', { key: 'json', global: true }],
  ['--no-color', { key: 'color', global: true, negated: true }],
  ['-p', { key: 'parallel', global: true, parse: asText }],
  ['--parallel', { key: 'parallel', global: true, parse: asText }],
  ['--fail-fast', { key: 'failFast', global: true }],
  ['--log-dir', { key: 'logDir', global: true, parse: asText }],
  ['--error-exit-code', { key: 'errorExitCode', global: true, parse: asText }],
  ['--strict', { key: 'strict', global: true }],
  ['--only', { key: 'only', parse: list }],
  ['--tags', { key: 'tags', parse: list }],
  ['--exclude-tags', { key: 'excludeTags', parse: list }],
  ['--timeout', { key: 'timeout', parse: durationFlag('--timeout') }],
  ['--max-time', { key: 'maxTime', parse: durationFlag('--max-time') }],
  ['--stream', { key: 'stream' }],
  ['--junit', { key: 'junit', parse: asText }],
  ['--no-cache', { key: 'cache', negated: true }],
  ['--no-config-cache', { key: 'configCache', negated: true }],
  ['--dry-run', { key: 'dryRun' }],
  ['--keep-runs', { key: 'keepRuns', parse: parseKeepRuns }],
]);

/**
 * The check ids and flags of a `fanout check` (or `fanout run`) command line, as commander would parse them, or
 * undefined when it is not one this reads: then commander parses it (its own errors and help included). Read: the
 * flags of {@link FLAGS} (the program's before or after the command, the command's after it), each value as the next word (or after `=` for a long flag)
 * unless it starts with `-`; every other word after the command is a check id. A value its parser rejects is left to
 * commander too, which reports it in its words.
 * @example
 * ```ts
 * import { parseCheckArgs } from './check-fast.js';
 *
 * parseCheckArgs(['check', '-c', 'ci.yaml', 'lint']); // { ids: ['lint'], flags: { config: 'ci.yaml', … } }
 * parseCheckArgs(['check', '--help']); // undefined
 * ```
 */
export function parseCheckArgs(args: readonly string[]): { ids: string[]; flags: CheckFlags } | undefined {
  const flags: Record<string, unknown> = { ...DEFAULTS, only: [], tags: [], excludeTags: [] };
  const ids: string[] = [];
  let command = false;
  try {
    for (let index = 0; index < args.length; index++) {
      const arg = args[index]!;
      if (!arg.startsWith('-')) {
        if (command) ids.push(arg);
        else if (arg === 'check' || arg === 'run') command = true;
        else return undefined;
        continue;
      }
      const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
      const name = equals < 0 ? arg : arg.slice(0, equals);
      const flag = FLAGS.get(name);
      if (flag === undefined || (!command && flag.global !== true)) return undefined;
      if (flag.parse === undefined) {
        if (equals >= 0) return undefined;
        flags[flag.key] = flag.negated !== true;
        continue;
      }
      const value = equals >= 0 ? arg.slice(equals + 1) : args[++index];
      if (value === undefined || (equals < 0 && value.startsWith('-'))) return undefined;
      flags[flag.key] = flag.parse(value, flags[flag.key]);
    }
  } catch {
    return undefined;
  }
  return command ? { ids, flags: flags as unknown as CheckFlags } : undefined;
}

/** The check action's options from the command line; `logDir` is the log folder (see logDirOf). */
export function checkOptions(flags: CheckFlags, logDir: string): CheckOptions {
  const shared = flags.sharedCache === true || sharedCacheFromEnv();
  if (flags.redis === undefined && !shared && [flags.redisCa, flags.redisCert, flags.redisKey, flags.redisServername].some((value) => value !== undefined)) {
    throw new UsageError('--redis-ca, --redis-cert, --redis-key and --redis-servername go with --redis or --shared-cache (a local run uses no Redis)');
  }
  if (flags.stream && flags.json) throw new UsageError('--stream and --json both write to stdout: choose one (the stream’s run:end event carries the JSON report)');
  if (flags.resume !== undefined && flags.changed !== undefined) throw new UsageError('--resume and --changed both choose the checks: give one');
  if (flags.dryRun === true && flags.stream === true) throw new UsageError('--dry-run runs nothing, so it has no events to stream: use --json for the plan as JSON');
  return {
    ...commonOptions(flags),
    parallel: parseParallelOrDefault(flags.parallel ?? (flags.redis === undefined ? '0' : '64')),
    failFast: flags.failFast === true,
    logDir,
    logDirFlag: flags.logDir,
    errorExitCode: parseExitCode(flags.errorExitCode),
    only: flags.only,
    tags: flags.tags,
    excludeTags: flags.excludeTags,
    schedule: flags.schedule,
    timeoutMs: flags.timeout,
    maxTimeMs: flags.maxTime,
    stream: flags.stream === true,
    junit: flags.junit,
    redis: flags.redis === undefined ? undefined : redisTarget(flags),
    queue: flags.queue,
    commit: flags.commit,
    insecure: flags.insecure === true,
    workerWaitMs: flags.workerWait,
    heartbeatTtlMs: flags.heartbeatTtl,
    shard: flags.shard,
    observer: flags.observer,
    configCache: flags.configCache,
    resultCache: flags.cache,
    sharedCache: shared ? redisTarget(flags) : undefined,
    asyncThresholdMs: flags.asyncThreshold === 'off' ? null : flags.asyncThreshold,
    asyncParallel: flags.asyncParallel,
    resume: flags.resume,
    changed: flags.changed,
    background: flags.background === true ? true : undefined,
    keepRuns: flags.keepRuns,
    dryRun: flags.dryRun === true ? true : undefined,
  };
}

/** Runs `fanout check` with the ids and flags of its command line; sets process.exitCode. */
export async function runCheck(ids: string[], flags: CheckFlags, version: string): Promise<void> {
  const options = checkOptions(flags, await logDirOf(flags));
  const code = await checkCommand(ids, options, version);
  // BullMQ keeps a 5 s retry timer after Redis is lost: the run is over, so the process does not wait for it.
  if (code === EXIT_INFRASTRUCTURE) afterWritten(process.stdout, () => process.exit(code));
  finish(code);
}

/**
 * Runs the CLI for `args` when {@link parseCheckArgs} reads them, as program.ts's main would (same output, same exit
 * codes); false, having done nothing, when it does not.
 */
export async function mainWithoutCommander(args: readonly string[], version: string): Promise<boolean> {
  const parsed = parseCheckArgs(args);
  if (parsed === undefined) return false;
  exitOnBrokenStdout();
  try {
    await runCheck(parsed.ids, parsed.flags, version);
  } catch (error) {
    await reportFailure(error, args);
  }
  return true;
}
