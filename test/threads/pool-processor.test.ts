// processParallel(items, pool.processor): the call users write batches automatically (processParallel recognises
// the pool's processor), on real worker threads over a per-item module (test/fixtures/threads/batch.js).
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ParallelError, TaskError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { startFlag } from '../helpers/flag.js';
import { trackThreads } from '../helpers/threads.js';

type Input = number | { op: 'spin'; flag: Int32Array } | { op: 'batched' } | { op: 'async-fail'; message: string };

const moduleUrl = new URL('../fixtures/threads/batch.js', import.meta.url);

const live = trackThreads();

const pools: Array<ThreadPool<Input, unknown>> = [];
function pool(threads: number): ThreadPool<Input, unknown> {
  const p = createThreadPool<Input, unknown>(moduleUrl, { threads });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

/** Items from a generator that counts how many processParallel has pulled. */
function counted(items: Input[]): { source: Iterable<Input>; pulled: () => number } {
  let pulled = 0;
  function* source(): Generator<Input> {
    for (const item of items) {
      pulled++;
      yield item;
    }
  }
  return { source: source(), pulled: () => pulled };
}

describe('processParallel(items, pool.processor)', () => {
  it('sends the items in batches (through the batch runner); pool.run alone is one thread task', async () => {
    const p = pool(2);
    const { results } = await processParallel<Input, unknown>(Array.from({ length: 300 }, () => ({ op: 'batched' })), p.processor);
    expect(results).toEqual(Array.from({ length: 300 }, () => true));
    expect(await p.run({ op: 'batched' })).toBe(false);
    // Called directly, the processor is one thread task per item too.
    expect(await p.processor({ op: 'batched' }, { signal: new AbortController().signal })).toBe(false);
  });

  it('keeps input order over 2,000 items and reports progress per item', async () => {
    const p = pool(2);
    const progress: number[] = [];
    const { results, errors } = await processParallel<Input, unknown>(
      Array.from({ length: 2000 }, (_, i) => i),
      p.processor,
      { onProgress: (completed) => progress.push(completed) },
    );
    expect(errors).toEqual([]);
    expect(results).toEqual(Array.from({ length: 2000 }, (_, i) => i * i));
    expect(progress).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('collect-all: each failing item fails alone with its index and its own error', async () => {
    const p = pool(2);
    const items: Input[] = Array.from({ length: 1000 }, (_, i) => (i === 3 || i === 777 ? -i : i));
    items[500] = { op: 'async-fail', message: 'no luck' };
    const { results, errors } = await processParallel<Input, unknown>(items, p.processor, { failFast: false });
    expect(results).toHaveLength(997);
    expect(errors.every((e) => e instanceof TaskError)).toBe(true);
    expect(errors.map((e) => [e.index, (e.cause as Error).name, (e.cause as { code?: string }).code])).toEqual([
      [3, 'TypeError', 'E_NEGATIVE'],
      [500, 'RangeError', undefined],
      [777, 'TypeError', 'E_NEGATIVE'],
    ]);
  });

  it.each([
    [1, 'processor'],
    [2, 'processor'],
    [1, 'batchProcessor'],
    [2, 'batchProcessor'],
  ] as const)('fail-fast (%i threads, pool.%s): the first failure rejects the run naming that item; a forced close then ends every thread', async (threads, kind) => {
    const p = pool(threads);
    const items: Input[] = Array.from({ length: 1000 }, (_, i) => (i === 10 ? -10 : i));
    const options = kind === 'processor' ? {} : { workers: p.batchWorkers };
    const error = await processParallel<Input, unknown>(items, p[kind], options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).errors.map((e) => e.index)).toEqual([10]);
    // The abort terminated the threads running batches, some with their replies on the way: the close must still end
    // every thread, the replacements piscina started included, and a second close is the same close.
    await Promise.all([p.close({ force: true }), p.close()]);
    expect(live.size).toBe(0);
    await expect(p.run(1)).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('pulls pool.batchWorkers items ahead by default, an explicit `workers` bounds it; an abort terminates the spinning batches', async () => {
    for (const workers of [undefined, 3]) {
      const p = pool(1);
      const { flag, started } = startFlag();
      const { source, pulled } = counted(Array.from({ length: p.batchWorkers + 100 }, () => ({ op: 'spin', flag })));
      const controller = new AbortController();
      const run = processParallel<Input, unknown>(source, p.processor, { signal: controller.signal, ...(workers === undefined ? {} : { workers }) }).catch((e: unknown) => e);
      await started; // a thread is spinning: only terminating it can stop it
      expect(pulled()).toBe(workers ?? p.batchWorkers);
      const reason = new Error('user stop');
      controller.abort(reason);
      const error = await run;
      expect(error).toBeInstanceOf(ParallelError);
      expect((error as ParallelError).cause).toBe(reason);
      expect((error as ParallelError).errors).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await p.close();
      expect(live.size).toBe(0);
    }
  });
});
