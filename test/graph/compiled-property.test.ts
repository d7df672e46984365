import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGraph, runGraph } from '../../src/graph/scheduler.js';
import type { GraphEvent, GraphOptions, GraphTask, TaskOutcome } from '../../src/graph/types.js';

interface Node {
  requires: number[];
  fails: boolean;
  estimateMs: number | undefined;
  async: boolean;
}

/**
 * A random DAG of up to 60 tasks (task k requires up to 3 earlier tasks), listed in a random order, some failing,
 * some with estimates, some async: the numbering a run uses then differs from input order in most cases.
 */
const dagArbitrary = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(
      ...Array.from({ length: n }, (_, k) =>
        fc.record({
          requires: k === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat(k - 1), { maxLength: 3 }),
          fails: fc.boolean().chain((b) => fc.constant(b && k % 3 === 0)),
          estimateMs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined, freq: 2 }),
          async: fc.constantFrom(false, false, false, true),
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
  maxParallel: fc.constantFrom(1, 2, 4, Number.POSITIVE_INFINITY),
  failFast: fc.constantFrom<false | 'kill' | 'no-new'>(false, 'kill', 'no-new'),
  schedule: fc.constantFrom<'ready' | 'levels'>('ready', 'levels'),
  observed: fc.boolean(),
});

/** Tasks whose value is their number plus the sum of the values they received: a wrong dependency shows. */
function tasksOf(nodes: Node[], order: number[], log: string[]): GraphTask<number>[] {
  return order.map((k) => {
    const node = nodes[k]!;
    const id = `t${k}`;
    return {
      id,
      requires: node.requires.map((r) => `t${r}`),
      ...(node.estimateMs === undefined ? {} : { estimateMs: node.estimateMs }),
      ...(node.async ? { async: true } : {}),
      run: ({ dependencies }) => {
        log.push(id);
        if (node.fails) return Promise.reject(new Error(`${id} failed`));
        let sum = k;
        for (const r of node.requires) sum += dependencies[`t${r}`] ?? Number.NaN;
        return Promise.resolve(sum);
      },
    };
  });
}

/** What every schedule must give without fail-fast: a task passes iff it does not fail and all it requires passed. */
function reference(nodes: Node[]): { passed: boolean; value: number; failedAncestors: Set<number> }[] {
  const out: { passed: boolean; value: number; failedAncestors: Set<number> }[] = [];
  for (const [k, node] of nodes.entries()) {
    const failedAncestors = new Set<number>();
    let passed = true;
    let value = k;
    for (const r of node.requires) {
      const req = out[r]!;
      if (!req.passed) {
        passed = false;
        if (nodes[r]!.fails && req.failedAncestors.size === 0) failedAncestors.add(r);
        for (const a of req.failedAncestors) failedAncestors.add(a);
      }
      value += req.value;
    }
    out.push({ passed: passed && !node.fails, value, failedAncestors });
  }
  return out;
}

const comparable = (outcome: TaskOutcome<number>): unknown =>
  'error' in outcome ? { ...outcome, durationMs: 0, error: String(outcome.error) } : { ...outcome, ...('durationMs' in outcome ? { durationMs: 0 } : {}) };

