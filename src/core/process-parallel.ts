import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { assertFunction, assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { FailFastError, ParallelError, TaskError, failureSummary, messageOf } from '../common/errors.js';
import type { FailureSummary } from '../common/errors.js';
import { batchedFormOf } from './batched-processor.js';
import { DONE, itemSource } from './item-source.js';
import { followSignal } from '../common/signals.js';
import { isAbortOf } from '../common/abort.js';
import { Refill, TURN_BATCH_MIN_WORKERS, isThenable } from './turns.js';
import { observeProcessor, startRun } from '../observe/run-events.js';
import { optionalObserver } from '../observe/safe.js';
import type { Observer } from '../observe/types.js';

/** What each call of the processor receives beside its item. */
export interface ItemContext {
  /** The item's input index (0-based). */
  index: number;
  /** Aborts when the caller's signal aborts or, with `failFast`, when another item fails. */
  signal: AbortSignal;
}

/** Options of {@link processParallel}. */
export interface ProcessParallelOptions<O> {
  /**
   * Items processed at once: an integer ≥ 1, or `Infinity` (every item starts as soon as it is pulled).
   * @default min(availableParallelism() * 2, workerCap, item count when known); with a worker module or a thread
   * pool's `processor`: min(threads * 512, 16384, item count when known), items pulled ahead to fill thread batches
   */
  workers?: number;
  /**
   * Upper bound of the computed default of `workers`; an explicit `workers` is not bounded by it.
   * @default 16
   */
  workerCap?: number;
  /**
   * Stop at the first failed item (abort the others, pull nothing more) and reject. When false, every item runs
   * and the call resolves whatever failed (collect-all): read `errors`, `resultsByIndex` and `summary`.
   * @default true
   */
  failFast?: boolean;
  /**
   * With `failFast: false`, reject with a {@link ParallelError} when at least one item failed and none succeeded —
   * the original ProcessParallel's rule. Without it a collect-all call always resolves for item failures.
   * @default false
   */
  rejectIfNoneSucceeded?: boolean;
  /** Aborting it stops the run; the call then rejects with a {@link ParallelError} whose `cause` is the reason. */
  signal?: AbortSignal;
  /** Called once per successful item with the successes so far, the total when known, and the item's output. */
  onProgress?: (completed: number, total: number | undefined, state: O) => void;
  /**
   * Receives the run's events (`source: 'parallel'`, task ids are item indices as strings): `graph:start` with the
   * item count when known, `task:start`/`task:end` per item pulled (passed, failed, or cancelled when it rejected
   * with the stop's abort, see {@link isAbortOf}), `graph:end`. Items never pulled have no events. Without an observer the run
   * emits nothing and pays nothing. An observer that throws never breaks the run.
   */
  observer?: Observer;
}

/** What {@link processParallel} resolves with. */
export interface ProcessParallelResult<I, O> {
  /** Successful outputs, in input order. */
  results: O[];
  /** Outputs at their item's index, one entry per item pulled; `undefined` where the item failed or was cancelled. */
  resultsByIndex: Array<O | undefined>;
  /** One {@link TaskError} per failed item (its `index`, `item` and `cause`), sorted by index. */
  errors: TaskError<I>[];
  /** Counts of succeeded, failed and cancelled items, and the failures grouped by message, most frequent first. */
  summary: FailureSummary;
}

const DEFAULT_WORKER_CAP = 16;

/**
 * A worker pool over a sync or async iterable: `processor` runs on each item with at most `workers` items in
 * flight, and the outputs come back in input order.
 *
 * Items are pulled lazily, only when a worker is free, so a lazy or infinite input works and memory holds only the
 * items in flight plus the results. When the run stops early the input iterator's `return()` is called.
 *
 * It rejects with a {@link ParallelError} when `failFast` is on and any item failed, when the signal aborted, or when
 * the input itself threw. With `failFast: false` (collect-all) it resolves whatever the items did — every output at
 * its index (`resultsByIndex`), every failure with its item and index (`errors`), and the categorised `summary` —
 * unless `rejectIfNoneSucceeded` asks for the original rule (reject when items failed and none succeeded). Items that were running when the run stopped
 * (fail-fast or abort) and then reject with the stop's abort ({@link isAbortOf}: its reason, or the `AbortError`
 * that Node's abortable APIs make of it) are cancelled, not failed: they appear in neither `results` nor `errors`.
 *
 * `processor` may also be a worker module (a `file:` URL, or an absolute path or `file:` URL string): each item then runs on a worker thread (piscina, sized to
 * `availableParallelism()`), passed to the module's default export (sync or async). Items travel to the threads in
 * automatic batches of about 20 ms of work each (measured on the first items), so even items of a tenth of a
 * millisecond use every core; results, errors (with their index), fail-fast, progress and events stay per item. The
 * pool is created for the call and closed at its end; an abort or a fail-fast stop terminates the threads running
 * batches, and their items count as cancelled. To share a pool across calls, tune the batching, or run graph tasks
 * on threads, use `createThreadPool` (its `batchProcessor`).
 *
 * Caveat: `results` grows with the input; for constant memory over endless inputs use {@link parallelMap}.
 *
 * @example
 * ```ts
 * import { processParallel } from 'fanout';
 * const { results } = await processParallel([1, 2, 3], async (n) => n * 2, { workers: 2 });
 * console.log(results); // [2, 4, 6]
 * ```
 */
export async function processParallel<I, O>(
  items: Iterable<I> | AsyncIterable<I>,
  processor: ((item: I, context: ItemContext) => O | PromiseLike<O>) | URL | string,
  options: ProcessParallelOptions<O> = {},
): Promise<ProcessParallelResult<I, O>> {
  if (typeof processor === 'string' && !isAbsolute(processor) && !processor.startsWith('file:')) {
    throw invalidArgument('processor', 'a function, or a worker module as a file: URL or an absolute path', processor);
  }
  if (processor instanceof URL || typeof processor === 'string') {
    // A worker module: CPU-bound work on worker threads (piscina, availableParallelism() threads), one pool per call,
    // items sent in automatic batches. Enough items in flight to fill the batches, unless the caller set `workers`.
    const { createThreadPool } = await import('../threads/thread-pool.js');
    const pool = createThreadPool<I, O>(processor);
    let settled = false;
    try {
      const workers =
        typeof options === 'object' && options !== null && options.workers === undefined
          ? Math.max(1, Math.min(pool.batchWorkers, Array.isArray(items) ? items.length : Number.POSITIVE_INFINITY))
          : undefined;
      const result = await processParallel(items, pool.batchProcessor, workers === undefined ? options : { ...options, workers });
      settled = true;
      return result;
    } finally {
      // Every item has settled by now, so nothing is left to wait for; after a failure or an abort, force makes sure
      // no thread outlives the call (piscina may be replacing one it terminated).
      await pool.close(settled ? undefined : { force: true });
    }
  }
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  assertFunction('processor', processor);
  // A thread pool's processor: its items go to the threads in automatic batches (one message per batch, not per item).
  const batched = batchedFormOf<I, O>(processor);
  if (batched !== undefined) processor = batched.processor;
  const parent = assertOptionalSignal('options.signal', options.signal);
  const failFast = options.failFast ?? true;
  if (typeof failFast !== 'boolean') throw invalidArgument('options.failFast', 'a boolean', failFast);
  const rejectIfNoneSucceeded = options.rejectIfNoneSucceeded ?? false;
  if (typeof rejectIfNoneSucceeded !== 'boolean') {
    throw invalidArgument('options.rejectIfNoneSucceeded', 'a boolean', rejectIfNoneSucceeded);
  }
  const onProgress = options.onProgress;
  if (onProgress !== undefined) assertFunction('options.onProgress', onProgress);
  const workerCap = options.workerCap === undefined ? DEFAULT_WORKER_CAP : assertLimit('options.workerCap', options.workerCap);
  const explicitWorkers = options.workers === undefined ? undefined : assertLimit('options.workers', options.workers);
  const observer = optionalObserver('options.observer', options.observer);

  const source = itemSource(items, 'items');
  if (parent?.aborted) {
    await source.close(); // the iterator was opened: give it back
    if (observer !== undefined) startRun(observer, 'parallel', source.total).end({ ok: false, aborted: true, failFastTriggered: false });
    throw abortedError([], [], parent.reason);
  }
  const total = source.total;
  // Only an observed run wraps the processor: the unobserved hot path is unchanged.
  const emitter = observer === undefined ? undefined : startRun(observer, 'parallel', total);
  const run = emitter === undefined ? processor : observeProcessor(emitter, processor);
  const workers =
    explicitWorkers === Number.POSITIVE_INFINITY && total !== undefined
      ? Math.max(1, total)
      : (explicitWorkers ?? Math.max(1, Math.min(batched?.workers ?? Math.min(availableParallelism() * 2, workerCap), total ?? Number.POSITIVE_INFINITY)));
  // `workers: Infinity` over an input of unknown length: every pulled item starts one more worker (in a microtask, so
  // a long synchronous input never deepens the stack), so as many items run as the input yields.
  const unbounded = workers === Number.POSITIVE_INFINITY;

  const controller = new AbortController();
  const signal = controller.signal;
  const unfollow = followSignal(parent, controller);
  // Sized up front when the count is known: no reallocation while outputs arrive.
  const outputs: O[] = Array.isArray(items) ? new Array<O>(items.length) : [];
  // Indices that produced no output (failed or cancelled): rare, so a Set beats a per-item flag array.
  const missing = new Set<number>();
  const errors: TaskError<I>[] = [];
  let completed = 0;
  let inputError: { error: unknown } | undefined;
  // Set when this run's own fail-fast stopped it (a parent's abort reason may be a FailFastError too).
  let ownFailFast = false;

  let next = 0;
  const isAsync = source.isAsync;
  // Arrays are read by index in the loop itself: the hot path of the common case takes no source call.
  const array = Array.isArray(items) ? (items as readonly I[]) : undefined;
  let arrayEnd = array === undefined ? 0 : array.length;

  // A plain flag is cheaper than reading `signal.aborted` on every item of the hot loop.
  let stopped = false;
  signal.addEventListener(
    'abort',
    () => {
      stopped = true;
      arrayEnd = 0;
      source.stop();
    },
    { once: true },
  );

  // Apart from `succeeded`, which every loop inlines: its try/catch made them dearer to compile.
  const progress = (output: O): void => {
    try {
      (onProgress as NonNullable<typeof onProgress>)(completed, total, output);
    } catch {
      // A progress callback is an observer: its failure must not change the run.
    }
  };
  const succeeded = (index: number, output: O): void => {
    outputs[index] = output;
    completed++;
    if (onProgress !== undefined) progress(output);
  };
  const failed = (index: number, item: I, error: unknown): void => {
    missing.add(index);
    // The stop's own abort (its reason, or Node's AbortError wrapping it) is its consequence: cancelled.
    if (signal.aborted && isAbortOf(error, signal)) return;
    errors.push(itemError(index, item, error));
    if (failFast && !signal.aborted) {
      ownFailFast = true;
      controller.abort(new FailFastError(index, error));
    }
  };
  const inputFailed = (error: unknown): void => {
    inputError ??= { error };
    controller.abort(error);
  };

  try {
    if (isAsync || unbounded || workers < TURN_BATCH_MIN_WORKERS) await awaitingWorkers();
    else await fillingPool();
  } finally {
    unfollow();
    if (signal.aborted) await source.close();
  }

  /**
   * Arrays and sync iterables in a wide pool: callback-driven, one `fill` loop starting items while slots are free,
   * once per turn when items settle in macrotasks (a loop of async workers keeps a suspended frame per slot pointing
   * at each young promise, which made the scavenges of wide pools several times dearer).
   */
  function fillingPool(): Promise<void> {
    return new Promise<void>((resolve) => {
      let inFlight = 0;
      let finished = false;
      let exhausted = false;
      const checkDone = (): void => {
        if (!finished && inFlight === 0 && (stopped || exhausted)) {
          finished = true;
          resolve();
        }
      };
      const fill = (): void => {
        if (finished) return;
        if (!stopped && !exhausted) refill.starting();
        while (inFlight < workers && !stopped && !exhausted) {
          let item: I;
          let index: number;
          if (array !== undefined) {
            if (next >= arrayEnd) {
              exhausted = true;
              break;
            }
            index = next++;
            try {
              item = array[index] as I;
            } catch (error) {
              inputFailed(error);
              break;
            }
          } else {
            let pulled: I | typeof DONE;
            try {
              pulled = source.next();
            } catch (error) {
              inputFailed(error);
              break;
            }
            if (pulled === DONE) {
              exhausted = true;
              break;
            }
            item = pulled;
            index = next++;
          }
          let out: O | PromiseLike<O>;
          let thenable: boolean;
          try {
            out = run(item, { index, signal });
            thenable = isThenable(out); // a `then` getter that throws fails the item, as `await` would
          } catch (error) {
            failed(index, item, error);
            continue;
          }
          if (!thenable) {
            succeeded(index, out as O);
            continue;
          }
          inFlight++;
          // Promise.resolve returns a native promise as is and assimilates any other thenable, as `await` does.
          Promise.resolve(out).then(
            (output) => {
              inFlight--;
              succeeded(index, output);
              refill.request();
              checkDone();
            },
            (error: unknown) => {
              inFlight--;
              failed(index, item, error);
              refill.request();
              checkDone();
            },
          );
        }
        checkDone();
      };
      const refill = new Refill(fill);
      fill();
    });
  }

  /**
   * Narrow pools (an `await` per item is the cheapest way to wait for it), async inputs, and `workers: Infinity` over
   * an input of unknown length: workers that await each pull and each item.
   */
  async function awaitingWorkers(): Promise<void> {
    // A wide pool over an async input waits, once its item settled in a macrotask of its own, for the next turn, so
    // that the workers freed in a turn pull and start together (see Refill): one shared promise per turn.
    let gate: Promise<void> | undefined;
    let openGate: (() => void) | undefined;
    const turns =
      isAsync && !unbounded && workers >= TURN_BATCH_MIN_WORKERS
        ? new Refill(() => {
            const open = openGate;
            gate = undefined;
            openGate = undefined;
            open?.();
          })
        : undefined;
    const worker = async (): Promise<void> => {
      let ran = false;
      while (!stopped) {
        if (ran && turns !== undefined && !turns.request()) {
          gate ??= new Promise<void>((resolve) => {
            openGate = resolve;
          });
          await gate;
          if (stopped) return;
        }
        let item: I;
        let index: number;
        try {
          if (array !== undefined) {
            // Arrays are read by index here: the hot path of the common case takes no source call.
            if (next >= arrayEnd) return;
            index = next++;
            item = array[index] as I;
          } else if (isAsync) {
            const pulled = await source.nextAsync();
            if (pulled === DONE) return;
            if (stopped) {
              // Pulled just before the stop landed: it must not start now.
              missing.add(pulled.index);
              return;
            }
            ({ item, index } = pulled);
          } else {
            const pulled = source.next();
            if (pulled === DONE) return;
            item = pulled;
            index = next++;
          }
          if (unbounded) queueMicrotask(spawn);
        } catch (error) {
          inputFailed(error);
          return;
        }
        let output: O;
        turns?.starting();
        ran = true;
        try {
          output = await run(item, { index, signal });
        } catch (error) {
          failed(index, item, error);
          continue;
        }
        succeeded(index, output);
      }
    };
    // Arrays (never unbounded, never turn-batched here: their count is known and their pools are narrow) take a loop
    // of their own, as small as the work allows: a run of 100,000 quick items lasts about as long as compiling the
    // general loop above, whose every branch was paid for. Its run-and-settle tail repeats the general loop's on
    // purpose: a shared helper would add a call and an await per item to the hottest path.
    const arrayWorker = async (items: readonly I[]): Promise<void> => {
      while (!stopped && next < arrayEnd) {
        const index = next++;
        let item: I;
        try {
          // An accessor or a Proxy can throw on a read: the input failed, as in the general loop.
          item = items[index] as I;
        } catch (error) {
          inputFailed(error);
          return;
        }
        let output: O;
        try {
          output = await run(item, { index, signal });
        } catch (error) {
          failed(index, item, error);
          continue;
        }
        succeeded(index, output);
      }
    };
    let running: Array<Promise<void>> = [];
    function spawn(): void {
      if (!stopped) running.push(worker());
    }
    if (unbounded) {
      spawn();
      // Workers are added while earlier ones run; each is added before the one that added it settles.
      for (let w = 0; w < running.length; w++) await running[w];
    } else {
      running = new Array<Promise<void>>(workers);
      for (let w = 0; w < workers; w++) running[w] = array !== undefined && turns === undefined ? arrayWorker(array) : worker();
      await Promise.all(running);
    }
  }

  const pulledCount = array === undefined ? source.pulled : next;
  let results: O[];
  let resultsByIndex: Array<O | undefined>;
  if (missing.size === 0 && outputs.length === pulledCount) {
    results = outputs; // every pulled item produced an output
    resultsByIndex = outputs.slice();
  } else {
    results = [];
    for (let i = 0; i < pulledCount; i++) if (!missing.has(i)) results.push(outputs[i] as O);
    resultsByIndex = outputs.slice(0, pulledCount);
    if (resultsByIndex.length < pulledCount) resultsByIndex.length = pulledCount;
    // Explicit undefined, not holes: forEach, map and the like must visit every index.
    for (const i of missing) resultsByIndex[i] = undefined;
  }
  if (errors.length > 1) errors.sort((a, b) => a.index - b.index);
  const cancelled = missing.size - errors.length;
  if (emitter !== undefined) {
    const failFastTriggered = ownFailFast;
    const aborted = parent?.aborted === true && !failFastTriggered;
    emitter.end({ ok: errors.length === 0 && inputError === undefined && !aborted, aborted, failFastTriggered });
  }

  if (inputError !== undefined) {
    throw new ParallelError(errors, results, {
      cause: inputError.error,
      message: `parallel execution failed: the input threw: ${messageOf(inputError.error)}`,
      resultsByIndex,
      cancelled,
    });
  }
  if (parent?.aborted && !ownFailFast) throw abortedError(errors, results, parent.reason, resultsByIndex, cancelled);
  if (errors.length > 0 && (failFast || (rejectIfNoneSucceeded && results.length === 0))) {
    throw new ParallelError(errors, results, { resultsByIndex, cancelled });
  }
  return { results, resultsByIndex, errors, summary: failureSummary(errors, results.length, cancelled) };
}

function abortedError<I, O>(
  errors: TaskError<I>[],
  results: O[],
  reason: unknown,
  resultsByIndex: Array<O | undefined> = [],
  cancelled = 0,
): ParallelError<I, O> {
  const detail = errors.length > 0 ? `; ${failureSummary(errors, 0, 0).text}` : '';
  const message = `parallel execution aborted: ${messageOf(reason)}${detail}`;
  return new ParallelError(errors, results, { cause: reason, message, resultsByIndex, cancelled });
}

/**
 * The {@link TaskError} of a failed item, without stack frames of its own: they would only name the pool's internals
 * (the item's own stack is its `cause`'s), and capturing them was most of the cost of a failing item in a collect-all
 * run of many failures.
 */
function itemError<I>(index: number, item: I, cause: unknown): TaskError<I> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new TaskError(index, item, cause);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
