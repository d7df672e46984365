// processParallel given a worker module instead of a function: items run on worker threads, one pool per call.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParallelError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { trackThreads } from '../helpers/threads.js';

const work = new URL('../fixtures/threads/work.js', import.meta.url);
type Input = { op: 'square'; n: number } | { op: 'thread' } | { op: 'throw'; message: string } | { op: 'spin'; flag: Int32Array };
const live = trackThreads();

describe('processParallel(items, workerModuleUrl)', () => {
  it('runs each item on a worker thread and keeps input order', async () => {
    const { results } = await processParallel<Input, number>([1, 2, 3, 4].map((n) => ({ op: 'square', n })), work);
    expect(results).toEqual([1, 4, 9, 16]);
    const threads = await processParallel<Input, number>([{ op: 'thread' }, { op: 'thread' }], work);
    // threadId 0 is the main thread: every item ran elsewhere.
    expect(threads.results.every((id) => id > 0)).toBe(true);
  });

  it('a module error is a TaskError in a ParallelError, and an abort terminates a spinning thread', async () => {
    await expect(processParallel<Input, number>([{ op: 'throw', message: 'bad input' }], work)).rejects.toBeInstanceOf(ParallelError);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const controller = new AbortController();
    const run = processParallel<Input, number>([{ op: 'spin', flag }], work, { signal: controller.signal });
    const settled = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    // Wait (without sleeping) until the thread has started spinning; only terminating it can stop it.
    while (Atomics.load(flag, 0) === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('user stop');
    controller.abort(reason);
    const error = await settled;
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).cause).toBe(reason);
  });
  // A regression test: the call's pool is closed by force, which settles only once no thread of it is left.
  it('aborted as it starts, it settles only once every thread of its pool has exited', async () => {
    const controller = new AbortController();
    const squares = Array.from({ length: 64 }, (_, n): Input => ({ op: 'square', n }));
    const run = processParallel<Input, number>(squares, work, { signal: controller.signal });
    const reason = new Error('at once');
    controller.abort(reason);
    const error: unknown = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).cause).toBe(reason);
    expect(live.size).toBe(0);
  });
  it('takes the module as an absolute path or a file: URL string too; a relative path is a TypeError naming processor', async () => {
    const squares = [{ op: 'square', n: 3 }] as const;
    expect((await processParallel<Input, number>(squares, fileURLToPath(work))).results).toEqual([9]);
    expect((await processParallel<Input, number>(squares, work.href)).results).toEqual([9]);
    await expect(processParallel<Input, number>(squares, './work.js')).rejects.toThrow(
      new TypeError('processor must be a function, or a worker module as a file: URL or an absolute path, received "./work.js"'),
    );
  });
});
