import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { invalidArgument } from '../common/arguments.js';
import { load } from './lazy.js';
import type { ObservedEvent, Observer, RunSource } from './types.js';

/**
 * An OpenTelemetry `Tracer` (of `@opentelemetry/api`), written structurally so the types of fanout/observe compile
 * without that optional peer dependency installed; a real Tracer is one.
 */
export interface OtelTracer {
  startSpan(name: string, options?: object, context?: OtelContext): object;
}

/** An OpenTelemetry `TracerProvider`, written structurally (see {@link OtelTracer}). */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): OtelTracer;
}

/** An OpenTelemetry `Context`, written structurally (see {@link OtelTracer}). */
export interface OtelContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): OtelContext;
  deleteValue(key: symbol): OtelContext;
}

/** Options of {@link createOtelObserver}. */
export interface OtelObserverOptions {
  /** The tracer spans are created with. @default the global provider's tracer named 'fanout' */
  tracer?: OtelTracer;
  /** A provider to take the 'fanout' tracer from, when no `tracer` is given. @default trace.getTracerProvider() */
  tracerProvider?: OtelTracerProvider;
  /**
   * The context a run span is parented to. @default the active context when the run starts (so a run started inside
   * an active span of yours nests under it, given a context manager)
   */
  parentContext?: OtelContext;
}

interface OpenRun {
  span: Span;
  context: Context;
  tasks: Map<string, Span>;
}

const TRACER_NAME = 'fanout';

/**
 * An observer that records OpenTelemetry spans through `@opentelemetry/api`, so whichever SDK the application has
 * configured exports them (without one, the API's no-op tracer makes this free).
 *
 * - One span per run, named `fanout.<source>` (`fanout.graph`, `fanout.parallel`, `fanout.pipeline`,
 *   `fanout.chain`), parented to the active context (or `parentContext`); attributes `fanout.run.id`,
 *   `fanout.source`, `fanout.task_count`, and at its end `fanout.ok`, `fanout.aborted`, `fanout.fail_fast_triggered`;
 *   status ERROR when the run did not succeed.
 * - One child span per task, named by the task id for graphs and pipelines (ids are the user's stable names) and
 *   `fanout.item` / `fanout.chain.step` for processParallel and chains (whose ids are indices: span names stay low in
 *   cardinality); attributes `fanout.task.id`, `fanout.task.status`, `fanout.task.duration_ms`, `fanout.task.async`,
 *   `fanout.pipeline.step`, `fanout.task.blocked_by` / `fanout.task.skip_reason` for skipped tasks. Status ERROR for
 *   'failed' (the error recorded as an exception) and 'timeout'; cancelled and skipped tasks stay UNSET (they are a
 *   consequence, not a cause). Skipped tasks get a zero-length span so the trace shows the whole run.
 * - Span times are the events' own times, so they are exact even if the exporter is slow.
 *
 * @example
 * ```ts
 * import { createOtelObserver, observeGraph } from 'fanout/observe';
 * import { runGraph } from 'fanout';
 * // with an SDK configured (e.g. NodeSDK or a BasicTracerProvider registered globally)
 * await runGraph([{ id: 'lint', run: async () => 0 }], { onEvent: observeGraph(createOtelObserver()) });
 * ```
 */
export function createOtelObserver(options: OtelObserverOptions = {}): Observer {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const { SpanStatusCode, context: otelContext, trace } = load<typeof OtelApi>('@opentelemetry/api');
  const tracer = (options.tracer ?? (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME)) as Tracer;
  const runs = new Map<string, OpenRun>();

  const taskSpanName = (source: RunSource, id: string): string =>
    source === 'parallel' ? 'fanout.item' : source === 'chain' ? 'fanout.chain.step' : id;

  const startTask = (run: OpenRun, event: ObservedEvent & { id: string }, async: boolean, step: string | undefined): Span => {
    const attributes: Attributes = { 'fanout.run.id': event.runId, 'fanout.task.id': event.id, 'fanout.task.async': async };
    if (step !== undefined) attributes['fanout.pipeline.step'] = step;
    const span = tracer.startSpan(taskSpanName(event.source, event.id), { startTime: epoch(event.time), attributes }, run.context);
    return span;
  };

  return {
    onEvent(event: ObservedEvent): void {
      switch (event.type) {
        case 'graph:start': {
          const parent = (options.parentContext as Context | undefined) ?? otelContext.active();
          const attributes: Attributes = { 'fanout.run.id': event.runId, 'fanout.source': event.source };
          if (event.taskCount !== undefined) attributes['fanout.task_count'] = event.taskCount;
          const span = tracer.startSpan(`fanout.${event.source}`, { startTime: epoch(event.time), attributes }, parent);
          runs.set(event.runId, { span, context: trace.setSpan(parent, span), tasks: new Map() });
          return;
        }
        case 'task:start': {
          const run = runs.get(event.runId);
          if (run === undefined) return;
          run.tasks.get(event.id)?.end(epoch(event.time)); // a repeated id: close the stale span rather than leak it
          run.tasks.set(event.id, startTask(run, event, event.async, event.step));
          return;
        }
        case 'task:end': {
          const run = runs.get(event.runId);
          if (run === undefined) return;
          const outcome = event.outcome;
          let span = run.tasks.get(event.id);
          run.tasks.delete(event.id);
          span ??= startTask(run, event, false, event.step); // skipped tasks never started
          span.setAttribute('fanout.task.status', outcome.status);
          switch (outcome.status) {
            case 'failed': {
              span.setAttribute('fanout.task.duration_ms', outcome.durationMs);
              const error = outcome.error;
              if (error instanceof Error) span.recordException(error, epoch(event.time));
              span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
              break;
            }
            case 'timeout':
              span.setAttribute('fanout.task.duration_ms', outcome.durationMs);
              span.setStatus({ code: SpanStatusCode.ERROR, message: `timed out after ${Math.round(outcome.durationMs)} ms` });
              break;
            case 'skipped': {
              const reason = outcome.reason;
              if ('blockedBy' in reason) {
                span.setAttribute('fanout.task.skip_reason', 'blocked');
                span.setAttribute('fanout.task.blocked_by', reason.blockedBy);
              } else {
                span.setAttribute('fanout.task.skip_reason', 'failFast' in reason ? 'fail-fast' : 'aborted');
              }
              break;
            }
            default:
              span.setAttribute('fanout.task.duration_ms', outcome.durationMs);
          }
          span.end(epoch(event.time));
          return;
        }
        case 'graph:end': {
          const run = runs.get(event.runId);
          if (run === undefined) return;
          runs.delete(event.runId);
          const end = epoch(event.time);
          for (const span of run.tasks.values()) span.end(end); // abandoned without an end event: never leak a span
          const { ok, aborted, failFastTriggered } = event.result;
          run.span.setAttributes({ 'fanout.ok': ok, 'fanout.aborted': aborted, 'fanout.fail_fast_triggered': failFastTriggered });
          if (!ok) run.span.setStatus({ code: SpanStatusCode.ERROR, message: aborted ? 'run aborted' : 'run failed' });
          run.span.end(end);
          return;
        }
      }
    },
  };
}

/** Event times are `performance.now()`; spans want epoch milliseconds. */
function epoch(time: number): number {
  return performance.timeOrigin + time;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}
