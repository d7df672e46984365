// Threads a healthy pool loses for good. Once a thread piscina started has exited while loading the module (an abort
// can terminate one then, in a healthy pool too), piscina replaces no thread that exits for the rest of the pool's
// life. The pool must not take that for a module that cannot load: its queued and later tasks still run.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThreadPoolBrokenError, createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { flush } from '../helpers/deferred.js';
import { startFlag } from '../helpers/flag.js';

type Input =
  | { op: 'thread' }
  | { op: 'exit' }
  | { op: 'spin'; flag: Int32Array }
  | { op: 'gate'; started: Int32Array; gates: Int32Array; id: number; exit?: boolean }
  | { op: 'hold'; ready: string; release: string };

const moduleUrl = new URL('./fixtures/held-loads.js', import.meta.url);
// Lets every load through (an Int32Array holds it).
const EVERY_LOAD = 2 ** 30;

// Every thread this process starts, in order, with its exit.
const started: Array<{ worker: Worker; exited: Promise<number> }> = [];
const onWorker = (worker: Worker): void => {
  started.push({ worker, exited: new Promise<number>((resolve) => worker.once('exit', resolve)) });
};
beforeAll(() => process.on('worker', onWorker));
afterAll(() => process.off('worker', onWorker));

const pools: Array<ThreadPool<Input, number>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
  started.length = 0;
});

function shared(value = 0): Int32Array {
  const array = new Int32Array(new SharedArrayBuffer(4 * 4));
  array[0] = value;
  return array;
}

// Resolves once `array[0]` has reached `count` (Atomics.waitAsync, not polling).
async function reached(array: Int32Array, count: number): Promise<void> {
  const atomics = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: true; value: Promise<string> } | { async: false; value: string };
  };
  for (let seen = Atomics.load(array, 0); seen < count; seen = Atomics.load(array, 0)) {
    const wait = atomics.waitAsync(array, 0, seen);
    if (wait.async) await wait.value;
  }
}

function open(gates: Int32Array, id: number): void {
  Atomics.store(gates, id, 1);
  Atomics.notify(gates, id);
}

function release(allowed: Int32Array, count: number): void {
  Atomics.store(allowed, 0, count);
  Atomics.notify(allowed, 0);
}

/**
 * Once the pool's other thread is busy: a task on the second thread waiting at gate 1 (`gated` counts the tasks that
 * reached their gate), and one more queued behind both, abortable through `queued` (it sets `neverRan` if it runs).
 */
async function gateThenQueue(p: ThreadPool<Input, number>) {
  const gates = shared();
  const gated = shared();
  const atGate = p.run({ op: 'gate', started: gated, gates, id: 1 });
  await reached(gated, 1);
  const queued = new AbortController();
  const neverRan = shared();
  const waiting = p.run({ op: 'spin', flag: neverRan }, { signal: queued.signal }).catch((e: unknown) => e);
  return { gates, gated, atGate, queued, neverRan, waiting };
}

function exitOf(index: number): Promise<number> {
  const thread = started[index];
  if (thread === undefined) throw new Error(`no thread #${index + 1} was started`);
  return thread.exited;
}

