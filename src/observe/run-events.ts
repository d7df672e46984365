/**
 * Turns the life of one run into {@link ObservedEvent}s. The APIs that accept an `observer` use these helpers only
 * when one is given, so a run without an observer pays nothing.
 */
import { isAbortOf } from '../common/abort.js';
import { crypto } from '../common/builtins.js';
import { optionalObserver } from './safe.js';
import type { GraphEvent, ObservedEvent, Observer, RunSource, RunSummary, TaskOutcome } from './types.js';

/** Emits the events of one run to one observer. */
export interface RunEmitter {
  readonly runId: string;
  taskStart(id: string, step?: string): void;
  taskEnd(id: string, outcome: TaskOutcome<unknown>, step?: string): void;
  end(summary: RunSummary): void;
}

/**
 * Starts observing a run: emits `graph:start` at once and returns the emitter of the rest. The observer is wrapped
 * with {@link safeObserver}, so its exceptions never reach the run.
 */
export function startRun(observer: Observer, source: RunSource, taskCount: number | undefined, runId: string = crypto().randomUUID()): RunEmitter {
  const sink = optionalObserver('observer', observer) as Observer;
  sink.onEvent({ type: 'graph:start', time: performance.now(), taskCount, runId, source });
  let ended = false;
  return {
    runId,
    taskStart(id, step) {
      const event: ObservedEvent = { type: 'task:start', time: performance.now(), id, async: false, runId, source };
      if (step !== undefined) event.step = step;
      sink.onEvent(event);
    },
    taskEnd(id, outcome, step) {
      const event: ObservedEvent = { type: 'task:end', time: performance.now(), id, outcome, runId, source };
      if (step !== undefined) event.step = step;
      sink.onEvent(event);
    },
    end(result) {
      if (ended) return;
      ended = true;
      sink.onEvent({ type: 'graph:end', time: performance.now(), result, runId, source });
    },
  };
}

/**
 * Adapts an observer to `runGraph`'s / `streamGraph`'s `onEvent` option: each graph event is forwarded as is,
 * tagged with one run id and `source: 'graph'`.
 *
 * @example
 * ```ts
 * import { createObserver, observeGraph } from 'fanout/observe';
 * import { runGraph } from 'fanout';
 * await runGraph([{ id: 'a', run: async () => 1 }], { onEvent: observeGraph(createObserver('json')) });
 * ```
 */
export function observeGraph<V>(observer: Observer, runId: string = crypto().randomUUID()): (event: GraphEvent<V>) => void {
  const sink = optionalObserver('observer', observer) as Observer;
  return (event) => sink.onEvent({ ...event, runId, source: 'graph' });
}

/**
 * Combines a graph's own `onEvent` with an observer (either may be absent). Used by runGraph's `observer` option.
 */
export function graphEventSink<V>(
  onEvent: ((event: GraphEvent<V>) => void) | undefined,
  observer: Observer | undefined,
): ((event: GraphEvent<V>) => void) | undefined {
  if (observer === undefined) return onEvent;
  const observe = observeGraph<V>(observer);
  if (onEvent === undefined) return observe;
  return (event) => {
    try {
      onEvent(event);
    } finally {
      observe(event);
    }
  };
}

/**
 * Wraps a processParallel processor so each call emits `task:start` and `task:end` (id: the item's index). A
 * rejection that is the run's abort ({@link isAbortOf}) is reported as 'cancelled', as processParallel counts it.
 */
export function observeProcessor<I, O, C extends { index: number; signal: AbortSignal }>(
  emitter: RunEmitter,
  processor: (item: I, context: C) => O | PromiseLike<O>,
): (item: I, context: C) => Promise<O> {
  return async (item, context) => {
    const id = String(context.index);
    const started = performance.now();
    emitter.taskStart(id);
    let output: O;
    try {
      output = await processor(item, context);
    } catch (error) {
      const durationMs = performance.now() - started;
      const signal = context.signal;
      emitter.taskEnd(
        id,
        isAbortOf(error, signal) ? { id, status: 'cancelled', durationMs } : { id, status: 'failed', error, durationMs },
      );
      throw error;
    }
    emitter.taskEnd(id, { id, status: 'passed', value: output, durationMs: performance.now() - started });
    return output;
  };
}
