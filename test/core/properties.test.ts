/**
 * Property tests of the concurrency core. fast-check's scheduler decides the order in which task promises settle
 * (the "durations"), so every run explores a different interleaving, and a failing one is shrunk and replayable.
 * After each settlement the test lets every microtask run, so the pool reacts before the next task settles.
 */
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParallelError, TaskError } from '../../src/common/errors.js';
import { parallelMap } from '../../src/core/parallel-map.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runWithConcurrency } from '../../src/core/run-with-concurrency.js';
import { Semaphore } from '../../src/core/semaphore.js';
import { watch } from './harness.js';

type Kind = 'ok' | 'failed' | 'throw';
interface Spec {
  kind: Kind;
  /** Rejects with the abort reason as soon as its signal aborts (like fetch), instead of ignoring it. */
  cooperative: boolean;
}
type Event = { type: 'start'; index: number; running: number } | { type: 'settle'; index: number; running: number; how: Kind | 'cancelled' };

const specArb: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom<Kind>('ok', 'ok', 'ok', 'failed', 'throw'),
  cooperative: fc.boolean(),
});
const limitArb = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Number.POSITIVE_INFINITY));

/** One macrotask: every pending microtask (pool continuations, new starts) runs before it resolves. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Releases scheduled promises one at a time, in the scheduler's order, until `done` says the run has settled. */
async function drive(s: fc.Scheduler, done: () => boolean, atRest?: () => void): Promise<void> {
  await drain();
  atRest?.();
  while (!done()) {
    if (s.count() === 0) throw new Error('deadlock: the run has not settled and no task is pending');
    await s.waitOne();
    await drain();
    atRest?.();
  }
}

/** Waits for the scheduler, or for the signal to abort when the task is cooperative. */
function wait(s: fc.Scheduler, index: number, spec: Spec, signal: AbortSignal): Promise<'scheduled' | 'cancelled'> {
  const scheduled = s.schedule(Promise.resolve('scheduled' as const), `task ${index}`);
  if (!spec.cooperative) return scheduled;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    scheduled.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => reject(error as Error),
    );
  });
}

describe('runWithConcurrency properties', () => {
  it('limit, order, firstFailureIndex and no start after a failure hold for any outcomes, durations and limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(specArb, { maxLength: 16 }), limitArb, async (s, specs, limit) => {
        const log: Event[] = [];
        let running = 0;
        const values = specs.map((spec, index) => ({ index, failed: spec.kind === 'failed' }));
        const thrown = specs.map((_, index) => new Error(`task ${index} threw`));
        const tasks = specs.map((spec, index) => async (signal: AbortSignal) => {
          log.push({ type: 'start', index, running });
          running++;
          try {
            await wait(s, index, spec, signal);
          } catch (error) {
            log.push({ type: 'settle', index, running, how: 'cancelled' });
            throw error;
          } finally {
            running--;
          }
          log.push({ type: 'settle', index, running: running + 1, how: spec.kind });
          if (spec.kind === 'throw') throw thrown[index] as Error;
          return values[index] as { index: number; failed: boolean };
        });

        const run = watch(runWithConcurrency({ tasks, maxConcurrency: limit, isFailed: (v) => v.failed }));
        await drive(s, () => run.settled);
        expect(run.rejected).toBe(false);
        const result = run.value;
        if (result === undefined) throw new Error('no result');
        const n = specs.length;
        const starts = log.filter((e) => e.type === 'start');
        const settles = log.filter((e) => e.type === 'settle');

        // The limit is never exceeded; every task that started was awaited.
        for (const start of starts) expect(start.running).toBeLessThan(limit);
        expect(running).toBe(0);
        expect(settles.length).toBe(starts.length);
        // Tasks start in input order.
        expect(starts.map((e) => e.index)).toEqual(Array.from({ length: starts.length }, (_, i) => i));

        // firstFailureIndex is the first failure to settle, which is not necessarily the lowest failing index.
        const firstFailure = settles.find((e) => e.how !== 'ok');
        expect(result.firstFailureIndex).toBe(firstFailure === undefined ? null : firstFailure.index);
        expect(result.aborted).toBe(false);

        if (firstFailure === undefined) {
          expect(starts).toHaveLength(n);
        } else {
          // Nothing starts after the failure settled, except what was already running.
          const failureAt = log.indexOf(firstFailure);
          expect(log.slice(failureAt).some((e) => e.type === 'start')).toBe(false);
        }
        // Work-conserving until the stop: at each settlement, every slot that could be busy was busy.
        let settledSoFar = 0;
        for (const e of settles) {
          expect(e.running).toBe(Math.min(limit, n - settledSoFar));
          settledSoFar++;
          if (e === firstFailure) break;
        }

        // Order is kept: each value sits at its task's index; results are those values in input order.
        const howByIndex = new Map(settles.map((e) => [e.index, e.how]));
        const settledWithValue = (i: number): boolean => howByIndex.get(i) === 'ok' || howByIndex.get(i) === 'failed';
        expect(result.resultsByIndex).toHaveLength(n);
        for (let i = 0; i < n; i++) expect(result.resultsByIndex[i]).toBe(settledWithValue(i) ? values[i] : undefined);
        expect(result.results).toEqual(values.filter((_, i) => settledWithValue(i)));
        for (const [k, v] of result.results.entries()) if (k > 0) expect(v.index).toBeGreaterThan(result.results[k - 1]?.index ?? -1);

        // Thrown tasks are the errors, by index; tasks that rejected with the fail-fast reason are cancelled.
        const indicesOf = (kind: string): number[] => [...howByIndex].filter(([, how]) => how === kind).map(([i]) => i).sort((a, b) => a - b);
        expect(result.errors.map((e) => e.index)).toEqual(indicesOf('throw'));
        for (const { index, error } of result.errors) expect(error).toBe(thrown[index]);
        expect(result.cancelled).toEqual(indicesOf('cancelled'));
      }),
      { numRuns: 100 },
    );
  });
});

