/**
 * A coordinator's heartbeat: proof, renewed every fifth of its time to live, that the run which queued jobs still
 * wants their results. Workers stop the processes of a run whose heartbeat lapsed and drop its queued jobs, so a
 * coordinator killed with `kill -9` leaves no work behind.
 *
 * The key `<prefix>:<queue>:heartbeat:<run>` holds `<counter>.<mac>`: a counter one higher at each beat, signed with
 * the `jobs` key (see ./heartbeat-mac.js). Whoever can write to Redis can delete the key (ending the run, as a cancel
 * it could publish would) or copy an old value, but without the secret cannot make the counter advance: a run whose
 * coordinator died cannot be kept alive.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DistributedError } from './errors.js';
import { heartbeatValue } from './heartbeat-mac.js';
import type { RedisConnection } from './protocol.js';

/** How long a coordinator's heartbeat lives without renewal. @default 5000 */
export const DEFAULT_HEARTBEAT_TTL_MS = 5000;
/** Shortest heartbeat time to live accepted. */
export const MIN_HEARTBEAT_TTL_MS = 500;

const THREAD = new URL('./heartbeat-thread.js', import.meta.url);

/** A new run id: the time and 3 random bytes (`20261206T061500123Z-a1b2c3`). */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** The Redis key of a run's heartbeat. */
export function heartbeatKey(prefix: string, queueName: string, runId: string): string {
  return `${prefix}:${queueName}:heartbeat:${runId}`;
}

/** How often beats are sent for a time to live: five chances before the key expires, at most once a second. */
export function beatInterval(ttlMs: number): number {
  return Math.min(1000, ttlMs / 5);
}

/**
 * The counter of a heartbeat value, when it is genuine: signed with `jobsKey` for this queue and run (any counter
 * without a key); undefined for anything else (absent, malformed, forged).
 */
export function heartbeatCounter(value: string | null, jobsKey: Uint8Array | undefined, queueName: string, runId: string): number | undefined {
  if (value === null) return undefined;
  const dot = value.indexOf('.');
  const counterText = dot === -1 ? value : value.slice(0, dot);
  if (!/^\d{1,15}$/.test(counterText)) return undefined;
  const counter = Number(counterText);
  if (jobsKey === undefined) return counter;
  const expected = Buffer.from(heartbeatValue(jobsKey, queueName, runId, counter));
  const given = Buffer.from(value);
  return given.length === expected.length && timingSafeEqual(given, expected) ? counter : undefined;
}

/** A heartbeat being sent. */
export interface Heartbeat {
  /** Resolves once the first beat is stored (jobs may be added then); rejects when the thread failed. */
  readonly ready: Promise<void>;
  /** Stops the beats and deletes the key (the run is over). Bounded: at most about a second and a half. */
  stop(): Promise<void>;
}

/** ioredis options as a worker thread can receive them: functions (a retry strategy, hooks) stay behind. */
function cloneable(connection: RedisConnection): RedisConnection {
  if (typeof connection === 'string') return connection;
  return Object.fromEntries(Object.entries(connection).filter(([, value]) => typeof value !== 'function'));
}

/**
 * Starts the heartbeat of run `runId` on a worker thread with a connection of its own: beats go on while the main
 * thread is busy, and end only with the process (or {@link Heartbeat.stop}). The thread does not keep the process
 * alive.
 */
export function startHeartbeat(options: { connection: RedisConnection; prefix: string; queueName: string; runId: string; ttlMs: number; jobsKey: Uint8Array | undefined }): Heartbeat {
  const { connection, prefix, queueName, runId, ttlMs, jobsKey } = options;
  const thread = new Worker(THREAD, {
    workerData: { connection: cloneable(connection), key: heartbeatKey(prefix, queueName, runId), ttlMs, intervalMs: beatInterval(ttlMs), jobsKey, queueName, runId },
  });
  thread.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    thread.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (message !== 'ready') return;
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new DistributedError('ERR_REDIS_UNAVAILABLE', `the heartbeat thread failed: ${error.message}`, { cause: error }));
    };
    const onExit = (): void => {
      cleanup();
      reject(new DistributedError('ERR_CLIENT_CLOSED', 'the heartbeat stopped before its first beat'));
    };
    const cleanup = (): void => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
    };
    thread.on('message', onMessage);
    thread.once('error', onError);
    thread.once('exit', onExit);
  });
  ready.catch(() => undefined);
  // A later thread error ends the thread ('exit' follows); the beats stop and workers drop the run, as they should
  // for a coordinator that can no longer prove it is alive.
  thread.on('error', () => undefined);
  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        thread.postMessage('stop');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exit, new Promise((resolve) => (timer = setTimeout(resolve, 1500)))]);
        clearTimeout(timer);
        if (!exited) await thread.terminate();
      })();
      return stopping;
    },
  };
}
