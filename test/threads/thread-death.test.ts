// A thread that dies under automatic batching: the batch it was running fails as a whole (documented), while the
// batches waiting behind it were never bound to that thread, so they run on the replacement once each, not fail.
import { afterEach, describe, expect, it } from 'vitest';
import { createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { startFlag } from '../helpers/flag.js';
import { trackThreads } from '../helpers/threads.js';

type Input = { op: 'count'; runs: Int32Array; slot: number; n: number } | { op: 'spin'; flag: Int32Array };

const moduleUrl = new URL('./fixtures/counting.js', import.meta.url);
const live = trackThreads();
const pools: Array<ThreadPool<Input, number>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

describe('automatic batching when a thread dies', () => {
  it('a batch held while its thread dies between batches runs on the replacement, once; the running batch fails', async () => {
    const p = createThreadPool<Input, number>(moduleUrl, { threads: 1 });
    pools.push(p);
    const signal = new AbortController().signal;
    const runs = new Int32Array(new SharedArrayBuffer(4 * 4));
    // The thread is up first, so each batch is handed on the moment it is sent: one bound to the busy thread (held
    // for it) would die with it.
    expect(await p.run({ op: 'count', runs, slot: 3, n: 1 })).toBe(1);
    const { flag, started } = startFlag();
    // Cost unknown yet: one item per batch, two batches for the one thread: the spinning one runs, the next waits.
    const spinning = p.batchProcessor({ op: 'spin', flag }, { signal }).then(
      () => new Error('fulfilled'),
      (error: unknown) => error as Error,
    );
    const held = [0, 1, 2].map((slot) => p.batchProcessor({ op: 'count', runs, slot, n: slot + 2 }, { signal }));
    await started;
    const [thread, ...others] = live;
    expect(thread).toBeDefined();
    expect(others).toEqual([]); // the pool's one thread, no other
    expect(Atomics.load(runs, 0)).toBe(0); // nothing behind the spinning batch has started
    await thread?.terminate(); // ended from outside the pool, as a crash of the thread would end it
    expect((await spinning).message).toContain('worker exited');
    expect(await Promise.all(held)).toEqual([4, 9, 16]);
    expect([...runs]).toEqual([1, 1, 1, 1]);
    await p.close();
    expect(live.size).toBe(0);
  });

  it('close() runs the items handed in before it, also those still queued behind a full pipeline, none twice', async () => {
    const p = createThreadPool<Input, number>(moduleUrl, { threads: 1 });
    pools.push(p);
    const signal = new AbortController().signal;
    const runs = new Int32Array(new SharedArrayBuffer(4 * 40));
    const outputs = Array.from({ length: 40 }, (_, slot) => p.batchProcessor({ op: 'count', runs, slot, n: slot }, { signal }));
    await p.close();
    expect(await Promise.all(outputs)).toEqual(Array.from({ length: 40 }, (_, n) => n * n));
    expect([...runs]).toEqual(Array.from({ length: 40 }, () => 1));
    expect(live.size).toBe(0);
  });
});
