import { describe, expect, it } from 'vitest';
import { CompiledGraph, compileGraph, runGraph } from '../../src/graph/scheduler.js';
import type { GraphTask } from '../../src/graph/types.js';
import { GraphError } from '../../src/graph/validate.js';

const diamond = (log: string[]): GraphTask<number>[] => {
  const step = (id: string, value: number): Promise<number> => {
    log.push(id);
    return Promise.resolve(value);
  };
  return [
    { id: 'a', run: () => step('a', 1) },
    { id: 'b', requires: ['a'], run: ({ dependencies }) => step('b', (dependencies.a ?? 0) + 1) },
    { id: 'c', requires: ['a'], run: ({ dependencies }) => step('c', (dependencies.a ?? 0) + 2) },
    { id: 'd', requires: ['b', 'c'], run: ({ dependencies }) => step('d', (dependencies.b ?? 0) + (dependencies.c ?? 0)) },
  ];
};

describe('compileGraph', () => {
  it('runs the same graph many times with the results runGraph gives, each run with its own state', async () => {
    const log: string[] = [];
    const graph = compileGraph(diamond(log));
    expect(graph).toBeInstanceOf(CompiledGraph);
    expect(graph.size).toBe(4);
    const expected = await runGraph(diamond([]), { maxParallel: 1 });
    for (let round = 0; round < 3; round++) {
      const result = await graph.run({ maxParallel: 1 });
      expect(result.ok).toBe(true);
      expect(result.results.map((r) => ({ ...r, durationMs: 0 }))).toEqual(expected.results.map((r) => ({ ...r, durationMs: 0 })));
    }
    expect(log).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
  });

  it('runs overlap without sharing state, under both schedules', async () => {
    const graph = compileGraph(diamond([]));
    const [ready, levels, again] = await Promise.all([graph.run(), graph.run({ schedule: 'levels' }), graph.run({ maxParallel: 2 })]);
    for (const result of [ready, levels, again]) {
      expect(result.ok).toBe(true);
      expect(result.results.find((r) => r.id === 'd')).toMatchObject({ status: 'passed', value: 5 });
    }
  });

  it('validates once, up front: malformed tasks and broken graphs throw from compileGraph itself', () => {
    expect(() => compileGraph([{ id: 'a', run: () => Promise.resolve(1) }, { id: 'a', run: () => Promise.resolve(2) }])).toThrow(GraphError);
    expect(() => compileGraph([{ id: 'a', requires: ['zz'], run: () => Promise.resolve(1) }])).toThrow(/unknown task "zz"/);
    expect(() => compileGraph([{ id: 'a', requires: ['a'], run: () => Promise.resolve(1) }])).toThrow(/cyclic/);
    expect(() => compileGraph([{ id: 'a' } as unknown as GraphTask<number>])).toThrow(TypeError);
  });

  it('is a snapshot: changing the task list afterwards does not change the compiled graph', async () => {
    const tasks: GraphTask<string>[] = [{ id: 'a', run: () => Promise.resolve('first') }];
    const graph = compileGraph(tasks);
    tasks[0] = { id: 'a', run: () => Promise.resolve('second') };
    tasks.push({ id: 'b', run: () => Promise.resolve('late') });
    const result = await graph.run();
    expect(result.results).toEqual([{ id: 'a', status: 'passed', value: 'first', durationMs: expect.any(Number) as number }]);
  });

  it('rejects the worker option (every compiled task has its run) and bad options, as runGraph does', async () => {
    const graph = compileGraph([{ id: 'a', run: () => Promise.resolve(1) }]);
    await expect(graph.run({ worker: new URL('file:///nowhere.js') })).rejects.toThrow(/options\.worker/);
    await expect(graph.run({ maxParallel: 0 })).rejects.toThrow(TypeError);
  });

  it('failures, skips and fail-fast behave as in runGraph on every rerun', async () => {
    let calls = 0;
    const graph = compileGraph<number>([
      { id: 'bad', run: () => Promise.reject(new Error(`boom ${++calls}`)) },
      { id: 'after', requires: ['bad'], run: () => Promise.resolve(1) },
    ]);
    for (let round = 1; round <= 2; round++) {
      const result = await graph.run({ failFast: 'kill' });
      expect(result.ok).toBe(false);
      expect(result.results[0]).toMatchObject({ status: 'failed', error: new Error(`boom ${round}`) });
      expect(result.results[1]).toEqual({ id: 'after', status: 'skipped', reason: { blockedBy: 'bad' } });
    }
  });
});

describe('runGraph results', () => {
  it('builds the outcome objects once, when first read: the same array on every read', async () => {
    const result = await runGraph([{ id: 'a', run: () => Promise.resolve(1) }]);
    const first = result.results;
    expect(result.results).toBe(first);
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ ok: true, results: [{ id: 'a', status: 'passed', value: 1 }] });
  });
});
