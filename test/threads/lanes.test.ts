// Batches held ahead by a thread (lanes): a batch not started yet moves to a thread that went idle, so a
// never-ending item holds no other item hostage; each item runs exactly once (counted in the thread, not timed).
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ParallelError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { startFlag } from '../helpers/flag.js';

type Input =
  | number
  | { op: 'spin'; flag: Int32Array }
  | { op: 'gate'; flag: Int32Array; gate: Int32Array }
  | { op: 'count'; runs: Int32Array; index: number };

const moduleUrl = new URL('../fixtures/threads/batch.js', import.meta.url);
const pools: Array<ThreadPool<Input, unknown>> = [];
function pool(threads: number): ThreadPool<Input, unknown> {
  const p = createThreadPool<Input, unknown>(moduleUrl, { threads });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

describe('thread lanes: batches held ahead', () => {
  it('fail-fast: a failing item held behind a never-ending one moves to the free thread and ends the run', async () => {
    const p = pool(2);
    const { flag } = startFlag();
    // Single-item batches (no cost known yet): the spin goes to one thread, 1 to the other, and -1 is held by the
    // spinning thread behind the spin (both threads hold one batch). Only moving it lets the run fail fast.
    const error: unknown = await processParallel<Input, unknown>([{ op: 'spin', flag }, 1, -1], p.batchProcessor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError<Input, unknown>).errors.map((e) => [e.index, (e.cause as Error).message])).toEqual([[2, 'negative input -1']]);
  });

  it('while one thread is held by a long item, the other runs every other item, each exactly once; an abort then ends the held one and leaves no listener', async () => {
    const p = pool(2);
    const { flag, started } = startFlag();
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const runs = new Int32Array(new SharedArrayBuffer(4 * 60));
    const controller = new AbortController();
    const { signal } = controller;
    const held = p.batchProcessor({ op: 'gate', flag, gate }, { signal }).catch((e: unknown) => e);
    const counted = Array.from({ length: 60 }, (_, index) => p.batchProcessor({ op: 'count', runs, index }, { signal }));
    await started;
    // Every counted item settles while the gate is still closed: none stays behind it on the held thread.
    const threads = await Promise.all(counted);
    expect(Array.from(runs)).toEqual(Array.from({ length: 60 }, () => 1));
    expect(new Set(threads).size).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await held).toBe(reason);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(Array.from(runs)).toEqual(Array.from({ length: 60 }, () => 1));
  });

  it('mixed durations: a long item in a batch does not keep the unstarted rest of that batch', async () => {
    const p = pool(2);
    const { flag, started } = startFlag();
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const runs = new Int32Array(new SharedArrayBuffer(4 * 300));
    const controller = new AbortController();
    const { signal } = controller;
    // Measured cost first (fast items), so later batches carry many items; then a batch whose first item holds its
    // thread: the rest of that batch must run on the other thread.
    const warm = await Promise.all(Array.from({ length: 100 }, (_, index) => p.batchProcessor({ op: 'count', runs, index }, { signal })));
    expect(warm).toHaveLength(100);
    const held = p.batchProcessor({ op: 'gate', flag, gate }, { signal });
    const rest = Array.from({ length: 200 }, (_, i) => p.batchProcessor({ op: 'count', runs, index: 100 + i }, { signal }));
    await started;
    const threads = await Promise.all(rest);
    expect(Array.from(runs)).toEqual(Array.from({ length: 300 }, () => 1));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const heldThread = await held;
    // The long item's thread ran none of the items settled while it was held.
    expect(threads.every((thread) => thread !== heldThread)).toBe(true);
    // A lane ends once it has answered everything it was given (taken-back batches too): close() waits for that.
    await p.close();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
