import { getEventListeners } from 'node:events';
import type * as os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FailFastError, TaskError } from '../../src/common/errors.js';
import { parallelMap } from '../../src/core/parallel-map.js';
import type { ParallelMapOptions } from '../../src/core/parallel-map.js';
import { deferred, flush } from '../helpers/deferred.js';
import { GatedItems, collectGarbage, recordingGenerator, startsAfterStop, watch } from './harness.js';

// The default concurrency depends on os.availableParallelism(); tests pin it to check the formula.
const cpus = vi.hoisted(() => ({ value: undefined as number | undefined }));
vi.mock('node:os', async (importOriginal) => {
  const actual = await importOriginal<typeof os>();
  return { ...actual, availableParallelism: () => cpus.value ?? actual.availableParallelism() };
});
afterEach(() => {
  cpus.value = undefined;
});

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;


async function collect<O>(iterable: AsyncIterable<O>): Promise<O[]> {
  const out: O[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}



describe('parallelMap: order', () => {
  it('ordered (the default) yields in input order whatever the completion order', async () => {
    const mapper = new GatedItems<string>();
    const results = watch(collect(parallelMap([0, 1, 2, 3, 4], mapper.fn, { concurrency: 5 })));
    await flush();
    for (const i of [4, 2, 3, 0, 1]) {
      mapper.gate(i).resolve(`v${i}`);
      await flush();
    }
    await flush();
    expect(results.value).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it.each([3, 4, 70_000, Number.POSITIVE_INFINITY])(
    'ordered, concurrency %s: outputs (undefined ones included) keep input order over many windows settling newest first',
    async (concurrency) => {
      const mapper = new GatedItems<string | undefined>();
      const count = 41;
      const results = watch(collect(parallelMap(Array.from({ length: count }, (_, i) => i), mapper.fn, { concurrency })));
      for (let round = 0; round < 200 && results.value === undefined; round++) {
        await flush();
        const open = [...mapper.gates].filter(([, gate]) => !gate.settled).map(([i]) => i);
        for (const i of open.sort((x, y) => y - x)) mapper.gate(i).resolve(i % 3 === 0 ? undefined : `v${i}`);
      }
      await flush();
      expect(results.value).toEqual(Array.from({ length: count }, (_, i) => (i % 3 === 0 ? undefined : `v${i}`)));
      expect(mapper.peak).toBeLessThanOrEqual(Math.min(concurrency, count));
    },
  );

  it('ordered false yields in completion order', async () => {
    const mapper = new GatedItems<string>();
    const results = watch(collect(parallelMap([0, 1, 2, 3, 4], mapper.fn, { concurrency: 5, ordered: false })));
    await flush();
    for (const i of [4, 2, 3, 0, 1]) {
      mapper.gate(i).resolve(`v${i}`);
      await flush();
    }
    await flush();
    expect(results.value).toEqual(['v4', 'v2', 'v3', 'v0', 'v1']);
  });

  it('ordered: a slow head holds back the window instead of reading ahead', async () => {
    const source = recordingGenerator(10);
    const mapper = new GatedItems<number>();
    const iterator = parallelMap(source.items, mapper.fn, { concurrency: 3 });
    const first = watch(iterator.next());
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    mapper.gate(1).resolve(1);
    mapper.gate(2).resolve(2);
    await flush();
    // Items 1 and 2 are done but wait behind 0: nothing more is pulled.
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(first.settled).toBe(false);
    mapper.gate(0).resolve(0);
    await flush();
    expect(first.value).toEqual({ value: 0, done: false });
    expect(source.pulls).toEqual([0, 1, 2, 3]);
    for (let i = 3; i < 10; i++) mapper.gate(i).resolve(i);
    const rest: number[] = [];
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      rest.push(step.value);
      for (let i = 3; i < 10; i++) if (mapper.started.includes(i)) mapper.gate(i).resolve(i);
    }
    expect(rest).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('passes index and a signal to the mapper', async () => {
    const seen: Array<[string, number]> = [];
    const out = await collect(
      parallelMap(['a', 'b', 'c'], (item, { index, signal }) => {
        expect(signal).toBeInstanceOf(AbortSignal);
        seen.push([item, index]);
        return Promise.resolve(item.toUpperCase());
      }),
    );
    expect(out).toEqual(['A', 'B', 'C']);
    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('empty input ends at once; next() after the end keeps answering done', async () => {
    const iterator = parallelMap([], () => Promise.resolve(1));
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('unordered over many items yields every output exactly once', async () => {
    const count = 5000;
    const out = await collect(
      parallelMap(recordingGenerator(count).items, (n) => (n % 3 === 0 ? Promise.resolve(n) : new Promise<number>((r) => setImmediate(() => r(n)))), {
        concurrency: 7,
        ordered: false,
      }),
    );
    expect(out).toHaveLength(count);
    expect(new Set(out).size).toBe(count);
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(count - 1);
  });
});

describe('parallelMap: memory bound (backpressure)', () => {
  it.each([true, false])('ordered %s: with a slow consumer, pulls never run more than `concurrency` ahead of consumption', async (ordered) => {
    const concurrency = 4;
    const source = recordingGenerator(50);
    let running = 0;
    let peak = 0;
    const iterator = parallelMap(
      source.items,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        running--;
        return n;
      },
      { concurrency, ordered },
    );
    let consumed = 0;
    const seen: number[] = [];
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      seen.push(step.value);
      consumed++;
      // The consumer is slow: let the pool run as far as it can before taking the next value.
      await flush();
      expect(source.pulls.length - consumed).toBeLessThanOrEqual(concurrency);
      if (source.pulls.length < 50) expect(source.pulls.length - consumed).toBe(concurrency);
    }
    expect(peak).toBeLessThanOrEqual(concurrency);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('does not start pulling before the first next()', async () => {
    const source = recordingGenerator(5);
    const iterator = parallelMap(source.items, (n) => Promise.resolve(n), { concurrency: 2 });
    await flush();
    expect(source.pulls).toEqual([]);
    await expect(iterator.next()).resolves.toEqual({ value: 0, done: false });
    await iterator.return?.();
  });
});

describe('parallelMap: failure', () => {
  it('the first failure throws a TaskError naming the index, after in-flight items settle; their signals abort; input closed', async () => {
    const source = recordingGenerator();
    const mapper = new GatedItems<number>();
    const iterator = parallelMap(source.items, mapper.fn, { concurrency: 3 });
    const first = watch(iterator.next());
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    const boom = new Error('boom');
    mapper.gate(1).reject(boom);
    await flush();
    const signal = mapper.signals.get(0);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(FailFastError);
    expect((signal?.reason as FailFastError).index).toBe(1);
    expect(source.pulls).toEqual([0, 1, 2]);
    // Items 0 and 2 are still running: the iteration waits for them.
    expect(first.settled).toBe(false);
    mapper.gate(0).resolve(0);
    await flush();
    expect(first.settled).toBe(false);
    mapper.gate(2).resolve(2);
    await flush();
    expect(first.rejected).toBe(true);
    const error = first.error as TaskError<number>;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.code).toBe('ERR_TASK');
    expect(error.index).toBe(1);
    expect(error.item).toBe(1);
    expect(error.cause).toBe(boom);
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(source.closed()).toBe(true);
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it.each([true, false])('ordered %s: outputs ready when a failure lands are not handed out; next() throws the TaskError', async (ordered) => {
    const mapper = new GatedItems<string>();
    const iterator = parallelMap([0, 1, 2, 3], mapper.fn, { concurrency: 4, ordered });
    const first = watch(iterator.next());
    await flush();
    mapper.gate(0).resolve('v0');
    await flush();
    expect(first.value).toEqual({ value: 'v0', done: false });
    // Items 1 and 2 finish while nobody asks: their outputs wait for the consumer. Then item 3 fails.
    mapper.gate(1).resolve('v1');
    mapper.gate(2).resolve('v2');
    await flush();
    mapper.gate(3).reject(new Error('boom'));
    await flush();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ERR_TASK', index: 3 });
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('no item of an async input starts after the failure, however close the race', async () => {
    const late = await startsAfterStop(async (input, fn) => {
      try {
        for await (const _ of parallelMap(input, fn, { concurrency: 2 })) {
          // consume
        }
      } catch {
        // the TaskError is expected
      }
    });
    expect(late).toEqual([]);
  });

  it('a mapper that throws synchronously fails the iteration with a TaskError', async () => {
    const sync = new Error('sync');
    const iterator = parallelMap([0, 1, 2], (n) => {
      if (n === 1) throw sync;
      return Promise.resolve(n);
    }, { concurrency: 1 });
    await expect(iterator.next()).resolves.toEqual({ value: 0, done: false });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ERR_TASK', index: 1, cause: sync });
  });

  it('for await surfaces the TaskError and leaves no listener on the parent', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of parallelMap([0, 1, 2, 3], (n) => (n === 2 ? Promise.reject(new Error('two')) : Promise.resolve(n)), {
          concurrency: 1,
          signal: controller.signal,
        }))
          seen.push(v);
      })(),
    ).rejects.toMatchObject({ index: 2 });
    expect(seen).toEqual([0, 1]);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('an input that throws ends the iteration with that error', async () => {
    const broken = new Error('input broke');
    function* items(): Generator<number> {
      yield 1;
      throw broken;
    }
    const iterator = parallelMap(items(), (n) => Promise.resolve(n), { concurrency: 1 });
    const values: number[] = [];
    await expect(
      (async () => {
        for await (const v of iterator) values.push(v);
      })(),
    ).rejects.toBe(broken);
  });
});

describe('parallelMap: broken inputs', () => {
  it('an async input whose next() rejects ends the iteration with that error', async () => {
    const broken = new Error('stream reset');
    let calls = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (calls++ < 2 ? Promise.resolve({ value: calls, done: false }) : Promise.reject(broken)),
      }),
    };
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of parallelMap(input, (n) => Promise.resolve(n), { concurrency: 1 })) seen.push(v);
      })(),
    ).rejects.toBe(broken);
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it('an input whose return() throws still lets break finish cleanly', async () => {
    let nexts = 0;
    const input: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => ({ value: nexts++, done: false }),
        return: () => {
          throw new Error('return() broke');
        },
      }),
    };
    const out: number[] = [];
    for await (const v of parallelMap(input, (n) => Promise.resolve(n), { concurrency: 2 })) {
      out.push(v);
      if (out.length === 3) break;
    }
    expect(out).toEqual([0, 1, 2]);
  });
});

