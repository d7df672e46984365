import type { GraphEvent, Observer, TaskOutcome } from '../observe/types.js';

// Types of the dependency-graph scheduler. Its outcomes, result and events live with the observer types (one module
// for what a run reports), and are exported here too, where a graph's user looks for them.
export type { GraphEvent, GraphResult, SkipReason, TaskOutcome } from '../observe/types.js';

/**
 * Context handed to a running task. Its fields are accessors computed on first read (most tasks never read them,
 * and on a large graph even the id lookup is a cache miss), so `{ ...context }` or `JSON.stringify(context)` copy
 * nothing: read the fields you need by name.
 */
export interface GraphTaskContext<V = unknown, Dependencies extends Readonly<Record<string, unknown>> = Readonly<Record<string, V>>> {
  /** Aborts on timeout (with a `TimeoutError` DOMException), fail-fast 'kill', or the parent signal. */
  signal: AbortSignal;
  /** The task's own id. */
  id: string;
  /**
   * Values of the tasks this one requires, by id (every one of them passed, or this task would not run). Typed by id
   * in a graph built with {@link defineGraph}; `unknown` in a task list, narrowed with {@link dependencyValue}.
   */
  dependencies: Dependencies;
}

/**
 * One node of the graph. `V` is the value its `run` produces; `D` the type of the values it receives in
 * `dependencies` (by default `V`, as when every task of the graph produces the same type).
 */
export interface GraphTask<V = unknown, D = V> {
  /** Unique within the graph. */
  id: string;
  /** Ids of the tasks that must pass before this one starts. @default [] */
  requires?: readonly string[];
  /** The work. Its value is handed to dependents as `dependencies[id]`; a rejection is the status 'failed'. */
  run: (context: GraphTaskContext<D>) => V | PromiseLike<V>;
  /**
   * At the deadline the task's signal aborts with a `TimeoutError` and its status is 'timeout', whether or not it
   * stops: its slot is freed and a late result discarded. @default no timeout
   */
  timeoutMs?: number;
  /** Long-running: runs outside `maxParallel`, in its own pool of `asyncParallel`. @default false */
  async?: boolean;
  /** Expected duration in ms, for priorities (longest remaining path first). @default the median of the known estimates, or 1 */
  estimateMs?: number;
  /** @default true — false for tasks whose failure must never stop the run (warning-severity checks). */
  triggersFailFast?: boolean;
}

/**
 * A task for a worker thread: no `run`; with `options.worker`, that module's function runs it on a thread, called
 * with a {@link ThreadTaskInput}. Everything else is as for {@link GraphTask}.
 */
export interface ThreadGraphTask<V = unknown> extends Omit<GraphTask<V>, 'run'> {
  run?: undefined;
  /** Handed to the worker function as `input`; structured-cloned, so no functions. @default undefined */
  input?: unknown;
}

/** What the worker module's function receives for a {@link ThreadGraphTask} (structured-cloned into the thread). */
export interface ThreadTaskInput<V> {
  id: string;
  input: unknown;
  /** Values of the tasks this one requires, by id. */
  dependencies: Readonly<Record<string, V>>;
}

/** How the run reacts to the first failure or timeout. */
export type FailFastMode = 'kill' | 'no-new' | false;

/** Options of `runGraph` and `streamGraph`. */
export interface GraphOptions<V = unknown> {
  /** Non-async tasks running at once: an integer ≥ 1 or Infinity. @default 4 */
  maxParallel?: number;
  /**
   * 'kill': the first failure or timeout aborts running tasks ('cancelled', unless they had settled already, see
   * runGraph) and starts nothing more; 'no-new': running
   * tasks finish, nothing new starts; false: everything that can run, runs. @default false
   */
  failFast?: FailFastMode;
  /** 'ready': start each task as soon as it can, longest remaining path first; 'levels': VibeGuard's level barrier. @default 'ready' */
  schedule?: 'ready' | 'levels';
  /** Async tasks running at once, beside `maxParallel`. @default maxParallel */
  asyncParallel?: number;
  /** Aborting it acts like failFast 'kill' and sets `aborted` on the result. */
  signal?: AbortSignal;
  /** Called synchronously with every event, in order; an exception it throws is contained. */
  onEvent?: (event: GraphEvent<V>) => void;
  /**
   * A worker module (a `file:` URL or an absolute path) whose default export runs the tasks that have no `run`, on
   * worker threads (piscina, `os.availableParallelism()` threads, started on the first such task and ended with the
   * run). A timeout, fail-fast 'kill' or abort terminates the thread running the task. @default none: every task
   * needs `run`
   */
  worker?: string | URL;
  /** Receives every event too (after `onEvent`), tagged with a run id and `source: 'graph'`, like the other APIs' `observer`. */
  observer?: Observer;
}

/** Any task a graph may hold, whatever its value and dependency types (validation and analysis read no values). */
export type AnyGraphTask = GraphTask<unknown, never> | ThreadGraphTask<unknown>;

/** The value a task produces: what its `run` resolves with (`unknown` for a thread task). */
export type GraphTaskValue<T> = T extends { run: (...args: never[]) => infer R } ? Awaited<R> : unknown;

/** The outcome of each task of a list written in place, discriminated by its literal `id`. */
export type TaskOutcomeOfList<Tasks extends readonly unknown[]> = {
  [K in keyof Tasks]: Tasks[K] extends { id: infer Id extends string } ? TaskOutcome<GraphTaskValue<Tasks[K]>> & { id: Id } : never;
}[number];

/** The outcome of each task of a graph whose values are `M` (id → value), discriminated by `id`. */
export type TaskOutcomeOf<M> = { [K in keyof M & string]: TaskOutcome<M[K]> & { id: K } }[keyof M & string];
