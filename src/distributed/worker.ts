/**
 * `startCheckWorker`: the worker side. A BullMQ Worker that runs check jobs with {@link runCommand} (process groups,
 * timeouts, bounded output) and calls named handlers, obeys the coordinators' cancel broadcast, and shuts down
 * gracefully.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { makeDirSync } from '../exec/make-dir.js';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertFunction, assertInteger, assertLimit, invalidArgument } from '../core/arguments.js';
import { messageOf } from '../core/errors.js';
import { runCommand, type CommandResult, type RunCommandOptions } from '../exec/run-command.js';
import { connectOrThrow, REASON_CANCELLED, REASON_HANDLER, REASON_UNKNOWN_HANDLER, RESULT_LOG_PREFIX } from './job-client.js';
import {
  assertConnection,
  CALL_JOB,
  cancelChannel,
  CHECK_JOB,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_STALLED_INTERVAL_MS,
  distributedQueueName,
  RETAIN_AGE_S,
  RETAIN_COUNT,
  type CallJobData,
  type CheckJobData,
  type RedisConnection,
  type WireResult,
} from './protocol.js';
import { secretMasker, secretValuesOf } from './secrets.js';
import { loadBackend, openRedis, type Backend } from './backend.js';

/** What a named handler receives beside its item. */
export interface RemoteHandlerContext {
  /** The item's input index in the coordinator's call. */
  index: number;
  /** Aborts when the coordinator cancels the call (fail-fast, its signal) or the worker shuts down. */
  signal: AbortSignal;
  /** The BullMQ job id. */
  jobId: string;
}

/** A function workers run for {@link processParallelDistributed}: JSON in, JSON out. */
export type RemoteHandler = (item: unknown, context: RemoteHandlerContext) => unknown;

/** Options of {@link startCheckWorker}. */
export interface CheckWorkerOptions {
  /** Where Redis is: a URL or ioredis options. */
  connection: RedisConnection;
  /** Queue name. @default 'checks' */
  queue?: string;
  /** The commit this worker has checked out: it takes jobs of `<queue>@<commit>` only. @default none (queue `<queue>`) */
  commit?: string;
  /** Redis key prefix. @default 'fanout' */
  prefix?: string;
  /** Jobs run at once. @default 1 */
  concurrency?: number;
  /** Relative job `cwd`s resolve against it (the worker's checkout). @default process.cwd() */
  root?: string;
  /** Directory that receives each job's complete log, `<job id>.log`, mode 0600, secrets masked. @default none */
  logDir?: string;
  /** Lock of a running job, renewed every half of it; a dead worker's job is re-run after it expires. @default 10000 */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. @default 5000 */
  stalledIntervalMs?: number;
  /** Re-runs allowed after a worker died mid-job, before the job fails as lost. @default 1 */
  maxStalledCount?: number;
  /** Named handlers for {@link processParallelDistributed}; more with `registerHandler`. */
  handlers?: Record<string, RemoteHandler>;
  /** How long the first connection to Redis may take; then `ready()` rejects with `ERR_REDIS_UNAVAILABLE`. @default 10000 */
  connectTimeoutMs?: number;
  /** Receives connection and processing errors (credentials already redacted by ioredis; never printed by fanout). */
  onError?: (error: Error) => void;
}

/** A running worker. */
export interface CheckWorker {
  /** The BullMQ queue name it reads (`<queue>@<commit>`). */
  readonly queueName: string;
  /** `host:pid`, reported in every result. */
  readonly name: string;
  /** Jobs running now. */
  readonly running: number;
  /** Resolves once the worker and its cancel subscription are connected; rejects when Redis does not answer in time. */
  ready(): Promise<void>;
  /** Adds or replaces a named handler. */
  registerHandler(name: string, handler: RemoteHandler): void;
  /**
   * Stops taking jobs and terminates the running ones. With `requeue` (the default) they go back to the queue for
   * another worker (a shutdown is not the job's failure); without it they fail as cancelled. Idempotent.
   */
  close(options?: { requeue?: boolean }): Promise<void>;
}

