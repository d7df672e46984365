// Durations beyond the longest Node timer (2^31 - 1 ms) in the distributed backend, against a real redis-server or a
// server that accepts connections and never answers: a timeout beyond the limit is no limit (an overflowed timer gave
// up after 1 ms), a reconcile interval beyond it means no periodic reads (it polled Redis every millisecond), and the
// worker refuses a lock or stalled interval BullMQ would turn into a 1 ms loop.
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SharedCache } from '../../src/checks/index.js';
import { openSharedCacheRedis } from '../../src/distributed/shared-cache.js';
import { pingRedis } from '../../src/distributed/ping.js';
import { processParallelDistributed } from '../../src/distributed/process-parallel-distributed.js';
import { startCheckWorker } from '../../src/distributed/worker.js';
import { hasRedis, removeBuiltLibrary, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './harness.js';

const BEYOND = 2 ** 31;
/** Long enough for a 1 ms timer to have fired on a loaded machine; the fixed code has no timer to fire at all. */
const WINDOW_MS = 300;

/** A server that accepts connections and never answers; closing it ends them. */
async function silentServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let accepted = 0;
  server.on('connection', () => accepted++);
  return {
    url: `redis://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timeouts beyond the timers\' limit', () => {
  it('pingRedis keeps waiting for a server that never answers; the connection\'s end ends it', async () => {
    const server = await silentServer();
    let settled = false;
    const ping = pingRedis(server.url, BEYOND).finally(() => (settled = true));
    const outcome = ping.catch((error: unknown) => error);
    await until(() => server.connections() > 0, 10_000, 'the probe to connect');
    await sleep(WINDOW_MS);
    expect(settled).toBe(false);
    await server.close();
    // Ended by the server's close (a connection error), never by "did not answer within 2147483648 ms".
    const error = await outcome;
    expect(error).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect((error as Error).message).not.toMatch(/did not answer within/);
  });

  it('the shared cache\'s Redis: connectTimeoutMs and timeoutMs beyond the limit keep waiting for a silent server', async () => {
    const server = await silentServer();
    const backend = await openSharedCacheRedis(server.url, { connectTimeoutMs: BEYOND });
    const cache = new SharedCache({ backend, key: new Uint8Array(32).fill(7), version: '1.0.0', timeoutMs: BEYOND });
    let settled = false;
    const read = cache.read('a', 'k'.repeat(64)).finally(() => (settled = true));
    await until(() => server.connections() > 0, 10_000, 'the cache to connect');
    await sleep(WINDOW_MS);
    expect(settled).toBe(false);
    expect(cache.failure).toBeUndefined();
    await server.close();
    await expect(read).resolves.toBeUndefined();
    expect(cache.failure ?? '').not.toMatch(/within 2147483648 ms/);
    await cache.close();
  });

  it('openSharedCacheRedis names a connectTimeoutMs that is not a duration', async () => {
    for (const connectTimeoutMs of [0, -1, 1.5, NaN]) {
      await expect(openSharedCacheRedis('redis://127.0.0.1:1', { connectTimeoutMs })).rejects.toThrow(/^options\.connectTimeoutMs must be an integer >= 1 or Infinity, received /);
    }
  });

  it('startCheckWorker refuses a lockDurationMs or stalledIntervalMs beyond the limit (BullMQ would loop every millisecond)', () => {
    for (const name of ['lockDurationMs', 'stalledIntervalMs'] as const) {
      for (const value of [BEYOND, Infinity]) {
        expect(() => startCheckWorker({ connection: 'redis://127.0.0.1:1', [name]: value })).toThrow(`options.${name} must be an integer of milliseconds from 100 to 2147483647, received ${value}`);
      }
    }
  });
});

describe.skipIf(!hasRedis)('a reconcile interval beyond the timers\' limit', () => {
  let redis: RedisServer;
  let worker: WorkerProcess | undefined;
  const queue = 'timer-limit';

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker(redis.url, { queue, concurrency: 1 });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
    removeBuiltLibrary();
  });

  for (const reconcileIntervalMs of [Infinity, BEYOND]) {
    it(`reconcileIntervalMs ${reconcileIntervalMs}: no job state is read while the job runs; a cancel still ends it`, async () => {
      const reads = vi.spyOn(Job, 'fromId');
      const dir = mkdtempSync(join(tmpdir(), 'fanout-timer-limit-'));
      const controller = new AbortController();
      const running = processParallelDistributed([{ mode: 'hold', dir, name: 'h1' }], 'holdOrFail', { connection: redis.url, queue, signal: controller.signal, reconcileIntervalMs }).catch((error: unknown) => error);
      await until(() => existsSync(join(dir, 'h1')), 10_000, 'the job to start');
      // Reads the events caused (the job's add, its start) may still arrive: let them, then count.
      await sleep(100);
      const before = reads.mock.calls.length;
      await sleep(WINDOW_MS);
      // An interval that overflowed read the job's state every millisecond (hundreds of reads here).
      expect(reads.mock.calls.length - before).toBeLessThanOrEqual(1);
      controller.abort();
      await running;
      await until(() => existsSync(join(dir, 'h1.aborted')), 10_000, 'the cancel to reach the job');
    });
  }
});
