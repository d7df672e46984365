// The engine of a checks run: resolved checks -> graph tasks -> executor attempts -> one record per check.
import { bootTicksNowOrRead } from '../exec/processes.js';
import { sweepSettled, trackSession, untrackSession } from '../exec/kill-groups.js';
import type { Observer } from '../observe/types.js';
import type { Prompt, ResolvedCheck, Trigger } from '../config/types.js';
import { renderGoTemplate, renderTemplate } from '../config/template.js';
import { FanoutError, messageOf } from '../common/errors.js';
import { Semaphore } from '../core/semaphore.js';
import type { CommandSpec, Executor } from '../exec/executor.js';
import type { CommandResult } from '../exec/run-command.js';
import type { GraphEvent, GraphTask, SkipReason, TaskOutcome } from '../graph/types.js';
import { runGraph } from '../graph/scheduler.js';
import { evaluateAttempt, type Verdict } from './evaluate.js';
import type { RunLogs } from './state/logs.js';
import type { CheckRecord, FailureReason, TriggeredPrompt } from './record.js';
import { tailLines } from '../common/text.js';
import { isCacheable, RunCache, type CacheTicket } from './cache/run-cache.js';
import { formatDuration } from '../common/duration.js';

/** Lines of output kept in reports. */
export const TAIL_LINES = 20;
/** How long a check without a timeout waits for another run holding its claim in the shared cache. */
const SHARED_WAIT_MS = 10 * 60 * 1000;
/** How long what a run's checks left behind gets between SIGTERM and SIGKILL (the exec layer's default grace). */
const SWEEP_GRACE_MS = 2000;

/** Observers of a run, called synchronously in causal order. */
export interface RunListener {
  onRunStart?(records: readonly CheckRecord[]): void;
  onCheckStart?(record: CheckRecord, attempt: number): void;
  /** An attempt failed and another one starts. */
  onCheckRetry?(record: CheckRecord, attempt: number, previous: Verdict): void;
  /** An attempt's shell started locally: `pid` is also its process group (the run journal records it). */
  onCheckSpawn?(record: CheckRecord, attempt: number, pid: number): void;
  /** The check's final status is known (cancelled checks: once their process group is gone). */
  onCheckEnd?(record: CheckRecord): void;
}

export interface RunSettings {
  executor: Executor;
  maxParallel: number;
  /** Checks of the async pool running at once (`--async-parallel`). @default maxParallel */
  asyncParallel?: number | undefined;
  failFast: boolean;
  schedule: 'ready' | 'levels';
  /** `--timeout`: replaces the default timeout of checks that do not set one. */
  defaultTimeoutMs?: number | undefined;
  /** Between SIGTERM and SIGKILL when a check is stopped, and for what the checks left behind. @default 2000 */
  killGraceMs?: number | undefined;
  /** Aborts the run: signals, `--max-time`. Its reason says which (see {@link RunAbort}). */
  signal: AbortSignal;
  logs: RunLogs;
  estimates: ReadonlyMap<string, number>;
  prompts: readonly Prompt[];
  mask: (text: string) => string;
  listener: RunListener;
  /** `--observer NAME`: receives the graph's events (json lines on stderr, OpenTelemetry spans). */
  observer?: Observer | undefined;
  /** How long grok and the assert may run over one attempt's output before the check fails. @default 5000 */
  matchTimeoutMs?: number | undefined;
  /** The cache of passed checks: checks with `inputs` are replayed from it, and their fresh passes stored. */
  cache?: RunCache | undefined;
  /** The config file as the user names it, in the advice of a timed-out check (`fanout.yaml:12`). */
  configFile?: string | undefined;
  /** Checks skipped without running, each for a requirement the selection left out (VibeGuard's tag filter). */
  unmet?: ReadonlyMap<string, string> | undefined;
  /**
   * A vibeguard.* config: suggestions render as VibeGuard renders them (`<no value>` for a missing value), a failed
   * warning skips its dependents, an unreadable `file:` fails its check in VibeGuard's words, and a timed-out check
   * says what VibeGuard says, and keeps its `fix`. @default false
   */
  vibeguardCompat?: boolean | undefined;
}

/** What VibeGuard says of every timed-out check, in place of its suggestion. */
export const VIBEGUARD_TIMEOUT_SUGGESTION = 'Check timed out. Consider increasing the timeout value or optimizing the command.';

/**
 * Why a run was stopped from outside the graph: the reason to abort `runChecks`' `signal` with. An abort with any other
 * reason (a plain `controller.abort()`) is taken as `{ kind: 'abort' }`.
 */
