import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type * as PiscinaModule from 'piscina';
import { assertInteger, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { BATCHED } from '../core/batched-processor.js';
import type { BatchedForm } from '../core/batched-processor.js';
import { FanoutError } from '../common/errors.js';
import type { GraphTask, GraphTaskContext } from '../graph/types.js';
import { load } from '../observe/lazy.js';
import { BatchSizer, DEFAULT_MAX_BATCH_SIZE } from './batch-sizer.js';
import type { BatchingOptions } from './batch-sizer.js';
import { Batcher } from './batcher.js';
import type { BatchResult, BatchTask } from './batcher.js';

export type { BatchingOptions } from './batch-sizer.js';

/** The batch runner, next to this module in src/ and in dist/ (its own build entry). */
const BATCH_WORKER = /* @__PURE__ */ new URL('./batch-worker.js', import.meta.url).href;
/**
 * Threads load the module with `import()`, never `require()`. piscina tries `require(file)` first, which in Node
 * versions with require(esm) loads an ES module synchronously; a thread terminated in the middle of that (an abort,
 * a timeout or a forced close while fresh threads are still loading) aborts the whole process on a failed assertion
 * in Node's ModuleWrap::CreateRequiredModuleFacade. With require(esm) off in the threads, piscina's require fails
 * at once and it falls back to `import()`, which a terminated thread abandons safely. The process's own flags are
 * kept (loaders, source maps...). Undefined where Node has no require(esm): nothing to turn off.
 */
const REQUIRE_ESM_FLAGS = (process.features as { require_module?: boolean }).require_module === true
  ? [...process.execArgv, '--no-experimental-require-module']
  : undefined;
/**
 * Flags of this process that worker threads refuse when they are passed explicitly (per-process options such as
 * `--expose-gc`: Node rejects them with ERR_WORKER_INVALID_EXEC_ARGV, where threads that inherit the flags ignore
 * them). Undefined until a pool has met one; `all` when Node's message named none, leaving only the require(esm) flag.
 */
let refusedFlags: Set<string> | 'all' | undefined;

/** The flags for the pool's threads: {@link REQUIRE_ESM_FLAGS} without those the threads refused. */
function threadExecArgv(): string[] | undefined {
  const refused = refusedFlags;
  if (REQUIRE_ESM_FLAGS === undefined || refused === undefined) return REQUIRE_ESM_FLAGS;
  if (refused === 'all') return ['--no-experimental-require-module'];
  return REQUIRE_ESM_FLAGS.filter((flag) => !refused.has(flag.split('=')[0] ?? flag));
}

/** Learns the flags a thread refused from Node's error; false if `error` is not that (or nothing is left to drop). */
function refuseFlags(error: unknown): boolean {
  if (REQUIRE_ESM_FLAGS === undefined || refusedFlags === 'all') return false;
  if ((error as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return false;
  const named = /flags: (.+)$/.exec((error as Error).message)?.[1]?.split(/,\s*/).filter((flag) => flag.startsWith('-'));
  // A second refusal, or a message naming no flag: keep only the flag the threads need.
  if (named === undefined || named.length === 0 || refusedFlags !== undefined) refusedFlags = 'all';
  else refusedFlags = new Set(named.map((flag) => flag.split('=')[0] ?? flag));
  return true;
}

/** Upper bound of {@link ThreadPool.batchWorkers}: the items a run may pull ahead of the threads. */
const MAX_BATCH_WORKERS = 16_384;

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /** Worker threads, all started up front. @default os.availableParallelism() */
  threads?: number;
  /** The module's export to call. @default 'default' */
  exportName?: string;
  /** Idle time after which piscina may stop a thread (it restarts one on demand). @default piscina's default */
  idleTimeoutMs?: number;
  /** Passed to each thread as `workerData` (from `node:worker_threads`). */
  workerData?: unknown;
  /** Tuning of {@link ThreadPool.batchProcessor}'s automatic batching. @default { targetBatchMs: 20, maxBatchSize: 256 } */
  batching?: BatchingOptions;
}

/** What {@link ThreadPool.run} takes beside the input. */
export interface ThreadRunOptions {
  /**
   * Aborting it removes a queued task, or terminates the thread running it (piscina replaces the thread), and the call
   * rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

/** What {@link ThreadPool.close} takes. */
export interface ThreadPoolCloseOptions {
  /** Reject the queued and running tasks at once and terminate their threads, rather than wait for them. */
  force?: boolean;
  /**
   * Bounds the wait of a graceful close (`AbortSignal.timeout(ms)` for a deadline): aborting it turns the close into
   * a forced one, and the call rejects with `signal.reason` once no thread is left.
   */
  signal?: AbortSignal;
}

/** The fields of a graph task that {@link ThreadPool.task} passes through. */
export type ThreadTaskOptions<O> = Omit<GraphTask<O>, 'id' | 'run'>;

/** A pool of worker threads running one module's function. Create it with {@link createThreadPool}. */
export interface ThreadPool<I, O> {
  /** Number of threads. */
  readonly threads: number;
  /**
   * Runs the module's function on `input` in a thread. The input and output are structured-cloned. Beside a stream of
   * automatic batches it does not wait for the batched work to run out: while a single task is in flight, batching
   * keeps one batch per thread instead of two, so it takes a thread once the batches already waiting have gone.
   */
  run(input: I, options?: ThreadRunOptions): Promise<O>;
  /**
   * The pool as a processParallel processor: `processParallel(items, pool.processor)`. Bound; pass it as is.
   * processParallel recognises it and runs {@link ThreadPool.batchProcessor} instead, so the items go to the threads
   * in automatic batches (with the caveats said there), with `workers` defaulting to {@link ThreadPool.batchWorkers}
   * (an explicit `workers` is kept: it bounds the items in flight, and so the batches). Called any other way, it runs
   * one thread task per item. A cancellation rejects with the run's own abort reason, which processParallel counts
   * as cancelled, not failed.
   */
  readonly processor: (item: I, context: { signal: AbortSignal }) => Promise<O>;
  /**
   * Like {@link ThreadPool.processor}, per item from the caller's side, but items travel to the threads in
   * automatic batches, so items of a fraction of a millisecond no longer pay a message round trip each:
   * `processParallel(items, pool.batchProcessor, { workers: pool.batchWorkers })`. The first items go one per
   * batch to measure the per-item cost (timed inside the thread); then each batch carries about `targetBatchMs` of
   * work (at most `maxBatchSize` items, and smaller near the end so threads finish together), with two batches per
   * thread in flight (one while a single task of the pool is in flight: see {@link ThreadPool.run}). Each item still
   * settles on its own: its output, or its own error (an Error keeps its type, message, stack, cause and own
   * properties such as `code`), in any order of failures within a batch. Aborting the signal rejects the item's
   * queued siblings at once and terminates the threads running its batches; all of them reject with the signal's
   * reason.
   *
   * Caveats: a batch's items run one after another on one thread (an async function's items do not overlap). What
   * ends a batch as a whole (its thread exits or crashes, or an output that structured clone cannot copy, such as an
   * object holding a function) fails every item of it with that error. It needs many items in flight to fill
   * batches: give processParallel `workers: pool.batchWorkers` (with fewer, batches stay small).
   */
  readonly batchProcessor: (item: I, context: { signal: AbortSignal }) => Promise<O>;
  /**
   * The processParallel `workers` that keeps {@link ThreadPool.batchProcessor}'s batches full: two batches of
   * `maxBatchSize` per thread (the most it keeps in flight), `threads * maxBatchSize * 2`, at most 16,384. These are
   * items pulled ahead of the threads; more would only hold more memory.
   */
  readonly batchWorkers: number;
  /**
   * A graph task that runs `input` in a thread: `runGraph([pool.task('hash', file)])`. If `input` is a function, it
   * is called with the task's dependencies to build the input (functions cannot cross threads anyway). A timeout,
   * fail-fast 'kill' or abort terminates the thread task.
   */
  task(id: string, input: I | ((dependencies: Readonly<Record<string, O>>) => I), options?: ThreadTaskOptions<O>): GraphTask<O>;
  /**
   * Stops the pool: new work rejects with a {@link ThreadPoolClosedError} from the call on; the queued and running
   * tasks (batched items included) go on to their end, however long they take; then the threads end. With `force`,
   * or once `signal` aborts, the queued and running tasks reject with a {@link ThreadPoolClosedError} at once and
   * their threads are terminated: also when a graceful close is already waiting (a later `close({ force: true })`
   * ends that wait). Every call settles only when no thread of the pool is left: it resolves, or, when its own
   * `signal` aborted before then, rejects with `signal.reason` (the close went on by force). A call made once the
   * pool has closed has nothing left to do: it resolves, whatever its options. Idempotent: calls without a signal
   * return one promise.
   */
  close(options?: ThreadPoolCloseOptions): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Rejection of work handed to a closed {@link ThreadPool}.
 *
 * @example
 * ```ts
 * import { ThreadPoolClosedError, createThreadPool } from 'fanout/threads';
 * const pool = createThreadPool(new URL('./work.js', import.meta.url));
 * await pool.close();
 * await pool.run(1).catch((error: unknown) => console.log(error instanceof ThreadPoolClosedError)); // true
 * ```
 */
export class ThreadPoolClosedError extends FanoutError {
  declare readonly code: 'ERR_POOL_CLOSED';
  constructor(options?: { cause?: unknown }) {
    super('ERR_POOL_CLOSED', 'the thread pool is closed', options);
  }
}

/**
 * Rejection of every task of a {@link ThreadPool} whose thread failed outside any task: typically the module could
 * not be loaded (missing file, syntax error, a throw at import), or the pool's last thread exited before it had
 * loaded the module (by `process.exit()` at import, for one: piscina starts no thread to replace such a thread; a
 * last thread that dies in a task is replaced by the pool). The pool ends its threads at once (they would only fail
 * again); `cause` is the thread's error, or for an exit an Error `worker exited with code: N` whose `exitCode` is N.
 * The task that was running when it happened rejects with that error itself (piscina's own, for an exit).
 *
 * @example
 * ```ts
 * import { ThreadPoolBrokenError, createThreadPool } from 'fanout/threads';
 * const pool = createThreadPool('/no/such/module.js', { threads: 1 });
 * await pool.run(1).catch(() => undefined); // ERR_MODULE_NOT_FOUND, from the thread
 * await pool.run(2).catch((error: unknown) => console.log(error instanceof ThreadPoolBrokenError)); // true
 * await pool.close();
 * ```
 */
export class ThreadPoolBrokenError extends FanoutError {
  declare readonly code: 'ERR_POOL_BROKEN';
  constructor(options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('ERR_POOL_BROKEN', `a worker thread failed outside any task (is the module loadable?): ${reason}`, options);
  }
}

/**
 * Creates a pool of worker threads (piscina) that run the function a module exports, for CPU-bound work that would
 * otherwise hold the event loop. It composes with the rest of fanout rather than adding options to it:
 * `processParallel(items, pool.processor)` and `runGraph([pool.task(id, input)])`.
 *
 * The module is plain ESM (or CommonJS) whose default export (or `exportName`) takes one structured-cloneable input
 * and returns the output or a promise of it; `module` is a `file:` URL or an absolute path. Every thread starts at
 * once. Cancellation is real: aborting a running task's signal terminates its thread.
 *
 * Each thread task costs a message round trip (tens of microseconds), which small items cannot amortise: so
 * `processParallel(items, pool.processor)` sends them in automatic batches (see {@link ThreadPool.batchProcessor}),
 * while {@link ThreadPool.run} and {@link ThreadPool.task} run one thread task each.
 *
 * @example
 * ```ts
 * import { createThreadPool } from 'fanout/threads';
 * import { processParallel } from 'fanout';
 * const pool = createThreadPool<number, number>(new URL('./hash.js', import.meta.url));
 * try {
 *   const items = Array.from({ length: 10_000 }, (_, i) => i);
 *   const { results } = await processParallel(items, pool.processor); // automatic batches
 *   console.log(results.length, await pool.run(30));
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createThreadPool<I = unknown, O = unknown>(module: string | URL, options: ThreadPoolOptions = {}): ThreadPool<I, O> {
  const filename = moduleUrl(module);
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const threads = options.threads === undefined ? availableParallelism() : assertInteger('options.threads', options.threads, 1);
  const exportName = options.exportName ?? 'default';
  if (typeof exportName !== 'string' || exportName === '') throw invalidArgument('options.exportName', 'a non-empty string', exportName);
  const idleTimeout = options.idleTimeoutMs === undefined ? undefined : assertInteger('options.idleTimeoutMs', options.idleTimeoutMs, 0);
  const batching = batchingOptions(options.batching);

  const { Piscina } = load<typeof PiscinaModule>('piscina'); // on first use: see ../observe/lazy.ts
  const start = (): PiscinaModule.Piscina<unknown, unknown> => {
    const execArgv = threadExecArgv();
    return new Piscina<unknown, unknown>({
      filename,
      name: exportName,
      minThreads: threads,
      maxThreads: threads,
      ...(idleTimeout === undefined ? {} : { idleTimeout }),
      ...(options.workerData === undefined ? {} : { workerData: options.workerData }),
      ...(execArgv === undefined ? {} : { execArgv }),
    });
  };
  let piscina: PiscinaModule.Piscina<unknown, unknown> | undefined;
  while (piscina === undefined) {
    try {
      piscina = start();
    } catch (error) {
      // A flag of this process that threads refuse: learnt once, then every pool starts without it.
      if (!refuseFlags(error)) throw error;
    }
  }
  let closing: Promise<void> | undefined;
  // Once `closing` has resolved: no thread is left.
  let closed = false;
  let forced = false;
  // A thread terminated by an abort or a destroy leaves piscina's list at once but exits a little later, and
  // piscina's close() awaits only the threads still listed: every thread is tracked here until its exit, so close()
  // resolves, and the 'error' listener below goes, only when no thread of the pool is left. A thread is tracked while
  // it is still listed, before anything but its own failure can end it. piscina hands tasks to threads still loading
  // (announced with 'workerCreate' only once loaded), and a task's abort terminates its thread, so the list is read
  // again wherever piscina may have started a thread, before control can reach code that aborts: at once (the threads
  // of the start), as each task rejects (an abort starts a replacement right after rejecting the task), after every
  // exit (piscina starts a replacement as it hears the exit), at every 'error' and before every destroy; and while
  // the list is short (see `short`), after each run() (a task it cannot place starts one) and as each task resolves
  // (a thread coming free starts one for a task it cannot place, before the task it finished resolves).
  const exits = new Map<Worker, Promise<void>>();
  // Threads that have exited leave `exits` (a long-lived pool replaces a thread at every abort) but are never tracked
  // again: a listener for an exit that has already happened would wait for ever.
  const exited = new WeakSet<Worker>();
  // The threads piscina has announced ('workerCreate') and that have not exited, by threadId (a Worker's is -1 once it
  // has exited). piscina announces a thread it starts later only once the thread has loaded the module (its ready
  // message); the threads of the start, in a microtask, loaded or not (piscina treats them as ready from the start).
  const announced = new Set<number>();
  // piscina's list was short of `threads` when last read: piscina declined to replace a thread. Only then can a run()
  // or a thread coming free make piscina start one, so only then do those read the list again (reading it builds an
  // array, per task). Every way a thread leaves the list is followed by a read (see `exits`), so this stays true.
  let short = false;
  const track = (): void => {
    const listed = piscina.threads;
    short = listed.length < threads;
    for (const thread of listed) {
      if (exits.has(thread) || exited.has(thread)) continue;
      const id = thread.threadId;
      exits.set(
        thread,
        new Promise<void>((resolve) => {
          thread.once('exit', (code: number) => {
            exits.delete(thread);
            exited.add(thread);
            resolve();
            onExit(code, announced.delete(id));
          });
        }),
      );
    }
  };
  // Set by the first destroy: from then on the pool ends its threads itself, and no exit is a loss.
  let ending = false;
  // piscina replaces no thread that exits before its module has loaded and, once one has (an abort can terminate a
  // thread while it loads, in a healthy pool too), no thread that exits at all for the rest of the pool's life: a
  // pool left without a thread would keep its queued tasks, and a graceful close waiting for them, waiting for ever.
  // So when the last thread goes, having loaded the module (it died in a task, as a crash does), a thread is started
  // in its place; when it goes before it has loaded (process.exit at import: a fresh thread cannot load the module),
  // the pool is broken, that exit as the cause. A started thread that exits while loading thus breaks the pool: the
  // restarts stop there. piscina hears the exit first (its listener came first): the replacement it started, if any,
  // is listed by now.
  const onExit = (code: number, loaded: boolean): void => {
    track();
    if (ending || broken !== undefined || piscina.threads.length > 0) return;
    if (loaded) {
      restart();
      track();
      return;
    }
    const cause = Object.assign(new Error(`worker exited with code: ${code}`), { exitCode: code });
    // In a microtask, after the task that thread was running has rejected: it keeps its own error (piscina's).
    queueMicrotask(() => breakPool(cause));
  };
  // piscina starts a thread for a task it cannot hand to one while it has fewer threads than its maximum (whatever
  // it has learnt about threads failing to load): a task withdrawn at once, before any thread can take it, so that
  // the thread comes and nothing runs on it but the queued tasks.
  const restart = (): void => {
    const withdraw = new AbortController();
    piscina.run(undefined, { signal: withdraw.signal }).catch(() => undefined);
    withdraw.abort();
  };
  track();
  const onCreate = (thread: { readonly id: number }): void => {
    announced.add(thread.id);
    track();
  };
  piscina.on('workerCreate', onCreate);
  // piscina's destroy() clears its `destroying` flag when it returns, even while an earlier call still awaits its
  // threads: the exit of a thread terminated before then reads as a crash, and piscina starts a replacement that
  // nothing ends. So destroy calls run one after another, each tracking the threads it terminates.
  let destroyed: Promise<void> = Promise.resolve();
  const destroy = (): Promise<void> => {
    ending = true;
    destroyed = destroyed.catch(() => undefined).then(() => {
      track();
      return piscina.destroy();
    });
    return destroyed;
  };
  // piscina emits 'error' when a thread fails outside a task (its module does not load): unheard, that event would
  // crash the process, and piscina would keep restarting threads that fail the same way while later tasks wait for
  // a thread forever. So the pool stops there and every task from then on rejects with one error naming the cause.
  let broken: ThreadPoolBrokenError | undefined;
  const breakPool = (cause: unknown): void => {
    if (broken !== undefined || ending) return;
    broken = new ThreadPoolBrokenError({ cause });
    batcher.rejectQueued(broken);
    destroy().catch(() => undefined);
  };
  const onError = (error: unknown): void => {
    // piscina takes a stale reply for its thread coming free: while its list is short, it may start a thread then.
    track();
    if (!isStaleReply(error)) breakPool(error);
  };
  piscina.on('error', onError);
  // One listener per caller signal, however many tasks share it (processParallel gives all its items one signal),
  // so a big pool never trips the max-listeners warning; each task gets a controller of its own for piscina.
  const watched = new Map<AbortSignal, { controllers: Set<AbortController>; onAbort: () => void }>();

  const link = (signal: AbortSignal): AbortController => {
    const controller = new AbortController();
    let watch = watched.get(signal);
    if (watch === undefined) {
      const controllers = new Set<AbortController>();
      const onAbort = (): void => {
        for (const c of controllers) c.abort(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      watch = { controllers, onAbort };
      watched.set(signal, watch);
    }
    watch.controllers.add(controller);
    return controller;
  };
  const unlink = (signal: AbortSignal, controller: AbortController): void => {
    const watch = watched.get(signal);
    if (watch === undefined) return;
    watch.controllers.delete(controller);
    if (watch.controllers.size === 0) {
      signal.removeEventListener('abort', watch.onAbort);
      watched.delete(signal);
    }
  };

  // Rejects the queued items and ends the running and queued tasks (each with ERR_POOL_CLOSED), so that a pending
  // graceful close goes on to end the threads at once.
  const forceClose = (): void => {
    if (forced) return;
    forced = true;
    batcher.rejectQueued(new ThreadPoolClosedError());
    destroy().catch(() => undefined);
  };
  // A task ended by close({ force: true }) fails with piscina's own error; callers get a stable code instead.
  const forcedClose = (error: unknown): unknown =>
    forced ? new ThreadPoolClosedError({ cause: error }) : (broken ?? error);

  // Single tasks in flight (run, task, the per-item processor): while there is one, automatic batching holds its
  // batches back to one per thread (see Batcher.hold), or the task would wait for the batched work to run out.
  let singles = 0;
  // `batch` runs the batch runner instead of the pool's module (piscina takes a module per task).
  const runTask = async <T>(task: unknown, signal: AbortSignal | undefined, batch: boolean): Promise<T> => {
    if (closing !== undefined) throw new ThreadPoolClosedError();
    if (broken !== undefined) throw broken;
    if (batch) return sendTask<T>(task, signal, { filename: BATCH_WORKER, name: 'default' });
    signal?.throwIfAborted();
    if (singles++ === 0) batcher.hold(true);
    try {
      return await sendTask<T>(task, signal, {});
    } finally {
      if (--singles === 0) batcher.hold(false);
    }
  };
  // Tasks handed to piscina and not settled yet: a graceful close waits until none is left.
  let active = 0;
  let onIdle: (() => void) | undefined;
  const sendTask = async <T>(task: unknown, signal: AbortSignal | undefined, target: { filename?: string; name?: string }): Promise<T> => {
    active++;
    try {
      return await sendOne<T>(task, signal, target);
    } finally {
      if (--active === 0) onIdle?.();
    }
  };
  const idle = (): Promise<void> =>
    active === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          onIdle = () => {
            onIdle = undefined;
            resolve();
          };
        });
  // Each task's run() and settling read piscina's list (see `exits`): the continuation of an await on piscina's
  // promise runs after piscina's own handlers, and before any caller's.
  const sendOne = async <T>(task: unknown, signal: AbortSignal | undefined, target: { filename?: string; name?: string }): Promise<T> => {
    if (signal === undefined) {
      try {
        const result = piscina.run(task, target);
        if (short) track();
        const output = (await result) as T;
        if (short) track();
        return output;
      } catch (error) {
        track();
        throw forcedClose(error);
      }
    }
    signal.throwIfAborted();
    const controller = link(signal);
    try {
      const result = piscina.run(task, { ...target, signal: controller.signal });
      if (short) track();
      const output = (await result) as T;
      if (short) track();
      return output;
    } catch (error) {
      track();
      // piscina wraps the reason in an AbortError of its own; callers expect their signal's reason.
      if (signal.aborted) throw signal.reason;
      throw forcedClose(error);
    } finally {
      unlink(signal, controller);
    }
  };
  const run = (input: I, runOptions?: ThreadRunOptions): Promise<O> =>
    runTask<O>(input, assertOptionalSignal('options.signal', runOptions?.signal), false);

  const sizer = new BatchSizer(threads, batching);
  const batcher = new Batcher(
    (items, signal) => runTask<BatchResult>({ module: filename, exportName, items } satisfies BatchTask, signal, true),
    sizer,
  );

  const batchProcessor = (item: I, context: { signal: AbortSignal }): Promise<O> => {
    if (closing !== undefined) return Promise.reject(new ThreadPoolClosedError());
    if (broken !== undefined) return Promise.reject(broken);
    return batcher.add(item, context.signal) as Promise<O>;
  };
  const batchWorkers = Math.min(MAX_BATCH_WORKERS, threads * sizer.maxBatchSize * 2);
  // processParallel recognises the pool's processor and runs its batched form: the call users write batches too.
  const processor = Object.assign((item: I, context: { signal: AbortSignal }) => run(item, { signal: context.signal }), {
    [BATCHED]: { processor: batchProcessor, workers: batchWorkers } satisfies BatchedForm<I, O>,
  });
  const pool: ThreadPool<I, O> = {
    threads,
    run,
    processor,
    batchProcessor,
    batchWorkers,
    task(id, input, taskOptions) {
      if (typeof id !== 'string') throw invalidArgument('id', 'a string', id);
      const build = typeof input === 'function' ? (input as (dependencies: Readonly<Record<string, O>>) => I) : undefined;
      return {
        ...taskOptions,
        id,
        run: (context: GraphTaskContext<O>) => run(build === undefined ? (input as I) : build(context.dependencies), { signal: context.signal }),
      };
    },
    close(closeOptions) {
      const { force, signal } = closeArguments(closeOptions);
      // Nothing is left to stop, so nothing is forced: a call once the pool has closed resolves, whatever its signal.
      if (closed && closing !== undefined) return closing;
      if (closing === undefined) {
        // Queued items are work handed in before the close: a graceful close waits for them too.
        if (!force) batcher.flush();
        track();
        closing = (async () => {
          // No deadline of its own: a task that never ends holds a graceful close until force ends it.
          await idle();
          // A terminated thread that exits after piscina's destroy has returned makes piscina start a replacement
          // (its guard against that is already lifted). A replacement is a live thread that exits only once it is
          // ended: end the listed threads before awaiting the exits, until no thread is left.
          for (;;) {
            if (piscina.threads.length > 0) await destroy();
            track();
            await Promise.all(exits.values());
            if (piscina.threads.length === 0) break;
          }
          piscina.off('workerCreate', onCreate);
          piscina.off('error', onError);
          closed = true;
        })();
      }
      if (force || signal?.aborted === true) forceClose();
      if (signal === undefined) return closing;
      const done = closing;
      if (signal.aborted) return done.then(() => Promise.reject(signal.reason as Error));
      let aborted = false;
      const onAbort = (): void => {
        aborted = true;
        forceClose();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      return done.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          if (aborted) throw signal.reason;
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          throw error;
        },
      );
    },
    [Symbol.asyncDispose]() {
      return pool.close();
    },
  };
  return pool;
}

/**
 * piscina's 'error' for a reply that reaches it after it ended the reply's task: a thread terminated (by an abort or
 * a destroy) while its reply was already on the way. The task has settled and the thread is gone: nothing is broken.
 * piscina gives that error no code, only this message.
 */
function isStaleReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Unexpected message from Worker');
}

function closeArguments(value: unknown): { force: boolean; signal: AbortSignal | undefined } {
  if (value === undefined) return { force: false, signal: undefined };
  if (typeof value !== 'object' || value === null) throw invalidArgument('options', 'an object or undefined', value);
  const { force, signal } = value as { force?: unknown; signal?: unknown };
  if (force !== undefined && typeof force !== 'boolean') throw invalidArgument('options.force', 'a boolean or undefined', force);
  return { force: force === true, signal: assertOptionalSignal('options.signal', signal) };
}

function batchingOptions(value: unknown): BatchingOptions {
  if (value === undefined) return { maxBatchSize: DEFAULT_MAX_BATCH_SIZE };
  if (typeof value !== 'object' || value === null) throw invalidArgument('options.batching', 'an object', value);
  const { targetBatchMs, maxBatchSize } = value as BatchingOptions;
  if (targetBatchMs !== undefined && !(typeof targetBatchMs === 'number' && targetBatchMs > 0 && Number.isFinite(targetBatchMs))) {
    throw invalidArgument('options.batching.targetBatchMs', 'a finite number > 0', targetBatchMs);
  }
  return {
    maxBatchSize: maxBatchSize === undefined ? DEFAULT_MAX_BATCH_SIZE : assertInteger('options.batching.maxBatchSize', maxBatchSize, 1),
    ...(targetBatchMs === undefined ? {} : { targetBatchMs }),
  };
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw invalidArgument('module', 'a file: URL or an absolute path', module.href);
    return module.href;
  }
  if (typeof module === 'string') {
    if (module.startsWith('file:')) return module;
    if (isAbsolute(module)) return pathToFileURL(module).href;
  }
  throw invalidArgument('module', 'a file: URL or an absolute path', module);
}
