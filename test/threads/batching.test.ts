// Automatic batching on real worker threads: processParallel(items, moduleUrl) and pool.batchProcessor, over a
// per-item module (test/fixtures/threads/batch.js) that knows nothing of batches.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ParallelError, TaskError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { ThreadPoolClosedError, createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { startFlag } from '../helpers/flag.js';
import { trackThreads } from '../helpers/threads.js';

type Input =
  | number
  | { op: 'async'; n: number }
  | { op: 'async-fail'; message: string }
  | { op: 'spin'; flag: Int32Array }
  | { op: 'thread' }
  | { op: 'function' }
  | { op: 'throw-string' };

const moduleUrl = new URL('../fixtures/threads/batch.js', import.meta.url);

const live = trackThreads();

const pools: Array<ThreadPool<Input, unknown>> = [];
function pool(threads: number, options: Parameters<typeof createThreadPool>[1] = {}): ThreadPool<Input, unknown> {
  const p = createThreadPool<Input, unknown>(moduleUrl, { ...options, threads });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

const squares = (n: number): number[] => Array.from({ length: n }, (_, i) => i * i);

describe('processParallel(items, moduleUrl): automatic batching', () => {
  it('keeps input order over 1,000 items, reports progress per item, and leaves no thread behind', async () => {
    const progress: number[] = [];
    const { results, errors } = await processParallel<Input, unknown>(
      Array.from({ length: 1000 }, (_, i) => i),
      moduleUrl,
      { onProgress: (completed, total) => progress.push(completed, total ?? -1) },
    );
    expect(errors).toEqual([]);
    expect(results).toEqual(squares(1000));
    expect(progress).toEqual(Array.from({ length: 1000 }, (_, i) => [i + 1, 1000]).flat());
    expect(live.size).toBe(0);
  });

  it('collect-all: each failing item fails alone, with its index and its error (type, message, stack, code)', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => (i === 7 || i === 500 ? -i : i));
    const { results, errors } = await processParallel<Input, unknown>(items, moduleUrl, { failFast: false });
    expect(results).toEqual(squares(1000).filter((_, i) => i !== 7 && i !== 500));
    expect(errors.map((e) => e.index)).toEqual([7, 500]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TaskError);
      expect(error.item).toBe(-error.index);
      const cause = error.cause as TypeError & { code: string; input: number };
      expect(cause).toBeInstanceOf(TypeError);
      expect(cause.message).toBe(`negative input ${-error.index}`);
      expect([cause.code, cause.input]).toEqual(['E_NEGATIVE', -error.index]);
      expect(cause.stack).toContain('fixtures/threads/batch.js');
    }
  });

  it('fail-fast: the first failure stops the run, running batches are terminated and their items cancelled', async () => {
    const { flag } = startFlag();
    const controller = new AbortController(); // the caller's signal, to check for leaked listeners
    const items: Input[] = [-1, ...Array.from({ length: 200 }, (): Input => ({ op: 'spin', flag }))];
    const error: unknown = await processParallel<Input, unknown>(items, moduleUrl, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallelError);
    const parallel = error as ParallelError<Input, unknown>;
    // Only item 0 failed; the spinning items never finish, so every other item was cancelled (neither result nor error).
    expect(parallel.errors.map((e) => [e.index, (e.cause as Error).message])).toEqual([[0, 'negative input -1']]);
    expect(parallel.results).toEqual([]);
    expect(live.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('runs an async module function per item, awaiting each; an async rejection fails its item only', async () => {
    const items: Input[] = Array.from({ length: 40 }, (_, n) => (n === 13 ? { op: 'async-fail', message: 'no luck' } : { op: 'async', n }));
    const { results, errors } = await processParallel<Input, unknown>(items, moduleUrl, { failFast: false });
    expect(results).toEqual(Array.from({ length: 40 }, (_, n) => n + 1).filter((_, n) => n !== 13));
    expect(errors.map((e) => [e.index, (e.cause as Error).name, (e.cause as Error).message])).toEqual([[13, 'RangeError', 'no luck']]);
  });

  it('an abort mid-run terminates the running batches: rejects with a ParallelError caused by the reason, no thread left', async () => {
    const { flag, started } = startFlag();
    const controller = new AbortController();
    const items: Input[] = Array.from({ length: 100 }, () => ({ op: 'spin', flag }));
    const run = processParallel<Input, unknown>(items, moduleUrl, { signal: controller.signal }).catch((e: unknown) => e);
    await started; // a thread is spinning: only terminating it can stop it
    expect(live.size).toBeGreaterThan(0);
    const reason = new Error('user stop');
    controller.abort(reason);
    const error = await run;
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).cause).toBe(reason);
    expect((error as ParallelError).errors).toEqual([]);
    expect(live.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a module without the function fails every item with a TypeError that says so', async () => {
    const noDefault = new URL('../fixtures/threads/work.js', import.meta.url); // has a default export...
    const pool = createThreadPool<number, unknown>(noDefault, { threads: 1, exportName: 'missing' }); // ...but not this one
    try {
      const { errors } = await processParallel([1, 2, 3], pool.batchProcessor, { failFast: false }).catch((e: unknown) => e as ParallelError);
      expect(errors.map((e) => [e.index, (e.cause as Error).name, (e.cause as Error).message])).toEqual(
        [0, 1, 2].map((i) => [i, 'TypeError', `the worker module ${noDefault.href} exports no function named 'missing'`]),
      );
    } finally {
      await pool.close();
    }
  });

  it('an explicit `workers` bounds the items in flight (batches stay within it)', async () => {
    const { results } = await processParallel<Input, unknown>(
      Array.from({ length: 300 }, (_, i) => i),
      moduleUrl,
      { workers: 3 },
    );
    expect(results).toEqual(squares(300));
  });
});