export type RunAbort =
  | { kind: 'signal'; signal: NodeJS.Signals }
  /** Aborted without a reason fanout knows: reported as interrupted by `abort`. */
  | { kind: 'abort' }
  /** `name`: what set the limit, as the reason of a check it stopped says it (`stopped by NAME`). @default '--max-time' */
  | { kind: 'max-time'; ms: number; name?: string | undefined }
  /** The executor's infrastructure failed (a remote executor's Redis lost, no worker for its queue). */
  | { kind: 'infrastructure'; message: string }
  /** A `vibeguard.*` config: check `id` could not be judged (its `file:` unreadable), which stops VibeGuard's run. */
  | { kind: 'check-error'; id: string; message: string };

const ABORT_KINDS: ReadonlySet<unknown> = new Set<RunAbort['kind']>(['signal', 'abort', 'max-time', 'infrastructure', 'check-error']);

/** Whether an abort reason is a {@link RunAbort} (anything else is a plain abort). */
function isRunAbort(reason: unknown): reason is RunAbort {
  return typeof reason === 'object' && reason !== null && ABORT_KINDS.has((reason as { kind?: unknown }).kind);
}

export interface RunResult {
  records: CheckRecord[];
  failFastTriggered: boolean;
  /** The failure that triggered fail-fast, when it did. */
  rootFailure?: string;
  abort?: RunAbort;
  startedAt: number;
  endedAt: number;
  durationMs: number;
}

/** A check that did not pass, carried through the graph as the task's error. */
class CheckFailure extends FanoutError {
  declare readonly code: 'ERR_CHECK_FAILED';
  constructor(readonly record: CheckRecord) {
    super('ERR_CHECK_FAILED', `check ${record.check.id} ${record.status}`);
  }
}

/** A check the selection left without one of its requirements: skipped, never run (and its dependents with it). */
class UnmetRequirement extends FanoutError {
  declare readonly code: 'ERR_UNMET_REQUIREMENT';
  constructor(readonly requirement: string) {
    super('ERR_UNMET_REQUIREMENT', `requirement ${requirement} is not in the run`);
  }
}

function newRecord(check: ResolvedCheck): CheckRecord {
  return { check, status: 'pending', attempts: 0, exitCode: null, signal: null, durationMs: 0, extracted: {}, outputTail: [], outputBytes: 0, triggered: [] };
}

/**
 * Decisions made for a run's checks under `--async-threshold` (see {@link decideAsync}); checks not in it are async
 * only with `async: true`. Keyed by the check objects of the run, so every reporter sees the same answer without a flag.
 */
const asyncDecisions = new WeakMap<ResolvedCheck, boolean>();

/**
 * Whether a check goes to the async pool under a threshold: `async: true`, or its own `timeout:` (never the global
 * `--timeout`) above `thresholdMs`, or an explicit `timeout: 0` (none). `thresholdMs` null: `--async-threshold off`,
 * only `async: true` counts.
 */
export function asyncUnder(check: ResolvedCheck, thresholdMs: number | null): boolean {
  if (check.async) return true;
  if (thresholdMs === null || !check.timeoutExplicit) return false;
  return check.timeoutMs === null || check.timeoutMs > thresholdMs;
}

/** Fixes, for these check objects, whether each is async under `thresholdMs` (what {@link isAsync} then answers). */
export function decideAsync(checks: readonly ResolvedCheck[], thresholdMs: number | null): void {
  for (const check of checks) asyncDecisions.set(check, asyncUnder(check, thresholdMs));
}

/**
 * Whether a check runs in the background pool: `async: true`, or, when the run was given a threshold, its own timeout
 * above it (or none).
 */
export function isAsync(check: ResolvedCheck): boolean {
  return asyncDecisions.get(check) ?? asyncUnder(check, null);
}

