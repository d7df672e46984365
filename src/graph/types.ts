import type { Observer } from '../observe/types.js';

/**
 * Types of the dependency-graph scheduler (pinned by the graph issue). The event types are the one stream that
 * reporters, the CLI's `--stream` and observers consume.
 */

/** Context handed to a running task. */
export interface GraphTaskContext<V> {
  /** Aborts on timeout (with a `TimeoutError` DOMException), fail-fast 'kill', or the parent signal. */
  signal: AbortSignal;
  id: string;
  /** Values of the tasks this one requires, by id. */
  dependencies: Readonly<Record<string, V>>;
}

/** One node of the graph. */
export interface GraphTask<V> {
  id: string;
  requires?: readonly string[];
  run: (context: GraphTaskContext<V>) => Promise<V>;
  timeoutMs?: number;
  /** Long-running: runs outside `maxParallel`, in its own pool of `asyncParallel`. */
  async?: boolean;
  /** Expected duration, for priorities. */
  estimateMs?: number;
  /** @default true — false for tasks whose failure must never stop the run (warning-severity checks). */
  triggersFailFast?: boolean;
}

/** How the run reacts to the first failure or timeout. */
export type FailFastMode = 'kill' | 'no-new' | false;

export interface GraphOptions<V = unknown> {
  /** @default 4 */
  maxParallel?: number;
  /** @default false */
  failFast?: FailFastMode;
  /** @default 'ready' */
  schedule?: 'ready' | 'levels';
  /** @default maxParallel */
  asyncParallel?: number;
  signal?: AbortSignal;
  /** Called synchronously with every event, in order; an exception it throws is contained. */
  onEvent?: (event: GraphEvent<V>) => void;
  /** Receives every event too (after `onEvent`), tagged with a run id and `source: 'graph'`, like the other APIs' `observer`. */
  observer?: Observer;
}

export type SkipReason = { blockedBy: string } | { failFast: true } | { aborted: true };

export type TaskOutcome<V> =
  | { id: string; status: 'passed'; value: V; durationMs: number }
  | { id: string; status: 'failed'; error: unknown; durationMs: number }
  | { id: string; status: 'timeout'; durationMs: number }
  | { id: string; status: 'cancelled'; durationMs: number }
  | { id: string; status: 'skipped'; reason: SkipReason };

export interface GraphResult<V> {
  ok: boolean;
  failFastTriggered: boolean;
  aborted: boolean;
  /** Every task exactly once, in input order. */
  results: TaskOutcome<V>[];
}

/** Events, in causal order. `time` is `performance.now()` at emission. */
export type GraphEvent<V> =
  | { type: 'graph:start'; time: number; taskCount: number }
  | { type: 'task:start'; time: number; id: string; async: boolean }
  /** Emitted once per task, skipped tasks included (they have no start). */
  | { type: 'task:end'; time: number; id: string; outcome: TaskOutcome<V> }
  | { type: 'graph:end'; time: number; result: GraphResult<V> };
