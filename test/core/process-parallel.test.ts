import { getEventListeners } from 'node:events';
import type * as os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FailFastError, ParallelError, TaskError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import type { ProcessParallelOptions } from '../../src/core/process-parallel.js';
import { deferred, flush } from '../helpers/deferred.js';
import { GatedItems, collectGarbage, recordingGenerator, startsAfterStop, watch } from './harness.js';

// The default worker count depends on os.availableParallelism(); tests pin it to check the formula.
const cpus = vi.hoisted(() => ({ value: undefined as number | undefined }));
vi.mock('node:os', async (importOriginal) => {
  const actual = await importOriginal<typeof os>();
  return { ...actual, availableParallelism: () => cpus.value ?? actual.availableParallelism() };
});
afterEach(() => {
  cpus.value = undefined;
});

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

function* numbers(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}


async function rejection(promise: Promise<unknown>): Promise<ParallelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParallelError);
    return error as ParallelError;
  }
  throw new Error('expected a rejection');
}



describe('processParallel: results and errors', () => {
  it('resolves with outputs in input order, not completion order', async () => {
    const processor = new GatedItems<string>();
    const run = processParallel(['a', 'b', 'c', 'd'], processor.fn, { workers: 4 });
    await flush();
    for (const i of [3, 1, 0, 2]) processor.gate(i).resolve(`out${i}`);
    await expect(run).resolves.toMatchObject({ results: ['out0', 'out1', 'out2', 'out3'], errors: [] });
  });

  it('passes each item with its index and the run signal', async () => {
    const seen: Array<[string, number, boolean]> = [];
    await processParallel(['x', 'y', 'z'], (item, { index, signal }) => {
      seen.push([item, index, signal instanceof AbortSignal]);
      return Promise.resolve(item);
    });
    expect(seen.sort()).toEqual([
      ['x', 0, true],
      ['y', 1, true],
      ['z', 2, true],
    ]);
  });

  it('empty input resolves with nothing', async () => {
    let calls = 0;
    await expect(processParallel([], () => Promise.resolve(calls++))).resolves.toMatchObject({ results: [], resultsByIndex: [], errors: [] });
    const empty = recordingGenerator(0);
    await expect(processParallel(empty.items, () => Promise.resolve(calls++))).resolves.toMatchObject({ results: [], resultsByIndex: [], errors: [] });
    expect(calls).toBe(0);
  });

  it('failFast false: resolves with partial success and one TaskError per failed item, sorted by index', async () => {
    const processor = new GatedItems<number>();
    const items = ['i0', 'i1', 'i2', 'i3', 'i4'];
    const run = processParallel(items, processor.fn, { workers: 5, failFast: false });
    await flush();
    const e3 = new Error('e3');
    const e1 = new Error('e1');
    processor.gate(3).reject(e3);
    processor.gate(4).resolve(40);
    processor.gate(1).reject(e1);
    processor.gate(0).resolve(0);
    processor.gate(2).resolve(20);
    const { results, errors } = await run;
    expect(results).toEqual([0, 20, 40]);
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.index)).toEqual([1, 3]);
    for (const [error, index, cause] of [
      [errors[0], 1, e1],
      [errors[1], 3, e3],
    ] as const) {
      expect(error).toBeInstanceOf(TaskError);
      expect(error?.code).toBe('ERR_TASK');
      expect(error?.index).toBe(index);
      expect(error?.item).toBe(items[index]);
      expect(error?.cause).toBe(cause);
    }
    // No abort happened: failures do not stop a collect-all run.
    expect(processor.signals.get(0)?.aborted).toBe(false);
    expect(processor.started.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a processor that throws synchronously is a failed item', async () => {
    const { results, errors } = await processParallel(
      [1, 2],
      (n) => {
        if (n === 1) throw new Error('sync');
        return Promise.resolve(n);
      },
      { failFast: false },
    );
    expect(results).toEqual([2]);
    expect(errors.map((e) => [e.index, e.item, (e.cause as Error).message])).toEqual([[0, 1, 'sync']]);
  });

  it('failFast false (collect-all) always resolves: outputs by index, failures with item and index, the summary', async () => {
    const outcome = await processParallel(
      [1, 2, 3, 4, 5],
      (n) => (n % 2 === 0 ? Promise.reject(new Error(n === 2 ? 'timeout' : 'refused')) : n === 5 ? Promise.reject(new Error('refused')) : n * 10),
      { failFast: false },
    );
    expect(outcome.results).toEqual([10, 30]);
    expect(outcome.resultsByIndex).toEqual([10, undefined, 30, undefined, undefined]);
    expect(Object.keys(outcome.resultsByIndex)).toEqual(['0', '1', '2', '3', '4']); // no holes
    expect(outcome.errors.map((e) => [e.index, e.item])).toEqual([[1, 2], [3, 4], [4, 5]]);
    expect(outcome.summary).toEqual({
      succeeded: 2,
      failed: 3,
      cancelled: 0,
      groups: [
        { message: 'refused', count: 2, indexes: [3, 4] },
        { message: 'timeout', count: 1, indexes: [1] },
      ],
      text: "3 items failed with 2 error types: 'refused' (2 items), 'timeout' (1 item)",
    });
    // Every item failed: still resolved, nothing hidden in a rejection.
    const none = await processParallel(numbers(3), (n) => Promise.reject(new Error(`bad ${n}`)), { failFast: false });
    expect(none.resultsByIndex).toEqual([undefined, undefined, undefined]);
    expect(none.summary).toMatchObject({ succeeded: 0, failed: 3 });
    const clean = await processParallel([1], (n) => n, { failFast: false });
    expect(clean.summary).toEqual({ succeeded: 1, failed: 0, cancelled: 0, groups: [], text: 'no item failed' });
  });

  it('rejectIfNoneSucceeded: every item failed rejects with ParallelError holding every TaskError', async () => {
    const error = await rejection(
      processParallel([1, 2, 3], (n) => Promise.reject(new Error(`bad ${n}`)), { failFast: false, rejectIfNoneSucceeded: true }),
    );
    expect(error.summary).toMatchObject({ succeeded: 0, failed: 3, cancelled: 0 });
    expect(error.resultsByIndex).toEqual([undefined, undefined, undefined]);
    const partial = await processParallel([1, 2], (n) => (n === 1 ? Promise.reject(new Error('bad')) : n), {
      failFast: false,
      rejectIfNoneSucceeded: true,
    });
    expect(partial.resultsByIndex).toEqual([undefined, 2]);
    await expect(processParallel([1], (n) => n, { rejectIfNoneSucceeded: 'yes' as never })).rejects.toThrow(
      'options.rejectIfNoneSucceeded must be a boolean, received "yes"',
    );
    expect(error.code).toBe('ERR_PARALLEL');
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(error.errors.every((e) => e instanceof TaskError)).toBe(true);
    expect(error.results).toEqual([]);
  });

  it('groups the failures in the message, most frequent first', async () => {
    const items = Array.from({ length: 15 }, (_, i) => i);
    const error = await rejection(
      processParallel(items, (n) => Promise.reject(new Error(n % 5 === 1 ? 'timeout exceeded' : 'connection refused')), {
        failFast: false,
        rejectIfNoneSucceeded: true,
      }),
    );
    expect(error.message).toBe(
      "parallel execution failed: 15 items failed with 2 error types: 'connection refused' (12 items), 'timeout exceeded' (3 items)",
    );
    expect(error.errors).toHaveLength(15);
  });
});

