import { describe, expect, it } from 'vitest';
import { criticalPath, graphLevels, remainingPaths, taskWeights } from '../../src/graph/analysis.js';
import type { GraphTask } from '../../src/graph/types.js';
import { GraphError, compileGraph } from '../../src/graph/validate.js';

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
