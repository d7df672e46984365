// Durations beyond the longest Node timer (2^31 - 1 ms) in the distributed backend, against a server that accepts
// connections and never answers: a timeout beyond the limit is no limit (an overflowed timer gave
// up after 1 ms), and a reconcile, lock or stalled interval beyond it (a 1 ms loop) is refused.
import { describe, expect, it } from 'vitest';
import { SharedCache } from '../../src/checks/index.js';
import { openSharedCacheRedis } from '../../src/distributed/shared-cache.js';
import { pingRedis } from '../../src/distributed/ping.js';
import { processParallelDistributed } from '../../src/distributed/process-parallel-distributed.js';
import { startCheckWorker } from '../../src/distributed/worker.js';
import { createBullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { silentServer, until } from './harness.js';

const BEYOND = 2 ** 31;
/** Long enough for a 1 ms timer to have fired on a loaded machine; the fixed code has no timer to fire at all. */
const WINDOW_MS = 300;

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

describe('a reconcile interval beyond the timers\' limit', () => {
  it('is refused by the executor and processParallelDistributed (it polled Redis every millisecond; its tick also keeps the deadlines, so it cannot be off)', async () => {
    for (const reconcileIntervalMs of [Infinity, BEYOND]) {
      const message = `options.reconcileIntervalMs must be an integer of milliseconds from 10 to 2147483647, received ${reconcileIntervalMs}`;
      expect(() => createBullMQExecutor({ connection: 'redis://127.0.0.1:1', reconcileIntervalMs })).toThrow(message);
      await expect(processParallelDistributed([1], 'double', { connection: 'redis://127.0.0.1:1', reconcileIntervalMs })).rejects.toThrow(message);
    }
    const atLimit = createBullMQExecutor({ connection: 'redis://127.0.0.1:1', reconcileIntervalMs: 2 ** 31 - 1 });
    await atLimit.close();
  });
});
