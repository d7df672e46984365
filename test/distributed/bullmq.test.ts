import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullMQExecutor, type BullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { runGraph } from '../../src/graph/scheduler.js';
import type { GraphTask } from '../../src/graph/types.js';
import { sessionMembers } from '../exec/proc.js';
import { dumpRedis, hasRedis, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './harness.js';

if (!hasRedis) console.warn('SKIPPED: redis-server is not installed (CI installs it: apt-get install redis-server)');

const tmp = () => mkdtempSync(join(tmpdir(), 'fanout-distributed-'));

describe.skipIf(!hasRedis)('createBullMQExecutor with worker processes', () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const executors: BullMQExecutor[] = [];
  let queueCounter = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(executors.map((executor) => executor.close()));
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis?.stop();
  });

  /** A fresh queue with `count` worker processes of concurrency 1 and short stall timings. */
  async function setup(count: number, workerOptions: Record<string, unknown> = {}, env?: NodeJS.ProcessEnv) {
    const queue = `q${++queueCounter}`;
    const started = await Promise.all(
      Array.from({ length: count }, () => startWorker(redis.url, { queue, commit: 'c0ffee', concurrency: 1, lockDurationMs: 1000, stalledIntervalMs: 500, ...workerOptions }, env)),
    );
    workers.push(...started);
    const executor = createBullMQExecutor({ connection: redis.url, queue, commit: 'c0ffee', reconcileIntervalMs: 200, cancelWaitMs: 5000 });
    executors.push(executor);
    return { queue, workers: started, executor };
  }

  it('runs a diamond graph through runGraph, the two middle checks at once on different workers', async () => {
    const { executor, workers: pair } = await setup(2);
    const dir = tmp();
    // b and c each wait for the other's mark: they can only finish if they run at the same time, so (concurrency 1
    // per worker) on different workers.
    const command: Record<string, string> = {
      a: 'echo a',
      b: `touch ${dir}/b; until [ -e ${dir}/c ]; do sleep 0.01; done; echo b`,
      c: `touch ${dir}/c; until [ -e ${dir}/b ]; do sleep 0.01; done; echo c`,
      d: 'echo d; exit 3',
    };
    const requires: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] };
    const tasks: GraphTask<Awaited<ReturnType<BullMQExecutor['execute']>>>[] = Object.keys(command).map((id) => ({
      id,
      requires: requires[id] ?? [],
      run: ({ signal }) => executor.execute({ command: command[id] ?? '', timeoutMs: 10_000, logFile: join(dir, 'logs', `${id}.log`) }, { signal }),
    }));
    const order: string[] = [];
    const result = await runGraph(tasks, { maxParallel: 4, onEvent: (event) => event.type === 'task:start' && order.push(event.id) });
    expect(order[0]).toBe('a');
    expect(order[3]).toBe('d');
    const values = Object.fromEntries(result.results.map((outcome) => [outcome.id, outcome.status === 'passed' ? outcome.value : undefined]));
    expect(values.a).toMatchObject({ exitCode: 0, output: 'a\n', stalled: false, attempts: 1 });
    expect(values.d).toMatchObject({ exitCode: 3, output: 'd\n' });
    expect(values.b?.worker).not.toBe(values.c?.worker);
    expect([values.b?.worker, values.c?.worker].sort()).toEqual(pair.map((worker) => worker.name).sort());
    // The coordinator stored each job's log in its own run folder, mode 0600.
    expect(readFileSync(join(dir, 'logs', 'b.log'), 'utf8')).toBe('b\n');
    expect(statSync(join(dir, 'logs', 'b.log')).mode & 0o777).toBe(0o600);
  });
});
