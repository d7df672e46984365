import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParallelError } from '../../src/common/errors.js';
import { createBullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { DistributedError } from '../../src/distributed/errors.js';
import { processParallelDistributed } from '../../src/distributed/process-parallel-distributed.js';
import { redactRedisUrl } from '../../src/distributed/secrets.js';
import { hasRedis, removeBuiltLibrary, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './harness.js';

if (!hasRedis) console.warn('SKIPPED: redis-server is not installed (CI installs it: apt-get install redis-server)');

describe.skipIf(!hasRedis)('processParallelDistributed and worker life cycle', () => {
  let redis: RedisServer;
  let pair: WorkerProcess[] = [];
  const queue = 'calls';

  beforeAll(async () => {
    redis = await startRedis([], 'pa55-w0rd-x');
    pair = await Promise.all([0, 1].map(() => startWorker(redis.url, { queue, concurrency: 2, lockDurationMs: 1000, stalledIntervalMs: 500 })));
  });
  afterAll(async () => {
    await Promise.all(pair.map((worker) => worker.stop()));
    await redis?.stop();
    removeBuiltLibrary();
  });

  it('runs named handlers on the workers, outputs in input order, progress reported', async () => {
    const progress: number[] = [];
    const { results, errors } = await processParallelDistributed([1, 2, 3, 4, 5, 6, 7, 8], 'double', {
      connection: redis.url,
      queue,
      onProgress: (completed) => progress.push(completed),
    });
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(errors).toEqual([]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a handler that throws fails its item with ERR_REMOTE_HANDLER (secrets masked); failFast off keeps the rest', async () => {
    const { results, errors } = await processParallelDistributed([1, 2, 3, 4], 'failOn3', { connection: redis.url, queue, failFast: false });
    expect(results).toEqual([1, 2, 4]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.index).toBe(2);
    expect(errors[0]?.cause).toBeInstanceOf(DistributedError);
    expect(errors[0]?.cause).toMatchObject({ code: 'ERR_REMOTE_HANDLER', message: 'three is bad (token none)' });
  });

  it('fail-fast rejects with ParallelError and cancels the calls running on the workers; an unknown handler is ERR_UNKNOWN_HANDLER', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-ppd-'));
    const items = [
      { mode: 'hold', dir, name: 'h1' },
      { mode: 'hold', dir, name: 'h2' },
      { mode: 'fail', dir, name: 'f' },
    ];
    const error = await processParallelDistributed(items, 'holdOrFail', { connection: redis.url, queue }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ParallelError);
    const parallel = error as ParallelError;
    expect(parallel.errors.map((failure) => failure.index)).toEqual([2]);
    expect(parallel.errors[0]?.cause).toMatchObject({ code: 'ERR_REMOTE_HANDLER', message: 'boom' });
    expect(parallel.results).toEqual([]);
    // The holds ran on the workers and were aborted there.
    await until(() => existsSync(join(dir, 'h1.aborted')) && existsSync(join(dir, 'h2.aborted')), 5000, 'the holds to be cancelled');

    const unknown = await processParallelDistributed([1], 'no-such-handler', { connection: redis.url, queue }).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(ParallelError);
    expect((unknown as ParallelError).errors[0]?.cause).toMatchObject({ code: 'ERR_UNKNOWN_HANDLER' });
  });

  it('an abort rejects with ParallelError whose cause is the reason, cancelling running calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-ppd-'));
    const controller = new AbortController();
    const reason = new Error('user stop');
    const running = processParallelDistributed([{ mode: 'hold', dir, name: 'h1' }], 'holdOrFail', { connection: redis.url, queue, signal: controller.signal });
    await until(() => existsSync(join(dir, 'h1')), 5000, 'the call to start');
    controller.abort(reason);
    const error = await running.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).cause).toBe(reason);
    await until(() => existsSync(join(dir, 'h1.aborted')), 5000, 'the call to be cancelled');
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  it('a worker stopped with SIGTERM puts its running job back in the queue; another worker runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-term-'));
    const solo = await startWorker(redis.url, { queue: 'term', concurrency: 1 });
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'term', reconcileIntervalMs: 100 });
    try {
      const controller = new AbortController();
      const running = executor.execute({ command: `if [ -e ${dir}/first ]; then echo again; else touch ${dir}/first; sleep 30; fi`, killGraceMs: 200 }, { signal: controller.signal });
      await until(() => existsSync(join(dir, 'first')), 5000, 'the first run');
      await solo.stop();
      const next = await startWorker(redis.url, { queue: 'term', concurrency: 1 });
      const result = await running;
      await next.stop();
      expect(result).toMatchObject({ exitCode: 0, output: 'again\n', worker: next.name, attempts: 2, stalled: true });
      expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    } finally {
      await executor.close();
    }
  });

  it('Redis credentials never appear in Redis, in results or in error messages', async () => {
    const executor = createBullMQExecutor({ connection: redis.url, queue, reconcileIntervalMs: 100 });
    const result = await executor.execute({ command: 'echo hi' });
    await executor.close();
    expect(JSON.stringify(result)).not.toContain('pa55-w0rd-x');
    const { text } = await (await import('./harness.js')).dumpRedis(redis.client);
    expect(text).not.toContain('pa55-w0rd-x');
    expect(redactRedisUrl(redis.url)).not.toContain('pa55-w0rd-x');
    expect(redactRedisUrl('redis://user:pa55-w0rd-x@host:1/0')).toBe('redis://user:***@host:1/0');

    // Nothing listens on port 1: the execution rejects with ERR_REDIS_UNAVAILABLE, without the password.
    const nowhere = createBullMQExecutor({ connection: 'redis://:pa55-w0rd-x@127.0.0.1:1', connectTimeoutMs: 300, cancelWaitMs: 0 });
    const error = await nowhere.execute({ command: 'true' }).catch((caught: unknown) => caught);
    await nowhere.close();
    expect(error).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect(String((error as Error).message)).not.toContain('pa55-w0rd-x');
    expect(() => createBullMQExecutor({ connection: 'http://:pa55-w0rd-x@x' })).toThrow(/options.connection must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => createBullMQExecutor({ connection: 'http://:pa55-w0rd-x@x' })).not.toThrow(/pa55/);
  });
});
