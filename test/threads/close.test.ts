// How a pool closes while tasks are still running: a graceful close waits for them however long they take, and
// force — given to close itself, to a later call, or by aborting a close's signal — ends the wait at once. Every way
// settles only once no thread of the pool is left.
import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import { setImmediate as turn } from 'node:timers/promises';
import type * as WorkerThreads from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { startFlag } from '../helpers/flag.js';
import { trackThreads } from '../helpers/threads.js';

type Input =
  | { op: 'count'; runs: Int32Array; slot: number; n: number }
  | { op: 'spin'; flag: Int32Array }
  | { op: 'gate'; started: Int32Array; gates: Int32Array; id: number };

const moduleUrl = new URL('./fixtures/counting.js', import.meta.url);
const live = trackThreads();
const pools: Array<ThreadPool<Input, number>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});

function pool(threads = 1): ThreadPool<Input, number> {
  const p = createThreadPool<Input, number>(moduleUrl, { threads });
  pools.push(p);
  return p;
}
const settled = (promise: Promise<unknown>): Promise<unknown> => promise.then((value: unknown) => ({ value }), (error: unknown) => error);

/** One task spinning on the pool's one thread, one queued behind it: what a graceful close would wait for, for ever. */
async function stuck(p: ThreadPool<Input, number>): Promise<{ spinning: Promise<unknown>; queued: Promise<unknown>; runs: Int32Array }> {
  const { flag, started } = startFlag();
  const runs = new Int32Array(new SharedArrayBuffer(4));
  const spinning = settled(p.run({ op: 'spin', flag }));
  const queued = settled(p.run({ op: 'count', runs, slot: 0, n: 2 }));
  await started;
  return { spinning, queued, runs };
}

