// A coordinator never waits in silence: Redis lost in the middle of a run, or a queue no worker serves, end every
// job in flight with an infrastructure error of their own (never a failed command), against a real redis-server.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBullMQExecutor, type BullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { DistributedError } from '../../src/distributed/errors.js';
import { startCheckWorker, type CheckWorker } from '../../src/distributed/worker.js';
import { hasRedis, startRedis, until, type RedisServer } from './harness.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fanout-infra-'));

describe.skipIf(!hasRedis)('infrastructure failures seen by a coordinator', () => {
  const servers: RedisServer[] = [];
  const executors: BullMQExecutor[] = [];
  const workers: CheckWorker[] = [];
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.close()));
    await Promise.all(workers.splice(0).map((worker) => worker.close({ requeue: false })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('no worker serves the queue: the jobs reject with ERR_NO_WORKER naming the queue, and are removed', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'nobody', commit: 'c0ffee', secret: null, reconcileIntervalMs: 50, workerWaitMs: 300 });
    executors.push(executor);
    const started = Date.now();
    const outcomes = await Promise.allSettled([executor.execute({ command: 'true' }), executor.execute({ command: 'true' })]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as DistributedError;
      expect(error).toBeInstanceOf(DistributedError);
      expect(error.code).toBe('ERR_NO_WORKER');
      expect(error.message).toContain('queue nobody@c0ffee');
      expect(error.started).toBe(false);
    }
    // 300 ms asked; a generous bound for a loaded machine.
    expect(Date.now() - started).toBeLessThan(15_000);
    await until(async () => (await redis.client.llen('fanout:nobody@c0ffee:wait')) === 0, 5000, 'the waiting jobs to be removed');
    // Later executions fail at once with the same error.
    await expect(executor.execute({ command: 'true' })).rejects.toMatchObject({ code: 'ERR_NO_WORKER' });
  });

  it('a long check on a served queue is no reason to give up: the wait counts only while no job of ours runs', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const worker = startCheckWorker({ connection: redis.url, queue: 'busy', commit: 'c0ffee', secret: null, concurrency: 1 });
    workers.push(worker);
    await worker.ready();
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'busy', commit: 'c0ffee', secret: null, reconcileIntervalMs: 50, workerWaitMs: 300 });
    executors.push(executor);
    // One worker of concurrency 1: the second job waits behind the first for well over workerWaitMs.
    const results = await Promise.all([executor.execute({ command: 'sleep 1.5; echo first' }), executor.execute({ command: 'echo second' })]);
    expect(results.map((result) => result.output)).toEqual(['first\n', 'second\n']);
  });

  it('Redis killed in the middle of a run: every job in flight rejects with ERR_REDIS_LOST within the loss window', async () => {
    const redis = await startRedis();
    const worker = startCheckWorker({ connection: redis.url, queue: 'lost', commit: 'c0ffee', secret: null, concurrency: 1 });
    await worker.ready();
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'lost', commit: 'c0ffee', secret: null, reconcileIntervalMs: 100, redisLossMs: 1000 });
    executors.push(executor);
    const dir = tmp();
    const runs = [executor.execute({ command: `echo $$ > ${dir}/pid; sleep 30` }), executor.execute({ command: 'true' })];
    await until(() => existsSync(join(dir, 'pid')), 10_000, 'the running job');
    // Wait until the coordinator has seen the first job taken.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await redis.stop();
    const outcomes = await Promise.allSettled(runs);
    const elapsed = Date.now() - killedAt;
    const errors = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason as DistributedError);
    expect(errors.map((error) => error.code)).toEqual(['ERR_REDIS_LOST', 'ERR_REDIS_LOST']);
    // The first was seen running; of the second nothing can be known once Redis is gone.
    expect(errors.map((error) => error.started)).toEqual([true, undefined]);
    // 1 s asked; a generous bound for a loaded machine (the CLI's 5 s default is measured in the CLI test).
    expect(elapsed).toBeLessThan(10_000);
    // The worker still holds the command (stopping it is the worker's business): end it here.
    process.kill(-Number(readFileSync(join(dir, 'pid'), 'utf8')), 'SIGKILL');
    void worker.close({ requeue: false });
  });
});

describe.skipIf(!hasRedis)('many executions sharing one signal', () => {
  it('add one abort listener in all (no MaxListenersExceededWarning from 11 on), and an abort still cancels every one', async () => {
    const redis = await startRedis();
    const worker = startCheckWorker({ connection: redis.url, queue: 'many', commit: 'c0ffee', secret: null, concurrency: 4 });
    await worker.ready();
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'many', commit: 'c0ffee', secret: null, reconcileIntervalMs: 50 });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const done = await Promise.all(Array.from({ length: 20 }, (_, i) => executor.execute({ command: `echo ${i}` }, { signal: controller.signal })));
      expect(done.map((result) => result.output)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
      const dir = tmp();
      const held = Array.from({ length: 12 }, (_, i) => executor.execute({ command: `touch ${dir}/${i}; sleep 30` }, { signal: controller.signal }));
      await until(() => existsSync(join(dir, '0')), 10_000, 'a running job');
      controller.abort();
      const cancelled = await Promise.all(held);
      expect(cancelled.every((result) => result.cancelled)).toBe(true);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await executor.close();
      await worker.close({ requeue: false });
      await redis.stop();
    }
  });
});
