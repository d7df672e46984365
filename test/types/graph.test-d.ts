/**
 * Type tests of the graph API, checked by `tsc` (part of `npm test`): a wrong type is a compile error, and every
 * `@ts-expect-error` line must fail to compile.
 */
import { expectTypeOf } from 'vitest';
import { compileGraph, criticalPath, defineGraph, dependencyValue, graphLevels, outcomeOf, runGraph, streamGraph, validateGraph } from 'fanout';
import type { GraphResult, GraphTask, TaskOutcome } from 'fanout';

declare function compile(options: { signal: AbortSignal }): Promise<{ outDir: string }>;
declare function lint(): Promise<void>;
declare function unit(): number;

export async function taskListsWrittenInPlace(): Promise<void> {
  // Mixed values infer per task; sync and async runs alike; outcomes are discriminated by id.
  const result = await runGraph(
    [
      { id: 'build', run: ({ signal }) => compile({ signal }), timeoutMs: 60_000 },
      { id: 'lint', run: () => lint(), triggersFailFast: false },
      { id: 'unit', requires: ['build'], run: ({ dependencies }) => {
        expectTypeOf(dependencies.build).toEqualTypeOf<unknown>(); // not known here: narrow it
        return unit();
      } },
    ],
    { maxParallel: Number.POSITIVE_INFINITY, failFast: 'kill' },
  );
  for (const r of result.results) {
    if (r.id === 'build' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<{ outDir: string }>();
    if (r.id === 'unit' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<number>();
    // @ts-expect-error no task has this id
    if (r.id === 'deploy') break;
  }
  const unitOutcome = outcomeOf(result, 'unit');
  if (unitOutcome?.status === 'passed') expectTypeOf(unitOutcome.value).toEqualTypeOf<number>();

  // The same for streamGraph's result.
  const stream = streamGraph([{ id: 'a', run: () => 1 }, { id: 'b', run: () => 'b' }]);
  for (const r of (await stream.result).results) if (r.id === 'b' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<string>();

  // Validation and analysis take any tasks.
  const mixed = [{ id: 'x', run: () => 1 }, { id: 'y', requires: ['x'], run: () => Promise.resolve('y') }];
  validateGraph(mixed);
  expectTypeOf(graphLevels(mixed)).toEqualTypeOf<string[][]>();
  expectTypeOf(criticalPath(mixed).path).toEqualTypeOf<string[]>();
}

export async function dynamicTaskLists(): Promise<void> {
  // Built at run time: values are unknown; dependencyValue narrows them with a guard.
  const isText = (value: unknown): value is string => typeof value === 'string';
  const tasks = ['a', 'b'].map((id) => ({ id, requires: id === 'b' ? ['a'] : [], run: ({ dependencies }: { dependencies: Readonly<Record<string, unknown>> }) => {
    expectTypeOf(dependencyValue(dependencies, 'a', isText)).toEqualTypeOf<string>();
    return id;
  } }));
  const result = await runGraph(tasks);
  for (const r of result.results) if (r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<string>();

  // The explicit type argument of earlier versions: one value type for every task, dependencies of that type.
  const typed: GraphTask<string>[] = [{ id: 'a', run: ({ dependencies }) => Promise.resolve(dependencies.b ?? 'none') }];
  const old = await runGraph<string>(typed);
  expectTypeOf(old).toEqualTypeOf<GraphResult<string>>();
  expectTypeOf(old.results).toEqualTypeOf<TaskOutcome<string>[]>();
}

export async function definedGraphs(): Promise<void> {
  const graph = defineGraph()
    .task('build', ({ signal }) => compile({ signal }))
    .task('lint', { triggersFailFast: false, timeoutMs: 5_000 }, () => lint())
    .task('unit', { requires: ['build'], estimateMs: 4_000 }, ({ dependencies }) => {
      expectTypeOf(dependencies).toEqualTypeOf<{ readonly build: { outDir: string } }>();
      return dependencies.build.outDir.length;
    })
    .task('e2e', { requires: ['build', 'unit'], async: true }, ({ dependencies }) => Promise.resolve(`${dependencies.build.outDir}:${dependencies.unit}`));
  const result = await runGraph(graph.tasks, { failFast: 'kill', onEvent: () => {} });
  for (const r of result.results) {
    if (r.id === 'lint' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<void>();
    if (r.id === 'e2e' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<string>();
  }
  const unitOutcome = outcomeOf(result, 'unit');
  if (unitOutcome?.status === 'passed') expectTypeOf(unitOutcome.value).toEqualTypeOf<number>();
  // @ts-expect-error no task has this id
  outcomeOf(result, 'deploy');

  // @ts-expect-error requires names only tasks added before
  graph.task('deploy', { requires: ['publish'] }, () => 0);
  // @ts-expect-error an id is used once
  graph.task('build', () => 0);
  // @ts-expect-error only what is required is in dependencies
  graph.task('docs', { requires: ['lint'] }, ({ dependencies }) => dependencies.build); // eslint-disable-line @typescript-eslint/no-unsafe-return -- the point: it does not exist
  graph.task('size', { requires: ['unit'] }, ({ dependencies }) => {
    // @ts-expect-error the wrong value type is caught
    expectTypeOf(dependencies.unit).toEqualTypeOf<string>();
  });
}

// compileGraph infers as runGraph does: mixed task types written in place, a defineGraph graph, and the old <V> form.
export async function compiledGraphs(): Promise<void> {
  const mixed = compileGraph([
    { id: 'compile', run: () => Promise.resolve({ outDir: 'dist' }) },
    { id: 'count', requires: ['compile'], run: () => 3 },
  ]);
  const result = await mixed.run();
  for (const r of result.results) {
    if (r.id === 'compile' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<{ outDir: string }>();
    if (r.id === 'count' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<number>();
  }
  const defined = defineGraph()
    .task('build', () => 'dist/')
    .task('size', { requires: ['build'] }, ({ dependencies }) => dependencies.build.length);
  const typed = await compileGraph(defined.tasks).run();
  const size = outcomeOf(typed, 'size');
  if (size?.status === 'passed') expectTypeOf(size.value).toEqualTypeOf<number>();
  // @ts-expect-error no task has this id
  outcomeOf(typed, 'deploy');
  const old = await compileGraph<number>([{ id: 'a', run: () => 1 }]).run();
  expectTypeOf(old).toEqualTypeOf<GraphResult<number>>();
}
