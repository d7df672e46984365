import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FailFastError } from '../../src/common/errors.js';
import { runWithConcurrency } from '../../src/core/run-with-concurrency.js';
import type { ConcurrencyOptions } from '../../src/core/run-with-concurrency.js';
import { flush } from '../helpers/deferred.js';
import { GatedTasks, watch } from './harness.js';

type Outcome = { ok: boolean; n: number };
const ok = (n: number): Outcome => ({ ok: true, n });
const bad = (n: number): Outcome => ({ ok: false, n });
const isFailed = (result: Outcome): boolean => !result.ok;
const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('runWithConcurrency: result shape', () => {
  it('returns values in input order whatever the completion order, with the exact shape', async () => {
    const pool = new GatedTasks<Outcome>(5);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 3, isFailed });
    await flush();
    expect(pool.started).toEqual([0, 1, 2]);
    for (const i of [2, 0, 4, 1, 3]) {
      expect(pool.started).toContain(i);
      pool.resolve(i, ok(i));
      await flush();
    }
    const result = await run;
    expect(result).toEqual({
      results: [ok(0), ok(1), ok(2), ok(3), ok(4)],
      resultsByIndex: [ok(0), ok(1), ok(2), ok(3), ok(4)],
      firstFailureIndex: null,
      aborted: false,
      errors: [],
      cancelled: [],
    });
    expect(Object.keys(result).sort()).toEqual(['aborted', 'cancelled', 'errors', 'firstFailureIndex', 'results', 'resultsByIndex']);
  });

  it('runs a single task and returns its value', async () => {
    const result = await runWithConcurrency({ tasks: [() => Promise.resolve(7)], maxConcurrency: 4, isFailed: () => false });
    expect(result).toEqual({ results: [7], resultsByIndex: [7], firstFailureIndex: null, aborted: false, errors: [], cancelled: [] });
  });

  it('returns the empty result for no tasks, without calling isFailed', async () => {
    let calls = 0;
    const result = await runWithConcurrency<number>({
      tasks: [],
      maxConcurrency: 3,
      isFailed: () => {
        calls++;
        return false;
      },
    });
    expect(result).toEqual({ results: [], resultsByIndex: [], firstFailureIndex: null, aborted: false, errors: [], cancelled: [] });
    expect(calls).toBe(0);
  });

  it('keeps a value of undefined apart from a task that never ran (results vs resultsByIndex)', async () => {
    const result = await runWithConcurrency<undefined>({
      tasks: [() => Promise.resolve(undefined), () => Promise.resolve(undefined)],
      maxConcurrency: 1,
      isFailed: () => false,
    });
    expect(result.results).toEqual([undefined, undefined]);
    expect(result.results).toHaveLength(2);
    expect(result.resultsByIndex).toHaveLength(2);
  });

  it('calls isFailed once per value, with that value', async () => {
    const seen: number[] = [];
    await runWithConcurrency({
      tasks: [0, 1, 2, 3].map((n) => () => Promise.resolve(n)),
      maxConcurrency: 2,
      isFailed: (n) => {
        seen.push(n);
        return false;
      },
    });
    expect(seen.sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('runWithConcurrency: the limit', () => {
  it('never runs more than maxConcurrency, and refills a freed slot before the next settles', async () => {
    const count = 20;
    const limit = 4;
    const pool = new GatedTasks<Outcome>(count);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: limit, isFailed });
    await flush();
    // A fixed shuffled completion order; each step settles one running task.
    const order = [3, 1, 0, 2, 7, 5, 4, 6, 11, 8, 10, 9, 15, 12, 14, 13, 19, 16, 18, 17];
    for (const i of order) {
      expect(pool.running).toBeLessThanOrEqual(limit);
      // Work-conserving: a slot is never left idle while tasks remain.
      expect(pool.running).toBe(Math.min(limit, count - pool.settled.length));
      expect(pool.started).toContain(i);
      pool.resolve(i, ok(i));
      await flush();
    }
    const result = await run;
    expect(pool.peak).toBe(limit);
    // Tasks start in input order.
    expect(pool.started).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(result.resultsByIndex).toEqual(Array.from({ length: count }, (_, i) => ok(i)));
  });

  it('starts every task at once when maxConcurrency >= tasks.length', async () => {
    const pool = new GatedTasks<Outcome>(5);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 5, isFailed });
    // Started synchronously within the call, before any task settles.
    expect(pool.started).toEqual([0, 1, 2, 3, 4]);
    for (const i of [4, 3, 2, 1, 0]) pool.resolve(i, ok(i));
    expect((await run).results).toHaveLength(5);

    const bigger = new GatedTasks<Outcome>(3);
    const run2 = runWithConcurrency({ tasks: bigger.tasks(), maxConcurrency: 1000, isFailed });
    expect(bigger.started).toEqual([0, 1, 2]);
    for (const i of [0, 1, 2]) bigger.resolve(i, ok(i));
    expect((await run2).results).toEqual([ok(0), ok(1), ok(2)]);
  });

  it('accepts Infinity and then starts every task at once', async () => {
    const pool = new GatedTasks<Outcome>(50);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: Number.POSITIVE_INFINITY, isFailed });
    expect(pool.started).toHaveLength(50);
    expect(pool.peak).toBe(50);
    for (let i = 49; i >= 0; i--) pool.resolve(i, ok(i));
    const result = await run;
    expect(result.resultsByIndex.map((r) => r?.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('maxConcurrency 1 is strictly sequential in input order: each starts only after the previous settled', async () => {
    const pool = new GatedTasks<Outcome>(5);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 1, isFailed });
    for (let i = 0; i < 5; i++) {
      await flush();
      expect(pool.started).toEqual(Array.from({ length: i + 1 }, (_, k) => k));
      expect(pool.running).toBe(1);
      pool.resolve(i, ok(i));
    }
    const result = await run;
    expect(pool.peak).toBe(1);
    expect(pool.settled).toEqual([0, 1, 2, 3, 4]);
    expect(result.results.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('runWithConcurrency: fail-fast', () => {
  it('isFailed true: no new task starts, in-flight tasks see a FailFastError abort and are awaited', async () => {
    const pool = new GatedTasks<Outcome>(6);
    const run = watch(runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 3, isFailed }));
    await flush();
    expect(pool.started).toEqual([0, 1, 2]);
    const signal = pool.signals[0];
    expect(signal?.aborted).toBe(false);

    pool.resolve(1, bad(1));
    await flush();
    expect(pool.started).toEqual([0, 1, 2]);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(FailFastError);
    expect((signal?.reason as FailFastError).index).toBe(1);
    expect((signal?.reason as FailFastError).code).toBe('ERR_FAIL_FAST');
    // Still waiting on the two tasks in flight.
    expect(run.settled).toBe(false);

    pool.resolve(0, ok(0));
    await flush();
    expect(run.settled).toBe(false);
    expect(pool.started).toEqual([0, 1, 2]);
    pool.resolve(2, ok(2));
    await flush();
    expect(run.settled).toBe(true);
    expect(run.value).toEqual({
      results: [ok(0), bad(1), ok(2)],
      resultsByIndex: [ok(0), bad(1), ok(2), undefined, undefined, undefined],
      firstFailureIndex: 1,
      aborted: false,
      errors: [],
      cancelled: [],
    });
    expect(pool.started).toEqual([0, 1, 2]);
  });

  it('every task shares the one child signal, which is not the parent signal', async () => {
    const parent = new AbortController();
    const pool = new GatedTasks<Outcome>(3);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 3, isFailed, signal: parent.signal });
    expect(pool.signals[0]).toBe(pool.signals[1]);
    expect(pool.signals[0]).not.toBe(parent.signal);
    for (const i of [0, 1, 2]) pool.resolve(i, ok(i));
    await run;
  });

  it('a rejecting task is a failure recorded in errors; the call still resolves', async () => {
    const pool = new GatedTasks<Outcome>(4);
    const boom = new Error('boom');
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 2, isFailed });
    await flush();
    pool.reject(0, boom);
    await flush();
    expect(pool.signals[1]?.aborted).toBe(true);
    const reason = pool.signals[1]?.reason as FailFastError;
    expect(reason).toBeInstanceOf(FailFastError);
    expect(reason.index).toBe(0);
    expect(reason.cause).toBe(boom);
    pool.resolve(1, ok(1));
    const result = await run;
    expect(result).toEqual({
      results: [ok(1)],
      resultsByIndex: [undefined, ok(1), undefined, undefined],
      firstFailureIndex: 0,
      aborted: false,
      errors: [{ index: 0, error: boom }],
      cancelled: [],
    });
    expect(pool.started).toEqual([0, 1]);
  });

  it('a task that throws synchronously is a failure too', async () => {
    const boom = new Error('sync');
    let laterStarted = false;
    const result = await runWithConcurrency<number>({
      tasks: [
        () => {
          throw boom;
        },
        () => {
          laterStarted = true;
          return Promise.resolve(1);
        },
      ],
      maxConcurrency: 1,
      isFailed: () => false,
    });
    expect(result).toEqual({ results: [], resultsByIndex: [undefined, undefined], firstFailureIndex: 0, aborted: false, errors: [{ index: 0, error: boom }], cancelled: [] });
    expect(laterStarted).toBe(false);
  });

  it('a non-Error rejection (undefined) is still recorded as a failure', async () => {
    const result = await runWithConcurrency<number>({
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
      tasks: [() => Promise.reject(undefined), () => Promise.resolve(2)],
      maxConcurrency: 1,
      isFailed: () => false,
    });
    expect(result.firstFailureIndex).toBe(0);
    expect(result.errors).toEqual([{ index: 0, error: undefined }]);
    expect(result.results).toEqual([]);
  });

  it('an isFailed that throws counts as a failure, its error recorded, the value kept', async () => {
    const oops = new Error('predicate broke');
    const result = await runWithConcurrency({
      tasks: [() => Promise.resolve(1), () => Promise.resolve(2)],
      maxConcurrency: 1,
      isFailed: () => {
        throw oops;
      },
    });
    expect(result.firstFailureIndex).toBe(0);
    expect(result.errors).toEqual([{ index: 0, error: oops }]);
    expect(result.results).toEqual([1]);
    expect(result.resultsByIndex).toEqual([1, undefined]);
  });

  it('firstFailureIndex is the first failure to settle, not the lowest index; later failures never replace it', async () => {
    const pool = new GatedTasks<Outcome>(6);
    const late = new Error('late');
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 4, isFailed });
    await flush();
    expect(pool.started).toEqual([0, 1, 2, 3]);
    pool.resolve(3, bad(3));
    await flush();
    expect((pool.signals[0]?.reason as FailFastError).index).toBe(3);
    pool.reject(0, late);
    pool.resolve(1, bad(1));
    pool.resolve(2, ok(2));
    const result = await run;
    expect(result.firstFailureIndex).toBe(3);
    // The consequences are still recorded.
    expect(result.errors).toEqual([{ index: 0, error: late }]);
    expect(result.resultsByIndex).toEqual([undefined, bad(1), ok(2), bad(3), undefined, undefined]);
    expect(result.results).toEqual([bad(1), ok(2), bad(3)]);
    expect(result.aborted).toBe(false);
  });

  it('errors are sorted by index even when they settle in reverse', async () => {
    const pool = new GatedTasks<Outcome>(4);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 4, isFailed });
    const errors = [0, 1, 2, 3].map((i) => new Error(`e${i}`));
    for (const i of [3, 2, 1, 0]) {
      pool.reject(i, errors[i]);
      await flush();
    }
    const result = await run;
    expect(result.errors).toEqual([0, 1, 2, 3].map((i) => ({ index: i, error: errors[i] })));
    expect(result.firstFailureIndex).toBe(3);
  });

  it('in-flight tasks that honour the signal reject with its reason; they are cancelled, neither errors nor the cause', async () => {
    const tasks = [0, 1, 2].map(
      (i) => (signal: AbortSignal) =>
        new Promise<Outcome>((resolve, reject) => {
          if (i === 1) queueMicrotask(() => resolve(bad(1)));
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejects with the abort reason, as fetch does
          else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const result = await runWithConcurrency({ tasks, maxConcurrency: 3, isFailed });
    expect(result.firstFailureIndex).toBe(1);
    expect(result.errors).toEqual([]);
    expect(result.cancelled).toEqual([0, 2]);
  });
});

describe('runWithConcurrency: the parent signal', () => {
  it('pre-aborted: returns at once, aborted true, no task started, results []', async () => {
    const parent = new AbortController();
    parent.abort(new Error('cancelled'));
    const pool = new GatedTasks<Outcome>(3);
    let predicateCalls = 0;
    const result = await runWithConcurrency({
      tasks: pool.tasks(),
      maxConcurrency: 2,
      signal: parent.signal,
      isFailed: () => {
        predicateCalls++;
        return false;
      },
    });
    expect(result).toEqual({ results: [], resultsByIndex: [undefined, undefined, undefined], firstFailureIndex: null, aborted: true, errors: [], cancelled: [] });
    expect(pool.started).toEqual([]);
    expect(predicateCalls).toBe(0);
    expect(abortListeners(parent.signal)).toBe(0);
  });

  it('abort mid-run: no new task starts, in-flight see the parent reason and are awaited, aborted true', async () => {
    const parent = new AbortController();
    const pool = new GatedTasks<Outcome>(5);
    const run = watch(runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 2, isFailed, signal: parent.signal }));
    await flush();
    pool.resolve(0, ok(0));
    await flush();
    expect(pool.started).toEqual([0, 1, 2]);
    expect(abortListeners(parent.signal)).toBe(1);

    const reason = { why: 'user pressed ctrl-c' };
    parent.abort(reason);
    expect(pool.signals[1]?.aborted).toBe(true);
    expect(pool.signals[1]?.reason).toBe(reason);
    await flush();
    expect(run.settled).toBe(false);
    pool.resolve(2, ok(2));
    await flush();
    expect(run.settled).toBe(false);
    // A task rejecting because of the abort is cancelled: neither an error nor a fail-fast cause.
    pool.reject(1, reason);
    await flush();
    expect(run.settled).toBe(true);
    expect(run.value).toEqual({
      results: [ok(0), ok(2)],
      resultsByIndex: [ok(0), undefined, ok(2), undefined, undefined],
      firstFailureIndex: null,
      aborted: true,
      errors: [],
      cancelled: [1],
    });
    expect(pool.started).toEqual([0, 1, 2]);
    expect(abortListeners(parent.signal)).toBe(0);
  });

  it('a failed value settling after the parent abort is recorded but does not become firstFailureIndex', async () => {
    const parent = new AbortController();
    const pool = new GatedTasks<Outcome>(2);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 2, isFailed, signal: parent.signal });
    parent.abort();
    pool.resolve(0, bad(0));
    pool.resolve(1, ok(1));
    const result = await run;
    expect(result.firstFailureIndex).toBeNull();
    expect(result.aborted).toBe(true);
    expect(result.results).toEqual([bad(0), ok(1)]);
  });

  it('a parent abort after a fail-fast stop does not turn it into an abort', async () => {
    const parent = new AbortController();
    const pool = new GatedTasks<Outcome>(3);
    const run = runWithConcurrency({ tasks: pool.tasks(), maxConcurrency: 3, isFailed, signal: parent.signal });
    pool.resolve(2, bad(2));
    await flush();
    parent.abort();
    // The tasks keep the fail-fast reason.
    expect(pool.signals[0]?.reason).toBeInstanceOf(FailFastError);
    pool.resolve(0, ok(0));
    pool.resolve(1, ok(1));
    const result = await run;
    expect(result.firstFailureIndex).toBe(2);
    expect(result.aborted).toBe(false);
    expect(abortListeners(parent.signal)).toBe(0);
  });

  it('leaves no listener on the parent after success, after fail-fast, and after throwing tasks', async () => {
    const parent = new AbortController();
    const signal = parent.signal;
    await runWithConcurrency({ tasks: [() => Promise.resolve(ok(0))], maxConcurrency: 1, isFailed, signal });
    expect(abortListeners(signal)).toBe(0);
    await runWithConcurrency({ tasks: [() => Promise.resolve(bad(0)), () => Promise.resolve(ok(1))], maxConcurrency: 1, isFailed, signal });
    expect(abortListeners(signal)).toBe(0);
    await runWithConcurrency({ tasks: [() => Promise.reject(new Error('x'))], maxConcurrency: 4, isFailed, signal });
    expect(abortListeners(signal)).toBe(0);
    await runWithConcurrency({ tasks: [], maxConcurrency: 4, isFailed, signal });
    expect(abortListeners(signal)).toBe(0);
    expect(signal.aborted).toBe(false);
  });
});