describe('processParallel properties', () => {
  it('workers bound, input order, lazy pulls and settle semantics hold for any outcomes and durations', async () => {
    const itemSpecArb = fc.record({ fails: fc.boolean(), cooperative: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(itemSpecArb, { maxLength: 14 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (s, specs, workers, failFast) => {
          const log: Event[] = [];
          let running = 0;
          let pulled = 0;
          let settledCount = 0;
          let maxAhead = 0;
          function* items(): Generator<number> {
            for (let i = 0; i < specs.length; i++) {
              pulled++;
              maxAhead = Math.max(maxAhead, pulled - settledCount);
              yield i;
            }
          }
          const run = watch(
            processParallel(
              items(),
              async (item, { index, signal }) => {
                expect(index).toBe(item);
                const spec = specs[index] ?? { fails: false, cooperative: false };
                log.push({ type: 'start', index, running });
                running++;
                try {
                  await wait(s, index, { kind: spec.fails ? 'throw' : 'ok', cooperative: spec.cooperative }, signal);
                } catch (error) {
                  log.push({ type: 'settle', index, running, how: 'cancelled' });
                  throw error;
                } finally {
                  running--;
                  settledCount++;
                }
                log.push({ type: 'settle', index, running: running + 1, how: spec.fails ? 'throw' : 'ok' });
                if (spec.fails) throw new Error(`item ${index} failed`);
                return `out${index}`;
              },
              { workers, failFast },
            ),
          );
          await drive(s, () => run.settled);
          const starts = log.filter((e) => e.type === 'start');
          const settles = log.filter((e) => e.type === 'settle');
          for (const start of starts) expect(start.running).toBeLessThan(workers);
          expect(running).toBe(0);
          expect(maxAhead).toBeLessThanOrEqual(workers);

          const firstFailure = settles.find((e) => e.how === 'throw');
          const okIndices = settles.filter((e) => e.how === 'ok').map((e) => e.index).sort((a, b) => a - b);
          const failedIndices = settles.filter((e) => e.how === 'throw').map((e) => e.index).sort((a, b) => a - b);
          const expectedResults = okIndices.map((i) => `out${i}`);
          const outcome = run.rejected ? (run.error as ParallelError<number, string>) : run.value;
          if (outcome === undefined) throw new Error('no outcome');
          if (run.rejected) expect(outcome).toBeInstanceOf(ParallelError);
          // Results in input order; errors one per failed item, by index; cancelled items in neither.
          expect(outcome.results).toEqual(expectedResults);
          expect(outcome.errors.map((e) => e.index)).toEqual(failedIndices);

          if (failFast) {
            expect(run.rejected).toBe(firstFailure !== undefined);
            if (firstFailure !== undefined) {
              expect(log.slice(log.indexOf(firstFailure)).some((e) => e.type === 'start')).toBe(false);
            } else {
              expect(starts).toHaveLength(specs.length);
            }
          } else {
            expect(starts).toHaveLength(specs.length);
            // Collect-all resolves, every item failing included; outputs sit at their index.
            expect(run.rejected).toBe(false);
            expect(outcome.resultsByIndex.filter((_, i) => !failedIndices.includes(i))).toEqual(expectedResults);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('parallelMap properties', () => {
  it('ordered yields input order, unordered yields completion order, and the window bound holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), async (s, n, concurrency, ordered) => {
        let pulled = 0;
        let consumed = 0;
        let maxAhead = 0;
        let running = 0;
        let peak = 0;
        const completion: number[] = [];
        function* items(): Generator<number> {
          for (let i = 0; i < n; i++) {
            pulled++;
            maxAhead = Math.max(maxAhead, pulled - consumed);
            yield i;
          }
        }
        const out: number[] = [];
        const consume = async (): Promise<void> => {
          for await (const v of parallelMap(
            items(),
            async (item) => {
              running++;
              peak = Math.max(peak, running);
              await s.schedule(Promise.resolve(), `item ${item}`);
              running--;
              completion.push(item);
              return item;
            },
            { concurrency, ordered },
          )) {
            out.push(v);
            consumed++;
          }
        };
        const loop = watch(consume());
        // At rest (the consumer's loop body has seen every value handed to it) the window bound is exact.
        await drive(s, () => loop.settled, () => expect(pulled - consumed).toBeLessThanOrEqual(concurrency));
        expect(loop.rejected).toBe(false);
        expect(peak).toBeLessThanOrEqual(concurrency);
        // At the moment of a pull, one more value may be on its way to the loop body: handed out, not yet seen.
        expect(maxAhead).toBeLessThanOrEqual(concurrency + 1);
        expect(out).toEqual(ordered ? Array.from({ length: n }, (_, i) => i) : completion);
      }),
      { numRuns: 100 },
    );
  });

  it('failures and early exits: the first failure to settle is thrown after in-flight items settle; nothing is pulled after the stop', async () => {
    const itemArb = fc.record({ fails: fc.boolean(), cooperative: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(itemArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        async (s, specs, concurrency, ordered, breakAfter) => {
          const log: Array<{ type: 'pull' | 'start' | 'stop'; index: number } | { type: 'settle'; index: number; how: 'ok' | 'throw' | 'cancelled' }> = [];
          let running = 0;
          let returned = false;
          let exhausted = false;
          function* items(): Generator<number> {
            try {
              for (let i = 0; i < specs.length; i++) {
                log.push({ type: 'pull', index: i });
                yield i;
              }
              exhausted = true;
            } finally {
              if (!exhausted) returned = true;
            }
          }
          const out: number[] = [];
          let runningAtEnd = -1;
          const consume = async (): Promise<void> => {
            try {
              for await (const v of parallelMap(
                items(),
                async (index, { signal }) => {
                  const spec = specs[index] ?? { fails: false, cooperative: false };
                  log.push({ type: 'start', index });
                  running++;
                  try {
                    await wait(s, index, { kind: spec.fails ? 'throw' : 'ok', cooperative: spec.cooperative }, signal);
                  } catch (error) {
                    log.push({ type: 'settle', index, how: 'cancelled' });
                    throw error;
                  } finally {
                    running--;
                  }
                  log.push({ type: 'settle', index, how: spec.fails ? 'throw' : 'ok' });
                  if (spec.fails) throw new Error(`item ${index}`);
                  return index;
                },
                { concurrency, ordered },
              )) {
                out.push(v);
                if (breakAfter !== undefined && out.length === breakAfter) {
                  log.push({ type: 'stop', index: v });
                  break;
                }
              }
            } finally {
              runningAtEnd = running;
            }
          };
          const loop = watch(consume());
          await drive(s, () => loop.settled);
          // Every started item was awaited before the iteration ended, however it ended.
          expect(runningAtEnd).toBe(0);
          const settles = log.filter((e) => e.type === 'settle');
          const firstFailure = settles.find((e) => e.how !== 'ok');
          const stopAt = log.findIndex((e) => e.type === 'stop');
          const firstFailureAt = firstFailure === undefined ? -1 : log.indexOf(firstFailure);
          if (loop.rejected) {
            // Only a failure ends the iteration with an error, and it names the first failure to settle.
            expect(firstFailure).toBeDefined();
            expect(loop.error).toBeInstanceOf(TaskError);
            expect((loop.error as TaskError).index).toBe(firstFailure?.index);
            expect(stopAt === -1 || stopAt > firstFailureAt).toBe(true);
          }
          const stops = [stopAt, loop.rejected ? firstFailureAt : -1].filter((i) => i >= 0);
          if (stops.length > 0) {
            const stop = Math.min(...stops);
            // Nothing is pulled or started after the stop; the input is closed unless it was exhausted.
            expect(log.slice(stop).some((e) => e.type === 'pull' || e.type === 'start')).toBe(false);
            expect(returned || exhausted).toBe(true);
          } else {
            expect(loop.rejected).toBe(false);
            expect(out).toHaveLength(specs.length);
          }
          // What was yielded is in input order (ordered) or completion order (unordered), never a failed item.
          const okSettles = settles.filter((e) => e.how === 'ok').map((e) => e.index);
          if (ordered) expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
          else expect(out).toEqual(okSettles.slice(0, out.length));
          for (const v of out) expect(specs[v]?.fails).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('Semaphore properties', () => {
  type Op = { op: 'acquire' } | { op: 'abort'; k: number } | { op: 'release'; k: number } | { op: 'release-again'; k: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant<Op>({ op: 'acquire' }), weight: 4 },
    { arbitrary: fc.nat(7).map((k): Op => ({ op: 'abort', k })), weight: 2 },
    { arbitrary: fc.nat(7).map((k): Op => ({ op: 'release', k })), weight: 1 },
    { arbitrary: fc.nat(7).map((k): Op => ({ op: 'release-again', k })), weight: 1 },
  );

  it('matches a FIFO model under any mix of acquires, aborts of waiters and (double) releases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(opArb, { minLength: 8, maxLength: 40, size: 'max' }), async (permits, ops) => {
        const semaphore = new Semaphore(permits);
        // The model: free permits, queue of waiter ids (FIFO), holders in grant order, every id's state.
        let free = permits;
        const queue: number[] = [];
        const holders: number[] = [];
        const released: number[] = [];
        const modelState = new Map<number, 'pending' | 'granted' | 'rejected'>();
        // The real thing.
        const realState = new Map<number, 'pending' | 'granted' | 'rejected'>();
        const releases = new Map<number, () => void>();
        const controllers = new Map<number, AbortController>();
        let nextId = 0;
        for (const op of ops) {
          if (op.op === 'acquire') {
            const id = nextId++;
            const controller = new AbortController();
            controllers.set(id, controller);
            realState.set(id, 'pending');
            semaphore.acquire({ signal: controller.signal }).then(
              (release) => {
                realState.set(id, 'granted');
                releases.set(id, release);
              },
              () => realState.set(id, 'rejected'),
            );
            if (free > 0) {
              free--;
              holders.push(id);
              modelState.set(id, 'granted');
            } else {
              queue.push(id);
              modelState.set(id, 'pending');
            }
          } else if (op.op === 'abort') {
            const id = queue[op.k % Math.max(1, queue.length)];
            if (id === undefined) continue;
            controllers.get(id)?.abort();
            queue.splice(queue.indexOf(id), 1);
            modelState.set(id, 'rejected');
          } else if (op.op === 'release') {
            const id = holders[op.k % Math.max(1, holders.length)];
            if (id === undefined) continue;
            releases.get(id)?.();
            holders.splice(holders.indexOf(id), 1);
            released.push(id);
            const nextWaiter = queue.shift();
            if (nextWaiter === undefined) free++;
            else {
              holders.push(nextWaiter);
              modelState.set(nextWaiter, 'granted');
            }
          } else {
            // Releasing again a permit already given back changes nothing.
            const id = released[op.k % Math.max(1, released.length)];
            if (id === undefined) continue;
            releases.get(id)?.();
          }
          await Promise.resolve();
          await Promise.resolve();
          expect(semaphore.available).toBe(free);
          expect(semaphore.waiting).toBe(queue.length);
          expect(realState).toEqual(modelState);
        }
        for (const [id, controller] of controllers) {
          if (modelState.get(id) !== 'pending') expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
