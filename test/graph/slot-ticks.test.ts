import { describe, expect, it } from 'vitest';
import { compileGraph, runGraph } from '../../src/graph/scheduler.js';
import type { GraphTask } from '../../src/graph/types.js';

/** Counts microtask turns from its creation: a turn is one queued microtask of its own running. */
function ticker(): { readonly count: number; stop: () => void } {
  let count = 0;
  let on = true;
  const step = (): void => {
    if (!on) return;
    count++;
    queueMicrotask(step);
  };
  queueMicrotask(step);
  return {
    get count() {
      return count;
    },
    stop: () => (on = false),
  };
}

/** What a task's `run` may give back, each a different way for `await` to take it. */
const kinds: Record<string, () => unknown> = {
  'a plain value': () => 1,
  'a resolved promise': () => Promise.resolve(1),
  'a rejected promise': () => Promise.reject(new Error('no')),
  'a promise resolved later in a chain': () => Promise.resolve(1).then((v) => v + 1),
  'an async function': async () => {
    await Promise.resolve();
    return 1;
  },
  'a thenable': () => ({ then: (resolve: (value: number) => void) => resolve(1) }),
  'a thenable that rejects': () => ({ then: (_: unknown, reject: (error: unknown) => void) => reject(new Error('no')) }),
};

/** Microtask turns between a value being returned and the end of an `await` of it. */
async function awaitTicks(make: () => unknown): Promise<number> {
  let clock: ReturnType<typeof ticker> | undefined;
  const done = (async () => {
    clock = ticker();
    try {
      await make();
    } catch {
      // the same turns as a value
    }
    return clock.count;
  })();
  const ticks = await done;
  clock?.stop();
  return ticks;
}

/** An error without a stack: a thrown Error would record 200 frames each time. */
class ThrownCheaply extends Error {
  constructor(readonly index: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`task ${index}`);
    Error.stackTraceLimit = limit;
  }
}

describe('a slot waits for its task as `await` would', () => {
  for (const [kind, make] of Object.entries(kinds)) {
    it(`starts the next task as many microtask turns after ${kind} as an await takes`, async () => {
      const expected = await awaitTicks(make);
      let clock: ReturnType<typeof ticker> | undefined;
      let startedAt = -1;
      const tasks: GraphTask<unknown>[] = [
        {
          id: 'first',
          run: () => {
            clock = ticker();
            return make();
          },
        },
        { id: 'next', run: () => (startedAt = clock?.count ?? -2) },
      ];
      for (const run of [() => runGraph(tasks, { maxParallel: 1 }), () => compileGraph(tasks).run({ maxParallel: 1 })]) {
        startedAt = -1;
        const result = await run();
        clock?.stop();
        expect(result.results.map((r) => r.status)).toEqual([kind.includes('reject') ? 'failed' : 'passed', 'passed']);
        expect(startedAt).toBe(expected);
      }
    });
  }

  it('ignores a `then` of its own on a native promise a task returns, as await does: it cannot end other tasks or hold the slot', async () => {
    const twice = Object.defineProperty(Promise.resolve(1), 'then', {
      value: (onValue: (value: unknown) => void, onError: (error: unknown) => void) => {
        onValue('first');
        onValue('second');
        onError(new Error('third'));
      },
    });
    const never = Object.defineProperty(Promise.resolve(2), 'then', { value: () => undefined });
    for (const returned of [twice, never]) {
      const tasks: GraphTask<unknown>[] = [
        { id: 'a', run: () => returned },
        { id: 'b', run: () => new Promise((resolve) => setTimeout(() => resolve('b'), 20)) },
        { id: 'c', run: () => 'c' },
      ];
      for (const run of [() => runGraph(tasks, { maxParallel: 1 }), () => compileGraph(tasks).run({ maxParallel: 1 })]) {
        const result = await run();
        expect(result.results.map((r) => [r.id, r.status, r.status === 'passed' ? r.value : undefined])).toEqual([
          ['a', 'passed', returned === twice ? 1 : 2],
          ['b', 'passed', 'b'],
          ['c', 'passed', 'c'],
        ]);
      }
    }
  });

  it('runs a long series of tasks that throw synchronously in one slot without growing the stack', async () => {
    const n = 5000;
    const depths: number[] = [];
    const tasks: GraphTask<never>[] = Array.from({ length: n }, (_, i) => ({
      id: `t${i}`,
      run: () => {
        depths.push(new Error().stack?.split('\n').length ?? 0);
        throw new ThrownCheaply(i);
      },
    }));
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200; // deep enough to see a stack that grows by a frame or more per task
    try {
      const result = await compileGraph(tasks).run({ maxParallel: 1 });
      expect(result.results.filter((r) => r.status === 'failed')).toHaveLength(n);
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(depths).toHaveLength(n);
    expect(Math.max(...depths)).toBeLessThanOrEqual(depths[0]! + 2);
  });
});
