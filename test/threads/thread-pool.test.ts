import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ParallelError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runGraph } from '../../src/graph/scheduler.js';
import { ThreadPoolBrokenError, ThreadPoolClosedError, createThreadPool } from '../../src/threads/thread-pool.js';
import type { ThreadPool } from '../../src/threads/thread-pool.js';
import { deferred, flush } from '../helpers/deferred.js';
import { startFlag } from '../helpers/flag.js';
import { trackThreads } from '../helpers/threads.js';

type Input =
  | { op: 'square'; n: number }
  | { op: 'fib'; n: number }
  | { op: 'spin'; flag: Int32Array }
  | { op: 'fail-after'; flag: Int32Array; message: string }
  | { op: 'throw'; message: string }
  | { op: 'thread' };

const moduleUrl = new URL('../fixtures/threads/work.js', import.meta.url);
const pools: Array<ThreadPool<unknown, unknown>> = [];
function pool<I = Input, O = number>(threads: number, exportName?: string): ThreadPool<I, O> {
  const p = createThreadPool<I, O>(moduleUrl, { threads, ...(exportName === undefined ? {} : { exportName }) });
  pools.push(p as ThreadPool<unknown, unknown>);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ force: true })));
});
const live = trackThreads();
// Resolves once no thread of this process is left, however many start while it waits.
async function threadsGone(): Promise<void> {
  while (live.size > 0) await Promise.all([...live].map((thread) => new Promise((resolve) => thread.once('exit', resolve))));
}

