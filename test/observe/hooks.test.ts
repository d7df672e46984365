/**
 * The `observer` option of processParallel and runGraph: the hooks live in src/core and src/graph (other owners, who
 * applied them in 063ca87 and 69cb71d); the events they emit are built by src/observe/run-events.ts.
 */
import { describe, expect, it } from 'vitest';
import { ParallelError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runGraph } from '../../src/graph/scheduler.js';
import type { GraphEvent } from '../../src/graph/types.js';
import type { ObservedEvent, Observer } from '../../src/observe/types.js';
import { flush } from '../helpers/deferred.js';

function collector(): Observer & { events: ObservedEvent[] } {
  const events: ObservedEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}
const throwing: Observer = {
  onEvent() {
    throw new Error('observer bug');
  },
};
const brief = (e: ObservedEvent): string =>
  e.type === 'task:end' ? `end ${e.id} ${e.outcome.status}` : e.type === 'task:start' ? `start ${e.id}` : e.type;

describe('processParallel({ observer })', () => {
  it('emits start, a start and an end per item (ids are indices), and the end with the summary', async () => {
    const observer = collector();
    const { results } = await processParallel([1, 2, 3], (n) => Promise.resolve(n * 2), { workers: 1, observer });
    expect(results).toEqual([2, 4, 6]);
    expect(observer.events.map(brief)).toEqual(['graph:start', 'start 0', 'end 0 passed', 'start 1', 'end 1 passed', 'start 2', 'end 2 passed', 'graph:end']);
    const runId = observer.events[0]?.runId;
    expect(observer.events.every((e) => e.source === 'parallel' && e.runId === runId)).toBe(true);
    expect(observer.events[0]).toMatchObject({ taskCount: 3 });
    expect(observer.events.at(-1)).toMatchObject({ result: { ok: true, aborted: false, failFastTriggered: false } });
  });

  it('reports a failure as failed and the siblings it stopped as cancelled', async () => {
    const observer = collector();
    const run = processParallel(
      [0, 1],
      (n, { signal }) => {
        if (n === 1) return Promise.reject(new Error('bad item'));
        return new Promise<number>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      },
      { workers: 2, observer },
    );
    await expect(run).rejects.toBeInstanceOf(ParallelError);
    const ends = observer.events.filter((e) => e.type === 'task:end').map(brief).sort();
    expect(ends).toEqual(['end 0 cancelled', 'end 1 failed']);
    expect(observer.events.at(-1)).toMatchObject({ type: 'graph:end', result: { ok: false, aborted: false, failFastTriggered: true } });
  });

  it('an observer that throws changes nothing, and a non-observer is a TypeError', async () => {
    const { results } = await processParallel([1, 2], (n) => Promise.resolve(n), { observer: throwing });
    expect(results).toEqual([1, 2]);
    await expect(processParallel([1], (n) => Promise.resolve(n), { observer: {} as Observer })).rejects.toThrow(
      'options.observer must be an observer (an object with an onEvent(event) method), received object',
    );
  });

  it('reports an abort in the run summary', async () => {
    const observer = collector();
    const controller = new AbortController();
    const run = processParallel([1, 2], (_n, { signal }) => new Promise<number>((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))), {
      observer,
      signal: controller.signal,
    });
    await flush();
    controller.abort(new Error('stop'));
    await expect(run).rejects.toBeInstanceOf(ParallelError);
    expect(observer.events.at(-1)).toMatchObject({ type: 'graph:end', result: { ok: false, aborted: true } });
  });
});

describe('runGraph({ observer })', () => {
  it('forwards exactly the graph events, tagged with one run id and source graph, beside onEvent', async () => {
    const observer = collector();
    const own: Array<GraphEvent<number>> = [];
    const result = await runGraph(
      [
        { id: 'a', run: () => Promise.resolve(1) },
        { id: 'b', requires: ['a'], run: () => Promise.reject(new Error('no')) },
        { id: 'c', requires: ['b'], run: () => Promise.resolve(3) },
      ],
      { observer, onEvent: (event) => own.push(event) },
    );
    expect(result.ok).toBe(false);
    expect(observer.events).toHaveLength(own.length);
    const runId = observer.events[0]?.runId;
    observer.events.forEach((event, i) => {
      expect(event).toEqual({ ...own[i], runId, source: 'graph' });
    });
    expect(observer.events.map(brief)).toEqual(['graph:start', 'start a', 'end a passed', 'start b', 'end b failed', 'end c skipped', 'graph:end']);
  });

  it('an observer that throws never breaks the run, and a non-observer is rejected before anything runs', async () => {
    let ran = false;
    const result = await runGraph([{ id: 'a', run: () => ((ran = true), Promise.resolve(1)) }], { observer: throwing });
    expect(result.ok).toBe(true);
    expect(ran).toBe(true);
    ran = false;
    await expect(runGraph([{ id: 'a', run: () => ((ran = true), Promise.resolve(1)) }], { observer: 42 as unknown as Observer })).rejects.toThrow(TypeError);
    expect(ran).toBe(false);
  });
});