describe('processParallel: fail-fast', () => {
  it('rejects with ParallelError, pulls no further item, aborts in-flight items with FailFastError and awaits them', async () => {
    const source = recordingGenerator();
    const processor = new GatedItems<number>();
    const run = watch(processParallel(source.items, processor.fn, { workers: 3 }));
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    processor.gate(0).resolve(0);
    await flush();
    expect(source.pulls).toEqual([0, 1, 2, 3]);

    const boom = new Error('boom');
    processor.gate(2).reject(boom);
    await flush();
    const signal = processor.signals.get(1);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(FailFastError);
    expect((signal?.reason as FailFastError).index).toBe(2);
    expect(source.pulls).toEqual([0, 1, 2, 3]);
    // Items 1 and 3 are still in flight: the call waits for them.
    expect(run.settled).toBe(false);
    processor.gate(1).resolve(10);
    processor.gate(3).resolve(30);
    await flush();
    expect(run.settled).toBe(true);
    expect(run.rejected).toBe(true);
    const error = run.error as ParallelError<number, number>;
    expect(error).toBeInstanceOf(ParallelError);
    expect(error.code).toBe('ERR_PARALLEL');
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toMatchObject({ index: 2, item: 2, cause: boom, code: 'ERR_TASK' });
    expect(error.results).toEqual([0, 10, 30]);
    expect(error.message).toBe("parallel execution failed: 1 item failed with 1 error type: 'boom' (1 item)");
    expect(source.pulls).toEqual([0, 1, 2, 3]);
    expect(processor.started.sort()).toEqual([0, 1, 2, 3]);
    expect(source.closed()).toBe(true);
  });

  it('items cancelled by the stop (rejecting with its reason) are neither results nor errors', async () => {
    const error = await rejection(
      processParallel(
        [0, 1, 2],
        (n, { signal }) =>
          new Promise<number>((_resolve, reject) => {
            if (n === 1) queueMicrotask(() => reject(new Error('real failure')));
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejects with the abort reason, as fetch does
            else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
        { workers: 3 },
      ),
    );
    expect(error.errors.map((e) => e.index)).toEqual([1]);
    expect(error.results).toEqual([]);
  });

  it('an infinite async generator stops at the first failure and its return() runs', async () => {
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
    const error = await rejection(
      processParallel(endless(), (n) => (n === 50 ? Promise.reject(new Error('fifty')) : Promise.resolve(n)), { workers: 4 }),
    );
    expect(error.errors.map((e) => e.index)).toEqual([50]);
    expect(closed).toBe(true);
    // It stopped near the failure, not somewhere down an endless input.
    expect(pulls).toBeLessThanOrEqual(50 + 1 + 4);
    expect(error.results.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  // Regression (fixed in 584d081): pulls queued before the stop used to reach the input after it, one by one, and
  // the call could not settle until each of those extra next() calls answered.
  it('failFast with an async input pulls no item after the failure (queued pulls must not run)', async () => {
    const gates = Array.from({ length: 8 }, () => deferred());
    const pulls: number[] = [];
    let closed = false;
    async function* gated(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < gates.length; i++) {
          pulls.push(i);
          await gates[i]?.promise;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const run = watch(processParallel(gated(), (n) => (n === 0 ? Promise.reject(new Error('first item fails')) : Promise.resolve(n)), { workers: 4 }));
    try {
      await flush();
      expect(pulls).toEqual([0]);
      gates[0]?.resolve();
      await flush();
      // Item 0 failed; pull 1 was already running when it did.
      expect(pulls).toEqual([0, 1]);
      gates[1]?.resolve();
      await flush();
      expect(pulls).toEqual([0, 1]);
      expect(run.settled).toBe(true);
      expect(closed).toBe(true);
    } finally {
      for (const gate of gates) gate.resolve();
      await flush();
    }
  });

  it('no item of an async input starts after the fail-fast stop, however close the race', async () => {
    const late = await startsAfterStop((input, fn) => processParallel(input, fn, { workers: 2 }).catch(() => undefined));
    expect(late).toEqual([]);
  });

  it('a sync generator sees no pull after the failure and its return() is called', async () => {
    const source = recordingGenerator();
    const error = await rejection(processParallel(source.items, (n) => (n === 7 ? Promise.reject(new Error('x')) : Promise.resolve(n)), { workers: 1 }));
    expect(source.pulls).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(source.closed()).toBe(true);
    expect(error.results).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('an async input whose next() rejects ends the run with a ParallelError whose cause is that error', async () => {
    const broken = new Error('stream reset');
    let calls = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (calls++ < 3 ? Promise.resolve({ value: calls, done: false }) : Promise.reject(broken)),
      }),
    };
    const error = await rejection(processParallel(input, (n) => Promise.resolve(n), { workers: 1 }));
    expect(error.cause).toBe(broken);
    expect(error.results).toEqual([1, 2, 3]);
  });

  it("an input whose return() throws does not mask the run's own failure", async () => {
    let nexts = 0;
    const input: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => ({ value: nexts++, done: false }),
        return: () => {
          throw new Error('return() broke');
        },
      }),
    };
    const failure = new Error('item failure');
    const error = await rejection(processParallel(input, (n) => (n === 2 ? Promise.reject(failure) : Promise.resolve(n)), { workers: 1 }));
    expect(error.errors.map((e) => e.cause)).toEqual([failure]);
    expect(nexts).toBe(3);
  });

  it('an input that throws rejects with a ParallelError whose cause is the input error', async () => {
    const broken = new Error('disk gone');
    function* items(): Generator<number> {
      yield 1;
      throw broken;
    }
    const error = await rejection(processParallel(items(), (n) => Promise.resolve(n), { workers: 1 }));
    expect(error.cause).toBe(broken);
    expect(error.results).toEqual([1]);
    expect(error.message).toContain('disk gone');
  });

  it.each([2, 2048])('an array element whose read throws is an input failure (workers %i): no item starts after it', async (workers) => {
    const broken = new Error('getter boom');
    const items = [0, 1, 2, 3, 4, 5];
    Object.defineProperty(items, 2, {
      get() {
        throw broken;
      },
    });
    const gates = Array.from({ length: 6 }, () => deferred<void>());
    const started: number[] = [];
    const run = processParallel(items, async (n, { index }) => {
      started.push(index);
      await gates[index]?.promise;
      return n;
    }, { workers });
    await flush();
    for (const gate of gates) gate.resolve();
    const error = await rejection(run);
    expect(error).toBeInstanceOf(ParallelError);
    expect(error.cause).toBe(broken);
    expect(error.message).toContain('the input threw: getter boom');
    expect(started).toEqual([0, 1]);
  });
});

describe('processParallel: the parent signal', () => {
  it('pre-aborted: rejects with ParallelError whose cause is the reason; no item pulled or processed', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled before start');
    controller.abort(reason);
    const source = recordingGenerator();
    let calls = 0;
    const error = await rejection(processParallel(source.items, () => Promise.resolve(calls++), { signal: controller.signal }));
    expect(error.code).toBe('ERR_PARALLEL');
    expect(error.cause).toBe(reason);
    expect(error.errors).toEqual([]);
    expect(error.results).toEqual([]);
    expect(calls).toBe(0);
    expect(source.pulls).toEqual([]);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('pre-aborted, an iterator it obtained is closed again', async () => {
    const controller = new AbortController();
    controller.abort();
    let opened = 0;
    let closed = 0;
    const input: Iterable<number> = {
      [Symbol.iterator]: () => {
        opened++;
        return {
          next: () => ({ value: 1, done: false }),
          return: () => {
            closed++;
            return { value: undefined, done: true };
          },
        };
      },
    };
    await rejection(processParallel(input, (n) => Promise.resolve(n), { signal: controller.signal }));
    expect(closed).toBe(opened);
  });

  it('abort mid-run: rejects with cause = reason after in-flight items settle; no further pull; return() called; no listener left', async () => {
    const controller = new AbortController();
    const source = recordingGenerator();
    const processor = new GatedItems<number>();
    const run = watch(processParallel(source.items, processor.fn, { workers: 2, signal: controller.signal, failFast: false }));
    await flush();
    processor.gate(0).resolve(0);
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(abortListeners(controller.signal)).toBe(1);

    const reason = { reason: 'user' };
    controller.abort(reason);
    expect(processor.signals.get(1)?.reason).toBe(reason);
    await flush();
    expect(run.settled).toBe(false);
    processor.gate(1).resolve(1);
    // An in-flight item rejecting with the abort reason is a cancellation, not a failure.
    processor.gate(2).reject(reason);
    await flush();
    expect(run.rejected).toBe(true);
    const error = run.error as ParallelError;
    expect(error).toBeInstanceOf(ParallelError);
    expect(error.cause).toBe(reason);
    expect(error.results).toEqual([0, 1]);
    expect(error.errors).toEqual([]);
    expect(source.pulls).toEqual([0, 1, 2]);
    expect(source.closed()).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  // An abort must not wait for a pending next() of an async input (a queue, a socket), which may never answer:
  // cancellation stops all workers immediately.
  it('an abort settles the call even while an async input has a next() pending', async () => {
    const controller = new AbortController();
    const arrival = deferred<IteratorResult<number>>();
    let returned = false;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => arrival.promise,
        return: () => {
          returned = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    const run = watch(processParallel(input, (n) => Promise.resolve(n), { workers: 2, signal: controller.signal }));
    try {
      await flush();
      const reason = new Error('user cancelled');
      controller.abort(reason);
      await flush();
      expect(run.rejected).toBe(true);
      expect((run.error as ParallelError).cause).toBe(reason);
      expect(abortListeners(controller.signal)).toBe(0);
    } finally {
      arrival.resolve({ value: undefined, done: true });
      await flush();
    }
    expect(returned).toBe(true);
  });

  it('leaves no listener on the parent after success, after fail-fast, and after a collect-all run', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    await processParallel([1, 2, 3], (n) => Promise.resolve(n), { signal });
    expect(abortListeners(signal)).toBe(0);
    await rejection(processParallel([1, 2, 3], () => Promise.reject(new Error('x')), { signal }));
    expect(abortListeners(signal)).toBe(0);
    await processParallel([1, 2, 3], (n) => (n === 2 ? Promise.reject(new Error('x')) : Promise.resolve(n)), { signal, failFast: false });
    expect(abortListeners(signal)).toBe(0);
  });
});

describe('processParallel: worker count', () => {
  /** Runs `count` items (array or generator) with every processor blocked, and returns how many ran at once. */
  async function peakWorkers(count: number, options: ProcessParallelOptions<number>, lazy = false): Promise<number> {
    const open = deferred();
    let running = 0;
    let peak = 0;
    const items = lazy ? recordingGenerator(count).items : Array.from({ length: count }, (_, i) => i);
    const run = processParallel(
      items,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await open.promise;
        running--;
        return n;
      },
      options,
    );
    await flush();
    const blockedPeak = peak;
    open.resolve();
    const { results } = await run;
    expect(results).toHaveLength(count);
    expect(peak).toBe(blockedPeak);
    return blockedPeak;
  }

  it('defaults to min(availableParallelism() * 2, 16, item count)', async () => {
    cpus.value = 2;
    expect(await peakWorkers(10, {})).toBe(4);
    expect(await peakWorkers(3, {})).toBe(3);
    cpus.value = 5;
    expect(await peakWorkers(40, {})).toBe(10);
    cpus.value = 12;
    expect(await peakWorkers(40, {})).toBe(16);
    expect(await peakWorkers(1, {})).toBe(1);
  });

  it('with an input of unknown length the default is min(availableParallelism() * 2, 16)', async () => {
    cpus.value = 3;
    expect(await peakWorkers(40, {}, true)).toBe(6);
    cpus.value = 64;
    expect(await peakWorkers(40, {}, true)).toBe(16);
  });

  it('counts a Set by its size', async () => {
    cpus.value = 8;
    let running = 0;
    let peak = 0;
    const open = deferred();
    const run = processParallel(new Set([1, 2, 3]), async (n) => {
      running++;
      peak = Math.max(peak, running);
      await open.promise;
      running--;
      return n;
    });
    await flush();
    open.resolve();
    await expect(run).resolves.toMatchObject({ results: [1, 2, 3], resultsByIndex: [1, 2, 3], errors: [] });
    expect(peak).toBe(3);
  });

  it('workerCap bounds only the computed default', async () => {
    cpus.value = 12;
    expect(await peakWorkers(40, { workerCap: 5 })).toBe(5);
    expect(await peakWorkers(40, { workerCap: 100 })).toBe(24);
    expect(await peakWorkers(40, { workerCap: 100 }, true)).toBe(24);
  });

  it('an explicit workers is not capped by workerCap or the default cap of 16', async () => {
    cpus.value = 2;
    expect(await peakWorkers(50, { workers: 40 })).toBe(40);
    expect(await peakWorkers(50, { workers: 30, workerCap: 5 })).toBe(30);
    expect(await peakWorkers(50, { workers: 1 })).toBe(1);
  });
});

describe('processParallel: onProgress', () => {
  it('fires once per success with (completed, total, output); not for failures', async () => {
    const calls: Array<[number, number | undefined, string]> = [];
    const processor = new GatedItems<string>();
    const run = processParallel([0, 1, 2, 3], processor.fn, {
      workers: 4,
      failFast: false,
      onProgress: (completed, total, state) => calls.push([completed, total, state]),
    });
    await flush();
    processor.gate(2).resolve('two');
    await flush();
    expect(calls).toEqual([[1, 4, 'two']]);
    processor.gate(0).reject(new Error('no'));
    processor.gate(3).resolve('three');
    processor.gate(1).resolve('one');
    await run;
    expect(calls).toEqual([
      [1, 4, 'two'],
      [2, 4, 'three'],
      [3, 4, 'one'],
    ]);
  });

  it('reports total undefined for a generator', async () => {
    const totals: Array<number | undefined> = [];
    await processParallel(recordingGenerator(3).items, (n) => Promise.resolve(n), { onProgress: (_c, total) => totals.push(total) });
    expect(totals).toEqual([undefined, undefined, undefined]);
  });

  it('contains an exception thrown by onProgress: the run goes on and resolves', async () => {
    let calls = 0;
    const result = await processParallel([1, 2, 3, 4], (n) => Promise.resolve(n * 2), {
      workers: 2,
      onProgress: () => {
        calls++;
        throw new Error('observer broke');
      },
    });
    expect(result).toMatchObject({ results: [2, 4, 6, 8], errors: [] });
    expect(calls).toBe(4);
  });
});

describe('processParallel: lazy pulling (backpressure)', () => {
  it('holds at most `workers` items pulled ahead of completion', async () => {
    const source = recordingGenerator(30);
    const processor = new GatedItems<number>();
    const run = processParallel(source.items, processor.fn, { workers: 3 });
    await flush();
    expect(source.pulls).toEqual([0, 1, 2]);
    // Settle items in a scrambled order; after each step the input is never more than 3 ahead.
    const order = Array.from({ length: 30 }, (_, i) => i).sort((a, b) => (a * 7) % 11 - (b * 7) % 11 || a - b);
    while (processor.settled.length < 30) {
      const next = order.find((i) => processor.started.includes(i) && !processor.gate(i).settled);
      expect(next).toBeDefined();
      processor.gate(next as number).resolve(next as number);
      await flush();
      expect(source.pulls.length - processor.settled.length).toBeLessThanOrEqual(3);
      expect(processor.running).toBeLessThanOrEqual(3);
    }
    const { results } = await run;
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('an async iterable is pulled one item per free worker, serially, and results keep input order', async () => {
    let inFlightNext = 0;
    let maxInFlightNext = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          async next() {
            inFlightNext++;
            maxInFlightNext = Math.max(maxInFlightNext, inFlightNext);
            await Promise.resolve();
            inFlightNext--;
            return i < 20 ? { value: i++, done: false } : { value: undefined, done: true };
          },
        };
      },
    };
    const { results } = await processParallel(iterable, (n) => Promise.resolve(n * 3), { workers: 5 });
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 3));
    // Async iterators need not support concurrent next() calls.
    expect(maxInFlightNext).toBe(1);
  });
});

describe('processParallel: memory', () => {
  // REGRESSION (584d081, src/core/item-source.ts asyncSource.nextAsync): see parallel-map.test.ts 'flat memory'.
  // Every pulled item of an async input stays reachable until the run stops, not only its output.
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
    let alive = -1;
    const { results } = await processParallel(
      isAsync ? asyncItems() : syncItems(),
      async (item) => {
        if (item.i === 2000) {
          await collectGarbage();
          alive = refs.slice(0, 1000).filter((ref) => ref.deref() !== undefined).length;
        }
        return item.i;
      },
      { workers: 4 },
    );
    expect(results).toHaveLength(3000);
    return alive;
  }

  // A stray stack slot may keep one or two items alive; a leak keeps all 1000 of the first items.
  it('does not retain items it has finished with, only their outputs (sync input)', async () => {
    const alive = await aliveAfterUse(false);
    expect(alive).toBeGreaterThanOrEqual(0);
    expect(alive).toBeLessThan(10);
  });

  it('does not retain items it has finished with, only their outputs (async input)', async () => {
    const alive = await aliveAfterUse(true);
    expect(alive).toBeGreaterThanOrEqual(0);
    expect(alive).toBeLessThan(10);
  });
});