describe('ThreadPool.batchProcessor', () => {
  it('batches on a shared pool: several runs at once keep their own order; items run on threads', async () => {
    const p = pool(2);
    expect(p.batchWorkers).toBe(2 * 256 * 2);
    const [a, b, threads] = await Promise.all([
      processParallel(Array.from({ length: 500 }, (_, i) => i), p.batchProcessor, { workers: p.batchWorkers }),
      processParallel(Array.from({ length: 500 }, (_, i) => i + 500), p.batchProcessor, { workers: p.batchWorkers }),
      processParallel<Input, unknown>([{ op: 'thread' }, { op: 'thread' }], p.batchProcessor),
    ]);
    expect([...a.results, ...b.results]).toEqual(squares(1000));
    const { threadId } = await import('node:worker_threads');
    expect(threads.results.every((id) => id !== threadId)).toBe(true);
  });

  it('an output structured clone cannot copy, or a thrown non-Error, fails its item only', async () => {
    const p = pool(1);
    const { results, errors } = await processParallel<Input, unknown>([2, { op: 'function' }, 3, { op: 'throw-string' }, 4], p.batchProcessor, {
      failFast: false,
      workers: 5,
    });
    expect(results).toEqual([4, 9, 16]);
    expect(errors.map((e) => e.index)).toEqual([1, 3]);
    expect(errors[0]?.cause).toBeInstanceOf(TypeError);
    expect((errors[0]?.cause as Error).message).toContain('returned a function');
    expect(errors[1]?.cause).toBe('a plain string');
  });

  it('close() waits for queued items; close({ force: true }) rejects them with ERR_POOL_CLOSED; later calls reject', async () => {
    const p = pool(1);
    const signal = new AbortController().signal;
    const outputs = Array.from({ length: 50 }, (_, n) => p.batchProcessor(n, { signal }));
    await p.close();
    expect(await Promise.all(outputs)).toEqual(squares(50));
    await expect(p.batchProcessor(1, { signal })).rejects.toBeInstanceOf(ThreadPoolClosedError);

    const forced = pool(1);
    const { flag, started } = startFlag();
    const spinning = forced.batchProcessor({ op: 'spin', flag }, { signal }).catch((e: unknown) => e);
    const queued = Array.from({ length: 10 }, (_, n) => forced.batchProcessor(n, { signal }).catch((e: unknown) => e));
    await started;
    await forced.close({ force: true });
    for (const error of [await spinning, ...(await Promise.all(queued))]) expect(error).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects bad batching options with a TypeError naming the option', () => {
    expect(() => createThreadPool(moduleUrl, { batching: { targetBatchMs: 0 } })).toThrow('options.batching.targetBatchMs must be a finite number > 0, received 0');
    expect(() => createThreadPool(moduleUrl, { batching: { maxBatchSize: 1.5 } })).toThrow('options.batching.maxBatchSize must be an integer >= 1, received 1.5');
    expect(() => createThreadPool(moduleUrl, { batching: null as never })).toThrow('options.batching must be an object, received null');
  });
});
