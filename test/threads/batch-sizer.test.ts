// Batch sizing with made-up costs: no threads, no clock.
import { describe, expect, it } from 'vitest';
import { BatchSizer } from '../../src/threads/batch-sizer.js';

describe('BatchSizer', () => {
  it('sends one item per batch until a batch has reported its cost, and nothing when nothing is queued', () => {
    const sizer = new BatchSizer(2);
    expect(sizer.perItemMs).toBeUndefined();
    expect(sizer.size(1000, 0)).toBe(1);
    expect(sizer.size(1000, 3)).toBe(1);
    expect(sizer.size(0, 10)).toBe(0);
  });

  it('then sizes batches to carry targetBatchMs of work, at least one item and at most maxBatchSize', () => {
    const sizer = new BatchSizer(2); // defaults: 20 ms, 256 items
    expect([sizer.targetBatchMs, sizer.maxBatchSize]).toEqual([20, 256]);
    sizer.record(1, 0.1);
    expect(sizer.perItemMs).toBeCloseTo(0.1);
    expect(sizer.size(10_000, 0)).toBe(200);
    const slow = new BatchSizer(2, { targetBatchMs: 2 });
    slow.record(1, 50); // an item longer than the target still goes alone
    expect(slow.size(10_000, 0)).toBe(1);
    const tiny = new BatchSizer(2, { maxBatchSize: 100 });
    tiny.record(1000, 1); // 1 µs per item would ask for 2,000 per batch
    expect(tiny.size(10_000, 0)).toBe(100);
    const instant = new BatchSizer(2, { targetBatchMs: 5, maxBatchSize: 64 });
    instant.record(10, 0); // below the timer's resolution
    expect(instant.size(10_000, 0)).toBe(64);
  });

  it('near the end, keeps two batches per thread over the work left (queued + in flight), so threads finish together', () => {
    const sizer = new BatchSizer(2, { targetBatchMs: 2 });
    sizer.record(10, 1); // 0.1 ms per item: 20 per batch while work is plentiful
    expect(sizer.size(1000, 80)).toBe(20);
    expect(sizer.size(40, 40)).toBe(20); // 80 left over 4 batches
    expect(sizer.size(30, 10)).toBe(10); // 40 left: 10 per batch
    expect(sizer.size(3, 0)).toBe(1);
    const four = new BatchSizer(4, { targetBatchMs: 2 });
    four.record(1, 0.01); // 200 wanted, capped by the spread: 400 left over 8 batches
    expect(four.size(300, 100)).toBe(50);
  });

  it('follows the cost as an item-weighted decaying average: a cold first item is soon forgotten', () => {
    const sizer = new BatchSizer(2, { targetBatchMs: 2 });
    sizer.record(1, 2); // JIT warm-up: 20 times the steady cost
    expect(sizer.size(10_000, 0)).toBe(1);
    const sizes: number[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const size = sizer.size(10_000, 0);
      sizes.push(size);
      sizer.record(size, size * 0.1);
    }
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b)); // grows monotonically towards the steady size
    expect(sizes.slice(0, 4)).toEqual([1, 2, 7, 15]); // a single cold item weighs little against the batches after it
    expect(sizer.perItemMs).toBeGreaterThan(0.1);
    expect(sizer.perItemMs).toBeLessThan(0.101);
    expect(sizer.size(10_000, 0)).toBe(19); // 2 ms / 0.1003 ms
    // A change of cost is followed within a few batches: items now take 0.4 ms.
    for (let batch = 0; batch < 4; batch++) sizer.record(5, 5 * 0.4);
    expect(sizer.size(10_000, 0)).toBe(5);
  });

  it('ignores reports that say nothing (no items, negative or non-finite times)', () => {
    const sizer = new BatchSizer(2);
    sizer.record(0, 5);
    sizer.record(5, Number.NaN);
    sizer.record(5, -1);
    sizer.record(5, Number.POSITIVE_INFINITY);
    expect(sizer.perItemMs).toBeUndefined();
  });
});