describe('processParallel: stress', () => {
  it('100,000 items at 10,000 workers complete without deadlock, in order', async () => {
    const count = 100_000;
    const items = Array.from({ length: count }, (_, i) => i);
    let running = 0;
    let peak = 0;
    const { results, errors } = await processParallel(
      items,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        running--;
        return n;
      },
      { workers: 10_000 },
    );
    expect(errors).toEqual([]);
    expect(results).toHaveLength(count);
    expect(peak).toBeLessThanOrEqual(10_000);
    for (let i = 0; i < count; i += 997) expect(results[i]).toBe(i);
    expect(results[count - 1]).toBe(count - 1);
  });

  it('100,000 items from an async generator complete without deadlock, in order', async () => {
    const count = 100_000;
    async function* lazy(): AsyncGenerator<number> {
      for (let i = 0; i < count; i++) yield await Promise.resolve(i);
    }
    const { results } = await processParallel(lazy(), (n) => Promise.resolve(n * 2), { workers: 256 });
    expect(results).toHaveLength(count);
    for (let i = 0; i < count; i += 991) expect(results[i]).toBe(i * 2);
  });

  it('1,000,000 items from a lazy sync generator complete without deadlock', async () => {
    const count = 1_000_000;
    let pulled = 0;
    function* lazy(): Generator<number> {
      for (let i = 0; i < count; i++) {
        pulled++;
        yield i;
      }
    }
    let sum = 0;
    const { results } = await processParallel(
      lazy(),
      (n) => {
        sum += n;
        return Promise.resolve(n);
      },
      { workers: 64 },
    );
    expect(pulled).toBe(count);
    expect(results).toHaveLength(count);
    expect(sum).toBe((count * (count - 1)) / 2);
    expect(results[0]).toBe(0);
    expect(results[count - 1]).toBe(count - 1);
  });
});

