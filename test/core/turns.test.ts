import { describe, expect, it } from 'vitest';
import { parallelMap } from '../../src/core/parallel-map.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runWithConcurrency } from '../../src/core/run-with-concurrency.js';
import { TURN_BATCH_MIN_WORKERS } from '../../src/core/turns.js';

// Wide pools restart their workers once per event-loop turn when tasks settle in macrotasks of their own. These tests
// pin what must not change with that: every task runs once, results keep input order, fail-fast starts nothing new,
// and tasks that settle at once never wait for a turn.
const WIDE = TURN_BATCH_MIN_WORKERS * 2;
const immediate = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(resolve, value));

async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield await Promise.resolve(i);
}

/** Counts the event-loop turns (immediates) that pass until `promise` settles. */
async function turnsUntil<T>(promise: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await promise;
  done = true;
  return { value, turns };
}

/**
 * A checkpoint number as the engine sees it: each call returns the current one, which changes once the microtask
 * queue has drained after a call.
 */
function checkpointCounter(): () => number {
  let checkpoint = 0;
  let pending = false;
  return () => {
    if (!pending) {
      pending = true;
      process.nextTick(() => {
        checkpoint++;
        pending = false;
      });
    }
    return checkpoint;
  };
}

describe('wide pools batch their restarts by turn', () => {
  it('runWithConcurrency: every task of a wide pool runs once, in order, with per-task closures awaiting setImmediate', async () => {
    const n = WIDE * 3 + 7;
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: n }, (_, i) => async () => {
      running++;
      peak = Math.max(peak, running);
      await immediate(undefined);
      running--;
      return i;
    });
    const result = await runWithConcurrency({ tasks, maxConcurrency: WIDE, isFailed: () => false });
    expect(result.results).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(result.errors).toEqual([]);
    expect(peak).toBe(WIDE);
  });

  it('runWithConcurrency: a failure in a wide pool starts nothing new, even in the turn that is being batched', async () => {
    const n = WIDE * 4;
    const started: number[] = [];
    const tasks = Array.from({ length: n }, (_, i) => async () => {
      started.push(i);
      await immediate(undefined);
      return i === 5 ? -1 : i;
    });
    const result = await runWithConcurrency({ tasks, maxConcurrency: WIDE, isFailed: (v) => v < 0 });
    expect(result.firstFailureIndex).toBe(5);
    // The first wave only: the failure settled in that wave's turn, before any restart.
    expect(started.length).toBe(WIDE);
  });

  it('runWithConcurrency: tasks that settle at once (no macrotask) never wait for a turn', async () => {
    const n = WIDE * 50;
    const tasks = new Array(n).fill(() => Promise.resolve(1)) as Array<() => Promise<number>>;
    const { value, turns } = await turnsUntil(runWithConcurrency({ tasks, maxConcurrency: WIDE, isFailed: () => false }));
    expect(value.results.length).toBe(n);
    expect(turns).toBe(0);
  });

  it('runWithConcurrency: macrotask tasks restart together, one microtask checkpoint per wave, not one per task', async () => {
    const mark = checkpointCounter();
    const waves = 4;
    const startedIn = new Set<number>();
    const tasks = Array.from({ length: WIDE * waves }, (_, i) => () => {
      startedIn.add(mark());
      return immediate(i);
    });
    const result = await runWithConcurrency({ tasks, maxConcurrency: WIDE, isFailed: () => false });
    expect(result.results.length).toBe(WIDE * waves);
    // Restarting inside each settlement would start every task in a checkpoint of its own (thousands).
    expect(startedIn.size).toBeLessThanOrEqual(waves * 2);
  });

  it('processParallel: a wide pool over per-item closures keeps input order and runs every item once', async () => {
    const n = WIDE * 2 + 3;
    const seen = new Uint8Array(n);
    const { results, errors } = await processParallel(
      Array.from({ length: n }, (_, i) => i),
      async (item) => {
        seen[item]! += 1;
        await immediate(undefined);
        return item * 2;
      },
      { workers: WIDE },
    );
    expect(errors).toEqual([]);
    expect(results).toEqual(Array.from({ length: n }, (_, i) => i * 2));
    expect([...seen].every((count) => count === 1)).toBe(true);
  });

  it.each([
    ['an iterable', false],
    ['an async iterable', true],
  ])('processParallel: fail-fast in a wide pool over %s pulls nothing after the failing wave, and ends', async (_, isAsync) => {
    const n = WIDE * 4;
    let pulled = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; i < n; i++) {
        pulled++;
        yield i;
      }
    }
    async function* later(): AsyncGenerator<number> {
      for (const i of numbers()) yield await Promise.resolve(i);
    }
    await expect(
      processParallel(
        isAsync ? later() : numbers(),
        async (item) => {
          await immediate(undefined);
          if (item === 3) throw new Error('boom');
          return item;
        },
        { workers: WIDE },
      ),
    ).rejects.toThrow();
    expect(pulled).toBe(WIDE);
  });

  describe('every API restarts a wide pool of macrotask tasks together, one microtask checkpoint per wave', () => {
    const waves = 4;
    const n = WIDE * waves;
    const runs: Record<string, (task: (i: number) => Promise<number>) => Promise<number>> = {
      'runWithConcurrency without isFailed': async (task) =>
        (await runWithConcurrency({ tasks: Array.from({ length: n }, (_, i) => () => task(i)), maxConcurrency: WIDE })).results.length,
      'processParallel over an array': async (task) =>
        (await processParallel(Array.from({ length: n }, (_, i) => i), task, { workers: WIDE })).results.length,
      'processParallel over an async iterable': async (task) => {
        const { results } = await processParallel(asyncRange(n), task, { workers: WIDE });
        expect(results).toEqual(Array.from({ length: n }, (_, i) => i));
        return results.length;
      },
      'parallelMap over an async iterable': async (task) => {
        let count = 0;
        for await (const _ of parallelMap(asyncRange(n), task, { concurrency: WIDE })) count++;
        return count;
      },
      'parallelMap, ordered': async (task) => {
        let count = 0;
        for await (const _ of parallelMap(Array.from({ length: n }, (_, i) => i), task, { concurrency: WIDE })) count++;
        return count;
      },
    };
    for (const [name, run] of Object.entries(runs)) {
      it(name, async () => {
        const mark = checkpointCounter();
        const startedIn = new Set<number>();
        const count = await run((i) => {
          startedIn.add(mark());
          return immediate(i);
        });
        expect(count).toBe(n);
        expect(startedIn.size).toBeLessThanOrEqual(waves * 2);
      });
    }
  });
});