describe('parallelMap: abort', () => {
  it('an abort throws signal.reason after in-flight items settle; input closed; no listener left', async () => {
    const controller = new AbortController();
    const source = recordingGenerator();
    const mapper = new GatedItems<number>();
    const iterator = parallelMap(source.items, mapper.fn, { concurrency: 2, signal: controller.signal });
    mapper.gate(0).resolve(0);
    await expect(iterator.next()).resolves.toEqual({ value: 0, done: false });
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(abortListeners(controller.signal)).toBe(1);

    const pending = watch(iterator.next());
    const reason = { user: 'stop' };
    controller.abort(reason);
    expect(mapper.signals.get(1)?.reason).toBe(reason);
    await flush();
    expect(pending.settled).toBe(false);
    mapper.gate(1).resolve(1);
    mapper.gate(2).reject(reason);
    await flush();
    expect(pending.rejected).toBe(true);
    expect(pending.error).toBe(reason);
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(source.closed()).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  // Regression (fixed in 584d081): the iteration used to wait for the pending pull, which may never answer.
  it('an abort ends the iteration even while an async input has a next() pending', async () => {
    const controller = new AbortController();
    const arrival = deferred<IteratorResult<number>>();
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => arrival.promise,
        return: () => Promise.resolve({ value: undefined, done: true }),
      }),
    };
    const iterator = parallelMap(input, (n) => Promise.resolve(n), { concurrency: 2, signal: controller.signal });
    const pending = watch(iterator.next());
    try {
      await flush();
      const reason = new Error('user cancelled');
      controller.abort(reason);
      await flush();
      expect(pending.rejected).toBe(true);
      expect(pending.error).toBe(reason);
      expect(abortListeners(controller.signal)).toBe(0);
    } finally {
      arrival.resolve({ value: undefined, done: true });
      await flush();
    }
  });

  it('return() while a next() is pending answers that next() with done once in-flight items settle', async () => {
    const mapper = new GatedItems<number>();
    const source = recordingGenerator();
    const iterator = parallelMap(source.items, mapper.fn, { concurrency: 2 });
    const pending = watch(iterator.next());
    await flush();
    const returned = watch(iterator.return?.() ?? Promise.reject(new Error('no return()')));
    await flush();
    expect(mapper.signals.get(0)?.aborted).toBe(true);
    expect(pending.settled).toBe(false);
    expect(returned.settled).toBe(false);
    mapper.gate(0).resolve(0);
    mapper.gate(1).resolve(1);
    await flush();
    expect(pending.value).toEqual({ value: undefined, done: true });
    expect(returned.value).toEqual({ value: undefined, done: true });
    expect(source.closed()).toBe(true);
  });

  it('a pre-aborted signal throws its reason on the first next(), pulling and mapping nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('already stopped');
    controller.abort(reason);
    const source = recordingGenerator();
    let calls = 0;
    const iterator = parallelMap(source.items, () => Promise.resolve(calls++), { signal: controller.signal });
    await expect(iterator.next()).rejects.toBe(reason);
    expect(calls).toBe(0);
    expect(source.pulls).toEqual([]);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe('parallelMap: leaving early', () => {
  it('break aborts in-flight items, awaits them, calls the input return(), and leaves no listener', async () => {
    const controller = new AbortController();
    const source = recordingGenerator();
    const mapper = new GatedItems<number>();
    const got: number[] = [];
    const loop = watch(
      (async () => {
        for await (const v of parallelMap(source.items, mapper.fn, { concurrency: 3, signal: controller.signal })) {
          got.push(v);
          if (got.length === 1) break;
        }
      })(),
    );
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    mapper.gate(0).resolve(0);
    await flush();
    expect(got).toEqual([0]);
    // Item 0 freed a slot before the consumer broke out.
    const inFlight = mapper.started.filter((i) => i !== 0);
    expect(inFlight.length).toBeGreaterThanOrEqual(2);
    for (const i of inFlight) {
      expect(mapper.signals.get(i)?.aborted).toBe(true);
      expect((mapper.signals.get(i)?.reason as DOMException).name).toBe('AbortError');
    }
    // The loop's exit waits for the in-flight items.
    expect(loop.settled).toBe(false);
    for (const i of inFlight) mapper.gate(i).resolve(i);
    await flush();
    expect(loop.settled).toBe(true);
    expect(loop.rejected).toBe(false);
    expect(mapper.running).toBe(0);
    expect(source.closed()).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
    expect(controller.signal.aborted).toBe(false);
    const pulled = source.pulls.length;
    await flush();
    expect(source.pulls.length).toBe(pulled);
  });

  /** An iterator over 0, 1, 2, ... that counts next() and return() calls. */
  function countingIterable(): { items: Iterable<number>; nexts: () => number; returns: () => number } {
    let nexts = 0;
    let returns = 0;
    const iterator: Iterator<number> = {
      next: () => ({ value: nexts++, done: false }),
      return: () => {
        returns++;
        return { value: undefined, done: true };
      },
    };
    return { items: { [Symbol.iterator]: () => iterator }, nexts: () => nexts, returns: () => returns };
  }

  it('break finishes at once even while the async input has a next() pending that never answers', async () => {
    let calls = 0;
    let returned = 0;
    const never = new Promise<IteratorResult<number>>(() => undefined);
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (calls++ === 0 ? Promise.resolve({ value: 0, done: false }) : never),
        return: () => {
          returned++;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    const loop = watch(
      (async () => {
        for await (const v of parallelMap(input, (n) => Promise.resolve(n), { concurrency: 2 })) {
          expect(v).toBe(0);
          break;
        }
      })(),
    );
    await flush();
    expect(loop.settled).toBe(true);
    expect(loop.rejected).toBe(false);
    // return() was asked for even though next() is still pending (the input decides when to honour it).
    expect(returned).toBe(1);
  });

  it('return() before the first next() calls the input return() without starting anything', async () => {
    const source = countingIterable();
    let calls = 0;
    const iterator = parallelMap(source.items, () => Promise.resolve(calls++));
    await expect(iterator.return?.()).resolves.toEqual({ value: undefined, done: true });
    expect(source.returns()).toBe(1);
    expect(source.nexts()).toBe(0);
    expect(calls).toBe(0);
  });

  // Regression (fixed in 584d081): a next() after an early return() used to start the run (leaving a listener on
  // the parent) and then never settle.
  it('next() after an early return() answers done at once and adds no listener to the parent', async () => {
    const controller = new AbortController();
    const source = countingIterable();
    let calls = 0;
    const iterator = parallelMap(source.items, () => Promise.resolve(calls++), { signal: controller.signal });
    await iterator.return?.();
    const next = watch(iterator.next());
    await flush();
    expect(calls).toBe(0);
    expect(source.nexts()).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    expect(next.settled).toBe(true);
    expect(next.value).toEqual({ value: undefined, done: true });
  });

  it('leaves no listener on the parent after a complete iteration', async () => {
    const controller = new AbortController();
    expect(await collect(parallelMap([1, 2, 3], (n) => Promise.resolve(n), { signal: controller.signal }))).toEqual([1, 2, 3]);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe('parallelMap: infinite lazy input', () => {
  it('maps an infinite sync generator and stops cleanly on break', async () => {
    const source = recordingGenerator();
    const out: number[] = [];
    for await (const v of parallelMap(source.items, (n) => Promise.resolve(n * n), { concurrency: 8 })) {
      out.push(v);
      if (out.length === 100) break;
    }
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i * i));
    expect(source.closed()).toBe(true);
    expect(source.pulls.length).toBeLessThanOrEqual(100 + 8);
  });

  it('maps an infinite async generator and stops cleanly on break', async () => {
    let closed = false;
    let pulls = 0;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          pulls++;
          yield await Promise.resolve(i);
        }
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const v of parallelMap(endless(), (n) => Promise.resolve(n + 1), { concurrency: 4, ordered: false })) {
      out.push(v);
      if (out.length === 200) break;
    }
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(closed).toBe(true);
    expect(pulls).toBeLessThanOrEqual(200 + 4 + 1);
  });
});

describe('parallelMap: defaults and scale', () => {
  it('defaults concurrency to availableParallelism() * 2', async () => {
    cpus.value = 3;
    const open = deferred();
    let running = 0;
    let peak = 0;
    const iterator = parallelMap(recordingGenerator(40).items, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await open.promise;
      running--;
      return n;
    });
    const first = watch(iterator.next());
    await flush();
    expect(peak).toBe(6);
    open.resolve();
    await flush();
    expect(first.value).toEqual({ value: 0, done: false });
    const rest: number[] = [];
    for await (const v of iterator) rest.push(v);
    expect(rest).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(peak).toBe(6);
  });

  it.each([true, false])('ordered %s: 1,000,000 items from a lazy generator stream through without deadlock', async (ordered) => {
    const count = 1_000_000;
    let pulled = 0;
    function* lazy(): Generator<number> {
      for (let i = 0; i < count; i++) {
        pulled++;
        yield i;
      }
    }
    let seen = 0;
    let sum = 0;
    let inOrder = true;
    for await (const v of parallelMap(lazy(), (n) => Promise.resolve(n), { concurrency: 64, ordered })) {
      if (v !== seen) inOrder = false;
      seen++;
      sum += v;
    }
    expect(pulled).toBe(count);
    expect(seen).toBe(count);
    expect(sum).toBe((count * (count - 1)) / 2);
    if (ordered) expect(inOrder).toBe(true);
  });
});

describe('parallelMap: flat memory', () => {
  // REGRESSION (584d081, src/core/item-source.ts asyncSource.nextAsync): every pull returns
  // Promise.race([pending, whenStopped]) on one `whenStopped` promise that stays pending for the whole run, so each
  // pull leaves a reaction on it that keeps the race promise, and through it the pulled item, alive until the run
  // stops. Measured: parallelMap over a 1M-item async generator at concurrency 64 grew the heap by +334 MB (0 MB
  // before 584d081) and ran 6x slower.
  async function aliveAfterUse(isAsync: boolean): Promise<number> {
    const refs: Array<WeakRef<{ i: number }>> = [];
    function* syncItems(): Generator<{ i: number }> {
      for (let i = 0; i < 3000; i++) {
        const item = { i };
        refs.push(new WeakRef(item));
        yield item;
      }
    }
    async function* asyncItems(): AsyncGenerator<{ i: number }> {
      for (const item of syncItems()) yield await Promise.resolve(item);
    }
    let consumed = 0;
    let alive = -1;
    for await (const _ of parallelMap(isAsync ? asyncItems() : syncItems(), (item) => Promise.resolve(item.i), { concurrency: 4 })) {
      consumed++;
      if (consumed === 2000) {
        await collectGarbage();
        alive = refs.slice(0, 1000).filter((ref) => ref.deref() !== undefined).length;
      }
    }
    expect(consumed).toBe(3000);
    return alive;
  }

  // A stray stack slot may keep one or two items alive; a leak keeps all 1000 of the first items.
  it('does not retain items it has finished with (sync input)', async () => {
    const alive = await aliveAfterUse(false);
    expect(alive).toBeGreaterThanOrEqual(0);
    expect(alive).toBeLessThan(10);
  });

  it('does not retain items it has finished with (async input)', async () => {
    const alive = await aliveAfterUse(true);
    expect(alive).toBeGreaterThanOrEqual(0);
    expect(alive).toBeLessThan(10);
  });
});

describe('parallelMap: argument errors', () => {
  const map = (items: unknown, mapper: unknown, options?: unknown) =>
    parallelMap(items as number[], mapper as () => Promise<number>, options as ParallelMapOptions);
  const ok = () => Promise.resolve(1);

  it.each([
    [{ concurrency: 0 }, 'options.concurrency must be an integer >= 1 or Infinity, received 0'],
    [{ concurrency: 1.5 }, 'options.concurrency must be an integer >= 1 or Infinity, received 1.5'],
    [{ concurrency: '4' }, 'options.concurrency must be an integer >= 1 or Infinity, received "4"'],
    [{ ordered: 'yes' }, 'options.ordered must be a boolean, received "yes"'],
    [{ signal: 1 }, 'options.signal must be an AbortSignal or undefined, received 1'],
  ])('%j is a TypeError: %s', (options, message) => {
    expect(() => map([1], ok, options)).toThrow(new TypeError(message));
  });

  it('a mapper that is not a function is a TypeError naming it', () => {
    expect(() => map([1], null)).toThrow(new TypeError('mapper must be a function, received null'));
  });

  it('items that are not iterable is a TypeError naming items', () => {
    expect(() => map(7, ok)).toThrow(/^items must be an iterable or async iterable, received number$/);
  });
});
