// The batch dispatcher with a fake thread pool: every batch it sends is a deferred the test settles.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BatchSizer } from '../../src/threads/batch-sizer.js';
import { Batcher } from '../../src/threads/batcher.js';
import type { BatchResult } from '../../src/threads/batcher.js';
import { deferred } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';

interface Sent {
  items: unknown[];
  signal: AbortSignal | undefined;
  reply: Deferred<BatchResult>;
}

function harness(threads = 2, options: ConstructorParameters<typeof BatchSizer>[1] = { targetBatchMs: 2 }) {
  const sent: Sent[] = [];
  const batcher = new Batcher((items, signal) => {
    const reply = deferred<BatchResult>();
    sent.push({ items, signal, reply });
    return reply.promise;
  }, new BatchSizer(threads, options));
  /** Settles a sent batch as a thread would: each item squared, `msPerItem` of thread time. */
  const complete = (batch: Sent | undefined, msPerItem: number): void => {
    if (batch === undefined) throw new Error('no such batch');
    batch.reply.resolve({ values: batch.items.map((n) => (n as number) ** 2), ms: msPerItem * batch.items.length });
  };
  return { batcher, sent, complete };
}

/** Lets settled promises run on and the deferred (setImmediate) pump fire. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('measures with single items first, then sends batches of ~targetBatchMs, two per thread at most, in order', async () => {
    const { batcher, sent, complete } = harness(2);
    const outputs = Array.from({ length: 200 }, (_, n) => batcher.add(n, undefined));
    await turn();
    expect(sent.map((s) => s.items)).toEqual([[0], [1], [2], [3]]); // 2 threads × 2 batches, cost unknown yet
    complete(sent[0], 0.1); // 0.1 ms per item: 20 items make the 2 ms target
    await turn();
    expect(sent).toHaveLength(5);
    expect(sent[4]?.items).toEqual(Array.from({ length: 20 }, (_, i) => 4 + i));
    expect(await outputs[0]).toBe(0);
    for (const batch of sent.slice(1)) complete(batch, 0.1);
    let settledBatches = sent.length;
    // Run everything out: never more than 4 batches in flight, every item sent once, in input order.
    for (;;) {
      await turn();
      const open = sent.filter((s) => !s.reply.settled);
      expect(open.length).toBeLessThanOrEqual(4);
      if (open.length === 0) break;
      for (const batch of open) complete(batch, 0.1);
      settledBatches += open.length;
    }
    expect(sent.flatMap((s) => s.items)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(sent.length).toBe(settledBatches);
    // The last batches shrink (two per thread over what is left), so no thread ends long after the other.
    expect(sent.at(-1)?.items.length).toBeLessThan(20);
    expect(await Promise.all(outputs)).toEqual(Array.from({ length: 200 }, (_, n) => n * n));
  });

  it('hold(true) keeps at most one batch per thread in flight, sending nothing until that many end; hold(false) refills', async () => {
    const { batcher, sent, complete } = harness(2);
    const outputs = Array.from({ length: 10 }, (_, n) => batcher.add(n, undefined));
    await turn();
    expect(sent).toHaveLength(4); // two per thread
    batcher.hold(true);
    complete(sent[0], 0.1);
    await turn();
    expect(sent).toHaveLength(4); // 3 in flight: above one per thread, nothing new
    complete(sent[1], 0.1);
    await turn();
    expect(sent).toHaveLength(4); // 2 in flight: one per thread, still nothing new
    complete(sent[2], 0.1);
    await turn();
    expect(sent).toHaveLength(5); // 1 in flight: room for one
    expect(sent.filter((s) => !s.reply.settled)).toHaveLength(2);
    batcher.hold(false);
    await turn();
    expect(sent.filter((s) => !s.reply.settled)).toHaveLength(4); // two per thread again
    for (;;) {
      const open = sent.filter((s) => !s.reply.settled);
      if (open.length === 0) break;
      for (const batch of open) complete(batch, 0.1);
      await turn();
    }
    expect(await Promise.all(outputs)).toEqual(Array.from({ length: 10 }, (_, n) => n * n));
  });

  it("settles each item with its own outcome, restoring an error's own properties; a batch-wide failure fails each item", async () => {
    const { batcher, sent } = harness(1);
    const outputs = [1, 2, 3].map((n) => batcher.add(n, undefined).then((v) => ({ v }), (e: unknown) => ({ e })));
    await turn();
    const cloned = new TypeError('bad item'); // as structured clone delivers it: without `code`
    sent[0]?.reply.resolve({ values: [10], ms: 1 });
    sent[1]?.reply.resolve({ values: [undefined], failures: [{ index: 0, error: cloned, props: { code: 'E_BAD', errno: -2 } }], ms: 1 });
    await turn();
    expect(await outputs[0]).toEqual({ v: 10 });
    const failed = (await outputs[1]) as { e: TypeError & { code: string; errno: number } };
    expect(failed.e).toBe(cloned);
    expect([failed.e.code, failed.e.errno]).toEqual(['E_BAD', -2]);
    const crash = new Error('worker exited');
    sent[2]?.reply.reject(crash);
    expect(await outputs[2]).toEqual({ e: crash });


    // Within one batch, failures stay with their items, wherever they are.
    const wide = harness(1, { targetBatchMs: 100 });
    const all = Array.from({ length: 10 }, (_, n) => wide.batcher.add(n, undefined).then((v) => ({ v }), (e: unknown) => ({ e })));
    await turn();
    wide.complete(wide.sent[0], 0.5); // 200 per batch wanted; 9 items left over 2 batches: 5
    await turn();
    const batch = wide.sent[2];
    expect(batch?.items).toEqual([2, 3, 4, 5, 6]);
    const late = new RangeError('late');
    batch?.reply.resolve({
      values: [4, undefined, 16, undefined, 36],
      failures: [
        { index: 1, error: 'a string' },
        { index: 3, error: late },
      ],
      ms: 5,
    });
    expect(await all[0]).toEqual({ v: 0 });
    expect(await Promise.all(all.slice(2, 7))).toEqual([{ v: 4 }, { e: 'a string' }, { v: 16 }, { e: late }, { v: 36 }]);
  });

  it('an abort rejects the queued items of its signal at once with the reason and removes its listener; other signals go on', async () => {
    const { batcher, sent, complete } = harness(1); // 2 batches in flight at most
    const controller = new AbortController();
    const other = new AbortController();
    const mine = Array.from({ length: 5 }, (_, n) => batcher.add(n, controller.signal).catch((e: unknown) => e));
    const theirs = batcher.add(99, other.signal);
    await turn();
    // Batches never mix signals; the first two (single items: no cost known yet) are in flight.
    expect(sent.map((s) => [s.items, s.signal])).toEqual([
      [[0], controller.signal],
      [[1], controller.signal],
    ]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('stop');
    controller.abort(reason);
    // Items 2-4 were still queued: rejected without reaching a thread. Items 0-1 are the pool's to cancel.
    expect(await Promise.all(mine.slice(2))).toEqual([reason, reason, reason]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    sent[0]?.reply.reject(reason);
    sent[1]?.reply.reject(reason);
    expect(await Promise.all(mine.slice(0, 2))).toEqual([reason, reason]);
    await turn();
    expect(sent[2]?.items).toEqual([99]);
    expect(sent[2]?.signal).toBe(other.signal);
    complete(sent[2], 1);
    expect(await theirs).toBe(99 * 99);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    await expect(batcher.add(1, controller.signal)).rejects.toBe(reason); // already aborted: never queued
  });

  it('flush() sends every queued item past the in-flight limit; rejectQueued() rejects what is still queued', async () => {
    const { batcher, sent } = harness(1);
    const outputs = Array.from({ length: 6 }, (_, n) => batcher.add(n, undefined).catch((e: unknown) => e));
    await turn();
    expect(sent).toHaveLength(2);
    batcher.flush();
    expect(sent.flatMap((s) => s.items)).toEqual([0, 1, 2, 3, 4, 5]);

    const second = harness(1);
    const queued = Array.from({ length: 4 }, (_, n) => second.batcher.add(n, undefined).catch((e: unknown) => e));
    const closed = new Error('closed');
    second.batcher.rejectQueued(closed);
    expect(second.sent.map((s) => s.items)).toEqual([[0], [1]]);
    expect(await Promise.all(queued.slice(2))).toEqual([closed, closed]);
    for (const s of [...sent, ...second.sent]) s.reply.resolve({ values: s.items, ms: 1 });
    expect(await Promise.all(outputs)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
