import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { threadId as mainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src/graph/scheduler.js';
import { streamGraph } from '../../src/graph/stream.js';
import type { GraphTask, ThreadGraphTask } from '../../src/graph/types.js';
import { startFlag } from '../helpers/flag.js';

interface Out {
  value: unknown;
  threadId: number;
}
const worker = new URL('../fixtures/graph/thread-worker.js', import.meta.url);

describe('runGraph with options.worker', () => {
  it('runs tasks without run on worker threads, with their dependencies, beside main-thread tasks', async () => {
    const tasks: Array<GraphTask<Out> | ThreadGraphTask<Out>> = [
      { id: 'seed', run: () => Promise.resolve({ value: 10, threadId: mainThread }) },
      { id: 'a', requires: ['seed'], input: { op: 'sum', n: 1 } },
      { id: 'b', requires: ['seed'], input: { op: 'sum', n: 2 } },
      { id: 'total', requires: ['a', 'b'], input: { op: 'sum', n: 0 } },
      { id: 'echo', input: { op: 'echo', list: [1, 2] } },
    ];
    const result = await runGraph(tasks, { worker, maxParallel: 2 });
    expect(result.ok).toBe(true);
    const values = Object.fromEntries(result.results.map((r) => [r.id, r.status === 'passed' ? r.value : undefined]));
    expect(values.a?.value).toBe(11);
    expect(values.b?.value).toBe(12);
    expect(values.total?.value).toBe(23);
    expect(values.echo?.value).toEqual({ id: 'echo', input: { op: 'echo', list: [1, 2] }, dependencies: {} });
    // seed ran here; the others on threads other than this one.
    expect(values.seed?.threadId).toBe(mainThread);
    for (const id of ['a', 'b', 'total', 'echo']) expect(values[id]?.threadId).not.toBe(mainThread);
  });

  it('accepts an absolute path; an error thrown in the worker fails that task and skips its dependents', async () => {
    const result = await runGraph<Out>(
      [
        { id: 'bad', input: { op: 'throw', message: 'boom' } },
        { id: 'after', requires: ['bad'], input: { op: 'sum', n: 1 } },
        { id: 'other', input: { op: 'sum', n: 5 } },
      ],
      { worker: fileURLToPath(worker) },
    );
    const [bad, after, other] = result.results;
    expect(bad?.status).toBe('failed');
    expect(bad?.status === 'failed' && bad.error instanceof Error ? bad.error.message : bad).toBe('bad: boom');
    expect(after).toEqual({ id: 'after', status: 'skipped', reason: { blockedBy: 'bad' } });
    expect(other?.status === 'passed' ? other.value.value : other).toBe(5);
  });

  it('a thread task that ignores its signal times out at the deadline, and its thread is terminated', async () => {
    const { flag } = startFlag();
    const stream = streamGraph<Out>(
      [
        { id: 'spin', timeoutMs: 200, input: { op: 'spin', flag } },
        { id: 'next', requires: [], input: { op: 'sum', n: 1 } },
      ],
      { worker, maxParallel: 1 },
    );
    const events: string[] = [];
    for await (const event of stream) if (event.type === 'task:start' || event.type === 'task:end') events.push(`${event.type} ${event.id}`);
    const result = await stream.result;
    expect(result.results.map((r) => r.status)).toEqual(['timeout', 'passed']);
    // The slot was freed at the deadline: 'next' started only after 'spin' ended, and the run settled although the
    // spin never returns (only terminating its thread ends it; a thread still spinning would hold the pool's close).
    expect(events).toEqual(['task:start spin', 'task:end spin', 'task:start next', 'task:end next']);
  });

  it("fail-fast 'kill' and an abort cancel running thread tasks; no listener is left on the signal", async () => {
    const { flag, started } = startFlag();
    const controller = new AbortController();
    const run = runGraph<Out>(
      [
        { id: 'spin', input: { op: 'spin', flag } },
        { id: 'later', requires: ['spin'], input: { op: 'sum', n: 1 } },
      ],
      { worker, signal: controller.signal },
    );
    await started;
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    controller.abort(new Error('stop'));
    const result = await run;
    expect(result.aborted).toBe(true);
    expect(result.results.map((r) => r.status)).toEqual(['cancelled', 'skipped']);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);

    const kill = startFlag();
    const killed = await runGraph<Out>(
      [
        { id: 'spin', input: { op: 'spin', flag: kill.flag } },
        { id: 'bad', input: { op: 'throw', message: 'x' }, requires: [] },
      ],
      { worker, failFast: 'kill', maxParallel: 2 },
    );
    expect(killed.failFastTriggered).toBe(true);
    expect(killed.results.map((r) => r.status).sort()).toEqual(['cancelled', 'failed']);
  });

  it('rejects a task without run when there is no worker, and a bad worker, before anything runs', async () => {
    await expect(runGraph([{ id: 'x', input: 1 }])).rejects.toThrow(
      /^tasks\[0\]\.run must be a function \(or none, with options\.worker\), received undefined$/,
    );
    await expect(runGraph([], { worker: 'relative/work.js' })).rejects.toThrow(TypeError);
    await expect(runGraph([], { worker: new URL('https://example.com/w.js') })).rejects.toThrow(/options\.worker/);
  });
});
