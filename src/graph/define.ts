/**
 * A graph whose types are known where it is written: each task's value is inferred from its `run`, and a task's
 * `dependencies` are typed by the ids it requires.
 */
import { invalidArgument } from '../common/arguments.js';
import type { GraphOptions, GraphResult, GraphTask, GraphTaskContext, TaskOutcomeOf } from './types.js';

/** Brands a task list with the values of its tasks (id → value); it exists in types only. */
declare const graphValues: unique symbol;

/**
 * The task list of a {@link defineGraph} graph: an ordinary read-only array of tasks (give it to `runGraph`,
 * `streamGraph`, `validateGraph` …) that also carries, in its type only, each task's value by id.
 */
export type TypedGraphTasks<M> = ReadonlyArray<GraphTask<unknown, never>> & { readonly [graphValues]: M };

/** What a {@link defineGraph} task may set beside `id`, `run` and `requires`. */
export type DefinedTaskOptions = Omit<GraphTask, 'id' | 'run' | 'requires'>;

/** The result of `runGraph` on a {@link defineGraph} graph: outcomes discriminated by `id`. */
export type TypedGraphResult<M> = GraphResult<M[keyof M], TaskOutcomeOf<M>>;

/** The options of `runGraph` on a {@link defineGraph} graph. */
export type TypedGraphOptions<M> = GraphOptions<M[keyof M]>;

/** A new id: not one of `Taken` (a second task with the same id is a type error, as it is a GraphError at run). */
type NewId<Id extends string, Taken> = Id extends keyof Taken ? never : Id;

/** A graph being defined: add tasks with {@link GraphDefinition.task}, run {@link GraphDefinition.tasks}. */
export interface GraphDefinition<M extends Record<string, unknown>> {
  /** The tasks, in the order they were added. */
  readonly tasks: TypedGraphTasks<M>;
  /** Adds a task that requires nothing; its value's type is what `run` returns (awaited). */
  task<const Id extends string, V>(
    id: NewId<Id, M>,
    run: (context: GraphTaskContext<unknown, Readonly<Record<never, never>>>) => V | PromiseLike<V>,
  ): GraphDefinition<M & { [K in Id]: V }>;
  /**
   * Adds a task with options; `requires` names tasks added before it, and `run` receives their values typed by id.
   */
  task<const Id extends string, const R extends ReadonlyArray<keyof M & string>, V>(
    id: NewId<Id, M>,
    options: DefinedTaskOptions & { requires?: R },
    run: (context: GraphTaskContext<unknown, { readonly [K in R[number]]: M[K] }>) => V | PromiseLike<V>,
  ): GraphDefinition<M & { [K in Id]: V }>;
}

/**
 * Starts a graph whose types follow its tasks: each task's value type is inferred from its `run`, `requires` may only
 * name tasks added before (so the list is in dependency order and cannot cycle), and `dependencies` is typed by
 * those ids. `runGraph(graph.tasks)` then resolves with outcomes discriminated by `id`: after `r.id === 'build' &&
 * r.status === 'passed'`, `r.value` has the build task's type. A definition is immutable: `task` returns a new one.
 *
 * For graphs known only at run time, pass a task array to `runGraph`; `dependencies` values are then `unknown`, to be
 * narrowed with {@link dependencyValue}.
 *
 * @example
 * ```ts
 * import { defineGraph, runGraph } from 'fanout';
 * const graph = defineGraph()
 *   .task('build', async () => ({ outDir: 'dist' }))
 *   .task('lint', { triggersFailFast: false }, () => undefined)
 *   .task('test', { requires: ['build'] }, async ({ dependencies }) => dependencies.build.outDir.length);
 * const result = await runGraph(graph.tasks, { failFast: 'kill' });
 * for (const r of result.results) if (r.id === 'test' && r.status === 'passed') console.log(r.value.toFixed(0));
 * ```
 */
export function defineGraph(): GraphDefinition<Record<never, never>> {
  return definition([]);
}

function definition<M extends Record<string, unknown>>(tasks: ReadonlyArray<GraphTask<unknown, never>>): GraphDefinition<M> {
  const frozen = Object.freeze(tasks);
  return {
    tasks: frozen as TypedGraphTasks<M>,
    task(id: string, second: unknown, third?: unknown) {
      const [options, run] = typeof second === 'function' ? [{}, second] : [second, third];
      if (typeof options !== 'object' || options === null) throw invalidArgument(`options of task "${id}"`, 'an object', options);
      if (typeof run !== 'function') throw invalidArgument(`run of task "${id}"`, 'a function', run);
      const task = { ...(options as DefinedTaskOptions), id, run } as GraphTask<unknown, never>;
      return definition([...frozen, task]) as never;
    },
  };
}

/**
 * The value of dependency `id` from a task's `dependencies`, checked at run time: `guard` narrows it (a type
 * predicate such as `(v): v is string => typeof v === 'string'`). For task lists whose types are not known where they
 * are written; a {@link defineGraph} graph types `dependencies` itself.
 *
 * @throws TypeError when the task does not require `id`, or the value does not pass `guard`.
 * @example
 * ```ts
 * import { dependencyValue, runGraph } from 'fanout';
 * const isText = (value: unknown): value is string => typeof value === 'string';
 * await runGraph([
 *   { id: 'build', run: () => 'dist/' },
 *   { id: 'test', requires: ['build'], run: ({ dependencies }) => dependencyValue(dependencies, 'build', isText).length },
 * ]);
 * ```
 */
export function dependencyValue<T>(
  dependencies: Readonly<Record<string, unknown>>,
  id: string,
  guard: (value: unknown) => value is T,
): T {
  if (!Object.hasOwn(dependencies, id)) {
    throw new TypeError(`dependencies.${id} is missing: the task must require "${id}"`);
  }
  const value = dependencies[id];
  if (!guard(value)) throw invalidArgument(`dependencies.${id}`, `a value accepted by ${guard.name || 'the guard'}`, value);
  return value;
}

/**
 * The outcome of task `id` in a result, typed by its id for a {@link defineGraph} graph; `undefined` if no task has
 * that id.
 *
 * @example
 * ```ts
 * import { defineGraph, outcomeOf, runGraph } from 'fanout';
 * const graph = defineGraph().task('answer', () => 42);
 * const outcome = outcomeOf(await runGraph(graph.tasks), 'answer');
 * if (outcome?.status === 'passed') console.log(outcome.value + 1);
 * ```
 */
export function outcomeOf<O extends { id: string }, const Id extends O['id']>(
  result: { readonly results: readonly O[] },
  id: Id,
): OutcomeWithId<O, Id> | undefined {
  return result.results.find((outcome) => outcome.id === id) as OutcomeWithId<O, Id> | undefined;
}

/** The outcome type of task `Id`: the matching member of a by-id union, or `O` itself when ids are plain strings. */
type OutcomeWithId<O extends { id: string }, Id extends string> = string extends O['id'] ? O : Extract<O, { id: Id }>;
