// A single thread task (run, task, the per-item processor) must not wait behind a stream of automatic batches: piscina
// moves a queued task it could not hand on to the back of its queue each time a thread comes free, so with batches
// refilled as each ends, a run would wait until the batched work ran out.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';

type Input =
  | { op: 'count'; runs: Int32Array; slot: number; n: number }
  | { op: 'gate'; started: Int32Array; gates: Int32Array; id: number };

const moduleUrl = new URL('./fixtures/counting.js', import.meta.url);
const pools: Array<ThreadPool<Input, number>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

const atomics = Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: true; value: Promise<string> } | { async: false; value: string };
};
/** Resolves once `array[0]` is no longer `seen`. */
function changed(array: Int32Array, seen: number): Promise<unknown> {
  const wait = atomics.waitAsync(array, 0, seen);
  return wait.async ? wait.value : Promise.resolve();
}
function open(gates: Int32Array, id: number): void {
  Atomics.store(gates, id, 1);
  Atomics.notify(gates, id);
}

/** Gated items for ids 1..count: started[id] says it runs, started[0] counts starts; setting gates[id] ends it. */
function gated(count: number): { started: Int32Array; gates: Int32Array } {
  return { started: new Int32Array(new SharedArrayBuffer(4 * (count + 1))), gates: new Int32Array(new SharedArrayBuffer(4 * (count + 1))) };
}

describe('a thread task beside automatic batches', () => {
  // Without a signal the task waits in piscina's queue behind the batches: this case needs batching to hold back.
  // With a signal of its own it is a regression test only: piscina puts a signalled task it could not hand on in a
  // queue it serves first, so that case held before batching held back too.
  it.each([
    ['without a signal', false],
    ['with a signal of its own (regression: piscina serves it first anyway)', true],
  ])('run() %s gets a thread once the batches in flight when it came have ended, however many more are queued', async (_, withSignal) => {
    const threads = 2;
    const items = 24;
    // One item per batch, so every batch is one gate the test opens.
    const p = createThreadPool<Input, number>(moduleUrl, { threads, batching: { maxBatchSize: 1 } });
    pools.push(p);
    // Both threads up, so each batch is handed on the moment it is sent.
    const warm = gated(threads);
    const warming = Array.from({ length: threads }, (_, i) => p.run({ op: 'gate', ...warm, id: i + 1 }));
    while (Atomics.load(warm.started, 0) < threads) await changed(warm.started, Atomics.load(warm.started, 0));
    for (let id = 1; id <= threads; id++) open(warm.gates, id);
    await Promise.all(warming);

    const { started, gates } = gated(items);
    const signal = new AbortController().signal;
    const outputs = Promise.all(Array.from({ length: items }, (_, i) => p.batchProcessor({ op: 'gate', started, gates, id: i + 1 }, { signal })));
    outputs.catch(() => undefined); // awaited below; a failed expectation before must not leave it unheard
    while (Atomics.load(started, 0) < threads) await changed(started, Atomics.load(started, 0));
    const runSignal = withSignal ? new AbortController().signal : undefined;
    const runs = new Int32Array(new SharedArrayBuffer(4));
    let done = false;
    const single = p.run({ op: 'count', runs, slot: 0, n: 3 }, runSignal === undefined ? {} : { signal: runSignal }).finally(() => {
      done = true;
    });
    // End the batches one at a time, oldest first, each time waiting for its thread to take the next task: a batch
    // (one more start) or the run.
    let ended = 0;
    while (!done) {
      let next = 0;
      for (let id = 1; id <= items && next === 0; id++) if (Atomics.load(started, id) === 1 && Atomics.load(gates, id) === 0) next = id;
      const seen = Atomics.load(started, 0);
      if (next !== 0) {
        open(gates, next);
        ended++;
      }
      await Promise.race([single, changed(started, seen)]);
    }
    expect(await single).toBe(9);
    // The batches in flight when it came (two per thread) at most; the items left show it did not wait for them all.
    expect(ended).toBeLessThanOrEqual(2 * threads);
    expect(Atomics.load(started, 0)).toBeLessThan(items);
    for (let id = 1; id <= items; id++) open(gates, id);
    expect(await outputs).toEqual(Array.from({ length: items }, (_, i) => i + 1));
    expect(Atomics.load(runs, 0)).toBe(1);
    if (runSignal !== undefined) expect(getEventListeners(runSignal, 'abort')).toHaveLength(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
