/**
 * The coordinator's side of a queue: adds jobs, learns that they finished from QueueEvents AND from reading job
 * state (QueueEvents' stream is capped, so an event can be missed: nothing waits on events alone), cancels jobs
 * (removes a waiting one; broadcasts a cancel for a running one), and removes every job whose result it has read.
 */
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { MAX_TIMER_MS } from '../common/timer.js';
import { coalesceWrites, loadBackend, openRedis, socketOf, type Backend } from './backend.js';
import { signJob } from './auth.js';
import { DistributedError } from './errors.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { cancelChannel, RETAIN_AGE_S, RETAIN_COUNT, type RedisConnection } from './protocol.js';

/** Prefix of the job-log line in which a worker leaves the result of a job it cancelled. */
export const RESULT_LOG_PREFIX = 'fanout-result:';
/** Prefixes of the failure reasons fanout's workers give. */
export const REASON_CANCELLED = '[fanout:cancelled]';
export const REASON_UNKNOWN_HANDLER = '[fanout:unknown-handler]';
export const REASON_HANDLER = '[fanout:handler]';
/** Prefix of the failure reason of a job a worker refused to run (authentication or pinning). */
export const REASON_REFUSED = '[fanout:refused]';
/** Prefix of the failure reason of a job dropped because its run's heartbeat lapsed (its coordinator is gone). */
export const REASON_ORPHANED = '[fanout:orphaned]';

/** Removes ARGV[1] from the wait list KEYS[1], else from the paused list KEYS[2]: 1 when it was in one of them. */
const TAKE_OUT_OF_WAIT = `if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then return 1 end
return redis.call('LREM', KEYS[2], 1, ARGV[1])`;

/** Options shared by everything that talks to a queue as a coordinator. */
export interface JobClientOptions {
  connection: RedisConnection;
  /** The BullMQ queue name (already including the commit). */
  queueName: string;
  prefix: string;
  /** How often the state of jobs in flight is read, whatever QueueEvents says: at most 2^31 - 1 (validated by the callers). */
  reconcileIntervalMs: number;
  /** How long a cancelled running job may take to report back before it is given up as cancelled. */
  cancelWaitMs: number;
  /** Cap of the events stream (BullMQ's `streams.events.maxLen`). */
  eventsMaxLen: number | undefined;
  /** How long the first connection may take before jobs fail with `ERR_REDIS_UNAVAILABLE`. */
  connectTimeoutMs: number;
  /** The `jobs` key ({@link deriveKey}): every job is added signed with it. Undefined: jobs are added unsigned. */
  jobsKey: Uint8Array | undefined;
  /** Redis silent this long (no PING answered) once connected: every job in flight rejects with `ERR_REDIS_LOST`. */
  redisLossMs: number;
  /** Jobs waiting this long while no worker took any of this client's jobs: they reject with `ERR_NO_WORKER`. */
  workerWaitMs: number;
  /** The run's heartbeat ({@link startHeartbeat}): its first beat is stored before any job is added. Undefined: none. */
  heartbeat?: { runId: string; ttlMs: number } | undefined;
}

/**
 * Opens a client and waits for Redis to answer a PING, at most `timeoutMs`; otherwise closes it and rejects with
 * ERR_REDIS_UNAVAILABLE. Probing before BullMQ opens its own connections keeps a wrong URL from leaving BullMQ's
 * reconnect loops behind. Aborting `signal` closes it too, and rejects with the signal's reason.
 */