describe('processParallel: argument errors', () => {
  const run = (items: unknown, processor: unknown, options?: unknown) =>
    processParallel(items as number[], processor as () => Promise<number>, options as ProcessParallelOptions<number>);
  const ok = () => Promise.resolve(1);

  it.each([
    [{ workers: 0 }, 'options.workers must be an integer >= 1 or Infinity, received 0'],
    [{ workers: 1.5 }, 'options.workers must be an integer >= 1 or Infinity, received 1.5'],
    [{ workers: '2' }, 'options.workers must be an integer >= 1 or Infinity, received "2"'],
    [{ workers: Number.NaN }, 'options.workers must be an integer >= 1 or Infinity, received NaN'],
    [{ workerCap: 0 }, 'options.workerCap must be an integer >= 1 or Infinity, received 0'],
    [{ failFast: 'yes' }, 'options.failFast must be a boolean, received "yes"'],
    [{ onProgress: 5 }, 'options.onProgress must be a function, received 5'],
    [{ signal: 'stop' }, 'options.signal must be an AbortSignal or undefined, received "stop"'],
  ])('%j is a TypeError: %s', async (options, message) => {
    await expect(run([1], ok, options)).rejects.toThrow(new TypeError(message));
  });

  // Regression (fixed in 584d081): with a pre-aborted signal, bad `items` used to reject with ParallelError.
  it('non-iterable items is a TypeError even when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run(42, ok, { signal: controller.signal })).rejects.toThrow(TypeError);
  });

  it('a processor that is not a function is a TypeError naming it', async () => {
    await expect(run([1], 42)).rejects.toThrow(new TypeError('processor must be a function, received 42'));
    // A string is taken for a worker module, which must be a file: URL or an absolute path.
    await expect(run([1], 'fn')).rejects.toThrow(
      new TypeError('processor must be a function, or a worker module as a file: URL or an absolute path, received "fn"'),
    );
  });

  it.each([[42], [null], [undefined], [{}]])('items %s (not iterable) is a TypeError naming items', async (items) => {
    await expect(run(items, ok)).rejects.toThrow(TypeError);
    await expect(run(items, ok)).rejects.toThrow(/^items must be an iterable or async iterable, received /);
  });
});