describe('createThreadPool', () => {
  it('runs the module on worker threads and returns its results; a worker error rejects the call', async () => {
    const p = pool(2);
    expect(p.threads).toBe(2);
    expect(await Promise.all([3, 4, 5].map((n) => p.run({ op: 'square', n })))).toEqual([9, 16, 25]);
    expect(await p.run({ op: 'fib', n: 20 })).toBe(6765);
    await expect(p.run({ op: 'throw', message: 'bad input' })).rejects.toThrow('bad input');
    const mainThreadId = (await import('node:worker_threads')).threadId;
    expect(await p.run({ op: 'thread' })).not.toBe(mainThreadId);
  });

  it('calls a named export, and accepts an absolute path', async () => {
    const named = pool<number, number>(1, 'double');
    expect(await named.run(21)).toBe(42);
    const byPath = createThreadPool<Input, number>(fileURLToPath(moduleUrl), { threads: 1 });
    pools.push(byPath as ThreadPool<unknown, unknown>);
    expect(await byPath.run({ op: 'square', n: 6 })).toBe(36);
  });

  it('defaults to availableParallelism() threads', async () => {
    const { availableParallelism } = await import('node:os');
    const p = createThreadPool(moduleUrl);
    pools.push(p);
    expect(p.threads).toBe(availableParallelism());
  });

  it('aborting the signal terminates the thread running the task; the call rejects with the reason; the pool goes on', async () => {
    const p = pool(1); // one thread: if the spinning task were not terminated, nothing else could ever run
    const controller = new AbortController();
    const { flag, started } = startFlag();
    const running = p.run({ op: 'spin', flag }, { signal: controller.signal });
    await started;
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await p.run({ op: 'square', n: 7 })).toBe(49);
  });

  it('a pre-aborted signal rejects at once, and finished calls leave no listener on a shared signal', async () => {
    const p = pool(2);
    await expect(p.run({ op: 'square', n: 1 }, { signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    const shared = new AbortController();
    const outputs = await Promise.all(Array.from({ length: 20 }, (_, n) => p.run({ op: 'square', n }, { signal: shared.signal })));
    expect(outputs[19]).toBe(361);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('works as a processParallel processor: results in input order', async () => {
    const p = pool(2);
    const { results, errors } = await processParallel(
      Array.from({ length: 50 }, (_, n) => ({ op: 'square' as const, n })),
      p.processor,
    );
    expect(errors).toEqual([]);
    expect(results).toEqual(Array.from({ length: 50 }, (_, n) => n * n));
  });

  it('with processParallel fail-fast, a failing item terminates the thread of a running sibling (cancelled, not failed)', async () => {
    const p = pool(2);
    const { flag } = startFlag();
    const error: unknown = await processParallel<Input, number>(
      [
        { op: 'spin', flag },
        { op: 'fail-after', flag, message: 'corrupt item' },
      ],
      p.processor,
      { workers: 2 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallelError);
    const parallelError = error as ParallelError<Input, number>;
    expect(parallelError.errors.map((e) => [e.index, (e.cause as Error).message])).toEqual([[1, 'corrupt item']]);
    // Both threads are free again: the spinning one was terminated and replaced.
    expect(await Promise.all([p.run({ op: 'square', n: 2 }), p.run({ op: 'square', n: 3 })])).toEqual([4, 9]);
  });

  it('builds runGraph tasks: inputs from dependencies, and fail-fast kill terminates a running thread task', async () => {
    const p = pool(2);
    const ok = await runGraph([p.task('a', { op: 'square', n: 3 }), p.task('b', (deps) => ({ op: 'square', n: deps.a ?? 0 }), { requires: ['a'] })]);
    expect(ok.results).toEqual([
      { id: 'a', status: 'passed', value: 9, durationMs: expect.any(Number) as number },
      { id: 'b', status: 'passed', value: 81, durationMs: expect.any(Number) as number },
    ]);

    const { flag } = startFlag();
    const killed = await runGraph([p.task('spin', { op: 'spin', flag }), p.task('bad', { op: 'fail-after', flag, message: 'boom' })], {
      failFast: 'kill',
      maxParallel: 2,
    });
    expect(killed.results.map((r) => [r.id, r.status])).toEqual([
      ['spin', 'cancelled'],
      ['bad', 'failed'],
    ]);
    expect(await Promise.all([p.run({ op: 'square', n: 4 }), p.run({ op: 'square', n: 5 })])).toEqual([16, 25]);
  });

  it('a graph timeout terminates a thread task that never ends', async () => {
    const p = pool(1);
    const { flag } = startFlag();
    const result = await runGraph([{ ...p.task('spin', { op: 'spin', flag }), timeoutMs: 50 }]);
    expect(result.results[0]?.status).toBe('timeout');
    expect(await p.run({ op: 'square', n: 8 })).toBe(64); // the only thread is free again
  });

  it('close() waits for running work, is idempotent, and later calls reject with ERR_POOL_CLOSED', async () => {
    const p = pool(1);
    const pending = p.run({ op: 'fib', n: 22 });
    const closing = p.close();
    expect(p.close()).toBe(closing);
    await closing;
    expect(await pending).toBe(17711);
    const error: unknown = await p.run({ op: 'square', n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadPoolClosedError);
    expect(error).toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('close({ force: true }) rejects a running task at once', async () => {
    const p = pool(1);
    const { flag, started } = startFlag();
    const running = p.run({ op: 'spin', flag }).catch((e: unknown) => e);
    await started;
    await p.close({ force: true });
    expect(await running).toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it.each([
    ['a missing module', new URL('../fixtures/threads/no-such-module.js', import.meta.url), { code: 'ERR_MODULE_NOT_FOUND' }],
    ['a module that throws at import', new URL('../fixtures/threads/throws-at-import.js', import.meta.url), { message: 'this module refuses to load' }],
  ])('%s breaks the pool with ERR_POOL_BROKEN (never an uncaught error, never a task waiting forever)', async (_, url, cause) => {
    const p = createThreadPool<number, number>(url, { threads: 2 });
    pools.push(p as ThreadPool<unknown, unknown>);
    // The first task fails with the thread's own error, or with ERR_POOL_BROKEN if the thread failed first.
    await expect(p.run(1)).rejects.toThrow();
    // A thread of the start that had no task fails outside any task: the pool, broken then, stops every thread (and
    // a thread piscina starts anyway fails at import and ends by itself). Once none is left, every task rejects with
    // one error that names the cause.
    await threadsGone();
    const broken: unknown = await p.run(2).catch((e: unknown) => e);
    if (!(broken instanceof ThreadPoolBrokenError)) throw new Error(`expected ERR_POOL_BROKEN, received ${String(broken)}`);
    expect(broken.code).toBe('ERR_POOL_BROKEN');
    expect(broken.cause).toMatchObject(cause);
    const batched: unknown = await p.batchProcessor(3, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(batched).toBe(broken);
    await p.close();
    expect(await p.run(4).catch((e: unknown) => e)).toBeInstanceOf(ThreadPoolClosedError);
  });

  // A thread that exits while loading its module (no 'error', only an exit): piscina starts no thread to replace it,
  // nor any other from then on, so once every thread has gone a queued task would wait for ever, and a graceful close
  // with it.
  const exitsAtImport = new URL('../fixtures/threads/exits-at-import.js', import.meta.url);
  const exitedAtImport = { code: 'ERR_POOL_BROKEN', cause: { message: 'worker exited with code: 3', exitCode: 3 } };

  it('a pool whose threads all exited at import is broken: the running tasks keep their error, later ones reject with ERR_POOL_BROKEN', async () => {
    const p = createThreadPool<number, number>(exitsAtImport, { threads: 2 });
    pools.push(p as ThreadPool<unknown, unknown>);
    // One task per thread of the start: each fails with the exit of its thread (piscina's own error).
    const first = await Promise.all([p.run(1), p.run(2)].map((run) => run.catch((e: unknown) => e)));
    expect(first).toMatchObject([{ message: 'worker exited with code: 3' }, { message: 'worker exited with code: 3' }]);
    // Queued while the replacements load, or after they have gone: either way it settles, with the pool's error.
    const queued: unknown = await p.run(3).catch((e: unknown) => e);
    expect(queued).toBeInstanceOf(ThreadPoolBrokenError);
    expect(queued).toMatchObject(exitedAtImport);
    expect(await p.run(4).catch((e: unknown) => e)).toBe(queued);
    expect(await p.batchProcessor(5, { signal: new AbortController().signal }).catch((e: unknown) => e)).toBe(queued);
    await p.close();
    expect(await p.run(6).catch((e: unknown) => e)).toBeInstanceOf(ThreadPoolClosedError);
  });

  it('a graceful close waiting for tasks queued behind the last thread, which exits at import, settles: they reject with ERR_POOL_BROKEN', async () => {
    const p = createThreadPool<number, number>(exitsAtImport, { threads: 1 });
    pools.push(p as ThreadPool<unknown, unknown>);
    const signal = new AbortController().signal;
    const running = p.run(1).catch((e: unknown) => e);
    const queued = [p.run(2), p.batchProcessor(3, { signal }), p.batchProcessor(4, { signal })].map((run) => run.catch((e: unknown) => e));
    await p.close();
    expect(await running).toMatchObject({ message: 'worker exited with code: 3' });
    const errors = await Promise.all(queued);
    expect(errors).toMatchObject([exitedAtImport, exitedAtImport, exitedAtImport]);
    expect(new Set(errors).size).toBe(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  // A thread that piscina starts to replace a failed one fails to load as well, and the OS may deliver that failure
  // (and the thread's exit) after piscina has terminated the thread. piscina creates its threads with the Worker class
  // of node:worker_threads, looked up at each creation: a subclass makes that late order certain by holding back the
  // 'error' and 'exit' of every thread but the first until the test lets them through.
  it('close() outlasts every thread the pool started: a thread that fails to load once terminated is never an uncaught error', async () => {
    const workerThreads = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
    const Original = workerThreads.Worker;
    let held: Array<() => void> | undefined = [];
    const firstExited = deferred();
    const lateFailed = deferred();
    let created = 0;
    class LateWorker extends Original {
      private readonly late = created++ > 0;
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (!this.late) {
          if (event === 'exit') firstExited.resolve();
          return super.emit(event, ...args);
        }
        if (event === 'error') lateFailed.resolve();
        if (held === undefined || (event !== 'error' && event !== 'exit')) return super.emit(event, ...args);
        held.push(() => super.emit(event, ...args));
        return true;
      }
      // Node drops every listener of a thread right after its 'exit': that too waits for the test.
      override removeAllListeners(...event: [event?: string | symbol]): this {
        if (!this.late || held === undefined) return super.removeAllListeners(...event);
        held.push(() => super.removeAllListeners(...event));
        return this;
      }
      // Terminated only once it has failed: its failure is then sure to arrive after the termination.
      override terminate(): Promise<number> {
        return this.late ? lateFailed.promise.then(() => super.terminate()) : super.terminate();
      }
    }
    workerThreads.Worker = LateWorker;
    try {
      const p = createThreadPool<number, number>(new URL('../fixtures/threads/no-such-module.js', import.meta.url), { threads: 1 });
      pools.push(p as ThreadPool<unknown, unknown>);
      // The first thread fails outside any task (none was given) and exits: by then the pool is broken, and it has
      // terminated the replacement piscina started.
      await firstExited.promise;
      expect(await p.run(1).catch((e: unknown) => e)).toBeInstanceOf(ThreadPoolBrokenError);
      await lateFailed.promise;
      let closed = false;
      const closing = p.close().then(() => (closed = true));
      await flush();
      expect(closed).toBe(false); // the replacement has not exited yet
      // Its failure, then its exit: heard by the pool, not thrown at whoever delivers it.
      const release = held;
      held = undefined;
      expect(() => release.forEach((emit) => emit())).not.toThrow();
      await closing;
      expect(created).toBe(2);
    } finally {
      workerThreads.Worker = Original;
    }
  });

  // Terminating a thread while it loads an ES module through require(esm) aborts the whole process (a failed
  // assertion in Node's ModuleWrap::CreateRequiredModuleFacade, seen about once in 700 forced closes); threads
  // therefore load modules with import(). The crash cannot be provoked on demand, so this pins the mechanism.
  it.runIf((process.features as { require_module?: boolean }).require_module === true)(
    'threads run with require(esm) off (modules load through import()), keeping the process\'s own exec flags',
    async () => {
      const p = createThreadPool<undefined, { requireModule: boolean; execArgv: string[] }>(moduleUrl, { threads: 1, exportName: 'loading' });
      pools.push(p as ThreadPool<unknown, unknown>);
      const seen = await p.run(undefined);
      expect(seen.requireModule).toBe(false);
      expect(seen.execArgv).toEqual([...process.execArgv, '--no-experimental-require-module']);
    },
  );

  it('rejects a relative module path or a bad thread count with a TypeError', () => {
    expect(() => createThreadPool('./work.js')).toThrow('module must be a file: URL or an absolute path, received "./work.js"');
    expect(() => createThreadPool(moduleUrl, { threads: 0 })).toThrow('options.threads must be an integer >= 1, received 0');
  });
});
