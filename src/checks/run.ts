// The public checks engine: one run of a check config, from the selection to the report, as a stream of RunEvents.
// `fanout check`, the agent hook and background runs are its clients; it prints nothing, reads no argv, never exits.
import { statfsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import type { ResolvedCheck, ResolvedConfig } from '../config/types.js';
import { createLocalExecutor, FANOUT_KEY_VARIABLES, type Executor } from '../exec/executor.js';
import { spawnStartTime, usableCpus } from '../exec/processes.js';
import { publishNewFileSync } from '../common/safe-file.js';
import type { Observer } from '../observe/types.js';
import { assertInteger, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { createMaskerWith } from '../common/mask.js';
import { timeoutWithin } from '../common/timer.js';
import { displayPath, jsonText } from '../common/text.js';
import { logDirError } from './errors.js';
import type { CheckEndEvent, RunEndEvent, RunEvent, RunNote, RunReport } from './events.js';
import { loadConfigCached, warningNotes } from './load.js';
import { selectForRun, startJournal } from './prepare.js';
import { stopsVibeguardRun } from './evaluate.js';
import { isBlocking, type CheckRecord } from './record.js';
import { buildReport, reportCheck } from './report.js';
import { isAsync, runSession, type RunAbort, type RunListener } from './session.js';
import { selectShard, withoutHidden } from './shard.js';
import { createRunLogs, previousDurations, writeError, type WriteError } from './state/logs.js';
import { isCacheable, RunCache } from './cache/run-cache.js';
import type { SharedCache } from './cache/remote.js';

/** The log folder of a run whose options name none, in the config's folder (one per project, wherever it runs from). */
export const DEFAULT_LOG_DIR = '.fanout/runs';

/**
 * The log folder of a run (absolute): `logDir` relative to `cwd`, else {@link DEFAULT_LOG_DIR} in the config's folder
 * (the folder of the file `config` names, relative to `cwd`, or a loaded config's `dir`).
 */
export function runLogDir(options: Pick<RunChecksOptions, 'config' | 'logDir'>, cwd: string): string {
  if (options.logDir !== undefined) return resolve(cwd, options.logDir);
  return join(typeof options.config === 'string' ? dirname(resolve(cwd, options.config)) : options.config.dir, DEFAULT_LOG_DIR);
}
/** The exit code of a run whose infrastructure failed (EX_TEMPFAIL): running it again may pass. */
export const EXIT_INFRASTRUCTURE = 75;

/** Options of {@link runChecks}. Durations are in milliseconds. */
export interface RunChecksOptions {
  /** The config: a file path (relative to `cwd`), or one {@link loadConfig} loaded. */
  config: string | ResolvedConfig;
  /** With a config file path: treat the config's warnings as errors. @default false */
  strict?: boolean | undefined;
  /** Run these checks (and what they require). @default every check */
  ids?: readonly string[] | undefined;
  /** Run exactly these checks; what they require outside them counts as satisfied. */
  only?: readonly string[] | undefined;
  /** Run the checks with one of these tags (and what they require). */
  tags?: readonly string[] | undefined;
  /** Leave out the checks with one of these tags (unless a selected check requires them). */
  excludeTags?: readonly string[] | undefined;
  /** Only the checks whose `files:` match what git reports changed since this ref (true: `HEAD`). */
  changed?: string | true | undefined;
  /** Rerun what did not pass in this run of `logDir` (true: the latest). Goes with no ids, `only` or `tags`. */
  resume?: string | true | undefined;
  /** Run only this shard's checks (`'2/4'` or `{ index: 2, total: 4 }`, 1-based) and what they require. */
  shard?: string | { index: number; total: number } | undefined;
  /**
   * Checks running at once.
   * @default the CPUs this process may use (the smaller of `os.availableParallelism()` and the cgroup's CPU quota, at
   * least 1); 4 for a vibeguard.* config, as in VibeGuard
   */
  parallel?: number | undefined;
  /** Async checks running at once (they run outside `parallel`). @default parallel */
  asyncParallel?: number | undefined;
  /**
   * A check whose own `timeout:` (never {@link RunChecksOptions.timeout}) is above this is async too; null: only
   * `async: true` ones. @default null
   */
  asyncThreshold?: number | null | undefined;
  /** Stop the run at the first failure of a check of severity error. @default false */
  failFast?: boolean | undefined;
  /** `ready`: start each check as soon as what it requires passed; `levels`: level by level. @default 'ready' */
  schedule?: 'ready' | 'levels' | undefined;
  /**
   * The timeout of checks that set none, in milliseconds (> 0; a fraction is rounded up). @default each check's own
   * (10 minutes when it sets none)
   */
  timeout?: number | undefined;
  /**
   * Stop the whole run after this long: what runs is cancelled, what waits is skipped, the run fails. Beyond 2^31 - 1
   * (about 24.8 days) it is no limit.
   */
  maxTime?: number | undefined;
  /**
   * Milliseconds a stopped check (its timeout, `maxTime`, a signal, fail-fast) gets between SIGTERM and SIGKILL; what
   * the checks left running gets as long (a fraction is rounded up). A caller with a hard deadline shortens it.
   * @default 2000
   */
  killGrace?: number | undefined;
  /**
   * Where run folders (logs, journal, report.json) go, relative to `cwd`. @default '.fanout/runs' in the config's
   * folder (of the file `config` names, or a loaded config's `dir`), whatever `cwd` is
   */
  logDir?: string | undefined;
  /** Run folders kept in `logDir` (the oldest are pruned). @default 20 */
  keepRuns?: number | undefined;
  /**
   * Runs each attempt's command: an Executor, or a function making one once the config is loaded and the checks
   * selected (a remote executor needs the config's folder). @default a local executor
   */
  executor?: Executor | ((config: ResolvedConfig) => Executor | Promise<Executor>) | undefined;
  /**
   * Stops the run: running checks are cancelled, waiting ones skipped, and the report is still made. Abort it with a
   * {@link RunAbort} (`{ kind: 'signal', signal: 'SIGINT' }`) to have the report say why.
   */
  signal?: AbortSignal | undefined;
  /** The folder paths in the report are shown relative to. @default process.cwd() */
  cwd?: string | undefined;
  /** The environment whose secret values are masked in the report and events. @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Further values masked in the report, the events, the journal and cached results, whatever variable they came from
   * (the password of the Redis URL, the shared secret read from its file). @default []
   */
  secrets?: readonly string[] | undefined;
  /** The report's exit code when a check fails. @default 1 */
  errorExitCode?: number | undefined;
  /** Receives the graph's events (task start and end, spans). */
  observer?: Observer | undefined;
  /** With a config file path: reuse the resolution of an unchanged config from `<logDir>/.config-cache`. @default false */
  configCache?: boolean | undefined;
  /** The version the report names as the tool's. @default this package's */
  version?: string | undefined;
  /** The command line the run journal records, to say how to rerun the run. @default [] */
  argv?: readonly string[] | undefined;
  /**
   * Replay the stored results of checks with `inputs` whose key (inputs, spec, env_inputs, requirements) is unchanged,
   * instead of running them. false: every check runs; fresh passes are still stored. @default true
   */
  cache?: boolean | undefined;
  /**
   * A cache of passed checks shared with other machines (see {@link SharedCache}): read on a local miss, written after
   * a local store and given the local hits it lacks (off the run's path), so a check passed on one CI shard is a hit
   * on another. The caller closes it after the run (which waits for those writes).
   * @default none
   */
  sharedCache?: SharedCache | undefined;
}

/** What a run is about to do, known before its first check starts. */
export interface PreparedRun {
  runId: string;
  /** The run's folder: its logs, journal.ndjson and report.json. */
  runDir: string;
  config: ResolvedConfig;
  /** The checks the run reports, in config order (with `shard`, the shard's own). */
  checks: readonly ResolvedCheck[];
  /** What the run tells besides its events (resuming, a config warning, what the reaper of dead runs killed). */
  notes: readonly RunNote[];
}

/**
 * A running run: iterate it for its events (each one, in order, from the first, whenever iteration starts; breaking
 * out does not stop the run: abort `signal` for that), or await `report`. An iteration waiting for the next event gets
 * it in the turn of the event loop the engine emits it in (microtasks later, before any timer or I/O callback): a
 * live view fed by it never lags behind the run.
 */
export interface CheckRun extends AsyncIterable<RunEvent> {
  /** The final report (what `fanout check --json` prints); rejects with a UsageError for a bad config or selection. */
  readonly report: Promise<RunReport>;
  /** Resolves once the run folder and journal exist, before the first event; rejects as `report` does. */
  readonly prepared: Promise<PreparedRun>;
}

/** The events of a run so far, and who waits for the next one. */
class EventLog {
  readonly events: RunEvent[] = [];
  private over = false;
  private failure: { error: unknown } | undefined;
  private waiters: Array<() => void> = [];

  push(event: RunEvent): void {
    this.events.push(event);
    this.wake();
  }

  end(failure?: { error: unknown }): void {
    this.over = true;
    this.failure = failure;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  iterator(): AsyncIterator<RunEvent> {
    let index = 0;
    let stopped = false;
    const next = async (): Promise<IteratorResult<RunEvent>> => {
      for (;;) {
        if (stopped) return { done: true, value: undefined };
        const event = this.events[index];
        if (event !== undefined) {
          index++;
          return { done: false, value: event };
        }
        if (this.over) {
          stopped = true;
          if (this.failure !== undefined) throw this.failure.error;
          return { done: true, value: undefined };
        }
        await new Promise<void>((wake) => this.waiters.push(wake));
      }
    };
    return {
      next,
      // Only this iteration ends: the run goes on (it is stopped through its signal).
      return: () => {
        stopped = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

/**
 * Runs the checks of a config: selects them, runs them as a graph (what each requires first, `parallel` at once),
 * writes the run folder (logs, journal, report.json) and reports. Resolves `report` whether checks pass or not;
 * the report's `exit_code` says how the run went.
 *
 * @example
 * ```ts
 * import { runChecks } from 'fanout/checks';
 *
 * const run = runChecks({ config: 'fanout.yaml', parallel: 4, maxTime: 60_000 });
 * for await (const event of run) {
 *   if (event.type === 'check:end') console.log(event.id, event.status, event.check.reason_code ?? '');
 * }
 * const report = await run.report;
 * process.exitCode = report.exit_code;
 * ```
 */
export function runChecks(options: RunChecksOptions): CheckRun {
  validate(options);
  const log = new EventLog();
  let prepare!: (prepared: PreparedRun) => void;
  let refuse!: (error: unknown) => void;
  const prepared = new Promise<PreparedRun>((resolvePrepared, rejectPrepared) => {
    prepare = resolvePrepared;
    refuse = rejectPrepared;
  });
  const report = execute(options, log, prepare).then(
    (value) => {
      log.end();
      return value;
    },
    (error: unknown) => {
      refuse(error);
      log.end({ error });
      throw error;
    },
  );
  // Either may be the only one awaited: neither is an unhandled rejection on its own.
  report.catch(() => undefined);
  prepared.catch(() => undefined);
  return { report, prepared, [Symbol.asyncIterator]: () => log.iterator() };
}

function validate(options: RunChecksOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  if (typeof options.config !== 'string' && (typeof options.config !== 'object' || options.config === null || !Array.isArray(options.config.checks))) {
    throw invalidArgument('options.config', 'a config file path or a loaded config', options.config);
  }
  if (options.parallel !== undefined) assertInteger('options.parallel', options.parallel, 1);
  if (options.asyncParallel !== undefined) assertInteger('options.asyncParallel', options.asyncParallel, 1);
  if (options.errorExitCode !== undefined) assertInteger('options.errorExitCode', options.errorExitCode, 0);
  if (options.keepRuns !== undefined) assertInteger('options.keepRuns', options.keepRuns, 1);
  for (const name of ['timeout', 'maxTime', 'asyncThreshold', 'killGrace'] as const) {
    const value = options[name];
    if (value !== undefined && value !== null && (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value))) {
      throw invalidArgument(`options.${name}`, 'a number of milliseconds >= 0', value);
    }
  }
  // A command's timeout of 0 would end every check before it starts (an internal error of each check before).
  if (options.timeout === 0) throw invalidArgument('options.timeout', 'a number of milliseconds > 0', 0);
  for (const name of ['ids', 'only', 'tags', 'excludeTags', 'argv'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) {
      throw invalidArgument(`options.${name}`, 'an array of strings', value);
    }
  }
  const secrets: unknown = options.secrets;
  if (secrets !== undefined && (!Array.isArray(secrets) || secrets.some((item) => typeof item !== 'string'))) {
    // Not shown: what was passed is likely the secret itself.
    throw new TypeError(`options.secrets must be an array of strings, received ${Array.isArray(secrets) ? 'an array holding a non-string' : secrets === null ? 'null' : typeof secrets} (value not shown)`);
  }
  for (const name of ['changed', 'resume'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && value !== true && typeof value !== 'string') throw invalidArgument(`options.${name}`, 'a string or true', value);
  }
  for (const name of ['strict', 'failFast', 'configCache', 'cache'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== 'boolean') throw invalidArgument(`options.${name}`, 'a boolean', value);
  }
  for (const name of ['logDir', 'cwd', 'version'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== 'string') throw invalidArgument(`options.${name}`, 'a string', value);
  }
  const { shard, executor, env } = options as { shard?: unknown; executor?: unknown; env?: unknown };
  if (shard !== undefined && typeof shard !== 'string' && (typeof shard !== 'object' || shard === null)) {
    throw invalidArgument('options.shard', 'a string "i/n" or { index, total }', shard);
  }
  if (executor !== undefined && typeof executor !== 'function' && (typeof executor !== 'object' || executor === null || typeof (executor as { execute?: unknown }).execute !== 'function')) {
    throw invalidArgument('options.executor', 'an executor (an object with execute()) or a function of the config returning one', executor);
  }
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) throw invalidArgument('options.env', 'an object of variables', env);
  assertOptionalSignal('options.signal', options.signal);
}

/**
 * Room the log folder's file system must have for checks to write their logs themselves (`directLog`). A check whose
 * stdout is a file on a full disk gets ENOSPC itself, and a passing check can fail of it; with less room, checks
 * write through pipes, fanout keeps their output in memory for the report, and a log it cannot write is a warning and
 * an entry of write_errors. (A disk that fills during the run can still reach a check that writes its log itself.)
 */
const LOG_ROOM_BYTES = 64 * 1024 * 1024;

function roomForLogs(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= LOG_ROOM_BYTES;
  } catch {
    return true; // no statfs here: as before
  }
}

const now = () => new Date().toISOString();

/** `parallel` when none is given: VibeGuard's 4 for its files, else the CPUs this process may really use. */
function defaultParallel(config: ResolvedConfig): number {
  return config.vibeguardCompat ? 4 : usableCpus();
}

async function execute(options: RunChecksOptions, log: EventLog, prepare: (prepared: PreparedRun) => void): Promise<RunReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const logDir = runLogDir(options, cwd);
  const version = options.version ?? pkg.version;
  const notes: RunNote[] = [];
  let config: ResolvedConfig;
  let saveConfig: (() => void) | undefined;
  if (typeof options.config === 'string') {
    const loaded = await loadConfigCached({ config: resolve(cwd, options.config), cwd, strict: options.strict, cache: options.configCache === true ? { logDir, version } : undefined });
    ({ config, save: saveConfig } = loaded);
    notes.push(...loaded.notes, ...warningNotes(config, cwd));
  } else {
    config = options.config;
  }
  const selection = selectForRun(
    config,
    { ids: options.ids ?? [], only: options.only ?? [], tags: options.tags ?? [], excludeTags: options.excludeTags ?? [] },
    { resume: options.resume, changed: options.changed, asyncThresholdMs: options.asyncThreshold, logDir },
    notes,
  );
  const shardText = typeof options.shard === 'object' ? `${options.shard.index}/${options.shard.total}` : options.shard;
  const { checks, hidden, shard } =
    shardText === undefined ? { checks: selection.checks, hidden: new Set<string>(), shard: undefined } : selectShard(selection.checks, shardText);
  const executor = typeof options.executor === 'function' ? await options.executor(config) : options.executor;
  // VibeGuard says nothing of an empty selection.
  if (checks.length === 0 && !config.vibeguardCompat) notes.push({ code: 'empty-selection', message: 'no check matches the selection' });
  if (selection.pulledIn.length > 0) notes.push({ code: 'pulled-in', message: `also running ${selection.pulledIn.join(', ')}: required by the selected checks` });
  // The run's own signal: the caller's, and `maxTime`. Made before the cache starts listing the inputs, so that a stop
  // ends that git too (the caller's signal reaches it once linked below, the moment the run starts: an abort before is
  // seen then, and no listener stays on the caller's signal when preparing fails).
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  // Before the run folder and the journal: it starts listing the inputs (git), which goes on meanwhile.
  const cache = openCache(
    checks,
    { logDir, dir: config.dir, version, vibeguard: config.vibeguardCompat, read: options.cache !== false, env: options.env ?? process.env, shared: options.sharedCache, configChecks: config.checks },
    notes,
    controller.signal,
  );
  // Once the run is over (reported, or failed to prepare) nothing of it goes on: a listing no check waited for ends.
  const ended = () => abort({ kind: 'abort' } satisfies RunAbort);
  const { estimates, logs, mask, journal, runner } = await (async () => {
    // The estimates order checks ready at the same time: a run of one check has none to order.
    const estimates = checks.length > 1 ? await previousDurations(logDir, checks.map((check) => check.id)) : new Map<string, number>();
    const logs = await createRunLogs(logDir).catch((error: unknown) => {
      throw logDirError(logDir, error);
    });
    saveConfig?.();
    // A snapshot of the environment spares every spawn a read of it (a run does not change it); a check's log file is
    // its stdout and stderr (see roomForLogs). fanout's own keys stay out of it: a check able to read the shared
    // secret could sign a cached result saying another check passed.
    const runner = executor ?? createLocalExecutor({ snapshotEnv: true, mergeStderr: true, directLog: roomForLogs(logs.dir), withheldEnv: FANOUT_KEY_VARIABLES });
    const mask = createMaskerWith(options.secrets ?? [], options.env ?? process.env, ...checks.map((check) => check.env));
    const journal = await startJournal(logs, { logDir, config, cwd, argv: options.argv, keepRuns: options.keepRuns }, notes);
    return { estimates, logs, mask, journal, runner };
  })().catch((error: unknown) => {
    ended();
    throw error;
  });
  // Told here, on the way to the first spawn without a turn between: a client going on once the run is prepared
  // (the CLI makes its stdout then) finds the first check started.
  const shown = checks.filter((check) => !hidden.has(check.id));
  prepare({ runId: logs.runId, runDir: logs.dir, config, checks: shown, notes });

  const emit = (event: RunEvent) => {
    journal.write(event);
    log.push(event);
  };
  const listener: RunListener = {
    onRunStart: (records) =>
      emit({
        type: 'run:start',
        time: now(),
        run_id: logs.runId,
        total: records.length,
        checks: records.map(({ check }) => ({ id: check.id, requires: check.requires, severity: check.severity, async: isAsync(check) })),
      }),
    onCheckStart: (record, attempt) => {
      const async = isAsync(record.check);
      emit({ type: 'check:start', time: now(), id: record.check.id, attempt, async, status: async ? 'pending' : 'running', log_file: record.logFile ?? null });
    },
    onCheckRetry: (record, attempt, previous) =>
      emit({
        type: 'check:retry',
        time: now(),
        id: record.check.id,
        attempt,
        previous: { status: previous.status, reason: previous.failure === undefined ? null : mask(previous.failure.message), reason_code: previous.failure?.code ?? null },
      }),
    onCheckSpawn: (record, attempt, pid) =>
      emit({ type: 'check:spawn', time: now(), id: record.check.id, attempt, pgid: pid, pgid_start: spawnStartTime(pid), log_file: record.logFile ?? null }),
    onCheckEnd: (record: CheckRecord) => {
      emit(checkEnd(record, cwd, mask));
      // VibeGuard stops its run when a check cannot be judged (its `file:` unreadable, a grok pattern or assert it
      // rejects, an assert it cannot evaluate): so does a vibeguard.* config.
      if (config.vibeguardCompat && stopsVibeguardRun(record.check, record.failure)) abort({ kind: 'check-error', id: record.check.id, message: record.failure?.message ?? '' } satisfies RunAbort);
    },
  };

  const callerSignal = options.signal;
  const onCallerAbort = () => abort(callerSignal?.reason);
  if (callerSignal?.aborted === true) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const { maxTime } = options;
  const timer = maxTime === undefined ? undefined : timeoutWithin(() => abort({ kind: 'max-time', ms: maxTime } satisfies RunAbort), maxTime);
  let run;
  try {
    run = await runSession(checks, {
      observer: options.observer,
      executor: runner,
      maxParallel: options.parallel ?? defaultParallel(config),
      asyncParallel: options.asyncParallel,
      failFast: options.failFast === true,
      schedule: options.schedule ?? 'ready',
      defaultTimeoutMs: options.timeout,
      killGraceMs: options.killGrace,
      signal: controller.signal,
      logs,
      estimates,
      prompts: config.prompts,
      mask,
      unmet: selection.unmet,
      listener: withoutHidden(listener, hidden),
      cache,
      configFile: displayPath(config.file, cwd),
      vibeguardCompat: config.vibeguardCompat,
    });
  } catch (error) {
    journal.close();
    await journal.pruned;
    throw error;
  } finally {
    cache?.finish();
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
    ended();
  }
  if (hidden.size > 0) run = { ...run, records: run.records.filter((record) => !hidden.has(record.check.id)) };

  const interrupted = run.abort?.kind === 'signal' ? run.abort.signal : undefined;
  const failed = run.records.some(isBlocking) || run.abort?.kind === 'max-time';
  const exitCode =
    interrupted !== undefined
      ? 128 + (constants.signals[interrupted] ?? 0)
      : run.abort?.kind === 'infrastructure'
        ? EXIT_INFRASTRUCTURE
        : run.abort?.kind === 'check-error'
          ? 1 // VibeGuard returns its error (exit 1), not a failed run's --error-exit-code, when a check cannot be judged
          : failed
            ? (options.errorExitCode ?? 1)
            : 0;
  const report = buildReport(run, { version, runId: logs.runId, configFile: config.file, logDir: logs.dir, cwd, exitCode, mask, shard });
  // The report is complete in memory: what follows writes copies of it, and a file that cannot be written (a full
  // disk...) is an entry of write_errors, never a lost report nor another exit code.
  const writeErrors: WriteError[] = [...logs.writeErrors];
  for (const record of run.records) if (record.logError !== undefined) writeErrors.push({ file: record.logFile ?? record.check.id, error: record.logError });
  const cacheError = cache?.writeError();
  if (cacheError !== undefined) writeErrors.push(cacheError);
  // What the cache could not do (inputs that match no file, a key it could not compute): warnings of their own.
  const cacheWarnings = cache?.warnings() ?? [];
  const warned: RunReport = cacheWarnings.length === 0 ? report : { ...report, cache_warnings: cacheWarnings };
  const withErrors = (): RunReport =>
    writeErrors.length === 0 ? warned : { ...warned, write_errors: writeErrors.map((failure) => ({ file: displayPath(failure.file, cwd), error: failure.error })) };
  journal.write(runEnd(withErrors()));
  journal.close();
  if (journal.journal.error !== undefined) writeErrors.push(writeError(journal.journal.file, journal.journal.error));
  const reportFile = resolve(logs.dir, 'report.json');
  try {
    publishNewFileSync(reportFile, `${jsonText(withErrors(), 2)}\n`);
  } catch (error) {
    writeErrors.push(writeError(reportFile, error));
  }
  const final = withErrors();
  log.push(runEnd(final));
  // Nothing of the run goes on once its report is out.
  await journal.pruned;
  return final;
}

/**
 * The cache of the run when a selected check is cacheable and the store may be used; a refused store is a note.
 * `signal` (the run's) stops the listing of the inputs it starts.
 */
function openCache(checks: readonly ResolvedCheck[], options: ConstructorParameters<typeof RunCache>[0], notes: RunNote[], signal: AbortSignal): RunCache | undefined {
  if (!checks.some(isCacheable)) return undefined;
  const cache = new RunCache({ ...options, checks });
  const problem = cache.problem(signal);
  if (problem === undefined) return cache;
  notes.push({ code: 'cache-refused', message: `warning: not using the cache of passed checks ${problem}` });
  return undefined;
}

function checkEnd(record: CheckRecord, cwd: string, mask: (text: string) => string): CheckEndEvent {
  return { type: 'check:end', time: now(), id: record.check.id, status: record.status, check: reportCheck(record, cwd, mask) };
}

function runEnd(report: RunReport): RunEndEvent {
  return { type: 'run:end', time: now(), run_id: report.run_id, exit_code: report.exit_code, counts: report.counts, report };
}
