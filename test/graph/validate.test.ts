import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FanoutError } from '../../src/common/errors.js';
import type { GraphTask } from '../../src/graph/types.js';
import { GraphError, compileGraph, validateGraph } from '../../src/graph/validate.js';
import { runGraph } from '../../src/graph/scheduler.js';

const run = () => Promise.resolve();
const t = (id: string, requires?: string[]): GraphTask<void> => (requires === undefined ? { id, run } : { id, requires, run });

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('validateGraph', () => {
  it('accepts a valid graph', () => {
    expect(() => validateGraph([t('a'), t('b', ['a']), t('c', ['a', 'b'])])).not.toThrow();
    expect(() => validateGraph([])).not.toThrow();
  });

  it('ERR_DUPLICATE_ID names the id and the index of the second occurrence', () => {
    const error = caught(() => validateGraph([t('a'), t('b'), t('a')]));
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error).toMatchObject({ code: 'ERR_DUPLICATE_ID', id: 'a', index: 2, name: 'GraphError' });
    expect((error as Error).message).toBe('duplicate task id "a" (tasks[0] and tasks[2])');
  });

  it('ERR_UNKNOWN_DEPENDENCY names both ids', () => {
    const error = caught(() => validateGraph([t('a'), t('b', ['a', 'ghost'])]));
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN_DEPENDENCY', id: 'b', dependency: 'ghost', index: 1 });
    expect((error as Error).message).toBe('task "b" requires unknown task "ghost"');
  });

  // 'id522789' and 'id739192' have the same 32-bit hash: the id table tells them apart by comparing the ids.
  it('tells apart ids whose hashes are equal: requirements, duplicates and unknown ids', () => {
    const [first, second] = ['id522789', 'id739192'];
    for (const order of [[first, second], [second, first]]) {
      const graph = compileGraph([t(order[0]!), t(order[1]!), t('x', [second]), t('y', [first, second])]);
      const at = (id: string): number => graph.ids.indexOf(id);
      expect([...graph.reqIdx.subarray(graph.reqStart[2], graph.reqStart[3])]).toEqual([at(second)]);
      expect([...graph.reqIdx.subarray(graph.reqStart[3], graph.reqStart[4])]).toEqual([at(first), at(second)]);
    }
    expect(caught(() => validateGraph([t(first), t(second), t(first)]))).toMatchObject({ code: 'ERR_DUPLICATE_ID', id: first, index: 2 });
    expect(caught(() => validateGraph([t(first), t('x', [second])]))).toMatchObject({
      code: 'ERR_UNKNOWN_DEPENDENCY',
      id: 'x',
      dependency: second,
    });
    // The first unknown requirement in input order is the one reported, whichever kind of miss it is.
    expect(caught(() => validateGraph([t(first), t('x', [second]), t('y', ['nowhere'])]))).toMatchObject({ id: 'x', dependency: second });
    expect(caught(() => validateGraph([t(first), t('y', ['nowhere']), t('x', [second])]))).toMatchObject({ id: 'y', dependency: 'nowhere' });
  });

  it('ERR_CYCLE gives the cycle as an array and in the message', () => {
    const error = caught(() => validateGraph([t('a', ['b']), t('b', ['c']), t('c', ['a'])]));
    expect(error).toMatchObject({ code: 'ERR_CYCLE', cycle: ['a', 'b', 'c', 'a'] });
    expect((error as Error).message).toBe('cyclic dependency: a -> b -> c -> a');
  });

  it('reports only the cycle, not the path that led to it', () => {
    const error = caught(() => validateGraph([t('entry', ['x']), t('x', ['y']), t('y', ['z']), t('z', ['x'])]));
    expect(error).toMatchObject({ code: 'ERR_CYCLE', cycle: ['x', 'y', 'z', 'x'] });
  });

  it('a self-dependency is a cycle', () => {
    const error = caught(() => validateGraph([t('ok'), t('a', ['ok', 'a'])]));
    expect(error).toMatchObject({ code: 'ERR_CYCLE', cycle: ['a', 'a'], message: 'cyclic dependency: a -> a' });
  });

  it('handles a chain of 200,000 tasks without recursion, and finds a cycle closing it', () => {
    const n = 200_000;
    const tasks = Array.from({ length: n }, (_, i) => t(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    expect(() => validateGraph(tasks)).not.toThrow();
    const order = compileGraph(tasks).order;
    expect(order[0]).toBe(0);
    expect(order[n - 1]).toBe(n - 1);
    tasks[0] = t('t0', [`t${n - 1}`]);
    const error = caught(() => validateGraph(tasks)) as GraphError;
    expect(error.code).toBe('ERR_CYCLE');
    expect(error.cycle).toHaveLength(n + 1);
    expect(error.cycle?.[0]).toBe('t0');
    expect(error.cycle?.[1]).toBe(`t${n - 1}`);
  });

  it('reports every malformed field before any structural error, then duplicates, unknown ids and cycles', () => {
    const malformed = { id: 'x', requires: [42], run } as unknown as GraphTask<void>;
    expect(caught(() => validateGraph([t('a'), t('a'), t('b', ['ghost']), malformed]))).toBeInstanceOf(TypeError);
    expect(caught(() => validateGraph([t('b', ['ghost']), t('a'), t('a')]))).toMatchObject({ code: 'ERR_DUPLICATE_ID' });
    expect(caught(() => validateGraph([t('c', ['c']), t('b', ['ghost'])]))).toMatchObject({ code: 'ERR_UNKNOWN_DEPENDENCY' });
  });

  it('keeps dependents in input order and builds the order lazily when input order is topological', () => {
    const g = compileGraph([t('a'), t('b', ['a']), t('c', ['a']), t('d', ['b', 'a'])]);
    expect(g.inputOrderIsTopological).toBe(true);
    expect([...g.depIdx.subarray(g.depStart[0], g.depStart[1])]).toEqual([1, 2, 3]);
    expect([...g.depIdx.subarray(g.depStart[1], g.depStart[2])]).toEqual([3]);
    expect([...g.order]).toEqual([0, 1, 2, 3]);
    expect(compileGraph([t('b', ['a']), t('a')]).inputOrderIsTopological).toBe(false);
  });

  it('compiles a topological order and both adjacency directions', () => {
    const g = compileGraph([t('c', ['b']), t('a'), t('b', ['a'])]);
    expect([...g.order]).toEqual([1, 2, 0]);
    expect([...g.reqIdx.subarray(g.reqStart[0], g.reqStart[1])]).toEqual([2]);
    expect([...g.depIdx.subarray(g.depStart[1], g.depStart[2])]).toEqual([2]);
  });

  it.each<[unknown, RegExp]>([
    ['nope', /^tasks must be an array of graph tasks, received "nope"$/],
    [[null], /^tasks\[0\] must be an object, received null$/],
    [[{ id: '', run }], /^tasks\[0\]\.id must be a non-empty string, received ""$/],
    [[{ id: 3, run }], /^tasks\[0\]\.id must be a non-empty string, received 3$/],
    [[{ id: 'a' }], /^tasks\[0\]\.run must be a function \(or none, with options\.worker\), received undefined$/],
    [[{ id: 'a', run, requires: 'b' }], /^tasks\[0\]\.requires must be an array of ids or undefined, received "b"$/],
    [[{ id: 'a', run }, { id: 'b', run, requires: ['a', 7] }], /^tasks\[1\]\.requires\[1\] must be a string, received 7$/],
    [[{ id: 'a', run, timeoutMs: 0 }], /^tasks\[0\]\.timeoutMs must be a number > 0/],
    [[{ id: 'a', run, timeoutMs: Number.NaN }], /timeoutMs .*received NaN/],
    [[{ id: 'a', run, estimateMs: -1 }], /^tasks\[0\]\.estimateMs must be a finite number >= 0 or undefined, received -1$/],
    [[{ id: 'a', run, async: 'yes' }], /^tasks\[0\]\.async must be a boolean or undefined, received "yes"$/],
    [[{ id: 'a', run, triggersFailFast: 1 }], /^tasks\[0\]\.triggersFailFast must be a boolean or undefined, received 1$/],
  ])('throws a TypeError naming the field for %o', (tasks, message) => {
    const error = caught(() => validateGraph(tasks as GraphTask<void>[]));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('a requires that answers each read differently (a getter or Proxy)', () => {
  const run = () => Promise.resolve();
  /**
   * A task whose `requires` gives `answers` in turn, the last one from then on. Validation reads it twice: with the
   * task's other fields (checked and counted), and where its entries are resolved.
   */
  const flipping = (id: string, answers: string[][]): GraphTask<void> => {
    let read = 0;
    return {
      id,
      run,
      get requires() {
        return answers[Math.min(read++, answers.length - 1)] as string[];
      },
    };
  };

  it.each<[string, () => Array<GraphTask<void>>]>([
    ['longer when read again (numbered ids in order)', () => [{ id: 't0', run }, flipping('t1', [['t0'], ['t0', 't0', 't0']]), { id: 't2', run, requires: ['t1'] }]],
    ['shorter when read again', () => [{ id: 't0', run }, flipping('t1', [['t0'], []]), { id: 't2', run, requires: ['t1'] }]],
    ['empty when counted (hashed ids)', () => [{ id: 'a', run }, flipping('b', [[], ['a']])]],
    ['numbered ids out of order', () => [{ id: 't1', run }, flipping('t0', [['t1'], ['t1', 't1']])]],
  ])('%s: a TypeError, and runGraph rejects with it instead of never settling', async (_, make) => {
    expect(() => validateGraph(make())).toThrow(/requires arrays held \d+ entries in all when counted and \d+ when read again/);
    await expect(runGraph(make())).rejects.toThrow(TypeError);
  });
});

describe('a task whose fields answer each read differently (getters)', () => {
  const run = () => Promise.resolve();

  it('keeps the value it checked: each field other than requires is read once', () => {
    const reads = new Map<PropertyKey, number>();
    const answers: Record<string, unknown[]> = { id: ['t1', ''], run: [run, 7], timeoutMs: [5, -1], estimateMs: [2, Number.NaN], async: [true, 'no'] };
    const task = new Proxy({} as GraphTask<void>, {
      get(_, key) {
        const count = reads.get(key) ?? 0;
        reads.set(key, count + 1);
        const values = typeof key === 'string' ? answers[key] : undefined;
        return values?.[Math.min(count, values.length - 1)];
      },
    });
    const graph = compileGraph([{ id: 't0', run }, task]);
    expect(graph.ids).toEqual(['t0', 't1']);
    expect(graph.runs[2]).toBe(run);
    expect(graph.timeouts?.[1]).toBe(5);
    expect(graph.estimates?.[1]).toBe(2);
    expect(graph.isAsync[1]).toBe(1);
    for (const key of ['id', 'run', 'timeoutMs', 'estimateMs', 'async', 'triggersFailFast']) expect([key, reads.get(key)]).toEqual([key, 1]);
  });
});

describe('compileGraph — property over random graphs', () => {
  const graphs = fc.integer({ min: 1, max: 30 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
      order: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
    }),
  );

  it('returns a topological order for every acyclic graph, and a real cycle for every cyclic one', () => {
    fc.assert(
      fc.property(graphs, ({ n, edges, order }) => {
        const requires = Array.from({ length: n }, () => new Set<number>());
        for (const [from, to] of edges) requires[from]!.add(to);
        const tasks = order.map((k) => t(`n${k}`, [...requires[k]!].map((r) => `n${r}`)));
        const requiresOf = new Map(tasks.map((task) => [task.id, new Set(task.requires)]));
        let compiled;
        try {
          compiled = compileGraph(tasks);
        } catch (error) {
          expect(error).toBeInstanceOf(GraphError);
          const cycle = (error as GraphError).cycle!;
          expect((error as GraphError).code).toBe('ERR_CYCLE');
          expect(cycle[0]).toBe(cycle.at(-1));
          expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1);
          for (let k = 0; k + 1 < cycle.length; k++) expect(requiresOf.get(cycle[k]!)?.has(cycle[k + 1]!)).toBe(true);
          return;
        }
        // Acyclic: a reference Kahn sort must succeed too, and the order must respect every edge.
        expect(isAcyclic(n, requires)).toBe(true);
        const position = new Map([...compiled.order].map((index, p) => [index, p]));
        expect(position.size).toBe(n);
        tasks.forEach((task, i) => {
          for (const r of task.requires ?? []) {
            const j = tasks.findIndex((x) => x.id === r);
            expect(position.get(j)!).toBeLessThan(position.get(i)!);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});

function isAcyclic(n: number, requires: Set<number>[]): boolean {
  const indegree = requires.map((r) => r.size);
  const dependents = Array.from({ length: n }, () => [] as number[]);
  requires.forEach((r, i) => r.forEach((x) => dependents[x]!.push(i)));
  const queue = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  let seen = 0;
  while (queue.length > 0) {
    const v = queue.pop()!;
    seen++;
    for (const d of dependents[v]!) if (--indegree[d]! === 0) queue.push(d);
  }
  return seen === n;
}
