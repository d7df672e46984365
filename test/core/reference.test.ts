/**
 * The pools are callback-driven loops with refills batched by turn in wide pools. These properties hold them to a
 * plain reference (a sequential map with try/catch) for every way a task can settle: a plain value, a synchronous
 * throw, a resolved or rejected promise, one that settles in a later macrotask, a foreign thenable, a thenable whose
 * `then` getter throws. Results, their order, the errors and their indexes must be identical whatever the
 * concurrency, including pools wide enough to batch their refills by turn.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParallelError, TaskError } from '../../src/common/errors.js';
import { parallelMap } from '../../src/core/parallel-map.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runWithConcurrency } from '../../src/core/run-with-concurrency.js';
import { TURN_BATCH_MIN_WORKERS } from '../../src/core/turns.js';

type How = 'value' | 'throw' | 'resolved' | 'rejected' | 'later' | 'laterReject' | 'thenable' | 'badThen';
const FAILING = new Set<How>(['throw', 'rejected', 'laterReject', 'badThen']);
const howArb = fc.constantFrom<How>('value', 'resolved', 'later', 'later', 'thenable', 'throw', 'rejected', 'laterReject', 'badThen');

/** The task for item `i` settling as `how`: value `i * 10`, or an Error named after `i`. */
function settle(how: How, i: number): unknown {
  const error = new Error(`item ${i}`);
  switch (how) {
    case 'value':
      return i * 10;
    case 'throw':
      throw error;
    case 'resolved':
      return Promise.resolve(i * 10);
    case 'rejected':
      return Promise.reject(error);
    case 'later':
      return new Promise((resolve) => setImmediate(resolve, i * 10));
    case 'laterReject':
      return new Promise((_, reject) => setImmediate(reject, error));
    case 'thenable':
      return { then: (resolve: (v: number) => void) => setImmediate(() => resolve(i * 10)) };
    case 'badThen':
      return Object.defineProperty({}, 'then', {
        get() {
          throw error;
        },
      });
  }
}

/** The reference: every item in order, one at a time. */
function reference(hows: How[]): { byIndex: Array<number | undefined>; failed: number[] } {
  return {
    byIndex: hows.map((how, i) => (FAILING.has(how) ? undefined : i * 10)),
    failed: hows.flatMap((how, i) => (FAILING.has(how) ? [i] : [])),
  };
}

const narrow = fc.record({
  hows: fc.array(howArb, { maxLength: 40 }),
  limit: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(Number.POSITIVE_INFINITY)),
});
/** Wide pools: more tasks than TURN_BATCH_MIN_WORKERS, all in flight at once, refilled by turn. */
const wide = fc.record({
  hows: fc.array(howArb, { minLength: TURN_BATCH_MIN_WORKERS + 1, maxLength: TURN_BATCH_MIN_WORKERS * 2 + 50 }),
  limit: fc.integer({ min: TURN_BATCH_MIN_WORKERS, max: TURN_BATCH_MIN_WORKERS + 40 }),
});