describe('compiled graph reruns and one-shot runs — property over random DAGs with failures', () => {
  it('give identical outcomes, start order and events, and match the reference without fail-fast', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, optionsArbitrary, async ({ nodes, order }, { observed, ...options }) => {
        const runOnce = async (
          run: (tasks: GraphTask<number>[], options: GraphOptions<number>) => Promise<{ results: TaskOutcome<number>[]; ok: boolean }>,
        ): Promise<{ outcomes: unknown[]; log: string[]; events: string[]; ok: boolean }> => {
          const log: string[] = [];
          const events: string[] = [];
          const tasks = tasksOf(nodes, order, log);
          const onEvent = (event: GraphEvent<number>): void => {
            if (event.type === 'task:start') events.push(`${event.type} ${event.id}`);
            if (event.type === 'task:end') {
              const reason = event.outcome.status === 'skipped' ? ` ${JSON.stringify(event.outcome.reason)}` : '';
              events.push(`${event.type} ${event.id}${reason}`);
            }
          };
          const result = await run(tasks, { ...options, ...(observed ? { onEvent } : {}) });
          return { outcomes: result.results.map(comparable), log, events, ok: result.ok };
        };
        const oneShot = await runOnce((tasks, o) => runGraph(tasks, o));
        // One compiled graph, run three times: the first run plans, the others reuse the plan.
        const logs: string[][] = [];
        const graph = compileGraph(tasksOf(nodes, order, []));
        const reruns = [];
        for (let round = 0; round < 3; round++) {
          reruns.push(
            await runOnce(async (_, o) => {
              const log: string[] = [];
              logs.push(log);
              const fresh = compileGraph(tasksOf(nodes, order, log));
              return round === 0 ? fresh.run(o) : graph.run(o);
            }),
          );
        }
        for (const rerun of reruns) {
          expect(rerun.outcomes).toEqual(oneShot.outcomes);
          expect(rerun.ok).toBe(oneShot.ok);
          if (observed) expect(rerun.events).toEqual(oneShot.events);
        }
        expect(logs[0]).toEqual(oneShot.log);
        // The skips one failure (or one stop) causes are reported together, in input order.
        const position = new Map(order.map((k, p) => [`t${k}`, p]));
        let previous: { reason: string; at: number } | undefined;
        for (const event of oneShot.events) {
          const skip = /^task:end (\S+) (.+)$/.exec(event);
          if (skip === null) {
            previous = undefined;
            continue;
          }
          const at = position.get(skip[1]!)!;
          if (previous !== undefined && previous.reason === skip[2]) expect(at).toBeGreaterThan(previous.at);
          previous = { reason: skip[2]!, at };
        }

        // Results in input order, each task once.
        const results = oneShot.outcomes as TaskOutcome<number>[];
        expect(results.map((o) => o.id)).toEqual(order.map((k) => `t${k}`));
        if (options.failFast !== false) return;
        const expected = reference(nodes);
        for (const [position, k] of order.entries()) {
          const outcome = results[position]!;
          const want = expected[k]!;
          if (want.passed) expect(outcome).toMatchObject({ status: 'passed', value: want.value });
          else if (nodes[k]!.fails && want.failedAncestors.size === 0) expect(outcome.status).toBe('failed');
          else {
            expect(outcome.status).toBe('skipped');
            const blockedBy = outcome.status === 'skipped' && 'blockedBy' in outcome.reason ? outcome.reason.blockedBy : '';
            expect([...want.failedAncestors].map((a) => `t${a}`)).toContain(blockedBy);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('give the same outcomes, start order and durations with and without an event observer', async () => {
    // An observer only watches: a fast path for runs without one must record exactly what an observed run records.
    await fc.assert(
      fc.asyncProperty(dagArbitrary, optionsArbitrary, async ({ nodes, order }, { observed, ...options }) => {
        const once = async (
          onEvent: ((event: GraphEvent<number>) => void) | undefined,
          compiled: boolean,
        ): Promise<{ results: TaskOutcome<number>[]; log: string[]; ok: boolean }> => {
          const log: string[] = [];
          const tasks = tasksOf(nodes, order, log);
          const runOptions: GraphOptions<number> = { ...options, ...(onEvent === undefined ? {} : { onEvent }) };
          const result = compiled ? await compileGraph(tasks).run(runOptions) : await runGraph(tasks, runOptions);
          return { results: result.results, log, ok: result.ok };
        };
        const ended: TaskOutcome<number>[] = [];
        const watched = await once((event) => {
          if (event.type === 'task:end') ended.push(event.outcome);
        }, observed);
        const quiet = await once(undefined, observed);
        expect(quiet.results.map(comparable)).toEqual(watched.results.map(comparable));
        expect(quiet.ok).toBe(watched.ok);
        expect(quiet.log).toEqual(watched.log);
        // Every outcome an observer saw is the very object in the results; a task that ran has a duration.
        expect(new Set(ended)).toEqual(new Set(watched.results));
        for (const outcome of quiet.results) {
          if (outcome.status === 'passed' || outcome.status === 'failed') expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
          if (outcome.status === 'passed') expect(Object.keys(outcome)).toEqual(['id', 'status', 'value', 'durationMs']);
        }
      }),
      { numRuns: 100 },
    );
  });
});
