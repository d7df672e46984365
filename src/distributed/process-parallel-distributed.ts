/**
 * `processParallelDistributed`: {@link processParallel} whose items run as calls of a named handler on fanout
 * workers.
 */
import { assertLimit, invalidArgument } from '../common/arguments.js';
import { assertTimerMs } from '../common/timer.js';
import { processParallel, type ProcessParallelResult } from '../core/process-parallel.js';
import { DistributedError } from './errors.js';
import { jobsKeyFrom } from './auth.js';
import { DEFAULT_HEARTBEAT_TTL_MS, newRunId } from './heartbeat.js';
import { JobClient, REASON_HANDLER, REASON_UNKNOWN_HANDLER } from './job-client.js';
import { assertConnection, CALL_JOB, DEFAULT_PREFIX, DEFAULT_QUEUE, DEFAULT_REDIS_LOSS_MS, DEFAULT_WORKER_WAIT_MS, distributedQueueName, type CallJobData, type RedisConnection } from './protocol.js';

/** Options of {@link processParallelDistributed}. */
export interface DistributedParallelOptions<O> {
  /** Where Redis is: a URL or ioredis options. */
  connection: RedisConnection;
  /** Queue name; the workers must read the same queue (and commit). @default 'checks' */
  queue?: string;
  /** Shared secret jobs are signed with (workers refuse unsigned or forged jobs when they have it too); `null`: unsigned. @default FANOUT_SECRET or the file FANOUT_SECRET_FILE names; none: unsigned */
  secret?: string | Uint8Array | null;
  /** Commit part of the queue name, as the workers were started with. @default none */
  commit?: string;
  /** Redis key prefix. @default 'fanout' */
  prefix?: string;
  /** Calls in flight (queued or running). The workers' concurrency bounds what runs at once. @default 64 */
  inFlight?: number;
  /** As in {@link processParallel}: stop at the first failure, cancel the calls in flight, reject. @default true */
  failFast?: boolean;
  /** Aborting cancels every call in flight (waiting ones removed, running ones cancelled on their workers). */
  signal?: AbortSignal;
  /** Called once per successful item with the successes so far, the total when known, and the item's output. */
  onProgress?: (completed: number, total: number | undefined, state: O) => void;
  /** How often the state of calls in flight is read besides QueueEvents: an integer from 10 to 2^31 - 1. @default 1000 */
  reconcileIntervalMs?: number;
}

/**
 * Runs `handler` — the name of a handler the workers registered ({@link startCheckWorker}'s `handlers` or
 * `registerHandler`) — on every item, as BullMQ jobs, and settles exactly like {@link processParallel} (it is
 * processParallel, with a remote call as the processor): outputs in input order, a `ParallelError` of
 * `TaskError`s on failure; with `failFast`, calls in flight are cancelled and appear in neither list.
 *
 * Items and outputs travel as JSON. A handler that throws fails its item with a {@link DistributedError}
 * `ERR_REMOTE_HANDLER` carrying the worker's message (secrets masked); a name no worker knows fails with
 * `ERR_UNKNOWN_HANDLER`. A worker that dies mid-call: the call re-runs on another worker (handlers should be
 * idempotent).
 *
 * @example
 * ```ts
 * import { processParallelDistributed } from 'fanout/distributed';
 * // on the workers: startCheckWorker({ connection, handlers: { double: (n) => (n as number) * 2 } })
 * const { results } = await processParallelDistributed([1, 2, 3], 'double', { connection: 'redis://127.0.0.1:6379' });
 * console.log(results); // [2, 4, 6]
 * ```
 */
export async function processParallelDistributed<I, O = unknown>(
  items: Iterable<I> | AsyncIterable<I>,
  handler: string,
  options: DistributedParallelOptions<O>,
): Promise<ProcessParallelResult<I, O>> {
  if (typeof handler !== 'string' || handler === '') throw invalidArgument('handler', 'a non-empty handler name', handler);
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const connection = assertConnection('options.connection', options.connection);
  const queueName = distributedQueueName(options.queue ?? DEFAULT_QUEUE, options.commit);
  const inFlight = assertLimit('options.inFlight', options.inFlight ?? 64, 1);
  const reconcileIntervalMs = assertTimerMs('options.reconcileIntervalMs', options.reconcileIntervalMs ?? 1000, 10);
  if (options.signal?.aborted === true) {
    // processParallel's own pre-aborted behaviour, without opening connections.
    return processParallel(items, () => Promise.reject(new Error('unreachable')), { signal: options.signal, failFast: options.failFast ?? true });
  }
  // A heartbeat, as for checks: if this process dies, workers abort its calls and drop its queued ones.
  const runId = newRunId();
  const heartbeat = { runId, ttlMs: DEFAULT_HEARTBEAT_TTL_MS };
  const client = new JobClient({ connection, queueName, prefix: options.prefix ?? DEFAULT_PREFIX, reconcileIntervalMs, cancelWaitMs: 15_000, eventsMaxLen: undefined, connectTimeoutMs: 10_000, jobsKey: jobsKeyFrom('options.secret', options.secret), redisLossMs: DEFAULT_REDIS_LOSS_MS, workerWaitMs: DEFAULT_WORKER_WAIT_MS, heartbeat });
  try {
    return await processParallel<I, O>(
      items,
      async (item, { index, signal }) => {
        if (signal.aborted) throw signal.reason;
        const data: CallJobData = { kind: 'call', handler, item, index, runId, heartbeatMs: heartbeat.ttlMs };
        let jobId: string | undefined;
        const onAbort = (): void => {
          if (jobId !== undefined) client.cancel(jobId);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          const outcome = await client.submit(CALL_JOB, data, (id) => {
            jobId = id;
            if (signal.aborted) client.cancel(id);
          });
          if (outcome.state === 'completed') return (outcome.value as { value: O }).value;
          if (signal.aborted) throw signal.reason;
          if (outcome.state === 'cancelled') throw new DistributedError('ERR_JOB_LOST', `call ${index} was cancelled by someone else`, { jobId });
          if (outcome.reason.startsWith(REASON_UNKNOWN_HANDLER)) {
            throw new DistributedError('ERR_UNKNOWN_HANDLER', outcome.reason.slice(REASON_UNKNOWN_HANDLER.length).trim(), { jobId });
          }
          if (outcome.reason.startsWith(REASON_HANDLER)) {
            throw new DistributedError('ERR_REMOTE_HANDLER', outcome.reason.slice(REASON_HANDLER.length).trim(), { jobId });
          }
          throw new DistributedError('ERR_JOB_LOST', `call ${index} failed without a result: ${outcome.reason}`, { jobId });
        } finally {
          signal.removeEventListener('abort', onAbort);
          if (jobId !== undefined) await client.forget(jobId);
        }
      },
      {
        workers: inFlight === Infinity ? 1024 : inFlight,
        failFast: options.failFast ?? true,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      },
    );
  } finally {
    await client.close();
  }
}