describe('runWithConcurrency: stress', () => {
  it('100,000 tasks at 10,000 at once complete without deadlock, never over the limit, in order', async () => {
    const count = 100_000;
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: count }, (_, i) => async () => {
      running++;
      peak = Math.max(peak, running);
      await Promise.resolve();
      running--;
      return i;
    });
    const result = await runWithConcurrency({ tasks, maxConcurrency: 10_000, isFailed: () => false });
    expect(peak).toBe(10_000);
    expect(result.results).toHaveLength(count);
    expect(result.firstFailureIndex).toBeNull();
    for (let i = 0; i < count; i += 997) expect(result.resultsByIndex[i]).toBe(i);
  });
});

describe('runWithConcurrency: argument errors', () => {
  const base: ConcurrencyOptions<number> = { tasks: [() => Promise.resolve(1)], maxConcurrency: 1, isFailed: () => false };

  it.each([
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    ['3', '"3"'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [undefined, 'undefined'],
  ])('maxConcurrency %s is a TypeError naming it', async (value, shown) => {
    const call = runWithConcurrency({ ...base, maxConcurrency: value as number });
    await expect(call).rejects.toThrow(TypeError);
    await expect(runWithConcurrency({ ...base, maxConcurrency: value as number })).rejects.toThrow(
      `options.maxConcurrency must be an integer >= 1 or Infinity, received ${shown}`,
    );
  });

  it.each([
    [undefined, 'undefined'],
    ['tasks', '"tasks"'],
    [{ length: 1 }, 'object'],
    [new Set([() => Promise.resolve(1)]), 'Set instance'],
  ])('tasks %s (not an array) is a TypeError naming options.tasks', async (value, shown) => {
    await expect(runWithConcurrency({ ...base, tasks: value as unknown as ConcurrencyOptions<number>['tasks'] })).rejects.toThrow(
      new TypeError(`options.tasks must be an array of functions, received ${shown}`),
    );
  });

  it('a task that is not a function is a TypeError naming its index, and nothing starts', async () => {
    let started = false;
    const tasks = [
      () => {
        started = true;
        return Promise.resolve(1);
      },
      42,
    ] as unknown as ConcurrencyOptions<number>['tasks'];
    await expect(runWithConcurrency({ ...base, tasks, maxConcurrency: 2 })).rejects.toThrow(
      new TypeError('options.tasks[1] must be a function, received 42'),
    );
    expect(started).toBe(false);
  });

  it.each([[null], [true], ['isFailed']])('isFailed %s (not a function) is a TypeError naming it', async (value) => {
    const call = runWithConcurrency({ ...base, isFailed: value as unknown as (n: number) => boolean });
    await expect(call).rejects.toThrow(TypeError);
    await expect(runWithConcurrency({ ...base, isFailed: value as unknown as (n: number) => boolean })).rejects.toThrow(
      /^options\.isFailed must be a function, received /,
    );
  });

  it('a signal that is not an AbortSignal is a TypeError naming it', async () => {
    await expect(runWithConcurrency({ ...base, signal: {} as AbortSignal })).rejects.toThrow(
      new TypeError('options.signal must be an AbortSignal or undefined, received object'),
    );
  });

  it('options that are not an object is a TypeError', async () => {
    await expect(runWithConcurrency(null as unknown as ConcurrencyOptions<number>)).rejects.toThrow(TypeError);
  });
});
