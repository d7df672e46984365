import { describe, expect, it } from 'vitest';
import { streamGraph } from '../../src/graph/stream.js';
import type { GraphEvent } from '../../src/graph/types.js';
import { GraphError } from '../../src/graph/validate.js';
import { flush } from '../helpers/deferred.js';
import { harness } from './harness.js';

function describeEvent(e: GraphEvent<unknown>): string {
  if (e.type === 'task:start') return `start:${e.id}`;
  if (e.type === 'task:end') return `end:${e.id}:${e.outcome.status}`;
  return e.type;
}

describe('streamGraph', () => {
  it('yields every event in order and then ends; result settles with the same outcome', async () => {
    const h = harness();
    const stream = streamGraph([h.task('a'), h.task('b', { requires: ['a'] }), h.task('c', { requires: ['x'] }), h.task('x')], {
      maxParallel: 2,
      onEvent: h.onEvent,
    });
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const event of stream) seen.push(describeEvent(event));
    })();
    await flush();
    h.fail('x');
    await flush();
    h.pass('a');
    await flush();
    h.pass('b');
    await consumer;
    const result = await stream.result;
    expect(seen).toEqual(['graph:start', 'start:a', 'start:x', 'end:x:failed', 'end:c:skipped', 'end:a:passed', 'start:b', 'end:b:passed', 'graph:end']);
    // onEvent sees the same stream.
    expect(h.trace()).toEqual(seen);
    expect(result.results.map((r) => r.status)).toEqual(['passed', 'passed', 'skipped', 'failed']);
  });

  it('buffers everything for a consumer that starts late', async () => {
    const stream = streamGraph([
      { id: 'a', run: () => Promise.resolve(1) },
      { id: 'b', run: () => Promise.resolve(2) },
    ]);
    const result = await stream.result; // the run does not wait for the consumer
    expect(result.ok).toBe(true);
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['graph:start', 'task:start', 'task:start', 'task:end', 'task:end', 'graph:end']);
  });

  it('breaking out of the loop does not stop the run', async () => {
    const h = harness();
    const stream = streamGraph([h.task('a'), h.task('b', { requires: ['a'] })]);
    for await (const event of stream) {
      if (event.type === 'task:start') break;
    }
    h.pass('a');
    await flush();
    expect(h.started).toEqual(['a', 'b']);
    h.pass('b');
    expect((await stream.result).ok).toBe(true);
    // After return(), the iterator is done.
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('a pending next() resolves done when the consumer returns', async () => {
    const h = harness();
    const stream = streamGraph([h.task('a')]);
    expect((await stream.next()).value).toMatchObject({ type: 'graph:start' });
    expect((await stream.next()).value).toMatchObject({ type: 'task:start' });
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    h.pass('a');
    expect((await stream.result).ok).toBe(true);
  });

  it('serves queued next() calls in order', async () => {
    const h = harness();
    const stream = streamGraph([h.task('a')]);
    await stream.next(); // graph:start
    await stream.next(); // task:start
    const [first, second, third] = [stream.next(), stream.next(), stream.next()];
    h.pass('a');
    expect((await first).value).toMatchObject({ type: 'task:end', id: 'a' });
    expect((await second).value).toMatchObject({ type: 'graph:end' });
    expect(await third).toEqual({ value: undefined, done: true });
  });

  it('the signal stops the run; the stream ends with graph:end', async () => {
    const h = harness();
    const controller = new AbortController();
    const stream = streamGraph([h.task('a'), h.task('b', { requires: ['a'] })], { signal: controller.signal });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(describeEvent(event));
      if (event.type === 'task:start') controller.abort();
    }
    // The running task ends after the skips: a microtask after the stop, behind any result already queued.
    expect(seen).toEqual(['graph:start', 'start:a', 'end:b:skipped', 'end:a:cancelled', 'graph:end']);
    expect((await stream.result).aborted).toBe(true);
  });

  it('throws validation errors synchronously, before anything runs', () => {
    let ran = false;
    const run = () => ((ran = true), Promise.resolve());
    expect(() => streamGraph([{ id: 'a', requires: ['b'], run }])).toThrow(GraphError);
    expect(() => streamGraph([{ id: 'a', run }], { maxParallel: 0 })).toThrow(TypeError);
    expect(ran).toBe(false);
  });
});
