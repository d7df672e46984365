import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { levelIndices, remainingPaths, taskWeights } from '../../src/graph/analysis.js';
import { runGraph } from '../../src/graph/scheduler.js';
import type { GraphEvent, GraphResult, GraphTask } from '../../src/graph/types.js';
import { compileGraph } from '../../src/graph/validate.js';
import { deferred, flush } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';

type Behaviour = 'pass' | 'fail' | 'throw' | 'hang';

interface Spec {
  id: string;
  requires: string[];
  behaviour: Behaviour;
  async: boolean;
  triggersFailFast: boolean;
  estimateMs: number | undefined;
}

/** A random DAG: task k may require any task of lower rank; the input order is a random permutation of ranks. */
const graphArbitrary = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    specs: fc.tuple(
      ...Array.from({ length: n }, (_, rank) =>
        fc.record({
          requires: rank === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat(rank - 1), { maxLength: 3 }),
          behaviour: fc.constantFrom<Behaviour>('pass', 'pass', 'pass', 'fail', 'throw', 'hang'),
          async: fc.boolean(),
          triggersFailFast: fc.boolean(),
          estimateMs: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
        }),
      ),
    ),
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
  }),
);

const optionsArbitrary = fc.record({
  maxParallel: fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
  asyncParallel: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
  failFast: fc.constantFrom<false | 'kill' | 'no-new'>(false, 'kill', 'no-new'),
  schedule: fc.constantFrom<'ready' | 'levels'>('ready', 'levels'),
  abortAtStep: fc.option(fc.nat(12), { nil: undefined }),
  choices: fc.array(fc.nat(50), { minLength: 1, maxLength: 20 }),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('runGraph — property over random DAGs and outcomes', () => {
  it('respects requirements, limits, fail-fast and abort, and reports every task exactly once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await fc.assert(
      fc.asyncProperty(graphArbitrary, optionsArbitrary, async ({ specs: raw, order }, options) => {
        const specs: Spec[] = order.map((rank) => {
          const s = raw[rank]!;
          return { ...s, id: `t${rank}`, requires: s.requires.map((r) => `t${r}`) };
        });
        const byId = new Map(specs.map((s) => [s.id, s]));
        const gates = new Map<string, Deferred<unknown>>();
        const calls = new Map<string, number>();
        const events: GraphEvent<unknown>[] = [];
        const controller = new AbortController();
        const tasks: GraphTask<unknown>[] = specs.map((s) => ({
          id: s.id,
          requires: s.requires,
          async: s.async,
          triggersFailFast: s.triggersFailFast,
          ...(s.estimateMs === undefined ? {} : { estimateMs: s.estimateMs }),
          ...(s.behaviour === 'hang' ? { timeoutMs: 100 } : {}),
          run: () => {
            calls.set(s.id, (calls.get(s.id) ?? 0) + 1);
            if (s.behaviour === 'throw') throw new Error(`${s.id} threw`);
            const d = deferred<unknown>();
            gates.set(s.id, d);
            return d.promise;
          },
        }));
        let result: GraphResult<unknown> | undefined;
        const running = runGraph(tasks, {
          maxParallel: options.maxParallel,
          ...(options.asyncParallel === undefined ? {} : { asyncParallel: options.asyncParallel }),
          failFast: options.failFast,
          schedule: options.schedule,
          signal: controller.signal,
          onEvent: (e) => events.push(e),
        }).then((r) => (result = r));

        for (let step = 0; result === undefined; step++) {
          if (step > 500) throw new Error('the run did not finish');
          await flush(2);
          if (result !== undefined) break;
          if (step === options.abortAtStep) controller.abort();
          const settleable = [...gates].filter(([id, d]) => !d.settled && byId.get(id)!.behaviour !== 'hang');
          if (settleable.length > 0) {
            const [id, d] = settleable[options.choices[step % options.choices.length]! % settleable.length]!;
            if (byId.get(id)!.behaviour === 'pass') d.resolve(id);
            else d.reject(new Error(`${id} failed`));
          } else {
            await vi.advanceTimersByTimeAsync(100);
          }
        }
        await running;
        const r = result;

        // Every task exactly once, in input order; events framed by graph:start and graph:end.
        expect(r.results.map((o) => o.id)).toEqual(specs.map((s) => s.id));
        expect(events[0]?.type).toBe('graph:start');
        expect(events.at(-1)).toMatchObject({ type: 'graph:end', result: r });
        const ends = events.filter((e) => e.type === 'task:end');
        expect(ends.map((e) => e.id).sort()).toEqual(specs.map((s) => s.id).sort());
        expect(r.ok).toBe(r.results.every((o) => o.status === 'passed'));

        const status = new Map(r.results.map((o) => [o.id, o]));
        const ended = new Map<string, string>();
        let sync = 0;
        let async = 0;
        const asyncLimit = options.asyncParallel ?? options.maxParallel;
        const compiled = compileGraph(tasks);
        const { level } = levelIndices(compiled);
        const levelOf = new Map(specs.map((s, i) => [s.id, level[i]!]));
        const paths = remainingPaths(compiled, taskWeights(compiled));
        const priorityOf = new Map(specs.map((s, i) => [s.id, paths[i]!]));
        const indexOf = new Map(specs.map((s, i) => [s.id, i]));
        const startedIds = new Set<string>();
        let stopAfterTrigger = false;
        for (const e of events) {
          if (e.type === 'task:start') {
            const s = byId.get(e.id)!;
            // Nothing starts before everything it requires has passed.
            for (const req of s.requires) expect(ended.get(req)).toBe('passed');
            expect(stopAfterTrigger).toBe(false);
            expect(e.async).toBe(s.async);
            if (s.async) async++;
            else sync++;
            expect(sync).toBeLessThanOrEqual(options.maxParallel);
            if (options.schedule === 'ready' && !s.async) {
              // Priority: no waiting ready task of the same pool goes before the one that starts.
              for (const other of specs) {
                if (other.async || other.id === s.id || startedIds.has(other.id) || ended.has(other.id)) continue;
                if (!other.requires.every((req) => ended.get(req) === 'passed')) continue;
                const mine = priorityOf.get(s.id)!;
                const theirs = priorityOf.get(other.id)!;
                expect(theirs < mine || (theirs === mine && indexOf.get(other.id)! > indexOf.get(s.id)!)).toBe(true);
              }
            }
            startedIds.add(e.id);
            expect(async).toBeLessThanOrEqual(asyncLimit);
            if (options.schedule === 'levels' && !s.async) {
              // The barrier: every non-async task of a lower level has ended.
              for (const other of specs) {
                if (!other.async && levelOf.get(other.id)! < levelOf.get(s.id)!) expect(ended.has(other.id)).toBe(true);
              }
            }
          } else if (e.type === 'task:end') {
            const s = byId.get(e.id)!;
            expect(ended.has(e.id)).toBe(false);
            const st = e.outcome.status;
            ended.set(e.id, st);
            if (st !== 'skipped') {
              if (s.async) async--;
              else sync--;
            }
            if ((st === 'failed' || st === 'timeout') && options.failFast !== false && s.triggersFailFast) stopAfterTrigger = true;
          }
        }

        const triggered = specs.some((s) => {
          const st = status.get(s.id)!.status;
          return s.triggersFailFast && (st === 'failed' || st === 'timeout');
        });
        // Without an abort this is exact. After one, a task may still fail of its own (its rejection was already
        // queued when the abort landed) without triggering anything: the run had already stopped.
        if (r.aborted) expect(!r.failFastTriggered || triggered).toBe(true);
        else expect(r.failFastTriggered).toBe(options.failFast !== false && triggered);
        for (const s of specs) {
          const o = status.get(s.id)!;
          const started = events.some((e) => e.type === 'task:start' && e.id === s.id);
          expect(calls.get(s.id) ?? 0).toBe(started ? 1 : 0);
          if (o.status === 'skipped') {
            expect(started).toBe(false);
            const reason = o.reason;
            if ('blockedBy' in reason) {
              const blocker = status.get(reason.blockedBy)!;
              expect(['failed', 'timeout', 'cancelled']).toContain(blocker.status);
              expect(transitiveRequirements(byId, s.id).has(reason.blockedBy)).toBe(true);
            } else if ('failFast' in reason) {
              expect(r.failFastTriggered).toBe(true);
            } else {
              expect(r.aborted).toBe(true);
            }
          } else {
            expect(started).toBe(true);
            if (o.status === 'cancelled') expect(r.failFastTriggered && options.failFast === 'kill' || r.aborted).toBe(true);
            else expect(o.status).toBe({ pass: 'passed', fail: 'failed', throw: 'failed', hang: 'timeout' }[s.behaviour]);
          }
          // Without fail-fast or abort, everything whose requirements all passed has run.
          if (!r.aborted && !r.failFastTriggered && s.requires.every((req) => status.get(req)!.status === 'passed')) {
            expect(started).toBe(true);
          }
        }
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});

function transitiveRequirements(byId: Map<string, Spec>, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...byId.get(id)!.requires];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...byId.get(next)!.requires);
  }
  return seen;
}
