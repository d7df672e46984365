// The longest delay a Node timer keeps: beyond it a timer fires after 1 ms, so durations meant as "practically never"
// must not reach one.
import { describe, expect, it, vi } from 'vitest';
import { assertTimerMs, MAX_TIMER_MS, timeoutWithin } from '../../src/common/timer.js';

describe('timer limit', () => {
  it('is 2^31 - 1 ms', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  it('timeoutWithin arms a timer up to the limit and none beyond it (Infinity included)', () => {
    vi.useFakeTimers();
    try {
      const fired: number[] = [];
      const within = timeoutWithin(() => fired.push(MAX_TIMER_MS), MAX_TIMER_MS);
      expect(within).toBeDefined();
      expect(timeoutWithin(() => fired.push(2 ** 31), 2 ** 31)).toBeUndefined();
      expect(timeoutWithin(() => fired.push(Infinity), Infinity)).toBeUndefined();
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(MAX_TIMER_MS);
      expect(fired).toEqual([MAX_TIMER_MS]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('assertTimerMs accepts integers from min to the limit and names what it rejects', () => {
    expect(assertTimerMs('options.x', 100, 100)).toBe(100);
    expect(assertTimerMs('options.x', MAX_TIMER_MS, 100)).toBe(MAX_TIMER_MS);
    for (const bad of [99, 2 ** 31, Infinity, NaN, 150.5, '200']) {
      expect(() => assertTimerMs('options.x', bad, 100)).toThrow(TypeError);
    }
    expect(() => assertTimerMs('options.x', Infinity, 100)).toThrow('options.x must be an integer of milliseconds from 100 to 2147483647, received Infinity');
  });
});