/** Runs the selected checks as a graph; resolves when every check has a final record and no process is left. */
export async function runSession(checks: readonly ResolvedCheck[], settings: RunSettings): Promise<RunResult> {
  const { executor, logs, mask, listener } = settings;
  const records = new Map(checks.map((check) => [check.id, newRecord(check)]));
  /**
   * Checks still running: the graph does not wait for those it abandoned (cancelled), so they are awaited before the
   * report — no process outlives the run, and no record changes after it is reported.
   */
  const inflight = new Set<Promise<CheckRecord>>();
  /**
   * Checks whose command never started (stopped while waiting for git's rule files or for their lock, or a queued
   * remote job removed): reported skipped.
   */
  const notStarted = new Set<string>();
  const startClock = performance.now();
  const startedAt = Date.now();
  let rootFailure: string | undefined;
  const locks = new Map<string, Semaphore>();
  const lockFor = (name: string): Semaphore => {
    let lock = locks.get(name);
    if (!lock) locks.set(name, (lock = new Semaphore(1)));
    return lock;
  };

  // Rounded up: a command's timeout is whole milliseconds, and `1500us` must not become a shorter one (or none).
  const timeoutOf = (check: ResolvedCheck): number | undefined => {
    if (!check.timeoutExplicit && settings.defaultTimeoutMs !== undefined) return Math.ceil(settings.defaultTimeoutMs);
    const own = check.timeoutMs ?? undefined;
    return own === undefined ? undefined : Math.ceil(own);
  };

  const tasks: GraphTask<CheckRecord>[] = checks.map((check) => {
    const record = records.get(check.id) as CheckRecord;
    const env = Object.keys(check.env).length === 0 ? undefined : check.env;
    const timeoutMs = timeoutOf(check);
    const estimate = settings.estimates.get(check.id);
    /** The spec of every attempt but its log file, made once. */
    const spec: CommandSpec = {
      command: check.run,
      cwd: check.cwd,
      ...(env ? { env } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(settings.killGraceMs !== undefined ? { killGraceMs: Math.ceil(settings.killGraceMs) } : {}),
    };

    /** Runs attempts until one passes or none is left; resolves for passed and warned, throws CheckFailure else. */
    const attempts = async (signal: AbortSignal): Promise<CheckRecord> => {
      const begin = performance.now();
      record.startedAt = Date.now();
      // Starts the executor made beyond one per attempt (a remote worker died mid-run and another re-ran it): the
      // report counts every start.
      let reruns = 0;
      for (let attempt = 1; ; attempt++) {
        record.attempts = attempt + reruns;
        record.logFile = logs.fileFor(check.id, attempt);
        if (attempt === 1) listener.onCheckStart?.(record, attempt);
        let session: number | undefined;
        let result: CommandResult | undefined;
        try {
          result = await executor.execute(
            { ...spec, logFile: record.logFile },
            {
              signal,
              id: check.id,
              onSpawn: (pid) => {
                session = pid;
                trackSession(pid);
                listener.onCheckSpawn?.(record, attempt, pid);
              },
            },
          );
        } finally {
          // A command that ended by itself may have left something in another group of its session: remembered for
          // the sweep at the end of the run. One the exec layer terminated was swept whole already.
          if (session !== undefined) untrackSession(session, result !== undefined && !result.timedOut && !result.cancelled ? bootTicksNowOrRead() : undefined);
        }
        // A remote job no worker took: the check never started, whatever the graph makes of its task.
        if (result.notStarted === true) notStarted.add(check.id);
        if (result.attempts !== undefined && result.attempts > 1) {
          reruns += result.attempts - 1;
          record.attempts = attempt + reruns;
        }
        const verdict = await evaluateAttempt(check, result, timeoutMs, { signal, matchTimeoutMs: settings.matchTimeoutMs, vibeguard: settings.vibeguardCompat });
        record.exitCode = result.exitCode;
        record.signal = result.signal;
        record.extracted = verdict.extracted;
        record.outputTail = tailLines(mask(result.output), TAIL_LINES);
        record.outputBytes = result.outputBytes;
        if (result.logError !== undefined) record.logError = result.logError.message;
        else delete record.logError;
        record.endedAt = Date.now();
        record.durationMs = performance.now() - begin;
        if (verdict.failure !== undefined) record.failure = verdict.failure;
        else delete record.failure;
        if (verdict.status === 'passed') {
          record.status = 'passed';
          return record;
        }
        if (verdict.status === 'cancelled' || signal.aborted || attempt > check.retries) {
          record.status = verdict.status === 'failed' && check.severity === 'warning' ? 'warned' : verdict.status;
          // Resolves: dependents run, fail-fast untouched. VibeGuard skips the dependents of a failed warning too.
          if (record.status === 'warned' && settings.vibeguardCompat !== true) return record;
          throw new CheckFailure(record);
        }
        listener.onCheckRetry?.(record, attempt + 1, verdict);
      }
    };

    return {
      id: check.id,
      requires: check.requires,
      async: isAsync(check),
      triggersFailFast: check.severity === 'error',
      ...(estimate !== undefined ? { estimateMs: estimate } : {}),
      run: async (context) => {
        const requirement = settings.unmet?.get(check.id);
        if (requirement !== undefined) throw new UnmetRequirement(requirement);
        // Without fail-fast the graph aborts a running task only when the run's own signal aborts (signals,
        // --max-time): that signal then serves, and the graph makes no AbortController for the task (it makes one
        // when a task reads its own signal) — one object and one listener less per check.
        const signal = settings.failFast ? context.signal : settings.signal;
        const { cache } = settings;
        // The key is known once the requirements are done (their results are part of it); a hit needs no lock.
        let ticket: CacheTicket | undefined;
        if (cache !== undefined && isCacheable(check)) {
          ticket = await cache.ticket(check, timeoutMs ?? null, signal).catch((error: unknown) => {
            // Stopped meanwhile: the check is cancelled, nothing to report. Else it runs without the cache, reported.
            if (!signal.aborted) cache.keyFailed(check, error);
            return undefined;
          });
          let entry = ticket === undefined ? undefined : cache.lookup(check, ticket);
          // A shared cache may wait for another run of the same check: at most as long as the check may take.
          if (entry === undefined && ticket !== undefined && cache.sharing) entry = await cache.lookupShared(check, ticket, timeoutMs ?? SHARED_WAIT_MS, signal);
          if (entry !== undefined && ticket !== undefined) {
            RunCache.replay(record, entry);
            cache.done(record, ticket, timeoutMs ?? null);
            return record;
          }
        }
        let release: (() => void) | undefined;
        let work: Promise<CheckRecord> | undefined;
        /** Whether the cache was told the command started and has not been told it ended. */
        let running = false;
        try {
          /** Stopped while waiting for what comes before its command: the command never started (reported skipped). */
          const stoppedBefore = (error: unknown): never => {
            notStarted.add(check.id);
            throw error;
          };
          // Not before git's rule files are known as the run's listing found them: the command may change one.
          if (cache !== undefined) await cache.beforeCommand(signal).catch(stoppedBefore);
          // Checks sharing a lock (a port, a database) never run at the same time; the lock is held across retries.
          release = check.lock === undefined ? undefined : await lockFor(check.lock).acquire({ signal }).catch(stoppedBefore);
          // From now on files may change under the cache's feet (the command may edit them).
          cache?.starting();
          running = cache !== undefined;
          work = attempts(signal);
          inflight.add(work);
          const done = await work;
          if (cache !== undefined) {
            // Ended first: files it created are looked for by what comes next, its own store included.
            running = false;
            cache.ended();
            cache.done(done, ticket, timeoutMs ?? null, settings.signal);
            // Decided off the check's path: a store may wait for a listing (see RunCache.save); the run waits for it.
            if (ticket !== undefined) void cache.save(done, ticket, settings.signal);
          }
          return done;
        } finally {
          // A failed or stopped command may have created files too.
          if (running) cache?.ended();
          if (work !== undefined) inflight.delete(work);
          release?.();
          if (ticket !== undefined) cache?.release(ticket);
        }
      },
    };
  });

  const onEvent = (event: GraphEvent<CheckRecord>) => {
    if (event.type !== 'task:end') return;
    const { outcome } = event;
    // The first failure that can trigger fail-fast (warning-severity checks never do).
    if (rootFailure === undefined && (outcome.status === 'failed' || outcome.status === 'timeout') && records.get(outcome.id)?.check.severity === 'error') {
      rootFailure = outcome.id;
    }
    // Cancelled checks are reported once their process group is gone (after the graph settles).
    if (outcome.status !== 'cancelled') finish(outcome);
  };

  const abortReason = (): RunAbort | undefined => {
    if (!settings.signal.aborted) return undefined;
    const reason: unknown = settings.signal.reason;
    return isRunAbort(reason) ? reason : { kind: 'abort' };
  };

  const finish = (outcome: TaskOutcome<CheckRecord>) => {
    const record = records.get(outcome.id) as CheckRecord;
    switch (outcome.status) {
      case 'passed':
        break; // the task set passed or warned itself
      case 'failed':
        if (outcome.error instanceof UnmetRequirement) {
          record.status = 'skipped';
          const blockedBy = outcome.error.requirement;
          record.failure = { code: 'dependency-failed', message: `not started: requires ${blockedBy}, which the selection left out`, blockedBy };
        } else if (!(outcome.error instanceof CheckFailure)) {
          record.status = 'failed';
          record.failure = { code: 'internal', message: `internal error: ${messageOf(outcome.error)}` };
        }
        break;
      case 'timeout':
        record.status = 'timeout';
        break;
      case 'cancelled':
        if (notStarted.has(outcome.id) && record.attempts <= 1) {
          record.status = 'skipped';
          record.failure = skipReason(abortReason() === undefined && rootFailure !== undefined ? { failFast: true } : { aborted: true }, abortReason(), rootFailure);
          break;
        }
        record.status = 'cancelled';
        record.failure = cancelReason(abortReason(), rootFailure);
        break;
      case 'skipped':
        record.status = 'skipped';
        record.failure = skipReason(outcome.reason, abortReason(), rootFailure);
        break;
    }
    decorate(record, settings, mask);
    listener.onCheckEnd?.(record);
  };

  listener.onRunStart?.([...records.values()]);
  const graph = runGraph(tasks, {
    maxParallel: settings.maxParallel,
    ...(settings.asyncParallel !== undefined ? { asyncParallel: settings.asyncParallel } : {}),
    failFast: settings.failFast ? 'kill' : false,
    schedule: settings.schedule,
    signal: settings.signal,
    onEvent,
    ...(settings.observer !== undefined ? { observer: settings.observer } : {}),
  });
  let result: Awaited<typeof graph>;
  try {
    result = await graph;
  } catch (error) {
    // The graph itself failed (not a check): what settled checks left is not to outlive the run either.
    await sweepSettled(settings.killGraceMs ?? SWEEP_GRACE_MS);
    throw error;
  }
  // The graph does not wait for tasks it abandoned; their process groups are being killed: wait for that.
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
  // Stores still deciding whether a pass may be stored: the run's cache is done with once they have.
  await settings.cache?.settled();
  for (const outcome of result.results) if (outcome.status === 'cancelled') finish(outcome);
  const endedAt = Date.now();
  const durationMs = performance.now() - startClock;
  const early = abortReason();
  // Nothing a check started outlives the run, even what escaped to a process group of its own.
  await sweepSettled(settings.killGraceMs ?? SWEEP_GRACE_MS);
  // A --max-time that fires while the sweep waits must not turn a finished run into a failed one; a signal that
  // arrives meanwhile still counts: fanout dies by it, and the report must say so.
  const late = abortReason();
  const abort = late?.kind === 'signal' ? late : early;
  return {
    records: [...records.values()],
    failFastTriggered: result.failFastTriggered,
    ...(rootFailure !== undefined && result.failFastTriggered ? { rootFailure } : {}),
    ...(abort ? { abort } : {}),
    startedAt,
    endedAt,
    durationMs,
  };
}

function cancelReason(abort: RunAbort | undefined, rootFailure: string | undefined): FailureReason {
  if (abort?.kind === 'signal') return { code: 'interrupted', message: `stopped by ${abort.signal}`, signal: abort.signal };
  if (abort?.kind === 'abort') return { code: 'interrupted', message: 'stopped by abort', signal: 'abort' };
  if (abort?.kind === 'max-time') return { code: 'max-time', message: `stopped by ${abort.name ?? '--max-time'}` };
  if (abort?.kind === 'infrastructure') return { code: 'infrastructure', message: `stopped: ${abort.message}`, error: abort.message };
  if (abort?.kind === 'check-error') return { code: 'cancelled', message: `stopped: check ${abort.id} could not be judged` };
  return rootFailure !== undefined ? { code: 'fail-fast', message: `stopped by fail-fast after ${rootFailure} failed`, rootFailure } : { code: 'cancelled', message: 'cancelled' };
}

/** Why a check did not start: the graph's {@link SkipReason}, told apart by what stopped the run. */
function skipReason(reason: SkipReason, abort: RunAbort | undefined, rootFailure: string | undefined): FailureReason {
  if ('blockedBy' in reason) return { code: 'dependency-failed', message: `not started: requires ${reason.blockedBy}, which did not pass`, blockedBy: reason.blockedBy };
  // The graph fails fast only after the failure that sets rootFailure.
  if ('failFast' in reason) return { code: 'fail-fast', message: 'not started: fail-fast stopped the run', rootFailure: rootFailure ?? '' };
  if (abort?.kind === 'max-time') return { code: 'max-time', message: `not started: ${abort.name ?? '--max-time'} ran out` };
  if (abort?.kind === 'infrastructure') return { code: 'infrastructure', message: `not started: ${abort.message}`, error: abort.message };
  // A vibeguard.* run stops at a check it cannot judge, as VibeGuard's does: what had not started is reported as a fail-fast skip.
  if (abort?.kind === 'check-error') return { code: 'fail-fast', message: `not started: check ${abort.id} could not be judged, which stops the run`, rootFailure: abort.id };
  const signal = abort?.kind === 'signal' ? abort.signal : 'abort';
  return { code: 'interrupted', message: `not started: interrupted by ${signal}`, signal };
}

/**
 * Renders suggestion and fix with the extracted values (as Go templates in a vibeguard.* config), and collects the
 * prompts the check's `on:` event triggers. A timed-out check did not get to say anything about the code: its
 * suggestion and fix (what to do when it finds problems) would be false, so it gets {@link timeoutAdvice} instead
 * (VibeGuard's sentence, and the fix, in a vibeguard.* config).
 */
function decorate(record: CheckRecord, settings: Pick<RunSettings, 'prompts' | 'defaultTimeoutMs' | 'configFile' | 'vibeguardCompat'>, mask: (text: string) => string): void {
  const { check } = record;
  const { prompts } = settings;
  const vibeguard = settings.vibeguardCompat === true;
  const render = (template: string | undefined): string | undefined => {
    if (template === undefined) return undefined;
    if (vibeguard) return mask(renderGoTemplate(template, record.extracted));
    const { text, missing } = renderTemplate(template, record.extracted);
    return mask(missing.length > 0 ? `${text} [no value for ${missing.map((name) => `{{.${name}}}`).join(', ')}]` : text);
  };
  if (record.status === 'timeout' && settings.vibeguardCompat !== true) {
    record.suggestion = timeoutAdvice(record, settings);
  } else if (record.status !== 'passed' && record.status !== 'skipped' && record.status !== 'cancelled') {
    const suggestion = record.status === 'timeout' ? VIBEGUARD_TIMEOUT_SUGGESTION : render(check.suggestion);
    const fix = render(check.fix);
    if (suggestion !== undefined) record.suggestion = suggestion;
    if (fix !== undefined) record.fix = fix;
  }
  const trigger: Trigger | undefined =
    record.status === 'passed' ? check.on.success : record.status === 'failed' || record.status === 'warned' ? check.on.failure : record.status === 'timeout' ? check.on.timeout : undefined;
  record.triggered = triggeredPrompts(trigger, prompts, mask);
}

/**
 * What a timed-out check's finding says: how long it ran, that the time limit stopped it, and how to raise the limit
 * that applied (its own `timeout:`, the default, or `--timeout`).
 */
export function timeoutAdvice(record: Pick<CheckRecord, 'check' | 'durationMs' | 'failure'>, settings: Pick<RunSettings, 'defaultTimeoutMs' | 'configFile'>): string {
  const { check } = record;
  const limit = record.failure?.code === 'timeout' ? record.failure.timeoutMs : (check.timeoutMs ?? record.durationMs);
  const more = formatDuration(Math.max(2 * limit, 1000));
  const where = `check ${check.id}${settings.configFile === undefined ? '' : ` (${settings.configFile}:${check.line})`}`;
  const which = check.timeoutExplicit
    ? `its time limit (timeout: ${formatDuration(limit)})`
    : settings.defaultTimeoutMs !== undefined
      ? `the time limit of --timeout ${formatDuration(limit)}`
      : `the default time limit of ${formatDuration(limit)} (it sets no timeout:)`;
  const raise = check.timeoutExplicit
    ? `To give it longer, raise its timeout: in ${where}, e.g. timeout: ${more}.`
    : settings.defaultTimeoutMs !== undefined
      ? `To give it longer, pass a larger --timeout, or set timeout: ${more} on ${where}.`
      : `To give it longer, set timeout: ${more} on ${where}, or pass --timeout ${more} for every check without one.`;
  return `It ran ${formatDuration(record.durationMs)} and was stopped at ${which}, before it finished: this is not a problem it found.\n${raise}`;
}

function triggeredPrompts(trigger: Trigger | undefined, prompts: readonly Prompt[], mask: (text: string) => string): TriggeredPrompt[] {
  if (trigger === undefined) return [];
  if ('text' in trigger) return [{ content: mask(trigger.text) }];
  return trigger.prompts.flatMap((id) => {
    const prompt = prompts.find((p) => p.id === id);
    return prompt ? [{ id, content: mask(prompt.content) }] : [];
  });
}
