/**
 * `createBullMQExecutor`: the {@link Executor} whose commands run on fanout workers over BullMQ and Redis.
 */
import { writeFileSync } from 'node:fs';
import { makeDirSync } from '../common/make-dir.js';
import { dirname, resolve as resolvePath } from 'node:path';
import { assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { assertTimerMs } from '../common/timer.js';
import type { CommandSpec, ExecuteOptions, Executor } from '../exec/executor.js';
import type { CommandResult } from '../exec/run-command.js';
import { SpawnError, type SpawnErrorReason } from '../exec/spawn-error.js';
import { jobsKeyFrom } from './auth.js';
import { wireCwd } from './pinned.js';
import { DistributedError } from './errors.js';
import { DEFAULT_HEARTBEAT_TTL_MS, MIN_HEARTBEAT_TTL_MS, newRunId } from './heartbeat.js';
import { JobClient, REASON_REFUSED, RESULT_LOG_PREFIX, type JobOutcome } from './job-client.js';
import {
  assertConnection,
  CHECK_JOB,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_REDIS_LOSS_MS,
  DEFAULT_WORKER_WAIT_MS,
  distributedQueueName,
  type CheckJobData,
  type RedisConnection,
  type WireResult,
  type WireSpec,
} from './protocol.js';
import { splitSecretEnv } from './secrets.js';

/** Options of {@link createBullMQExecutor}. */
export interface BullMQExecutorOptions {
  /** Where Redis is: a URL (its password never appears in jobs, logs or errors) or ioredis options. */
  connection: RedisConnection;
  /** Queue name (letters, digits, `.`, `_`, `-`). @default 'checks' */
  queue?: string;
  /** The repository commit the commands are for: jobs go to `<queue>@<commit>`, which only workers started with the same commit read. @default none (queue `<queue>`) */
  commit?: string;
  /** Redis key prefix. @default 'fanout' */
  prefix?: string;
  /** A spec's `cwd` inside this directory travels relative to it (workers resolve it against their own root). @default process.cwd() */
  root?: string;
  /**
   * How often the state of jobs in flight is read besides QueueEvents (a missed event costs at most this long): an
   * integer from 10 to 2^31 - 1. A TypeError beyond: the same tick repeats cancels, gives up on them after
   * `cancelWaitMs` and learns that a worker took a job, so it cannot be turned off. @default 1000
   */
  reconcileIntervalMs?: number;
  /** How long a cancelled running job may take to report back before it counts as cancelled without output. @default 15000 */
  cancelWaitMs?: number;
  /** How long the first connection to Redis may take before executions reject with `ERR_REDIS_UNAVAILABLE` (beyond 2^31 - 1: no limit). @default 10000 */
  connectTimeoutMs?: number;
  /** Cap of the queue's events stream (BullMQ's `streams.events.maxLen`). @default BullMQ's (10000) */
  eventsMaxLen?: number;
  /** Shared secret jobs are signed with (workers refuse unsigned or forged jobs when they have it too); `null`: unsigned. @default FANOUT_SECRET or the file FANOUT_SECRET_FILE names; none: unsigned */
  secret?: string | Uint8Array | null;
  /** SHA-256 (hex) of the config file the commands come from, for workers pinned to their own config. @default none */
  configHash?: string;
  /** Names this executor's run in the workers' log folders (`<logDir>/<runId>/<check id>.log`). @default a time-stamped random id */
  runId?: string;
  /** Redis silent this long in the middle of a run: every execution in flight rejects with `ERR_REDIS_LOST`. @default 5000 */
  redisLossMs?: number;
  /** Jobs waiting this long while no worker took any of them: they reject with `ERR_NO_WORKER` (naming the queue). `Infinity`: wait for ever. @default 30000 */
  workerWaitMs?: number;
  /**
   * Time to live of this run's heartbeat (at least 500), renewed every fifth of it (at most every second) from a
   * worker thread with its own Redis connection, so a busy main thread does not stop it. Once it lapses (this process
   * died), workers terminate the run's commands and drop its queued jobs, within `heartbeatTtlMs` + 1 s of the last
   * beat. @default 5000
   */
  heartbeatTtlMs?: number;
}

/** A {@link CommandResult} that also says where and how often the command ran. */
export interface DistributedCommandResult extends CommandResult {
  /** The BullMQ job id; null when the command was cancelled before it was queued. */
  jobId: string | null;
  /** The worker that produced the result (`host:pid`), null when none did. */
  worker: string | null;
  /** Times a worker started the command: 2 or more after a worker died mid-job and another re-ran it. */
  attempts: number;
  /** A worker died (or lost its lock) while running it, and the command was re-run from the start. */
  stalled: boolean;
  /** Secret variable names the worker did not have in its environment; the command did not run. */
  missingSecrets?: string[];
  /** Why a worker refused to run the job (unsigned, forged, replayed, not in its pinned config); the command did not run. */
  refused?: string;
}

/** An {@link Executor} backed by BullMQ, with `close()`. */
export interface BullMQExecutor extends Executor {
  execute(spec: CommandSpec, options?: ExecuteOptions): Promise<DistributedCommandResult>;
  /** The BullMQ queue name jobs go to (`<queue>@<commit>`). */
  readonly queueName: string;
  /** Jobs in flight. */
  readonly inFlight: number;
  /** Cancels the jobs in flight (as an abort would) and closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

const SPEC_NUMBERS = ['timeoutMs', 'killGraceMs', 'maxOutputBytes'] as const;

function notRun(cancelled: boolean, jobId: string | null): DistributedCommandResult {
  return { exitCode: null, signal: null, timedOut: false, cancelled, durationMs: 0, output: '', outputBytes: 0, jobId, worker: null, attempts: 0, stalled: false, notStarted: true };
}

/**
 * Creates an {@link Executor} that ships each {@link CommandSpec} as a BullMQ job to fanout workers
 * ({@link startCheckWorker}) and resolves with the worker's {@link CommandResult}.
 *
 * - Results arrive through QueueEvents, and job state is also read right after each job is added and every
 *   `reconcileIntervalMs`, so a completion is never lost when the events stream (capped at `maxLen`) drops it.
 * - Aborting `signal` removes a waiting job (result `cancelled`, nothing ran), or broadcasts a cancel that the worker
 *   holding the job obeys: it terminates the process group and fails the job with BullMQ's `UnrecoverableError`
 *   (never retried); the result has `cancelled: true` and the output up to then.
 * - A worker that dies mid-job: the job's lock expires and another worker re-runs it, within lockDuration +
 *   2 × stalledInterval of the death (15 s typical, 20 s at most with the worker defaults); the result then has
 *   `stalled: true` and `attempts` ≥ 2.
 * - Secret-looking env values (names matching TOKEN, SECRET, PASSWORD, PASSWD, KEY, CREDENTIAL, AUTH) are not sent:
 *   the job carries their names and the worker takes the values from its own environment.
 * - `logFile` is written here, by the coordinator, with the output the worker returned (bounded by
 *   `maxOutputBytes`; the worker's `logDir` keeps the complete log). `onOutput` receives the output once, at the end.
 * - A heartbeat (`heartbeatTtlMs`, 5 s) is kept from a worker thread while the executor is open: if this process
 *   dies, workers terminate its commands and drop its queued jobs within the TTL + 1 s of the last beat; a busy main
 *   thread does not stop it. `close()` ends it.
 * - Every job whose result was read is removed; jobs of a coordinator that died are dropped by the workers (above),
 *   and the failed ones removed by retention (1000 jobs, 1 hour).
 *
 * It does not cap jobs in flight: callers bound it (the CLI's `-p`, `runGraph`'s `maxParallel`).
 *
 * @example
 * ```ts
 * import { createBullMQExecutor } from 'fanout/distributed';
 * const executor = createBullMQExecutor({ connection: 'redis://127.0.0.1:6379', queue: 'checks', commit: 'abc123' });
 * try {
 *   const result = await executor.execute({ command: 'npm test', timeoutMs: 600_000 });
 *   console.log(result.exitCode, result.worker, result.stalled);
 * } finally {
 *   await executor.close();
 * }
 * ```
 */
export function createBullMQExecutor(options: BullMQExecutorOptions): BullMQExecutor {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const connection = assertConnection('options.connection', options.connection);
  const queueName = distributedQueueName(options.queue ?? DEFAULT_QUEUE, options.commit);
  const root = resolvePath(options.root ?? process.cwd());
  const commit = options.commit ?? null;
  const runId = options.runId ?? newRunId();
  if (typeof runId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(runId) || /^\.+$/.test(runId)) throw invalidArgument('options.runId', 'a name of 1 to 100 letters, digits, ".", "_" or "-"', runId);
  const heartbeatTtlMs = assertLimit('options.heartbeatTtlMs', options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS, MIN_HEARTBEAT_TTL_MS);
  if (!Number.isFinite(heartbeatTtlMs)) throw invalidArgument('options.heartbeatTtlMs', `a finite number of milliseconds >= ${MIN_HEARTBEAT_TTL_MS}`, heartbeatTtlMs);
  const client = new JobClient({
    connection,
    queueName,
    prefix: options.prefix ?? DEFAULT_PREFIX,
    reconcileIntervalMs: assertTimerMs('options.reconcileIntervalMs', options.reconcileIntervalMs ?? 1000, 10),
    cancelWaitMs: assertLimit('options.cancelWaitMs', options.cancelWaitMs ?? 15_000, 0),
    connectTimeoutMs: assertLimit('options.connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1),
    eventsMaxLen: options.eventsMaxLen === undefined ? undefined : assertLimit('options.eventsMaxLen', options.eventsMaxLen, 1),
    jobsKey: jobsKeyFrom('options.secret', options.secret),
    redisLossMs: assertLimit('options.redisLossMs', options.redisLossMs ?? DEFAULT_REDIS_LOSS_MS, 100),
    workerWaitMs: assertLimit('options.workerWaitMs', options.workerWaitMs ?? DEFAULT_WORKER_WAIT_MS, 100),
    heartbeat: { runId, ttlMs: heartbeatTtlMs },
  });
  const configHash = options.configHash;
  if (configHash !== undefined && (typeof configHash !== 'string' || !/^[0-9a-f]{64}$/.test(configHash))) throw invalidArgument('options.configHash', 'a SHA-256 in hex', configHash);

  /**
   * One 'abort' listener per signal, whatever the number of executions sharing it (a run's signal is shared by all its
   * checks): a listener per execution would pass the signal's listener limit from 11 executions on.
   */
  const watched = new Map<AbortSignal, { cancels: Set<() => void>; onAbort: () => void }>();
  function watch(signal: AbortSignal, cancel: () => void): () => void {
    let entry = watched.get(signal);
    if (entry === undefined) {
      const cancels = new Set<() => void>();
      const onAbort = (): void => {
        for (const each of [...cancels]) each();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry = { cancels, onAbort };
      watched.set(signal, entry);
    }
    const current = entry;
    current.cancels.add(cancel);
    return () => {
      current.cancels.delete(cancel);
      if (current.cancels.size > 0) return;
      signal.removeEventListener('abort', current.onAbort);
      watched.delete(signal);
    };
  }

  function toWire(spec: CommandSpec, checkId: string | undefined): CheckJobData {
    if (typeof spec !== 'object' || spec === null) throw invalidArgument('spec', 'a CommandSpec object', spec);
    if (typeof spec.command !== 'string' || spec.command.trim() === '') throw invalidArgument('spec.command', 'a non-empty string', spec.command);
    const wire: WireSpec = { command: spec.command };
    if (spec.cwd !== undefined) wire.cwd = wireCwd(root, resolvePath(root, spec.cwd));
    const { plain, secretNames } = splitSecretEnv(spec.env);
    if (Object.keys(plain).length > 0) wire.env = plain;
    if (spec.shell !== undefined) wire.shell = spec.shell;
    for (const key of SPEC_NUMBERS) {
      const value = spec[key];
      // JSON has no Infinity: an infinite limit travels as "absent" (the worker's default is no limit for timeouts).
      if (value !== undefined && Number.isFinite(value)) wire[key] = value;
    }
    const data: CheckJobData = { kind: 'check', spec: wire, secretEnv: secretNames, commit };
    if (checkId !== undefined) data.checkId = checkId;
    if (configHash !== undefined) data.configHash = configHash;
    data.runId = runId;
    data.heartbeatMs = heartbeatTtlMs;
    return data;
  }

  function fromOutcome(outcome: JobOutcome, jobId: string, command: string): DistributedCommandResult {
    if (outcome.state === 'cancelled') return { ...notRun(true, jobId), attempts: outcome.attempts ?? 0 };
    const job = outcome.job;
    let wire: WireResult | undefined;
    if (outcome.state === 'completed') wire = outcome.value as WireResult;
    else {
      const line = outcome.logs.findLast((entry) => entry.startsWith(RESULT_LOG_PREFIX));
      if (line !== undefined) wire = JSON.parse(line.slice(RESULT_LOG_PREFIX.length)) as WireResult;
      else if (outcome.cancelRequested) return { ...notRun(true, jobId), attempts: job.attemptsStarted };
      else if (outcome.reason.startsWith(REASON_REFUSED)) {
        // Not the command's failure: it never ran. Said as a start failure, with the worker's reason.
        const message = `a worker refused the job: ${outcome.reason.slice(REASON_REFUSED.length).trim()}`;
        return { ...notRun(false, jobId), attempts: job.attemptsStarted, refused: message, error: new SpawnError('unknown', command, undefined, message) };
      }
      else throw new DistributedError('ERR_JOB_LOST', `job ${jobId} failed without a result: ${outcome.reason}`, { jobId });
    }
    const { error, logError, worker, missingSecrets, ...rest } = wire;
    const result: DistributedCommandResult = {
      ...rest,
      jobId,
      worker,
      attempts: Math.max(1, job.attemptsStarted),
      stalled: job.attemptsStarted > 1 || job.stalledCounter > 0,
    };
    if (error !== undefined) result.error = new SpawnError(error.reason as SpawnErrorReason, command, error.path ?? undefined, error.message);
    if (logError !== undefined) result.logError = new Error(logError);
    if (missingSecrets !== undefined) result.missingSecrets = missingSecrets;
    return result;
  }

  async function execute(spec: CommandSpec, executeOptions?: ExecuteOptions): Promise<DistributedCommandResult> {
    const data = toWire(spec, executeOptions?.id);
    const signal = assertOptionalSignal('options.signal', executeOptions?.signal);
    const onOutput = executeOptions?.onOutput;
    if (signal?.aborted === true) return notRun(true, null);
    let jobId: string | undefined;
    const onAbort = (): void => {
      if (jobId !== undefined) client.cancel(jobId);
    };
    const unwatch = signal === undefined ? undefined : watch(signal, onAbort);
    let result: DistributedCommandResult;
    try {
      const outcome = await client.submit(CHECK_JOB, data, (id) => {
        jobId = id;
        if (signal?.aborted === true) client.cancel(id);
      });
      result = fromOutcome(outcome, jobId ?? '', spec.command);
    } finally {
      unwatch?.();
      if (jobId !== undefined) await client.forget(jobId);
    }
    if (spec.logFile !== undefined) {
      try {
        makeDirSync(dirname(spec.logFile), 0o777);
        writeFileSync(spec.logFile, result.output, { mode: 0o600 });
      } catch (error) {
        result.logError = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (onOutput !== undefined && result.output !== '') onOutput(result.output, 'stdout');
    return result;
  }

  return {
    execute,
    queueName,
    get inFlight() {
      return client.size;
    },
    close: () => client.close(),
  };
}
