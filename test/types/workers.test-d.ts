/**
 * Type tests of thread pools, observers, distributed runs and report merging, checked by `tsc` (part of `npm test`):
 * a wrong type is a compile error, and every `@ts-expect-error` line must fail to compile.
 */
import { expectTypeOf } from 'vitest';
import { TaskError, processParallel, runGraph, streamGraph } from 'fanout';
import { createObserver, observeGraph } from 'fanout/observe';
import { ChainError, processChain } from 'fanout/pipeline';
import { createThreadPool } from 'fanout/threads';
import { mergeReports, processParallelDistributed } from 'fanout/distributed';
import type { GraphEvent, GraphTask, Observer, ParallelError, ProcessParallelResult, ThreadGraphTask, ThreadTaskInput } from 'fanout';
import type { ThreadPool } from 'fanout/threads';
import type { ShardReport } from 'fanout/distributed';

declare const observer: Observer;

export async function threadPools(): Promise<void> {
  // Input and output types are the pool's type arguments; without them, unknown.
  const pool = createThreadPool<string, number>(new URL('./hash.js', import.meta.url), { threads: 2 });
  expectTypeOf(pool).toEqualTypeOf<ThreadPool<string, number>>();
  expectTypeOf(await pool.run('a.txt')).toEqualTypeOf<number>();
  expectTypeOf(createThreadPool('/abs/work.js')).toEqualTypeOf<ThreadPool<unknown, unknown>>();

  // Its processors plug into processParallel, which infers items and outputs from them.
  const viaThreads = await processParallel(['a', 'b'], pool.processor);
  expectTypeOf(viaThreads).toEqualTypeOf<ProcessParallelResult<string, number>>();
  const batched = await processParallel(['a'], pool.batchProcessor, { workers: pool.batchWorkers });
  expectTypeOf(batched.resultsByIndex).toEqualTypeOf<Array<number | undefined>>();

  // A thread task is a graph task of the pool's output; its input may be built from the dependencies.
  const hash = pool.task('hash', (dependencies) => {
    expectTypeOf(dependencies).toEqualTypeOf<Readonly<Record<string, number>>>();
    return 'file.txt';
  }, { timeoutMs: 1_000 });
  expectTypeOf(hash).toEqualTypeOf<GraphTask<number>>();
  const result = await runGraph([hash, pool.task('size', 'b.txt', { requires: ['hash'] })]);
  for (const r of result.results) if (r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<number>();

  // @ts-expect-error the pool takes strings
  await pool.run(1);
  // @ts-expect-error a thread task's options have no run: the pool runs it
  pool.task('x', 'y', { run: () => 1 });
  // @ts-expect-error processParallel's items must be the pool's input
  await processParallel([1, 2], pool.processor);
}

export async function graphThreadTasks(): Promise<void> {
  // Tasks without run go to options.worker: their values are unknown (whatever the module returns), mixed with
  // tasks that have run, which keep theirs.
  const result = await runGraph(
    [
      { id: 'hash', input: { file: 'a.txt' }, timeoutMs: 1_000 },
      { id: 'count', requires: ['hash'], run: () => 1 },
    ],
    { worker: new URL('./graph-worker.js', import.meta.url) },
  );
  for (const r of result.results) {
    if (r.id === 'hash' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<unknown>();
    if (r.id === 'count' && r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<number>();
  }
  // What the worker module's default export receives.
  const receive = (task: ThreadTaskInput<number>): number => task.id.length + Object.keys(task.dependencies).length;
  expectTypeOf(receive).parameter(0).toHaveProperty('dependencies').toEqualTypeOf<Readonly<Record<string, number>>>();
  const threadTask: ThreadGraphTask<number> = { id: 'x', input: [1, 2] };
  // @ts-expect-error a thread task has no run
  const withRun: ThreadGraphTask<number> = { id: 'y', run: () => 1 };
  void [threadTask, withRun];
}

export async function observers(): Promise<void> {
  // observeGraph adapts an observer to onEvent; its value type follows the graph it is given to.
  const json = createObserver('json', { destination: process.stdout });
  expectTypeOf(json).toEqualTypeOf<Observer>();
  const result = await runGraph([{ id: 'a', run: () => 1 }], { onEvent: observeGraph(json) });
  for (const r of result.results) if (r.status === 'passed') expectTypeOf(r.value).toEqualTypeOf<number>();
  const sink = observeGraph<string>(observer, 'run-1');
  expectTypeOf(sink).toEqualTypeOf<(event: GraphEvent<string>) => void>();
  streamGraph([{ id: 'b', run: () => 'b' }], { onEvent: sink });
  createObserver('my-registered', { any: 'option' });

  // @ts-expect-error a built-in observer's options are typed
  createObserver('json', { destination: 'stdout' });
  // @ts-expect-error an observer is an object with onEvent
  observeGraph(() => {});
}

export async function distributedRuns(): Promise<void> {
  // Items are inferred; outputs travel as JSON, unknown unless given.
  const unknownOutputs = await processParallelDistributed([1, 2], 'double', { connection: 'redis://127.0.0.1:6379' });
  expectTypeOf(unknownOutputs).toEqualTypeOf<ProcessParallelResult<number, unknown>>();
  const typed = await processParallelDistributed<number, number>([1, 2], 'double', {
    connection: { host: '127.0.0.1', port: 6379 },
    inFlight: Number.POSITIVE_INFINITY,
    onProgress: (completed, total, output) => {
      expectTypeOf(output).toEqualTypeOf<number>();
      expectTypeOf(total).toEqualTypeOf<number | undefined>();
      void completed;
    },
  });
  expectTypeOf(typed.results).toEqualTypeOf<number[]>();

  // @ts-expect-error a handler is named, not passed
  await processParallelDistributed([1], (n: number) => n, { connection: 'redis://127.0.0.1:6379' });
  // @ts-expect-error the connection is required
  await processParallelDistributed([1], 'double', {});
}

export function mergedReports(): void {
  // mergeReports returns the reports' own type: fields of your report beyond ShardReport are kept.
  interface MyReport extends ShardReport {
    branch: string;
  }
  const reports: MyReport[] = [];
  const merged = mergeReports(reports, { order: ['lint', 'test'] });
  expectTypeOf(merged).toEqualTypeOf<MyReport>();
  expectTypeOf(merged.branch).toEqualTypeOf<string>();
  expectTypeOf(mergeReports([] as ShardReport[]).checks[0]?.status).toEqualTypeOf<string | undefined>();

  // @ts-expect-error a report needs the JSON report's fields
  mergeReports([{ run_id: 'r' }]);
}

export async function errors(): Promise<void> {
  // The errors keep their items' and outputs' types.
  try {
    await processChain([1, 2], (sum: number, n: number) => sum + n, { initialState: 0 });
  } catch (error) {
    if (error instanceof ChainError) {
      expectTypeOf(error).toEqualTypeOf<ChainError<any, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- what instanceof gives a generic class
    }
  }
  const chainError = new ChainError(0, 'item', new Error('x'), 0, []);
  expectTypeOf(chainError.item).toEqualTypeOf<string>();
  expectTypeOf(chainError.state).toEqualTypeOf<number>();
  expectTypeOf(chainError).toExtend<TaskError<string>>();
  const taskError = new TaskError(3, { path: 'a' }, new Error('x'));
  expectTypeOf(taskError.item).toEqualTypeOf<{ path: string }>();
  expectTypeOf<ParallelError<string, number>['errors']>().toEqualTypeOf<TaskError<string>[]>();
  expectTypeOf<ParallelError<string, number>['resultsByIndex']>().toEqualTypeOf<Array<number | undefined>>();
}