const SHUTDOWN = 'fanout:shutdown';
const CANCEL = 'fanout:cancel';
/** Cancels that arrive before the job starts here are remembered this long. */
const CANCEL_MEMORY_MS = 60_000;

/** A line longer than this (a program that never prints a newline) is masked and written in pieces. */
const LONG_LINE = 64 * 1024;

/**
 * Masks complete lines only, so a secret split across two reads is still masked; only each new chunk is searched for
 * a newline, and a line past {@link LONG_LINE} is written in pieces cut where no secret spans the cut, so the cost is
 * linear in the output and the memory bounded whatever the shape of its lines.
 */
export class MaskedLog {
  private readonly partial = { stdout: '', stderr: '' };
  constructor(
    private readonly stream: Pick<WriteStream, 'write' | 'end'>,
    private readonly mask: (text: string) => string,
    /** The values `mask` masks: where a long line may be cut. */
    private readonly secrets: readonly string[],
  ) {}
  write(chunk: string, name: 'stdout' | 'stderr'): void {
    const newline = chunk.lastIndexOf('\n');
    if (newline === -1) this.partial[name] += chunk;
    else {
      const lines = this.partial[name] + chunk.slice(0, newline + 1);
      this.partial[name] = chunk.slice(newline + 1);
      this.stream.write(this.mask(lines));
    }
    const rest = this.partial[name];
    if (rest.length > LONG_LINE) {
      const cut = safeCut(rest, this.secrets);
      this.stream.write(this.mask(rest.slice(0, cut)));
      this.partial[name] = rest.slice(cut);
    }
  }
  async end(): Promise<void> {
    const rest = this.partial.stdout + this.partial.stderr;
    if (rest !== '') this.stream.write(this.mask(rest));
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}

/**
 * Where a long line can be cut: before its last `longest secret - 1` characters (any secret ending past them starts
 * after the cut), moved left before every occurrence of a secret that spans it. A line made of secrets end to end
 * would move it without end: then it is cut at the first place, half a line back at most.
 */
function safeCut(text: string, secrets: readonly string[]): number {
  const longest = secrets.reduce((most, secret) => Math.max(most, secret.length), 1);
  const first = text.length - (longest - 1);
  let cut = first;
  for (let moved = true; moved && cut > first - LONG_LINE / 2; ) {
    moved = false;
    for (const secret of secrets) {
      const at = text.indexOf(secret, Math.max(0, cut - secret.length + 1));
      if (at !== -1 && at < cut) {
        cut = at;
        moved = true;
      }
    }
  }
  return cut > first - LONG_LINE / 2 ? cut : first;
}

function toWire(result: CommandResult, worker: string, mask: (text: string) => string): WireResult {
  const { error, logError, output, ...rest } = result;
  const wire: WireResult = { ...rest, output: mask(output), worker };
  if (error !== undefined) wire.error = { reason: error.reason, message: mask(error.message), path: error.path ?? null };
  if (logError !== undefined) wire.logError = mask(logError.message);
  return wire;
}

/**
 * Starts a worker that runs the jobs of a queue: check jobs (from {@link createBullMQExecutor}) with
 * {@link runCommand}, and calls of named handlers (from {@link processParallelDistributed}).
 *
 * - Secrets: a check job carries the NAMES of its secret-looking variables; the worker sets them from its own
 *   environment (a name it lacks: the command does not run, the result lists it in `missingSecrets`). Every
 *   secret-looking value of the worker's environment is masked (`***`) in the output, the log and error messages it
 *   returns or writes.
 * - Cancel: the worker subscribes to the queue's cancel channel; a cancel for a job it runs terminates the process
 *   group and fails the job with `UnrecoverableError` (never retried), leaving the output in the job's log for the
 *   coordinator.
 * - Death: if this process dies mid-job, another worker re-runs the job once its lock expires (within
 *   `lockDurationMs` + 2 × `stalledIntervalMs`). Commands it was running are in their own sessions and are not
 *   killed by its death (SIGKILL cannot be intercepted): they end on their own.
 *
 * @example
 * ```ts
 * import { startCheckWorker } from 'fanout';
 * const worker = startCheckWorker({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', commit: 'abc123', concurrency: 4 });
 * worker.registerHandler('double', (item) => (item as number) * 2);
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export function startCheckWorker(options: CheckWorkerOptions): CheckWorker {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const connection = assertConnection('options.connection', options.connection);
  const queueName = distributedQueueName(options.queue ?? DEFAULT_QUEUE, options.commit);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const concurrency = assertInteger('options.concurrency', options.concurrency ?? 1, 1);
  const root = resolvePath(options.root ?? process.cwd());
  const logDir = options.logDir === undefined ? undefined : resolvePath(options.logDir);
  const lockDuration = assertLimit('options.lockDurationMs', options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS, 100);
  const stalledInterval = assertLimit('options.stalledIntervalMs', options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS, 100);
  const maxStalledCount = assertInteger('options.maxStalledCount', options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT, 0);
  const handlers = new Map<string, RemoteHandler>();
  for (const [name, handler] of Object.entries(options.handlers ?? {})) {
    assertFunction(`options.handlers.${name}`, handler);
    handlers.set(name, handler);
  }
  const onError = options.onError;
  const connectTimeoutMs = assertLimit('options.connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1);
  const name = `${hostname()}:${process.pid}`;
  const secrets = secretValuesOf(process.env);
  const mask = secretMasker(secrets);
  const cancelled = new Map<string, number>();
  let closing: Promise<void> | undefined;
  let requeueOnClose = true;
  if (logDir !== undefined) makeDirSync(logDir, 0o700);

  async function runCheck(job: Job<CheckJobData>, signal: AbortSignal): Promise<WireResult> {
    const { spec, secretEnv } = job.data;
    const env: Record<string, string> = { ...spec.env };
    const missing: string[] = [];
    for (const secret of secretEnv) {
      const value = process.env[secret];
      if (value === undefined) missing.push(secret);
      else env[secret] = value;
    }
    if (missing.length > 0) {
      const output = `fanout worker ${name}: secret variable(s) ${missing.join(', ')} not set in this worker's environment; secrets travel by name only, so the worker must have them\n`;
      return { exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: 0, output, outputBytes: output.length, worker: name, missingSecrets: missing };
    }
    const runOptions: RunCommandOptions = { signal, env };
    runOptions.cwd = spec.cwd === undefined ? root : isAbsolute(spec.cwd) ? spec.cwd : join(root, spec.cwd);
    if (spec.shell !== undefined) runOptions.shell = spec.shell;
    if (spec.timeoutMs !== undefined) runOptions.timeoutMs = spec.timeoutMs;
    if (spec.killGraceMs !== undefined) runOptions.killGraceMs = spec.killGraceMs;
    if (spec.maxOutputBytes !== undefined) runOptions.maxOutputBytes = spec.maxOutputBytes;
    let log: MaskedLog | undefined;
    if (logDir !== undefined) {
      log = new MaskedLog(createWriteStream(join(logDir, `${job.id ?? 'job'}.log`), { mode: 0o600 }), mask, secrets);
      const target = log;
      runOptions.onOutput = (chunk, stream) => target.write(chunk, stream);
    }
    try {
      return toWire(await runCommand(spec.command, runOptions), name, mask);
    } finally {
      await log?.end();
    }
  }

  async function runCall(job: Job<CallJobData>, signal: AbortSignal): Promise<{ value: unknown }> {
    const handler = handlers.get(job.data.handler);
    if (handler === undefined) throw unrecoverable(`${REASON_UNKNOWN_HANDLER} worker ${name} has no handler named ${JSON.stringify(job.data.handler)}`);
    try {
      const value = await handler(job.data.item, { index: job.data.index, signal, jobId: job.id ?? '' });
      return { value: value ?? null };
    } catch (error) {
      if (signal.aborted) throw error instanceof Error ? error : new Error(messageOf(error));
      throw unrecoverable(`${REASON_HANDLER} ${mask(messageOf(error))}`);
    }
  }

  async function processor(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const controller = new AbortController();
    const follow = (): void => controller.abort(signal?.reason);
    if (signal?.aborted === true) follow();
    else signal?.addEventListener('abort', follow, { once: true });
    if (job.id !== undefined && cancelled.has(job.id)) controller.abort(CANCEL);
    try {
      let value: unknown;
      let failure: unknown;
      try {
        if (job.name === CHECK_JOB) value = await runCheck(job as Job<CheckJobData>, controller.signal);
        else if (job.name === CALL_JOB) value = await runCall(job as Job<CallJobData>, controller.signal);
        else throw unrecoverable(`${REASON_UNKNOWN_HANDLER} unknown job kind ${JSON.stringify(job.name)}`);
      } catch (error) {
        failure = error;
      }
      if (controller.signal.aborted) {
        if (controller.signal.reason === SHUTDOWN && requeueOnClose && token !== undefined) {
          // Back to the queue: another worker runs it from the start.
          await job.moveToWait(token);
          throw new (backend().bullmq.WaitingError)();
        }
        if (value !== undefined && job.name === CHECK_JOB) await job.log(RESULT_LOG_PREFIX + JSON.stringify(value));
        throw unrecoverable(`${REASON_CANCELLED} job ${job.id ?? ''} cancelled on worker ${name}`);
      }
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(messageOf(failure));
      return value;
    } finally {
      signal?.removeEventListener('abort', follow);
    }
  }

  let loaded: Backend | undefined;
  const backend = (): Backend => {
    if (loaded === undefined) throw new Error('fanout worker: BullMQ is not loaded yet');
    return loaded;
  };
  function unrecoverable(message: string): Error {
    return new (backend().bullmq.UnrecoverableError)(message);
  }
  let running = 0;
  const channel = cancelChannel(prefix, queueName);
  let parts: { worker: Worker; workerRedis: Redis; subscriber: Redis } | undefined;
  const setup = (async () => {
    loaded = await loadBackend();
    const workerRedis = await connectOrThrow(loaded, connection, 'fanout-worker', connectTimeoutMs);
    const subscriber = openRedis(loaded, connection, 'fanout-worker-cancel');
    const worker = new loaded.bullmq.Worker(queueName, processor, {
      connection: workerRedis,
      prefix,
      concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      name,
      autorun: false,
      removeOnComplete: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
      removeOnFail: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
    });
    parts = { worker, workerRedis, subscriber };
    worker.on('active', () => running++);
    const done = (): void => {
      running = Math.max(0, running - 1);
    };
    worker.on('completed', done);
    worker.on('failed', done);
    worker.on('error', (error) => onError?.(error));
    subscriber.on('message', (_channel: string, jobId: string) => {
      const now = Date.now();
      for (const [id, at] of cancelled) if (now - at > CANCEL_MEMORY_MS) cancelled.delete(id);
      cancelled.set(jobId, now);
      worker.cancelJob(jobId, CANCEL);
    });
    subscriber.on('error', (error: Error) => onError?.(error));
    // Subscribe before taking jobs, so no cancel for a job of ours can be missed.
    await subscriber.subscribe(channel);
    if (closing === undefined) {
      void worker.run().catch((error: unknown) => onError?.(error instanceof Error ? error : new Error(messageOf(error))));
    }
    await worker.waitUntilReady();
  })();
  setup.catch((error: unknown) => onError?.(error instanceof Error ? error : new Error(messageOf(error))));

  return {
    queueName,
    name,
    get running() {
      return running;
    },
    async ready() {
      await setup;
    },
    registerHandler(handlerName: string, handler: RemoteHandler) {
      if (typeof handlerName !== 'string' || handlerName === '') throw invalidArgument('name', 'a non-empty string', handlerName);
      assertFunction('handler', handler);
      handlers.set(handlerName, handler);
    },
    close(closeOptions?: { requeue?: boolean }) {
      closing ??= (async () => {
        requeueOnClose = closeOptions?.requeue ?? true;
        await setup.catch(() => undefined);
        if (parts === undefined) return;
        const closed = parts.worker.close();
        parts.worker.cancelAllJobs(SHUTDOWN);
        await closed;
        parts.subscriber.disconnect();
        parts.workerRedis.disconnect();
      })();
      return closing;
    },
  };
}
