import { describe, expect, it } from 'vitest';
import { defineGraph, dependencyValue, outcomeOf, runGraph, validateGraph } from 'fanout';

describe('defineGraph', () => {
  it('builds an ordinary task list that runs, dependencies handed over by id', async () => {
    const seen: unknown[] = [];
    const graph = defineGraph()
      .task('build', () => ({ outDir: 'dist' }))
      .task('lint', { triggersFailFast: false, timeoutMs: 5_000 }, () => Promise.resolve())
      .task('unit', { requires: ['build'] }, ({ dependencies }) => {
        seen.push(dependencies);
        return dependencies.build.outDir.length;
      });
    expect(Array.isArray(graph.tasks)).toBe(true);
    expect(graph.tasks.map((t) => [t.id, t.requires, t.timeoutMs, t.triggersFailFast])).toEqual([
      ['build', undefined, undefined, undefined],
      ['lint', undefined, 5_000, false],
      ['unit', ['build'], undefined, undefined],
    ]);
    validateGraph(graph.tasks);
    const result = await runGraph(graph.tasks);
    expect(result.ok).toBe(true);
    expect(seen).toEqual([{ build: { outDir: 'dist' } }]);
    expect(outcomeOf(result, 'unit')).toMatchObject({ status: 'passed', value: 4 });
    expect(outcomeOf(result, 'nope' as 'unit')).toBeUndefined();
  });

  it('is immutable: task() returns a new definition and leaves the old one as it was', () => {
    const base = defineGraph().task('a', () => 1);
    const more = base.task('b', () => 2);
    expect(base.tasks.map((t) => t.id)).toEqual(['a']);
    expect(more.tasks.map((t) => t.id)).toEqual(['a', 'b']);
    expect(Object.isFrozen(more.tasks)).toBe(true);
  });

  it('rejects a run that is not a function and options that are not an object, naming the task', () => {
    expect(() => defineGraph().task('a', 5 as never)).toThrow('options of task "a" must be an object, received 5');
    expect(() => defineGraph().task('a', {}, 'x' as never)).toThrow('run of task "a" must be a function, received "x"');
  });
});

describe('dependencyValue', () => {
  const isText = (value: unknown): value is string => typeof value === 'string';

  it('returns a required value that passes the guard; throws a TypeError naming the dependency otherwise', async () => {
    const result = await runGraph([
      { id: 'build', run: () => 'dist/' },
      { id: 'count', run: () => 3 },
      { id: 'test', requires: ['build', 'count'], run: ({ dependencies }) => dependencyValue(dependencies, 'build', isText).length },
      { id: 'wrong', requires: ['count'], run: ({ dependencies }) => dependencyValue(dependencies, 'count', isText) },
      { id: 'missing', requires: ['count'], run: ({ dependencies }) => dependencyValue(dependencies, 'build', isText) },
    ]);
    expect(outcomeOf(result, 'test')).toMatchObject({ status: 'passed', value: 5 });
    const wrong = outcomeOf(result, 'wrong');
    expect(wrong?.status === 'failed' && wrong.error).toEqual(new TypeError('dependencies.count must be a value accepted by isText, received 3'));
    const missing = outcomeOf(result, 'missing');
    expect(missing?.status === 'failed' && (missing.error as Error).message).toBe('dependencies.build is missing: the task must require "build"');
  });
});