describe('a pool that loses threads piscina no longer replaces', () => {
  it('runs the tasks queued behind its last thread once that thread dies in a task (regression: ERR_POOL_BROKEN)', async () => {
    const loads = shared();
    const allowed = shared(2); // the two threads of the start load; the next ones wait at import
    const exitFrom = shared();
    const p = createThreadPool<Input, number>(moduleUrl, { threads: 2, workerData: { loads, allowed, exitFrom } });
    pools.push(p);
    // Thread 1 spins (its task abortable), thread 2 waits at a gate.
    const spinning = new AbortController();
    const spin = startFlag();
    const spun = p.run({ op: 'spin', flag: spin.flag }, { signal: spinning.signal }).catch((e: unknown) => e);
    await spin.started;
    // Queued: both threads are busy.
    const { gates, gated, atGate: first, queued, neverRan, waiting } = await gateThenQueue(p);
    // The abort terminates thread 1; piscina starts thread 3, which waits at import. Thread 2, freed, hands the queued
    // task to the first thread with none, the loading thread 3; the task's abort terminates thread 3 while it loads.
    const stop = new Error('stop');
    spinning.abort(stop);
    expect(await spun).toBe(stop);
    open(gates, 1);
    expect(await first).toBe(1);
    const cancel = new Error('cancel');
    queued.abort(cancel);
    expect(await waiting).toBe(cancel);
    await exitOf(2); // thread 3, terminated while it loaded
    expect(Atomics.load(neverRan, 0)).toBe(0);
    expect(started).toHaveLength(4); // thread 4 replaces thread 3
    release(allowed, EVERY_LOAD);
    // Threads 2 and 4 each run a task that ends its thread, as a crash would, once let through (thread 4 has loaded:
    // it took its task); one more task is queued behind them. piscina replaces neither thread, and no thread of the
    // pool comes free to start one for the queued task.
    const crashes = [2, 3].map((id) => p.run({ op: 'gate', started: gated, gates, id, exit: true }).catch((e: unknown) => e));
    await reached(gated, 3);
    const behind = p.run({ op: 'thread' }).catch((e: unknown) => e);
    open(gates, 2);
    open(gates, 3);
    expect(await Promise.all(crashes)).toMatchObject([{ message: 'worker exited with code: 7' }, { message: 'worker exited with code: 7' }]);
    expect(await behind).toEqual(expect.any(Number));
    expect(started).toHaveLength(5); // the thread started in place of the last
    expect(await p.run({ op: 'thread' })).toEqual(expect.any(Number));
    await p.close();
    expect(await Promise.all(started.map((thread) => thread.exited))).toHaveLength(started.length);
    expect(started.filter((thread) => thread.worker.threadId !== -1)).toEqual([]);
  });

  it('is broken once the thread started in place of its last one exits while loading (the restarts stop there)', async () => {
    const loads = shared();
    const allowed = shared(EVERY_LOAD);
    const exitFrom = shared(3); // every thread after the two of the start ends itself at import
    const p = createThreadPool<Input, number>(moduleUrl, { threads: 2, workerData: { loads, allowed, exitFrom } });
    pools.push(p);
    await reached(loads, 2);
    // A crash in a task: piscina replaces that thread, but thread 3 exits at import, and piscina replaces no thread
    // from then on.
    expect(await p.run({ op: 'exit' }).catch((e: unknown) => e)).toMatchObject({ message: 'worker exited with code: 7' });
    expect(await exitOf(2)).toBe(3);
    expect(started).toHaveLength(3);
    expect(await p.run({ op: 'thread' })).toEqual(expect.any(Number)); // the other thread of the start
    // The last thread crashes: the pool starts thread 4, which exits at import too. Only then is the pool broken.
    expect(await p.run({ op: 'exit' }).catch((e: unknown) => e)).toMatchObject({ message: 'worker exited with code: 7' });
    expect(await exitOf(3)).toBe(3);
    await flush();
    const broken: unknown = await p.run({ op: 'thread' }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(ThreadPoolBrokenError);
    expect(broken).toMatchObject({ code: 'ERR_POOL_BROKEN', cause: { message: 'worker exited with code: 3', exitCode: 3 } });
    expect(started).toHaveLength(4);
    await p.close();
    expect(started.filter((thread) => thread.worker.threadId !== -1)).toEqual([]);
  });
});

describe('a close with a thread that outlives its termination', () => {
  // The named pipes of a hard hold (see the fixture's holdHard): `ready` resolves once the thread waits for its child
  // process, where its termination cannot reach it; `release` lets the thread go on; `settle` leaves nothing waiting
  // on a pipe, whatever went wrong.
  function hardHold(dir: string, name: string) {
    const pipes = { ready: join(dir, `${name}.ready`), release: join(dir, `${name}.release`) };
    execFileSync('mkfifo', [pipes.ready, pipes.release]);
    let held = false;
    let released = false;
    const ready = readFile(pipes.ready).then(() => {
      held = true;
    });
    const release = async (): Promise<void> => {
      released = true;
      await writeFile(pipes.release, 'go\n');
    };
    const settle = async (): Promise<void> => {
      try {
        closeSync(openSync(pipes.ready, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: nothing reads `ready` any more.
      }
      await ready;
      if (held && !released) await release();
    };
    return { pipes, ready, release, settle };
  }

  it.skipIf(process.platform === 'win32')(
    'waits for a thread that started in place of an aborted one and was terminated while loading (regression: resolved with it alive)',
    async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'fanout-stuck-'));
      const first = hardHold(scratch, 'thread-1');
      const third = hardHold(scratch, 'thread-3');
      try {
        const loads = shared();
        const allowed = shared(2); // the two threads of the start load; thread 4 waits at import
        const exitFrom = shared();
        const p = createThreadPool<Input, number>(moduleUrl, {
          threads: 2,
          workerData: { loads, allowed, exitFrom, stuck: { ...third.pipes, at: 3 } },
        });
        pools.push(p);
        // Thread 1 holds hard in an abortable task, thread 2 waits at a gate, a third task is queued.
        const holding = new AbortController();
        const held = p.run({ op: 'hold', ...first.pipes }, { signal: holding.signal }).catch((e: unknown) => e);
        await first.ready;
        const { gates, atGate: second, queued, neverRan, waiting } = await gateThenQueue(p);
        // The abort terminates thread 1, which outlives it; piscina starts thread 3 in its place, and announces a
        // thread it starts so only once loaded (thread 3 holds hard at import). Thread 2, freed, hands the queued task
        // to the loading thread 3; that task's abort terminates it: no thread has exited yet.
        holding.abort(new Error('stop'));
        await held;
        await third.ready;
        open(gates, 1);
        expect(await second).toBe(1);
        queued.abort(new Error('cancel'));
        await waiting;
        await reached(loads, 4); // thread 4, which piscina started in place of thread 3, waits at import
        expect(started).toHaveLength(4);
        // Thread 1 exits (piscina has replaced it already); thread 3 is left alive, and nothing has told the pool of it.
        await first.release();
        await exitOf(0);
        let closed = false;
        const closing = p.close().then(() => {
          closed = true;
        });
        // The close ends threads 2 and 4; thread 3 is still alive: the close waits for it.
        await Promise.all([1, 3].map(exitOf));
        await flush(10);
        expect(started[2]?.worker.threadId).not.toBe(-1);
        expect(closed).toBe(false);
        await third.release();
        await closing;
        expect(started.filter((thread) => thread.worker.threadId !== -1)).toEqual([]);
        expect(Atomics.load(neverRan, 0)).toBe(0);
      } finally {
        await Promise.all([first.settle(), third.settle()]);
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
});