export async function connectOrThrow(backend: Backend, connection: RedisConnection, name: string, timeoutMs: number, signal?: AbortSignal): Promise<Redis> {
  const client = openRedis(backend, connection, name);
  // The first connection error ends the probe with its cause (refused, unknown host, a TLS certificate error...):
  // ioredis would retry it quietly until the timeout and say only that Redis did not answer.
  let onError: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (error: Error) => reject(new DistributedError('ERR_REDIS_UNAVAILABLE', error.message, { cause: error }));
    client.once('error', onError);
  });
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (signal === undefined) return;
    onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await withTimeout(Promise.race([client.ping(), failed, stopped]), timeoutMs);
    return client;
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    if (onError !== undefined) client.off('error', onError);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Rejects with ERR_REDIS_UNAVAILABLE when `promise` takes longer than `ms` (ioredis itself retries forever); beyond
 * 2^31 - 1 (Infinity included) there is no limit.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (ms > MAX_TIMER_MS) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DistributedError('ERR_REDIS_UNAVAILABLE', `Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a job ended, as the coordinator saw it. */
export type JobOutcome =
  | { state: 'completed'; job: Job; value: unknown }
  | { state: 'failed'; job: Job; reason: string; logs: string[]; cancelRequested: boolean }
  /** Removed while waiting (cancelled before a worker took it), or given up after a cancel. */
  | { state: 'cancelled'; job: Job | undefined; attempts?: number };

interface Pending {
  id: string;
  resolve: (outcome: JobOutcome) => void;
  reject: (error: unknown) => void;
  cancelRequested: boolean;
  cancelDeadline: number;
  checking: boolean;
  recheck: boolean;
  addedAt: number;
  /** When this client first saw a worker hold the job. */
  takenAt: number | undefined;
}

interface Parts {
  backend: Backend;
  queue: Queue;
  events: QueueEvents;
  redis: Redis;
  eventsRedis: Redis;
}

/** One Queue, one QueueEvents and one command connection; any number of jobs in flight. */
export class JobClient {
  private parts: Parts | undefined;
  private readonly channel: string;
  private readonly pending = new Map<string, Pending>();
  private readonly ready: Promise<Parts>;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private infraError: unknown;
  /** Set once the infrastructure failed (Redis lost, no worker): every job in flight and every later one rejects with it. */
  private failure: DistributedError | undefined;
  private readonly failed: Promise<never>;
  private failWith: (error: DistributedError) => void = () => undefined;
  private health: NodeJS.Timeout | undefined;
  private lastAnswer = Date.now();
  private lastTaken = 0;
  private heartbeat: Heartbeat | undefined;

  constructor(private readonly options: JobClientOptions) {
    this.channel = cancelChannel(options.prefix, options.queueName);
    this.ready = this.setup();
    // An unobserved rejection must not crash the process; callers see it through submit().
    this.ready.catch(() => undefined);
    this.failed = new Promise<never>((_, reject) => {
      this.failWith = reject;
    });
    this.failed.catch(() => undefined);
  }

  /**
   * Ends every job in flight with `error` (an infrastructure failure: nothing can be learnt of them any more),
   * tries to remove those still waiting, and makes every later submit reject with it.
   */
  private fail(error: DistributedError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.failWith(error);
    for (const pending of [...this.pending.values()]) {
      const reject = (started: boolean | undefined): void =>
        pending.reject(new DistributedError(error.code, error.message, { jobId: pending.id, started, cause: error.cause }));
      if (pending.takenAt !== undefined) reject(true);
      else if (error.code === 'ERR_REDIS_LOST') reject(undefined); // taken since the last look, or not: unknown
      else {
        // Taken out of wait: it never ran. Not there: a worker holds it after all (or it finished meanwhile).
        const parts = this.parts;
        if (parts === undefined) reject(false);
        else {
          this.takeOutOfWait(pending.id).then(
            (taken) => {
              reject(!taken);
              if (taken) parts.queue.remove(pending.id).catch(() => undefined);
            },
            () => reject(undefined),
          );
        }
      }
    }
  }

  /** PINGs Redis twice a second: silent for `redisLossMs`, the run's jobs are lost (ioredis would wait forever). */
  private watchHealth(redis: Redis): void {
    const every = Math.max(10, Math.min(500, this.options.redisLossMs / 10));
    let probing = false;
    this.lastAnswer = Date.now();
    let lastTick = Date.now();
    this.health = setInterval(() => {
      const now = Date.now();
      // This thread stalled (a long synchronous task): Redis was not asked meanwhile, so its silence says nothing.
      // It gets a fresh window from now instead of being declared lost for the time this process did not look.
      if (now - lastTick > 3 * every) this.lastAnswer = Math.max(this.lastAnswer, now - every);
      lastTick = now;
      // The last answer came at most one interval before Redis went: the run ends at most redisLossMs after it did.
      if (now - this.lastAnswer >= this.options.redisLossMs - every) {
        this.fail(new DistributedError('ERR_REDIS_LOST', `Redis stopped answering (nothing for ${Math.round(this.options.redisLossMs / 1000)} s): the jobs in flight are lost`, { cause: this.infraError }));
        return;
      }
      if (probing) return;
      probing = true;
      redis.ping().then(
        () => {
          this.lastAnswer = Date.now();
          probing = false;
        },
        (error: unknown) => {
          this.infraError = error;
          probing = false;
        },
      );
    }, every);
    this.health.unref();
  }

  private async setup(): Promise<Parts> {
    const backend = await loadBackend();
    const { connection, queueName, prefix, eventsMaxLen } = this.options;
    const redis = await connectOrThrow(backend, connection, 'fanout-coordinator', this.options.connectTimeoutMs);
    const beat = this.options.heartbeat;
    if (beat !== undefined && !this.closed) {
      this.heartbeat = startHeartbeat({ connection, prefix, queueName, runId: beat.runId, ttlMs: beat.ttlMs, jobsKey: this.options.jobsKey });
    }
    const eventsRedis = openRedis(backend, connection, 'fanout-coordinator-events');
    const streams = eventsMaxLen === undefined ? {} : { streams: { events: { maxLen: eventsMaxLen } } };
    const queue = new backend.bullmq.Queue(queueName, { connection: redis, prefix, ...streams });
    const events = new backend.bullmq.QueueEvents(queueName, { connection: eventsRedis, prefix });
    const onFinished = ({ jobId }: { jobId: string }): void => this.check(jobId);
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    events.on('removed', onFinished);
    // Connection trouble is seen by the jobs that wait (reconciliation retries), never thrown from an emitter.
    const remember = (error: unknown): void => {
      this.infraError = error;
    };
    queue.on('error', remember);
    events.on('error', remember);
    this.parts = { backend, queue, events, redis, eventsRedis };
    if (!this.closed) this.watchHealth(redis);
    // Workers drop the jobs of a run without a heartbeat: none is added before the first beat is stored.
    await Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady(), this.heartbeat?.ready]), this.failed]);
    return this.parts;
  }

  /** Jobs in flight. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds a job and resolves with how it ended. `onAdded` runs once the job exists (so a caller can arrange its
   * cancellation with {@link cancel}).
   */
  async submit(name: string, data: unknown, onAdded?: (jobId: string) => void): Promise<JobOutcome> {
    if (this.closed) throw new DistributedError('ERR_CLIENT_CLOSED', 'the distributed client is closed');
    if (this.failure !== undefined) throw this.failure;
    const { queue, redis } = await this.ready;
    const { jobsKey, queueName } = this.options;
    coalesceWrites(socketOf(redis));
    // Raced with a failure: ioredis holds a command forever while Redis is away.
    const job = await Promise.race([
      queue.add(name, jobsKey === undefined ? data : signJob(jobsKey, queueName, name, data), {
        attempts: 1,
        removeOnComplete: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
        removeOnFail: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
      }),
      this.failed,
    ]);
    const id = job.id;
    if (id === undefined) throw new DistributedError('ERR_JOB_LOST', 'BullMQ returned a job without an id');
    const outcome = new Promise<JobOutcome>((resolve, reject) => {
      this.pending.set(id, { id, resolve, reject, cancelRequested: false, cancelDeadline: Infinity, checking: false, recheck: false, addedAt: Date.now(), takenAt: undefined });
    });
    this.startTimer();
    onAdded?.(id);
    // The job may finish before the events stream is read from its position: look once right away.
    this.check(id);
    try {
      return await outcome;
    } finally {
      this.pending.delete(id);
      if (this.pending.size === 0) this.stopTimer();
    }
  }

  /** Cancels a job in flight: removed if still waiting, otherwise every worker hears a cancel for it. */
  cancel(id: string): void {
    const pending = this.pending.get(id);
    if (pending === undefined || pending.cancelRequested) return;
    pending.cancelRequested = true;
    pending.cancelDeadline = Date.now() + this.options.cancelWaitMs;
    void this.tryCancel(pending);
  }

  /** Removes a finished job (its result has been read). Best effort: retention removes it otherwise. */
  async forget(id: string): Promise<void> {
    try {
      // Not after an infrastructure failure: with Redis gone, the command would wait for ever.
      if (this.parts !== undefined && this.failure === undefined) {
        coalesceWrites(socketOf(this.parts.redis));
        await Promise.race([this.parts.queue.remove(id), this.failed]);
      }
    } catch {
      // retention (RETAIN_COUNT / RETAIN_AGE_S) removes it later
    }
  }

  /** Stops the client: jobs in flight are cancelled (given `cancelWaitMs` to report back), then connections close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.cancel(id);
    const deadline = Date.now() + this.options.cancelWaitMs;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pending of [...this.pending.values()]) pending.reject(new DistributedError('ERR_CLIENT_CLOSED', 'the distributed client was closed', { jobId: pending.id }));
    this.stopTimer();
    clearInterval(this.health);
    try {
      await Promise.race([this.ready, this.failed]);
    } catch {
      // never connected (setup closed what it had opened), or Redis is gone
    }
    // After the cancels (and after a setup that was still starting it): the key's deletion makes workers drop
    // whatever of the run is left.
    await this.heartbeat?.stop();
    const parts = this.parts;
    if (parts === undefined) return;
    // BullMQ's close waits for Redis; it also ends QueueEvents' read loop, which otherwise retries for ever. With Redis
    // gone the close is started but not awaited, and the connections are dropped.
    const closing = Promise.allSettled([parts.events.close(), parts.queue.close()]);
    if (this.failure?.code !== 'ERR_REDIS_LOST') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    parts.eventsRedis.disconnect();
    parts.redis.disconnect();
  }

  private async tryCancel(pending: Pending): Promise<void> {
    try {
      const { queue, redis, backend } = await this.ready;
      if (await this.takeOutOfWait(pending.id)) {
        // Started before (a stall put it back in wait): its first worker may still run it, so tell it too.
        const job = await backend.bullmq.Job.fromId(queue, pending.id);
        const attempts = job?.attemptsStarted ?? 0;
        await queue.remove(pending.id);
        if (attempts > 0) await redis.publish(this.channel, pending.id);
        pending.resolve({ state: 'cancelled', job: undefined, attempts });
        return;
      }
      // Not waiting: a worker holds it (whatever its lock says: a renewal late on a loaded worker lets it lapse for a
      // moment), or it has finished, and a finished job keeps its real result. Removing it now would turn it into
      // "cancelled, never started", and take its log with the result of a command that ran.
      const job = await backend.bullmq.Job.fromId(queue, pending.id);
      if (job === undefined || job.finishedOn !== undefined) {
        this.check(pending.id);
        return;
      }
      await redis.publish(this.channel, pending.id);
    } catch {
      // the next reconciliation tick retries
    }
  }

  /**
   * Takes a job out of the lists workers take jobs from (wait, paused), in one step against their moves to active:
   * true, no worker can start it any more; false, it was in neither (a worker holds it, or it finished or vanished).
   * Reading its state first and removing it after would leave a gap in which a worker takes it, or it finishes.
   */
  private async takeOutOfWait(id: string): Promise<boolean> {
    const { queue, redis } = await this.ready;
    const taken = await redis.eval(TAKE_OUT_OF_WAIT, 2, queue.keys.wait ?? '', queue.keys.paused ?? '', id);
    return taken === 1;
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.options.reconcileIntervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    this.checkWorkers(now);
    for (const pending of this.pending.values()) {
      if (pending.cancelRequested) {
        if (now >= pending.cancelDeadline) {
          pending.cancelDeadline = Infinity;
          void this.giveUp(pending);
          continue;
        }
        // A cancel may have reached no worker (the job was between wait and active): repeat it, and remove the job
        // if a stall put it back in wait, so a cancelled job never runs again.
        void this.tryCancel(pending);
      }
      this.check(pending.id);
    }
  }

  /**
   * A cancelled job that did not finish in `cancelWaitMs`. Its worker leaves the result in the job's log before it
   * fails the job, and failing it can fail (the lock lapsed on a loaded worker): a result there is the job's end.
   */
  private async giveUp(pending: Pending): Promise<void> {
    try {
      const { queue, backend } = await this.ready;
      const { logs } = await Promise.race([queue.getJobLogs(pending.id, 0, -1, true), this.failed]);
      const job = await backend.bullmq.Job.fromId(queue, pending.id);
      if (job !== undefined && logs.some((line) => line.startsWith(RESULT_LOG_PREFIX))) {
        pending.resolve({ state: 'failed', job, reason: REASON_CANCELLED, logs, cancelRequested: true });
        return;
      }
    } catch {
      // nothing more to learn
    }
    pending.resolve({ state: 'cancelled', job: undefined });
  }

  /** No worker took any job of ours for `workerWaitMs` while some wait and none runs: nobody serves the queue. */
  private checkWorkers(now: number): void {
    let oldestWaiting = Infinity;
    for (const pending of this.pending.values()) {
      if (pending.takenAt !== undefined) return; // one runs: the queue is served
      if (!pending.cancelRequested) oldestWaiting = Math.min(oldestWaiting, pending.addedAt);
    }
    if (oldestWaiting === Infinity || now - Math.max(oldestWaiting, this.lastTaken) < this.options.workerWaitMs) return;
    const seconds = Math.round(this.options.workerWaitMs / 1000);
    this.fail(new DistributedError('ERR_NO_WORKER', `no worker took a job from queue ${this.options.queueName} in ${seconds} s: is a \`fanout worker\` running for this queue and commit, with the same secret?`));
  }

  /** Reads the job's state; settles its pending entry when it finished. Coalesces concurrent requests. */
  check(id: string): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    if (pending.checking) {
      pending.recheck = true;
      return;
    }
    pending.checking = true;
    void this.read(pending).finally(() => {
      pending.checking = false;
      if (pending.recheck) {
        pending.recheck = false;
        this.check(id);
      }
    });
  }

  private async read(pending: Pending): Promise<void> {
    // After an infrastructure failure, fail() alone settles what is left.
    if (this.failure !== undefined) return;
    try {
      const { queue, backend, redis } = await this.ready;
      coalesceWrites(socketOf(redis));
      const job = await backend.bullmq.Job.fromId(queue, pending.id);
      if (job === undefined) {
        if (pending.cancelRequested) pending.resolve({ state: 'cancelled', job: undefined });
        else pending.reject(new DistributedError('ERR_JOB_LOST', `job ${pending.id} disappeared from the queue before it finished`, { jobId: pending.id }));
        return;
      }
      if (job.processedOn !== undefined && job.processedOn !== null) {
        pending.takenAt ??= Date.now();
        this.lastTaken = Date.now();
      }
      if (job.finishedOn === undefined) return;
      if (job.returnvalue !== null && job.returnvalue !== undefined && !job.failedReason) {
        pending.resolve({ state: 'completed', job, value: job.returnvalue });
        return;
      }
      const { logs } = await queue.getJobLogs(pending.id, 0, -1, true);
      pending.resolve({ state: 'failed', job, reason: job.failedReason, logs, cancelRequested: pending.cancelRequested });
    } catch (error) {
      // Redis unreachable: the next tick tries again.
      this.infraError = error;
    }
  }

  /** The last connection error seen, if any. */
  get lastError(): unknown {
    return this.infraError;
  }
}
