/**
 * Graph tasks that run on worker threads: with `options.worker`, a task without `run` is handed to that module's
 * function in a thread. The pool is created on the first such start, so a graph whose thread tasks never start (or
 * that has none) never spawns a thread, and it is destroyed when the run ends.
 */
import { isAbsolute } from 'node:path';
import { invalidArgument } from '../common/arguments.js';
import type { ThreadPool } from '../threads/thread-pool.js';
import type { GraphTask, GraphTaskContext, ThreadGraphTask, ThreadTaskInput } from './types.js';

/** The thread side of one graph run. */
export interface ThreadTasks<V> {
  /** `tasks` with a `run` for every task that has none; the other tasks as they are. */
  readonly tasks: ReadonlyArray<GraphTask<V>>;
  /**
   * Ends the pool, if one was started. Forced: at the end of a run the only thread tasks left are abandoned ones
   * (timed out, cancelled), which runGraph never waits for.
   */
  close(): Promise<void>;
}

/** Checks `options.worker`; returns it as is, or undefined when absent. */
export function checkWorker(worker: unknown): string | URL | undefined {
  if (worker === undefined) return undefined;
  if (worker instanceof URL && worker.protocol === 'file:') return worker;
  if (typeof worker === 'string' && (worker.startsWith('file:') || isAbsolute(worker))) return worker;
  throw invalidArgument('options.worker', 'a file: URL or an absolute path of a worker module', worker);
}

/** Gives every task without `run` one that runs `worker`'s default export on a thread. */
export function bindThreadTasks<V>(tasks: ReadonlyArray<GraphTask<V> | ThreadGraphTask<V>>, worker: string | URL): ThreadTasks<V> {
  let pool: Promise<ThreadPool<ThreadTaskInput<V>, V>> | undefined;
  // The pool's module (and node:worker_threads) loads with the first thread task that starts, not with every graph.
  const start = (): Promise<ThreadPool<ThreadTaskInput<V>, V>> =>
    (pool ??= import('../threads/thread-pool.js').then(({ createThreadPool }) => createThreadPool<ThreadTaskInput<V>, V>(worker)));
  const bound = tasks.map((task): GraphTask<V> => {
    // Anything malformed is left for the graph's own validation to name.
    if (typeof task !== 'object' || task === null || task.run !== undefined) return task;
    const { input } = task;
    return {
      ...task,
      run: async (context: GraphTaskContext<V>) => {
        const { signal } = context;
        return (await start()).run({ id: context.id, input, dependencies: context.dependencies }, { signal });
      },
    };
  });
  return {
    tasks: bound,
    // A pool that could not be created has nothing to end: its error went to the task that started it.
    close: () => (pool === undefined ? Promise.resolve() : pool.then((started) => started.close({ force: true }), () => undefined)),
  };
}
