import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../src/common/errors.js';
import type { ObservedEvent } from '../../src/observe/types.js';
import { ChainError, processChain } from '../../src/pipeline/chain.js';
import { deferred, flush } from '../helpers/deferred.js';

describe('processChain', () => {
  it('folds items in order, each step receiving the previous state, and returns the final state and every step', async () => {
    const calls: Array<[string, string, number]> = [];
    const result = await processChain(
      ['a', 'b', 'c'],
      async (state: string, item: string, { index }) => {
        calls.push([state, item, index]);
        await Promise.resolve();
        return state + item;
      },
      { initialState: '>' },
    );
    expect(calls).toEqual([
      ['>', 'a', 0],
      ['>a', 'b', 1],
      ['>ab', 'c', 2],
    ]);
    expect(result.finalState).toBe('>abc');
    expect(result.steps.map(({ index, item, state }) => ({ index, item, state }))).toEqual([
      { index: 0, item: 'a', state: '>a' },
      { index: 1, item: 'b', state: '>ab' },
      { index: 2, item: 'c', state: '>abc' },
    ]);
    expect(result.steps.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('never runs two steps at once, even with a slow step', async () => {
    const gates = [deferred<number>(), deferred<number>()];
    let running = 0;
    let peak = 0;
    const run = processChain([0, 1], async (sum: number, i: number) => {
      running++;
      peak = Math.max(peak, running);
      const n = await (gates[i] as { promise: Promise<number> }).promise;
      running--;
      return sum + n;
    }, { initialState: 0 });
    await flush();
    expect(running).toBe(1);
    gates[0]?.resolve(5);
    await flush();
    gates[1]?.resolve(7);
    expect((await run).finalState).toBe(12);
    expect(peak).toBe(1);
  });

  it('returns the initial state for no items, and accepts sync steps', async () => {
    expect(await processChain([], (s: number) => s + 1, { initialState: 41 })).toEqual({ finalState: 41, steps: [] });
    expect((await processChain(new Set([1, 2]), (s: number, n: number) => s * 10 + n, { initialState: 0 })).finalState).toBe(12);
  });

  it('pulls a lazy async input one item at a time', async () => {
    const pulled: number[] = [];
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 3; i++) {
        pulled.push(i);
        await Promise.resolve();
        yield i;
      }
    }
    const seenPulled: number[][] = [];
    const result = await processChain(source(), (s: number, n: number) => {
      seenPulled.push([...pulled]);
      return s + n;
    }, { initialState: 0 });
    expect(seenPulled).toEqual([[0], [0, 1], [0, 1, 2]]);
    expect(result.finalState).toBe(3);
  });

  it('reports progress after each step with the count, the total when known, and the new state; contains its throw', async () => {
    const progress: Array<[number, number | undefined, number]> = [];
    await processChain([1, 2, 3], (s: number, n: number) => s + n, {
      initialState: 0,
      onProgress: (completed, total, state) => {
        progress.push([completed, total, state]);
        throw new Error('progress bar bug');
      },
    });
    expect(progress).toEqual([
      [1, 3, 1],
      [2, 3, 3],
      [3, 3, 6],
    ]);
  });

  it('stops at a failing step with a TaskError naming the item index, the last good state and the completed steps', async () => {
    const cause = new Error('parse error');
    let closed = false;
    function* items(): Generator<string> {
      try {
        yield 'x';
        yield 'bad';
        yield 'never';
      } finally {
        closed = true;
      }
    }
    const seen: string[] = [];
    const error: unknown = await processChain(items(), (state: string[], item: string) => {
      seen.push(item);
      if (item === 'bad') throw cause;
      return [...state, item];
    }, { initialState: [] as string[] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toBeInstanceOf(ChainError);
    const chainError = error as ChainError<string, string[]>;
    expect(chainError).toMatchObject({ code: 'ERR_TASK', index: 1, item: 'bad', cause, state: ['x'], message: 'item 1 failed: parse error' });
    expect(chainError.steps.map((s) => s.item)).toEqual(['x']);
    expect(seen).toEqual(['x', 'bad']);
    expect(closed).toBe(true);
  });

  it('an abort stops the chain before the next step and rejects with the reason; the running step sees the signal', async () => {
    const controller = new AbortController();
    const gate = deferred<number>();
    const signals: AbortSignal[] = [];
    const steps: number[] = [];
    const run = processChain([1, 2, 3], async (s: number, n: number, { signal }) => {
      steps.push(n);
      signals.push(signal);
      if (n === 1) return gate.promise;
      return s + n;
    }, { initialState: 0, signal: controller.signal });
    await flush();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(signals[0]?.aborted).toBe(true);
    gate.resolve(1);
    await expect(run).rejects.toBe(reason);
    expect(steps).toEqual([1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('treats a step rejecting with the abort reason as the abort, and a pre-aborted signal runs nothing', async () => {
    const controller = new AbortController();
    const run = processChain([1], (_s: number, _n: number, { signal }) => {
      controller.abort(new Error('cancel'));
      throw signal.reason;
    }, { initialState: 0, signal: controller.signal });
    await expect(run).rejects.not.toBeInstanceOf(TaskError);
    let called = false;
    await expect(
      processChain([1], () => ((called = true), 0), { initialState: 0, signal: AbortSignal.abort(new Error('early')) }),
    ).rejects.toThrow('early');
    expect(called).toBe(false);
  });

  it('emits chain events to an observer, and an observer that throws changes nothing', async () => {
    const events: ObservedEvent[] = [];
    await processChain([1, 2], (s: number, n: number) => s + n, { initialState: 0, observer: { onEvent: (e) => events.push(e) } });
    expect(events.map((e) => (e.type === 'task:end' ? `${e.type} ${e.id} ${e.outcome.status}` : e.type))).toEqual([
      'graph:start',
      'task:start',
      'task:end 0 passed',
      'task:start',
      'task:end 1 passed',
      'graph:end',
    ]);
    expect(events[0]).toMatchObject({ source: 'chain', taskCount: 2 });
    const failing: ObservedEvent[] = [];
    await processChain([1], () => Promise.reject(new Error('x')), { initialState: 0, observer: { onEvent: (e) => failing.push(e) } }).catch(() => {});
    expect(failing.at(-2)).toMatchObject({ type: 'task:end', outcome: { status: 'failed' } });
    expect(failing.at(-1)).toMatchObject({ type: 'graph:end', result: { ok: false, aborted: false } });
    const result = await processChain([1, 2], (s: number, n: number) => s + n, {
      initialState: 0,
      observer: {
        onEvent() {
          throw new Error('observer bug');
        },
      },
    });
    expect(result.finalState).toBe(3);
  });

  it('rejects bad arguments with TypeErrors naming them', async () => {
    await expect(processChain([1], 'nope' as never, { initialState: 0 })).rejects.toThrow('step must be a function, received "nope"');
    await expect(processChain([1], (s: number) => s, {} as never)).rejects.toThrow('options.initialState must be present');
    await expect(processChain(5 as never, (s: number) => s, { initialState: 0 })).rejects.toThrow('items must be an iterable');
  });
});

describe('processChain: abort while an async input is waiting', () => {
  it('rejects with the reason at once, closes the input and leaves no listener', async () => {
    const controller = new AbortController();
    let returned = false;
    let nexts = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (nexts++ === 0 ? Promise.resolve({ value: 1, done: false }) : new Promise<IteratorResult<number>>(() => undefined)),
        return: () => {
          returned = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    const run = processChain(input, (state: number, item: number) => state + item, { initialState: 0, signal: controller.signal });
    const settled = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await settled).toBe(reason);
    expect(returned).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
