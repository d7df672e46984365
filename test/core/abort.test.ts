import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ParallelError, isAbortOf, parallelMap, processParallel, runGraph } from 'fanout';
import { ChainError, processChain, runPipeline } from 'fanout/pipeline';
import type { ObservedEvent } from 'fanout';

/**
 * Node's own abortable APIs, each given a signal: they reject with a new `AbortError` whose `cause` is the signal's
 * reason, never with the reason itself. `pending` starts them before the abort, `late` after it.
 */
const nodeApis: Record<string, (signal: AbortSignal) => Promise<unknown>> = {
  'fs.promises.readFile': (signal) => readFile(new URL(import.meta.url), { signal }),
  'timers/promises setTimeout': (signal) => sleep(1_000_000, undefined, { signal }),
  'events.once': (signal) => once(new EventEmitter(), 'never', { signal }),
  'stream.promises.pipeline': (signal) =>
    pipeline(new Readable({ read() {} }), new Writable({ write: (_c, _e, done) => done() }), { signal }),
  'stream.promises.finished': (signal) => finished(new PassThrough(), { signal }),
};

/** Resolves once `signal` aborts (without using any of the APIs under test). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

describe('isAbortOf: one rule for "this rejection is the abort"', () => {
  for (const [name, call] of Object.entries(nodeApis)) {
    it(`${name}: the AbortError it rejects with is the abort, before and after the call started`, async () => {
      const reason = new Error('user cancelled');
      const running = new AbortController();
      const pending = call(running.signal).catch((error: unknown) => error);
      running.abort(reason);
      const early = await pending;
      expect(early).not.toBe(reason); // the point: Node wraps the reason
      expect(isAbortOf(early, running.signal)).toBe(true);

      const before = AbortSignal.abort(reason);
      const late = await call(before).catch((error: unknown) => error);
      expect(isAbortOf(late, before)).toBe(true);
      // The same error is not the abort of another signal, aborted with another reason.
      expect(isAbortOf(late, AbortSignal.abort(new Error('other')))).toBe(false);
    });
  }

  it('the reason itself is the abort; an error thrown for another reason, or before the abort, is not', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    expect(isAbortOf(reason, controller.signal)).toBe(false); // not aborted yet
    controller.abort(reason);
    expect(isAbortOf(reason, controller.signal)).toBe(true);
    expect(isAbortOf(new Error('boom'), controller.signal)).toBe(false);
    // Named AbortError but caused by something else: a failure of its own.
    const foreign = Object.assign(new Error('aborted', { cause: new Error('elsewhere') }), { name: 'AbortError' });
    expect(isAbortOf(foreign, controller.signal)).toBe(false);
    // A cause cycle ends.
    const loop = Object.assign(new Error('loop'), { name: 'AbortError' });
    (loop as { cause?: unknown }).cause = loop;
    expect(isAbortOf(loop, controller.signal)).toBe(false);
    // A primitive reason.
    expect(isAbortOf('why', AbortSignal.abort('why'))).toBe(true);
  });
});

describe('every entry point counts Node AbortErrors of its stop as cancelled', () => {
  for (const [name, call] of Object.entries(nodeApis)) {
    it(`processParallel, fail-fast: siblings cancelled through ${name} are neither errors nor in the summary`, async () => {
      const boom = new Error('boom');
      const error: unknown = await processParallel(
        [0, 1, 2, 3],
        async (n, { signal }) => {
          if (n === 3) {
            await Promise.resolve();
            throw boom;
          }
          if (n === 0) await aborted(signal); // started after the stop
          return call(signal); // 1, 2: in flight at the stop
        },
        { workers: 4 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParallelError);
      const parallel = error as ParallelError<number, unknown>;
      expect(parallel.errors.map((e) => e.index)).toEqual([3]);
      expect(parallel.message).toBe("parallel execution failed: 1 item failed with 1 error type: 'boom' (1 item)");
    });

    it(`processParallel, user abort: items cancelled through ${name} are not failures, and the observer says cancelled`, async () => {
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const events: ObservedEvent[] = [];
      const run = processParallel([0, 1], (_n, { signal }) => call(signal), {
        signal: controller.signal,
        observer: { onEvent: (event) => events.push(event) },
      }).catch((e: unknown) => e);
      await Promise.resolve();
      controller.abort(reason);
      const error = (await run) as ParallelError;
      expect(error.cause).toBe(reason);
      expect(error.errors).toEqual([]);
      const ends = events.flatMap((e) => (e.type === 'task:end' ? [e.outcome.status] : []));
      expect(ends).toEqual(['cancelled', 'cancelled']);
    });

    it(`processChain rejects with the reason, not a ChainError, when its step is cancelled through ${name}`, async () => {
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const events: ObservedEvent[] = [];
      const run = processChain([1], (_s: number, _n: number, { signal }) => call(signal).then(() => 0), {
        initialState: 0,
        signal: controller.signal,
        observer: { onEvent: (event) => events.push(event) },
      }).catch((e: unknown) => e);
      await Promise.resolve();
      controller.abort(reason);
      const error = await run;
      expect(error).not.toBeInstanceOf(ChainError);
      expect(error).toBe(reason);
      expect(events.flatMap((e) => (e.type === 'task:end' ? [e.outcome.status] : []))).toEqual(['cancelled']);
    });

    it(`parallelMap throws the failure, not the AbortError of a sibling cancelled through ${name}`, async () => {
      const boom = new Error('boom');
      const iteration = (async () => {
        for await (const _ of parallelMap([0, 1], async (n, { signal }) => (n === 1 ? Promise.reject(boom) : call(signal)), { concurrency: 2 })) {
          // nothing is yielded
        }
      })();
      await expect(iteration).rejects.toMatchObject({ code: 'ERR_TASK', index: 1, cause: boom });
    });

    it(`runPipeline: a sibling cancelled through ${name} is 'cancelled' for observers, a failure after the stop is not`, async () => {
      const events: ObservedEvent[] = [];
      const result = await runPipeline({
        workspace: false,
        steps: [{ type: 'parallel', name: 'fan', createTasks: () => [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }],
        executor: {
          async execute(task, { signal }) {
            if (task.id === 'a') {
              await Promise.resolve();
              return { status: 'failed', error: new Error('boom') };
            }
            if (task.id === 'b') return call(signal).then(() => ({ status: 'completed' as const }));
            await aborted(signal);
            throw new Error('disk full while cleaning up'); // a failure of its own, after the stop
          },
        },
        observer: { onEvent: (event) => events.push(event) },
      });
      expect(result.error).toMatchObject({ code: 'STEP_FAILED', taskId: 'a' });
      const ends = Object.fromEntries(events.flatMap((e) => (e.type === 'task:end' ? [[e.id, e.outcome.status]] : [])));
      expect(ends).toEqual({ a: 'failed', b: 'cancelled', c: 'failed' });
    });

    it(`runGraph, 'kill': a task cancelled through ${name} is 'cancelled', a failure of its own before the stop is not`, async () => {
      const result = await runGraph(
        [
          {
            id: 'a',
            run: async () => {
              await Promise.resolve();
              throw new Error('boom');
            },
          },
          { id: 'b', run: ({ signal }) => call(signal) },
          {
            id: 'c',
            run: async () => {
              await Promise.resolve();
              throw new Error('disk full'); // a failure of its own, queued behind the one that stops the run
            },
          },
        ],
        { failFast: 'kill', maxParallel: 3 },
      );
      expect(result.results.map((r) => [r.id, r.status])).toEqual([['a', 'failed'], ['b', 'cancelled'], ['c', 'failed']]);
    });
  }
});