describe('ThreadPool.close', () => {
  it('a graceful close waits for the running and the queued tasks, then resolves once no thread is left', async () => {
    const p = pool();
    const started = new Int32Array(new SharedArrayBuffer(8));
    const gates = new Int32Array(new SharedArrayBuffer(8));
    const gated = p.run({ op: 'gate', started, gates, id: 1 });
    const runs = new Int32Array(new SharedArrayBuffer(4));
    const queued = p.run({ op: 'count', runs, slot: 0, n: 3 });
    while (Atomics.load(started, 0) === 0) await turn();
    let closed = false;
    const closing = p.close().then(() => (closed = true));
    for (let i = 0; i < 20; i++) await turn();
    expect(closed).toBe(false);
    Atomics.store(gates, 1, 1);
    Atomics.notify(gates, 1);
    expect(await gated).toBe(1);
    expect(await queued).toBe(9);
    await closing;
    expect(live.size).toBe(0);
  });

  it('a graceful close called as the pool starts waits for the tasks queued while its threads load', async () => {
    const p = pool(2);
    const runs = new Int32Array(new SharedArrayBuffer(4 * 4));
    const outputs = [0, 1, 2, 3].map((n) => settled(p.run({ op: 'count', runs, slot: n, n })));
    await p.close();
    expect(await Promise.all(outputs)).toEqual([0, 1, 4, 9].map((value) => ({ value })));
    expect([...runs]).toEqual([1, 1, 1, 1]);
    expect(live.size).toBe(0);
  });

  it("a graceful close goes on when a running task's own abort terminates its thread: the queued task runs on the replacement", async () => {
    const p = pool();
    const { flag, started } = startFlag();
    const stop = new AbortController();
    const spinning = settled(p.run({ op: 'spin', flag }, { signal: stop.signal }));
    const runs = new Int32Array(new SharedArrayBuffer(4));
    const queued = p.run({ op: 'count', runs, slot: 0, n: 5 });
    await started;
    const closing = p.close();
    const reason = new Error('stop');
    stop.abort(reason);
    expect(await spinning).toBe(reason);
    expect(await queued).toBe(25);
    await closing;
    expect(live.size).toBe(0);
  });

  it('close({ force: true }) during a pending graceful close ends it at once: both calls resolve, the tasks reject with ERR_POOL_CLOSED', async () => {
    const p = pool();
    const { spinning, queued, runs } = await stuck(p);
    const graceful = p.close();
    await turn();
    await p.close({ force: true });
    await graceful;
    expect(await spinning).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(await queued).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(Atomics.load(runs, 0)).toBe(0);
    expect(live.size).toBe(0);
  });

  it("aborting a close's signal forces it: the tasks reject with ERR_POOL_CLOSED, that call rejects with the reason once no thread is left, the others resolve", async () => {
    const p = pool();
    const { spinning, queued } = await stuck(p);
    const graceful = p.close();
    const controller = new AbortController();
    const bounded = settled(p.close({ signal: controller.signal }));
    await turn();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('enough');
    controller.abort(reason);
    expect(await bounded).toBe(reason);
    expect(live.size).toBe(0);
    await graceful;
    expect(await spinning).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(await queued).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a close given an aborted signal is forced at once and rejects with the reason once no thread is left', async () => {
    const p = pool();
    const { spinning } = await stuck(p);
    const reason = new Error('now');
    expect(await settled(p.close({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(live.size).toBe(0);
    expect(await spinning).toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('a close whose signal is never aborted resolves as a graceful one, listening to the signal only while it waits', async () => {
    const p = pool();
    const started = new Int32Array(new SharedArrayBuffer(8));
    const gates = new Int32Array(new SharedArrayBuffer(8));
    const gated = p.run({ op: 'gate', started, gates, id: 1 });
    while (Atomics.load(started, 0) === 0) await turn();
    const controller = new AbortController();
    const closing = p.close({ signal: controller.signal });
    await turn();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    Atomics.store(gates, 1, 1);
    Atomics.notify(gates, 1);
    await closing;
    expect(await gated).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(); // too late to change anything
    expect(live.size).toBe(0);
  });

  it('a close called once the pool has closed resolves, even with an aborted signal: nothing is left to force', async () => {
    const p = pool();
    const runs = new Int32Array(new SharedArrayBuffer(4));
    expect(await p.run({ op: 'count', runs, slot: 0, n: 3 })).toBe(9);
    await p.close();
    const signal = AbortSignal.abort(new Error('late'));
    await expect(p.close({ signal })).resolves.toBeUndefined();
    await expect(p.close({ force: true, signal })).resolves.toBeUndefined();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(live.size).toBe(0);
  });

  // A thread of the start takes a task at once, so an abort can terminate it before piscina announces it (in a
  // microtask). If its exit comes after a close has ended the other threads, piscina reads it as a crash and starts a
  // replacement: a pool that had not tracked that thread resolved its close first, and left the replacement running.
  // piscina creates its threads with the Worker class of node:worker_threads, looked up at each creation: a subclass
  // holds back the exit of the first thread until the turn after both it and the exit of its replacement came.
  it('a close outlasts a thread of the start terminated by an abort before piscina announced it, and the replacement its exit brings', async () => {
    const workerThreads = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
    const Original = workerThreads.Worker;
    let holding = true;
    const held: Array<() => void> = [];
    let replacementExited = false;
    const release = (): void => {
      holding = false;
      held.splice(0).forEach((emit) => emit());
    };
    let created = 0;
    class LateExit extends Original {
      private readonly index = created++;
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (this.index === 0 && event === 'exit' && holding) {
          held.push(() => super.emit(event, ...args));
          if (replacementExited) setImmediate(release);
          return true;
        }
        const emitted = super.emit(event, ...args);
        if (this.index === 1 && event === 'exit') {
          replacementExited = true;
          if (held.length > 0) setImmediate(release);
        }
        return emitted;
      }
      // Node drops every listener of a thread right after its 'exit': that waits with it.
      override removeAllListeners(...event: [event?: string | symbol]): this {
        if (this.index === 0 && held.length > 0) held.push(() => super.removeAllListeners(...event));
        else super.removeAllListeners(...event);
        return this;
      }
    }
    workerThreads.Worker = LateExit;
    try {
      const p = pool();
      const controller = new AbortController();
      const runs = new Int32Array(new SharedArrayBuffer(4));
      const run = settled(p.run({ op: 'count', runs, slot: 0, n: 2 }, { signal: controller.signal }));
      const reason = new Error('at once');
      controller.abort(reason);
      expect(await run).toBe(reason);
      await p.close();
      expect(live.size).toBe(0);
      await turn();
      expect(live.size).toBe(0);
      // The first thread, the one that replaced it, the one its late exit brought: all ended.
      expect(created).toBe(3);
    } finally {
      workerThreads.Worker = Original;
      // Leaves no thread to the tests that follow, whatever went wrong.
      release();
      await Promise.all([...live].map((thread) => thread.terminate()));
    }
  });

  it('bad options throw a TypeError naming the option', () => {
    const p = pool();
    const thrown = (call: () => unknown): unknown => {
      try {
        call();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    for (const [call, message] of [
      [() => p.close({ signal: 'soon' as unknown as AbortSignal }), /options\.signal/],
      [() => p.close({ force: 1 as unknown as boolean }), /options\.force/],
      [() => p.close(null as unknown as undefined), /options/],
    ] as const) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(message);
    }
  });
});
