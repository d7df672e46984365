/**
 * The one event vocabulary every fanout run speaks to observers: the graph scheduler's events, tagged with the run
 * they belong to and the kind of run that emitted them.
 */
import type { TaskOutcome } from '../graph/types.js';

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

