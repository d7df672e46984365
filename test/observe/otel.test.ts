import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { runGraph } from '../../src/graph/scheduler.js';
import { createOtelObserver } from '../../src/observe/otel.js';
import { createObserver } from '../../src/observe/registry.js';
import { observeGraph } from '../../src/observe/run-events.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { processChain } from '../../src/pipeline/chain.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { sampleRun } from './events.js';

function setup(): { exporter: InMemorySpanExporter; provider: BasicTracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

const byName = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no span named ${name}; have ${spans.map((s) => s.name).join(', ')}`);
  return span;
};
const durationMs = (span: ReadableSpan): number => span.duration[0] * 1000 + span.duration[1] / 1e6;

afterEach(() => {
  trace.disable();
});

describe('otel observer', () => {
  it('records a run span parenting one span per task, with status ERROR on failure and on timeout', () => {
    const { exporter, provider } = setup();
    const observer = createOtelObserver({ tracer: provider.getTracer('test') });
    for (const event of sampleRun()) observer.onEvent(event);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['build', 'deploy', 'e2e', 'fanout.graph', 'test']);
    const run = byName(spans, 'fanout.graph');
    expect(run.parentSpanContext).toBeUndefined();
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'run failed' });
    expect(run.attributes).toMatchObject({
      'fanout.run.id': 'run-1',
      'fanout.source': 'graph',
      'fanout.task_count': 4,
      'fanout.ok': false,
      'fanout.aborted': false,
    });
    for (const name of ['build', 'test', 'e2e', 'deploy']) {
      const span = byName(spans, name);
      expect(span.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
      expect(span.attributes['fanout.task.id']).toBe(name);
    }
    const build = byName(spans, 'build');
    expect(build.status.code).toBe(SpanStatusCode.UNSET);
    expect(build.attributes).toMatchObject({ 'fanout.task.status': 'passed', 'fanout.task.duration_ms': 4, 'fanout.task.async': false });
    expect(durationMs(build)).toBeCloseTo(4, 3); // span times are the events' times
    const test = byName(spans, 'test');
    expect(test.status).toEqual({ code: SpanStatusCode.ERROR, message: '2 tests failed' });
    expect(test.events.map((e) => e.name)).toEqual(['exception']);
    expect(byName(spans, 'e2e').status.code).toBe(SpanStatusCode.ERROR);
    expect(byName(spans, 'e2e').attributes).toMatchObject({ 'fanout.task.status': 'timeout', 'fanout.task.async': true });
    const deploy = byName(spans, 'deploy');
    expect(deploy.status.code).toBe(SpanStatusCode.UNSET);
    expect(deploy.attributes).toMatchObject({ 'fanout.task.status': 'skipped', 'fanout.task.skip_reason': 'blocked', 'fanout.task.blocked_by': 'test' });
    expect(durationMs(deploy)).toBe(0);
  });

  it('traces a real runGraph through the global provider: names, parents and status', async () => {
    const { exporter, provider } = setup();
    trace.setGlobalTracerProvider(provider);
    const result = await runGraph(
      [
        { id: 'build', run: () => Promise.resolve('dist/') },
        { id: 'lint', run: () => Promise.resolve('ok') },
        { id: 'test', requires: ['build'], run: () => Promise.reject(new Error('1 failing')) },
        { id: 'deploy', requires: ['test'], run: () => Promise.resolve('ok') },
      ],
      { onEvent: observeGraph(createObserver('otel')) },
    );
    expect(result.ok).toBe(false);
    const spans = exporter.getFinishedSpans();
    const run = byName(spans, 'fanout.graph');
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.instrumentationScope.name).toBe('fanout');
    const children = spans.filter((s) => s.parentSpanContext?.spanId === run.spanContext().spanId);
    expect(children.map((s) => [s.name, s.attributes['fanout.task.status'], s.status.code]).sort()).toEqual([
      ['build', 'passed', SpanStatusCode.UNSET],
      ['deploy', 'skipped', SpanStatusCode.UNSET],
      ['lint', 'passed', SpanStatusCode.UNSET],
      ['test', 'failed', SpanStatusCode.ERROR],
    ]);
  });

  it('parents the run span to the given context, and keeps concurrent runs in their own traces', () => {
    const { exporter, provider } = setup();
    const tracer = provider.getTracer('test');
    const outer = tracer.startSpan('ci job');
    const observer = createOtelObserver({ tracer, parentContext: trace.setSpan(context.active(), outer) });
    const a = sampleRun('a');
    const b = sampleRun('b');
    for (let i = 0; i < a.length; i++) {
      observer.onEvent(a[i]!);
      observer.onEvent(b[i]!);
    }
    outer.end();
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === 'fanout.graph');
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      const runId = run.attributes['fanout.run.id'];
      const tasks = spans.filter((s) => s.parentSpanContext?.spanId === run.spanContext().spanId);
      expect(tasks).toHaveLength(4);
      expect(tasks.every((s) => s.attributes['fanout.run.id'] === runId)).toBe(true);
    }
  });

  it('names pipeline task spans by task id with their step, and processParallel/chain items generically', async () => {
    const { exporter, provider } = setup();
    const observer = createOtelObserver({ tracer: provider.getTracer('test') });
    const result = await runPipeline({
      steps: [{ type: 'parallel', name: 'review', createTasks: () => [{ id: 'review:a' }, { id: 'review:b' }] }],
      executor: { execute: () => Promise.resolve({ status: 'completed' }) },
      workspace: false,
      observer,
    });
    expect(result.status).toBe('completed');
    const spans = exporter.getFinishedSpans();
    const run = byName(spans, 'fanout.pipeline');
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(run.attributes['fanout.task_count']).toBeUndefined();
    const task = byName(spans, 'review:a');
    expect(task.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(task.attributes['fanout.pipeline.step']).toBe('review');

    observer.onEvent({ type: 'graph:start', time: 1, taskCount: 1, runId: 'p', source: 'parallel' });
    observer.onEvent({ type: 'task:start', time: 1, id: '0', async: false, runId: 'p', source: 'parallel' });
    observer.onEvent({ type: 'graph:end', time: 2, runId: 'p', source: 'parallel', result: { ok: false, aborted: true, failFastTriggered: false } });
    const abandoned = exporter.getFinishedSpans().filter((s) => s.name === 'fanout.item');
    expect(abandoned).toHaveLength(1); // a task span without an end event is closed with its run, never leaked
    expect(byName(exporter.getFinishedSpans(), 'fanout.parallel').status).toEqual({ code: SpanStatusCode.ERROR, message: 'run aborted' });
  });
  it('traces real processParallel and processChain runs: fanout.item / fanout.chain.step spans under their run span', async () => {
    const { exporter, provider } = setup();
    const observer = createOtelObserver({ tracer: provider.getTracer('test') });
    const parallel = await processParallel(
      [1, 2, 3],
      (n) => (n === 2 ? Promise.reject(new Error('two is bad')) : Promise.resolve(n * 10)),
      { failFast: false, observer },
    );
    expect(parallel.errors).toHaveLength(1);
    const chain = await processChain(['a', 'b'], (state: string, item) => state + item, { initialState: '', observer });
    expect(chain.finalState).toBe('ab');

    const spans = exporter.getFinishedSpans();
    const parallelRun = byName(spans, 'fanout.parallel');
    expect(parallelRun.status).toEqual({ code: SpanStatusCode.ERROR, message: 'run failed' });
    const items = spans.filter((s) => s.parentSpanContext?.spanId === parallelRun.spanContext().spanId);
    expect(items.map((s) => s.name)).toEqual(['fanout.item', 'fanout.item', 'fanout.item']);
    expect(items.map((s) => s.status.code).sort()).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET, SpanStatusCode.ERROR].sort());
    expect(items.find((s) => s.status.code === SpanStatusCode.ERROR)?.status.message).toBe('two is bad');

    const chainRun = byName(spans, 'fanout.chain');
    expect(chainRun.status.code).toBe(SpanStatusCode.UNSET);
    const steps = spans.filter((s) => s.parentSpanContext?.spanId === chainRun.spanContext().spanId);
    expect(steps.map((s) => s.name)).toEqual(['fanout.chain.step', 'fanout.chain.step']);
    expect(steps.every((s) => s.spanContext().traceId === chainRun.spanContext().traceId)).toBe(true);
  });
});
