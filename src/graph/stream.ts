/**
 * The streaming form of runGraph: the run starts at once and its events queue without bound, so a slow or absent
 * consumer never holds up scheduling; leaving the loop stops only the iteration, never the run.
 */
import { GraphRun } from './scheduler.js';
import type { TypedGraphOptions, TypedGraphTasks } from './define.js';
import type {
  AnyGraphTask,
  GraphEvent,
  GraphOptions,
  GraphResult,
  GraphTask,
  GraphTaskValue,
  TaskOutcome,
  TaskOutcomeOf,
  TaskOutcomeOfList,
  ThreadGraphTask,
} from './types.js';

/** A running graph: iterate it for its events (once), await `result` for the outcome. */
export interface GraphStream<V = unknown, O extends { id: string } = TaskOutcome<V>> extends AsyncIterableIterator<GraphEvent<V>> {
  /** Settles like {@link runGraph}'s promise, whether or not anyone iterates. */
  readonly result: Promise<GraphResult<V, O>>;
  /** Stops the iteration (what `break` calls): drops buffered events; the run goes on. */
  return(): Promise<IteratorResult<GraphEvent<V>>>;
}

class EventQueue<V> implements GraphStream<V> {
  readonly result: Promise<GraphResult<V>>;
  #buffer: GraphEvent<V>[] = [];
  #head = 0;
  // Pending next() calls, oldest first (for-await has at most one; manual callers may queue several).
  #waiters: { resolve: (step: IteratorResult<GraphEvent<V>>) => void; reject: (error: unknown) => void }[] = [];
  #ended = false;
  #closed = false;
  #error: { value: unknown } | undefined;

  constructor(tasks: ReadonlyArray<GraphTask<V> | ThreadGraphTask<V>>, options: GraphOptions<V> | undefined) {
    const run = new GraphRun(tasks, options, (event) => this.#push(event));
    this.result = run.start();
    // An internal failure ends the iteration with that error; the same error rejects `result`.
    this.result.then(
      () => this.#end(),
      (error: unknown) => this.#fail(error),
    );
  }

  #push(event: GraphEvent<V>): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve({ value: event, done: false });
    else this.#buffer.push(event);
    if (event.type === 'graph:end') this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve({ value: undefined, done: true });
  }

  #fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    const first = waiters.shift();
    if (first === undefined) this.#error = { value: error };
    else first.reject(error);
    for (const waiter of waiters) waiter.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<GraphEvent<V>>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++] as GraphEvent<V>;
      // Drop consumed events so a long run does not keep them all alive.
      if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#error !== undefined) {
      const { value } = this.#error;
      this.#error = undefined;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows the run's own error as is
      return Promise.reject(value);
    }
    if (this.#ended || this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Leaving a `for await` loop: stop buffering; the run itself goes on (abort it with its signal). */
  return(): Promise<IteratorResult<GraphEvent<V>>> {
    this.#closed = true;
    this.#buffer = [];
    this.#head = 0;
    this.#settleWaiters();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Runs a graph like {@link runGraph} and yields its events as they happen: `graph:start`, `task:start`, `task:end`
 * (every task, skipped ones included), `graph:end` (with the result). The run starts immediately; events are
 * buffered without bound, so scheduling never waits for the consumer. Breaking out of the loop stops the
 * iteration and drops the buffer, not the run — abort `options.signal` for that. The stream can be iterated once.
 *
 * @throws TypeError or {@link GraphError} synchronously, before anything runs, for invalid input.
 * @example
 * ```ts
 * import { streamGraph } from 'fanout';
 * const stream = streamGraph([
 *   { id: 'lint', run: async () => 0 },
 *   { id: 'test', requires: ['lint'], run: async () => 0 },
 * ]);
 * for await (const event of stream) {
 *   if (event.type === 'task:end') console.log(event.id, event.outcome.status);
 * }
 * const { ok } = await stream.result;
 * ```
 */
export function streamGraph<M extends Record<string, unknown>>(
  tasks: TypedGraphTasks<M>,
  options?: TypedGraphOptions<M>,
): GraphStream<M[keyof M], TaskOutcomeOf<M>>;
export function streamGraph<const Tasks extends ReadonlyArray<GraphTask<unknown, unknown> | ThreadGraphTask<unknown>>>(
  tasks: Tasks,
  options?: GraphOptions<GraphTaskValue<Tasks[number]>>,
): GraphStream<GraphTaskValue<Tasks[number]>, TaskOutcomeOfList<Tasks>>;
export function streamGraph<V>(tasks: ReadonlyArray<GraphTask<V> | ThreadGraphTask<V>>, options?: GraphOptions<V>): GraphStream<V>;
export function streamGraph(tasks: ReadonlyArray<AnyGraphTask>, options?: GraphOptions<never>): GraphStream<unknown, { id: string }> {
  return new EventQueue(tasks as ReadonlyArray<GraphTask<unknown>>, options as GraphOptions<unknown> | undefined);
}
