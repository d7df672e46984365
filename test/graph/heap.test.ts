import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RankQueue, rankByPriority } from '../../src/graph/heap.js';

/** The rank order `rankByPriority` gives, its identity answer (undefined) spelt out. */
function byRankOf(priority: number[]): { byRank: number[]; rankOf: number[] } {
  const ranks = rankByPriority(Float64Array.from(priority));
  if (ranks === undefined) return { byRank: priority.map((_, i) => i), rankOf: priority.map((_, i) => i) };
  return { byRank: [...ranks.byRank], rankOf: [...ranks.rankOf] };
}

/** The order the scheduler promises: priority descending, then index ascending. */
function expected(priority: number[]): number[] {
  return priority.map((_, i) => i).sort((a, b) => priority[b]! - priority[a]! || a - b);
}

describe('rankByPriority', () => {
  it.each([
    ['small integers (counting sort)', [1, 3, 3, 0, 2, 3]],
    ['large integers (numeric key sort)', [1_000_000, 5, 1_000_000, 70_000]],
    ['fractions (comparator sort)', [0.5, 2.25, 0.5, 1e-9]],
    ['empty', []],
  ])('orders %s by priority, ties by index', (_, priority) => {
    const { byRank, rankOf } = byRankOf(priority);
    expect(byRank).toEqual(expected(priority));
    for (let r = 0; r < byRank.length; r++) expect(rankOf[byRank[r]!]).toBe(r);
  });

  it('matches the reference order for random priorities', () => {
    const priorities = fc.oneof(
      fc.array(fc.nat(20), { maxLength: 40 }),
      fc.array(fc.nat(10_000_000), { maxLength: 40 }),
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 40 }),
    );
    fc.assert(
      fc.property(priorities, (priority) => {
        expect(byRankOf(priority).byRank).toEqual(expected(priority));
      }),
    );
  });

  it('answers undefined (rank = index) exactly when priorities never increase along the input', () => {
    expect(rankByPriority(Float64Array.from([5, 5, 3, 3, 0]))).toBeUndefined();
    expect(rankByPriority(new Int32Array(4))).toBeUndefined();
    expect(rankByPriority(Float64Array.from([1, 2]))).toBeDefined();
    fc.assert(
      fc.property(fc.array(fc.nat(5), { maxLength: 30 }), (priority) => {
        const identity = expected(priority).every((index, rank) => index === rank);
        expect(rankByPriority(Float64Array.from(priority)) === undefined).toBe(identity);
      }),
    );
  });
});

describe('RankQueue', () => {
  it('pops in rank order whatever the order of pushes, interleaved with pops', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(6), { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 80 }), (priority, popFirst) => {
        const heap = new RankQueue(priority.length, rankByPriority(Float64Array.from(priority)));
        const pending = priority.map((_, i) => i).reverse();
        const inHeap = new Set<number>();
        let step = 0;
        while (pending.length > 0 || heap.size > 0) {
          if (heap.size > 0 && (pending.length === 0 || popFirst[step++ % Math.max(popFirst.length, 1)])) {
            const best = [...inHeap].sort((a, b) => priority[b]! - priority[a]! || a - b)[0]!;
            expect(heap.pop()).toBe(best);
            inHeap.delete(best);
          } else {
            const next = pending.pop()!;
            heap.push(next);
            inHeap.add(next);
          }
          expect(heap.size).toBe(inHeap.size);
        }
      }),
    );
  });

  it('handles several bitmap levels (40,000 ranks) and every bit position', () => {
    const n = 40_000;
    const priority = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    const queue = new RankQueue(n, rankByPriority(priority));
    const order = expected([...priority]);
    // Push in a scrambled order, pop everything: the result is the reference order.
    for (let k = 0; k < n; k++) queue.push((k * 104_729) % n);
    const popped: number[] = [];
    while (queue.size > 0) popped.push(queue.pop());
    expect(popped).toEqual(order);
    queue.push(5);
    queue.clear();
    expect(queue.size).toBe(0);
    queue.push(n - 1);
    expect(queue.pop()).toBe(n - 1);
  });

  it.each([0, 1, 31, 32, 33, 1024, 1025, 32 * 32 * 32, 32 * 32 * 32 + 1, 40_000])(
    'fillAll(%i) holds exactly what pushing every task one by one holds',
    (n) => {
      const priority = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 97);
      for (const ranks of [undefined, rankByPriority(priority)]) {
        const filled = new RankQueue(n, ranks);
        const pushed = new RankQueue(n, ranks);
        filled.fillAll(n);
        for (let i = 0; i < n; i++) pushed.push(i);
        expect(filled.size).toBe(n);
        // Pop half, push one of them back, then drain: both queues answer alike all along (every level consistent).
        const a: number[] = [];
        const b: number[] = [];
        for (let k = 0; k < n >>> 1; k++) {
          a.push(filled.pop());
          b.push(pushed.pop());
        }
        if (a.length > 0) {
          filled.push(a[a.length >>> 1]!);
          pushed.push(b[b.length >>> 1]!);
        }
        while (pushed.size > 0) {
          a.push(filled.pop());
          b.push(pushed.pop());
        }
        expect(filled.size).toBe(0);
        expect(a).toEqual(b);
        expect(new Set(a).size).toBe(n);
      }
    },
  );
});
