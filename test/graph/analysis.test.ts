import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { criticalPath, graphLevels, remainingPaths, taskWeights } from '../../src/graph/analysis.js';
import type { GraphTask } from '../../src/graph/types.js';
import { GraphError, compileGraph } from '../../src/graph/validate.js';
import { rankByPriority, type PrioritySummary } from '../../src/graph/heap.js';

const run = () => Promise.resolve();
const reference: GraphTask<void>[] = [
  { id: 'a', estimateMs: 300, run },
  { id: 'b', estimateMs: 100, run },
  { id: 'c', estimateMs: 100, run },
  { id: 'd', estimateMs: 300, requires: ['b'], run },
  { id: 'e', estimateMs: 100, requires: ['c'], run },
  { id: 'f', estimateMs: 100, requires: ['d', 'e'], run },
  { id: 'g', estimateMs: 100, requires: ['a'], run },
  { id: 'h', estimateMs: 100, requires: ['f', 'g'], run },
];

describe('graphLevels', () => {
  it('groups the reference DAG into Kahn levels, input order within a level', () => {
    expect(graphLevels(reference)).toEqual([['a', 'b', 'c'], ['d', 'e', 'g'], ['f'], ['h']]);
  });

  it('places a task one level below its deepest requirement, whatever the input order', () => {
    expect(
      graphLevels([
        { id: 'z', requires: ['y', 'x'], run },
        { id: 'y', requires: ['x'], run },
        { id: 'x', run },
        { id: 'w', run },
      ]),
    ).toEqual([['x', 'w'], ['y'], ['z']]);
    expect(graphLevels([])).toEqual([]);
  });

  it('validates first', () => {
    expect(() => graphLevels([{ id: 'a', requires: ['a'], run }])).toThrow(GraphError);
  });
});

describe('criticalPath', () => {
  it('finds b -> d -> f -> h (600 ms) in the reference DAG', () => {
    expect(criticalPath(reference)).toEqual({ path: ['b', 'd', 'f', 'h'], estimateMs: 600 });
  });

  it('counts 1 per task without estimates (longest chain), ties by input order', () => {
    expect(
      criticalPath([
        { id: 'p', run },
        { id: 'q', requires: ['p'], run },
        { id: 'r', run },
        { id: 's', requires: ['r'], run },
      ]),
    ).toEqual({ path: ['p', 'q'], estimateMs: 2 });
  });

  it('uses the median of known estimates for the others', () => {
    // known 10 and 50 -> median 30: 'slow' (50) alone loses to 'u1' -> 'u2' (60)
    expect(
      criticalPath([
        { id: 'fast', estimateMs: 10, run },
        { id: 'slow', estimateMs: 50, run },
        { id: 'u1', run },
        { id: 'u2', requires: ['u1'], run },
      ]),
    ).toEqual({ path: ['u1', 'u2'], estimateMs: 60 });
  });

  it('starts at a task that requires nothing even when estimates are 0', () => {
    expect(
      criticalPath([
        { id: 'late', estimateMs: 5, requires: ['zero'], run },
        { id: 'zero', estimateMs: 0, run },
      ]),
    ).toEqual({ path: ['zero', 'late'], estimateMs: 5 });
    expect(criticalPath([])).toEqual({ path: [], estimateMs: 0 });
  });
});

describe('remaining paths (scheduler priority)', () => {
  it('is the longest weighted path from each task to a sink, its own weight included', () => {
    const longest = remainingPaths(compileGraph(reference), taskWeights(compileGraph(reference)));
    expect(Object.fromEntries(reference.map((t, i) => [t.id, longest[i]]))).toEqual({
      a: 500,
      b: 600,
      c: 400,
      d: 500,
      e: 300,
      f: 200,
      g: 200,
      h: 100,
    });
  });
});

describe('remainingPaths with a priority summary', () => {
  /** A random DAG of numbered ids: task i may require tasks below i; listed in that order or shuffled. */
  const graphs = fc.integer({ min: 0, max: 30 }).chain((n) =>
    fc.record({
      requires: fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat(i - 1), { maxLength: 3 })))),
      estimates: fc.option(fc.array(fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }), { minLength: n, maxLength: n }), { nil: undefined }),
      shuffle: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
      shuffled: fc.boolean(),
    }),
  );

  it('ranks exactly as a scan of the lengths does, and fills in the summary only for input in dependency order', () => {
    fc.assert(
      fc.property(graphs, ({ requires, estimates, shuffle, shuffled }) => {
        const order = shuffled ? shuffle : requires.map((_, i) => i);
        const tasks = order.map((i) => ({
          id: `t${i}`,
          requires: requires[i]!.map((r) => `t${r}`),
          ...(estimates?.[i] === undefined ? {} : { estimateMs: estimates[i] }),
          run: () => undefined,
        }));
        const graph = compileGraph(tasks);
        const weights = graph.estimates === undefined ? undefined : taskWeights(graph);
        const summary: PrioritySummary = { known: false, max: 0, integers: true, sorted: true };
        const summarised = remainingPaths(graph, weights, summary);
        const plain = remainingPaths(graph, weights);
        expect([...summarised]).toEqual([...plain]);
        expect(summary.known).toBe(graph.inputOrderIsTopological);
        if (summary.known) {
          const lengths = [...plain];
          expect(summary.max).toBe(Math.max(0, ...lengths));
          expect(summary.integers).toBe(lengths.every((p) => Number.isInteger(p) && p >= 0));
          expect(summary.sorted).toBe(lengths.every((p, i) => i === 0 || p <= lengths[i - 1]!));
        }
        const withSummary = rankByPriority(summarised, summary);
        const scanned = rankByPriority(plain);
        expect(withSummary === undefined).toBe(scanned === undefined);
        if (withSummary !== undefined && scanned !== undefined) {
          expect([...withSummary.byRank]).toEqual([...scanned.byRank]);
          expect([...withSummary.rankOf]).toEqual([...scanned.rankOf]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
