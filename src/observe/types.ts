/**
 * The one event vocabulary every fanout run speaks to observers: the graph scheduler's events, tagged with the run
 * they belong to and the kind of run that emitted them.
 */

/** Which API emitted an event. */
export type RunSource = 'graph' | 'parallel' | 'pipeline' | 'chain';

/** What every run reports at its end; a graph's full {@link GraphResult} is one of these. */
export interface RunSummary {
  ok: boolean;
  aborted: boolean;
  failFastTriggered: boolean;
}

/** Fields shared by every observed event. */
export interface RunTag {
  /** Identifies one run; concurrent runs through one observer are told apart by it. */
  runId: string;
  source: RunSource;
}

/**
 * An event of any run: the graph's `graph:start`, `task:start`, `task:end` and `graph:end` (same fields, same
 * order guarantees) plus a {@link RunTag}. `taskCount` is `undefined` when the run cannot know it up front
 * (pipelines, lazy inputs); `step` names the pipeline step a task belongs to.
 */
export type ObservedEvent =
  | (RunTag & { type: 'graph:start'; time: number; taskCount: number | undefined })
  | (RunTag & { type: 'task:start'; time: number; id: string; async: boolean; step?: string })
  | (RunTag & { type: 'task:end'; time: number; id: string; outcome: TaskOutcome<unknown>; step?: string })
  | (RunTag & { type: 'graph:end'; time: number; result: RunSummary });

/**
 * Receives every event of the runs it is given to, synchronously and in order. It must be quick: it runs on the
 * scheduling path. Exceptions it throws are contained by fanout (see `safeObserver` of fanout/observe).
 *
 * @example
 * ```ts
 * import type { Observer } from 'fanout';
 * const failures: string[] = [];
 * const observer: Observer = {
 *   onEvent(event) {
 *     if (event.type === 'task:end' && event.outcome.status === 'failed') failures.push(event.id);
 *   },
 * };
 * ```
 */
export interface Observer {
  onEvent(event: ObservedEvent): void;
}

/** Why a task never started: a requirement did not pass (the task that failed), fail-fast, or an abort. */
export type SkipReason = { blockedBy: string } | { failFast: true } | { aborted: true };

/**
 * What became of one task; `cancelled` means it was running when the run was stopped ('kill' or an abort). A task
 * that had already settled when the stop landed (its result queued behind the one that stopped the run) is what it
 * did: `failed` with its own error, `passed` with its value.
 */
export type TaskOutcome<V> =
  | { id: string; status: 'passed'; value: V; durationMs: number }
  | { id: string; status: 'failed'; error: unknown; durationMs: number }
  | { id: string; status: 'timeout'; durationMs: number }
  | { id: string; status: 'cancelled'; durationMs: number }
  | { id: string; status: 'skipped'; reason: SkipReason };

/**
 * What `runGraph` resolves with. `O` is the type of each outcome: for a graph built with {@link defineGraph} or a
 * task list written in place, a union discriminated by `id`, so checking `r.id` and `r.status` types `r.value`.
 */
export interface GraphResult<V = unknown, O extends { id: string } = TaskOutcome<V>> {
  /** True when every task passed. */
  ok: boolean;
  /** True when a failure or timeout stopped the run (failFast 'kill' or 'no-new'). */
  failFastTriggered: boolean;
  /** True when the parent signal stopped the run. */
  aborted: boolean;
  /** Every task exactly once, in input order. */
  results: O[];
}

/** Events, in causal order. `time` is `performance.now()` at emission. */
export type GraphEvent<V> =
  | { type: 'graph:start'; time: number; taskCount: number }
  | { type: 'task:start'; time: number; id: string; async: boolean }
  /** Emitted once per task, skipped tasks included (they have no start). */
  | { type: 'task:end'; time: number; id: string; outcome: TaskOutcome<V> }
  | { type: 'graph:end'; time: number; result: GraphResult<V> };