describe('the pools agree with a sequential reference', () => {
  for (const [name, arb, runs] of [
    ['narrow', narrow, 150],
    ['wide', wide, 6],
  ] as const) {
    it(`processParallel, collect-all, array and sync iterable and async iterable (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, fc.constantFrom('array', 'sync', 'async'), async ({ hows, limit }, input) => {
          const items = hows.map((_, i) => i);
          const source =
            input === 'array'
              ? items
              : input === 'sync'
                ? (function* () {
                    yield* items;
                  })()
                : (async function* () {
                    for (const item of items) yield await Promise.resolve(item);
                  })();
          let running = 0;
          let peak = 0;
          const result = await processParallel(
            source,
            (i: number) => {
              running++;
              peak = Math.max(peak, running);
              let out: unknown;
              try {
                out = settle(hows[i] as How, i);
              } catch (error) {
                running--;
                throw error;
              }
              return Promise.resolve(out as number).finally(() => running--);
            },
            { workers: limit, failFast: false },
          );
          const ref = reference(hows);
          expect(result.resultsByIndex).toEqual(ref.byIndex);
          expect(result.results).toEqual(ref.byIndex.filter((v) => v !== undefined));
          expect(result.errors.map((e) => e.index)).toEqual(ref.failed);
          for (const error of result.errors) {
            expect(error).toBeInstanceOf(TaskError);
            expect((error.cause as Error).message).toBe(`item ${error.index}`);
          }
          expect(result.summary.failed).toBe(ref.failed.length);
          expect(peak).toBeLessThanOrEqual(limit);
        }),
        { numRuns: runs },
      );
    });

    it(`runWithConcurrency: without failures identical to the reference; with them a fail-fast prefix of it (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, async ({ hows, limit }) => {
          const called: number[] = [];
          const tasks = hows.map((how, i) => () => {
            called.push(i);
            return settle(how, i);
          });
          const result = await runWithConcurrency({ tasks, maxConcurrency: limit });
          const ref = reference(hows);
          // Tasks start in input order and each once: the started ones are a prefix.
          expect(called).toEqual(called.map((_, i) => i));
          const started = called.length;
          if (ref.failed.length === 0) {
            expect(started).toBe(hows.length);
            expect(result.resultsByIndex).toEqual(ref.byIndex);
            expect(result.results).toEqual(ref.byIndex);
            expect(result.firstFailureIndex).toBeNull();
            expect(result.errors).toEqual([]);
            return;
          }
          expect(ref.failed).toContain(result.firstFailureIndex);
          const failedStarted = ref.failed.filter((i) => i < started);
          // Every started failing task is an error (the tasks here ignore their signal, so none is cancelled).
          expect(result.errors.map((e) => e.index)).toEqual(failedStarted);
          for (const { index, error } of result.errors) expect((error as Error).message).toBe(`item ${index}`);
          expect(result.cancelled).toEqual([]);
          const expectedByIndex = ref.byIndex.map((v, i) => (i < started ? v : undefined));
          expect(result.resultsByIndex).toEqual(expectedByIndex);
          expect(result.results).toEqual(ref.byIndex.slice(0, started).filter((v) => v !== undefined));
        }),
        { numRuns: runs },
      );
    });

    it(`parallelMap: without failures the reference's outputs in order; with them a prefix, then the TaskError of a failing item (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, fc.boolean(), async ({ hows, limit }, ordered) => {
          const items = hows.map((_, i) => i);
          const ref = reference(hows);
          const outputs: number[] = [];
          let thrown: unknown;
          try {
            for await (const out of parallelMap(items, (i: number) => settle(hows[i] as How, i) as number, { concurrency: limit, ordered })) {
              outputs.push(out);
            }
          } catch (error) {
            thrown = error;
          }
          const expected = ref.byIndex.filter((v) => v !== undefined);
          if (ref.failed.length === 0) {
            expect(thrown).toBeUndefined();
            expect(ordered ? outputs : [...outputs].sort((a, b) => a - b)).toEqual(expected);
            return;
          }
          expect(thrown).toBeInstanceOf(TaskError);
          expect(ref.failed).toContain((thrown as TaskError).index);
          if (ordered) {
            expect(outputs).toEqual(expected.slice(0, outputs.length));
            // Ordered outputs never pass a failed item.
            expect(outputs.every((v) => v / 10 < (ref.failed[0] as number))).toBe(true);
          } else for (const v of outputs) expect(expected).toContain(v);
        }),
        { numRuns: runs },
      );
    });
  }

  it('processParallel fail-fast rejects with a ParallelError naming only failing items', async () => {
    await fc.assert(
      fc.asyncProperty(narrow, async ({ hows, limit }) => {
        const ref = reference(hows);
        const run = processParallel(hows.map((_, i) => i), (i: number) => settle(hows[i] as How, i) as number, { workers: limit });
        if (ref.failed.length === 0) {
          expect((await run).resultsByIndex).toEqual(ref.byIndex);
          return;
        }
        const error = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ParallelError);
        const indexes = (error as ParallelError<number, number>).errors.map((e) => e.index);
        expect(indexes.length).toBeGreaterThan(0);
        for (const i of indexes) expect(ref.failed).toContain(i);
        for (const [i, v] of (error as ParallelError<number, number>).resultsByIndex.entries()) if (v !== undefined) expect(v).toBe(i * 10);
      }),
      { numRuns: 150 },
    );
  });
});
