import { assertFunction, assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { FailFastError } from '../common/errors.js';
import { isAbortOf } from '../common/abort.js';
import { followSignal } from '../common/signals.js';
import { Refill, TURN_BATCH_MIN_WORKERS, isThenable } from './turns.js';

/** One task of {@link runWithConcurrency}: receives the run's signal, returns its value or a promise (or thenable) of it. */
export type ConcurrencyTask<T = unknown> = (signal: AbortSignal) => T | PromiseLike<T>;

/** The value a task produces: what it returns, awaited. */
export type ConcurrencyTaskValue<F> = F extends (signal: AbortSignal) => infer R ? Awaited<R> : never;

/** Options of {@link runWithConcurrency}. */
export interface ConcurrencyOptions<T> {
  /** The work, one function per task; each receives the run's shared child signal. */
  tasks: ReadonlyArray<ConcurrencyTask<T>>;
  /** Tasks running at once: an integer ≥ 1, or `Infinity`. */
  maxConcurrency: number;
  /** Aborting it stops the run: no new task starts, running ones see their signal abort. */
  signal?: AbortSignal;
  /**
   * Tells a failed result from a good one; the first failure stops the run (fail-fast). A task that throws or
   * rejects is a failure either way.
   * @default () => false: only a throw or a rejection is a failure
   */
  isFailed?: ((result: T) => boolean) | undefined;
}

/**
 * What {@link runWithConcurrency} resolves with. `ByIndex` types `resultsByIndex`: for tasks given as a tuple, each
 * position has its own task's type.
 */
export interface ConcurrencyResult<T, ByIndex extends readonly unknown[] = Array<T | undefined>> {
  /** Values of the tasks that settled with a value, in input order (tasks never started are absent). */
  results: T[];
  /** The same values at their task's index; `undefined` where a task threw or never started. */
  resultsByIndex: ByIndex;
  /**
   * Index of the failure that triggered fail-fast — the first failure to settle, which stopped the run — or `null`.
   * The original wording, "the earliest failing index", means just that: failures that settle after the stop never
   * replace it, so with several tasks failing at once it need not be the lowest of their indexes.
   */
  firstFailureIndex: number | null;
  /** True when the parent signal caused the stop. */
  aborted: boolean;
  /**
   * Tasks that threw or rejected (and `isFailed` calls that threw), by index in input order — except those that
   * rejected with the stop's abort ({@link isAbortOf}) after the run stopped: they were cancelled, not failed.
   */
  errors: Array<{ index: number; error: unknown }>;
  /** Indexes, in input order, of the tasks that were running at the stop and rejected with its abort. */
  cancelled: number[];
}


/**
 * Runs `tasks` with at most `maxConcurrency` at once, fail-fast, and returns their results in input order.
 *
 * Every task receives the signal of one child `AbortController`, which aborts when the parent signal aborts
 * (reason: the parent's reason) or at the first failure — `isFailed(result)` true, or the task throwing or
 * rejecting (reason: a {@link FailFastError}). After that no new task starts; tasks already running are awaited
 * before it returns. It never rejects because a task failed: failures are in `firstFailureIndex` and `errors`.
 * An abort resolves with `aborted: true`; a signal aborted before the call returns at once with no task started.
 *
 * Caveat: a task that ignores its signal is still awaited; cancellation is cooperative.
 *
 * @example
 * ```ts
 * import { runWithConcurrency } from 'fanout';
 * const urls = ['https://a.example', 'https://b.example'];
 * const { results, firstFailureIndex } = await runWithConcurrency({
 *   tasks: urls.map((url) => async (signal: AbortSignal) => (await fetch(url, { signal })).status),
 *   maxConcurrency: 2,
 *   isFailed: (status) => status >= 500,
 * });
 * ```
 */
export function runWithConcurrency<const Tasks extends ReadonlyArray<ConcurrencyTask>>(
  options: Omit<ConcurrencyOptions<ConcurrencyTaskValue<Tasks[number]>>, 'tasks'> & { tasks: Tasks },
): Promise<
  ConcurrencyResult<ConcurrencyTaskValue<Tasks[number]>, { -readonly [K in keyof Tasks]: ConcurrencyTaskValue<Tasks[K]> | undefined }>
>;
export function runWithConcurrency<T>(options: ConcurrencyOptions<T>): Promise<ConcurrencyResult<T>>;
export async function runWithConcurrency<T>(options: ConcurrencyOptions<T>): Promise<ConcurrencyResult<T>> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const { tasks, isFailed } = options;
  if (!Array.isArray(tasks)) throw invalidArgument('options.tasks', 'an array of functions', tasks);
  const limit = assertLimit('options.maxConcurrency', options.maxConcurrency);
  if (isFailed !== undefined) assertFunction('options.isFailed', isFailed);
  const parent = assertOptionalSignal('options.signal', options.signal);
  const count = tasks.length;
  const bad = indexOfNonFunction(tasks);
  if (bad !== -1) throw invalidArgument(`options.tasks[${bad}]`, 'a function', tasks[bad]);

  const resultsByIndex = new Array<T | undefined>(count).fill(undefined);
  if (parent?.aborted) return { results: [], resultsByIndex, firstFailureIndex: null, aborted: true, errors: [], cancelled: [] };

  const controller = new AbortController();
  const signal = controller.signal;
  const unfollow = followSignal(parent, controller);
  // Tasks start in input order, so every index below `next` has settled by the end; those that threw are the rare
  // exception, kept in a Set rather than a per-task flag.
  const threw = new Set<number>();
  let values = 0;
  const errors: Array<{ index: number; error: unknown }> = [];
  const cancelled: number[] = [];
  let firstFailureIndex: number | null = null;
  let aborted = false;
  let next = 0;

  const fail = (index: number, error?: unknown): void => {
    if (signal.aborted) return; // a consequence of an earlier stop, never its cause
    firstFailureIndex = index;
    controller.abort(new FailFastError(index, error));
  };

  // A plain flag is cheaper than reading `signal.aborted` on every task of the hot loop.
  let stopped = false;
  signal.addEventListener('abort', () => (stopped = true), { once: true });

  // Tasks pull the next index from a shared counter: no queue, no per-task controller. Narrow pools run a loop of
  // async workers (an `await` per task is the cheapest way to wait for it). Wide pools are callback-driven: there a
  // suspended worker per slot keeps its frame in the old generation pointing at each young task promise, which made
  // the scavenges several times dearer; one `fill` loop refills their free slots, once per turn (see Refill).
  let inFlight = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let finished = false;

  // Kept apart from the hot paths, which call it only when there is an `isFailed`: its try/catch made every loop
  // that inlined it dearer to compile, and a run of 100,000 quick tasks pays its compilations in full.
  const checkFailed = (index: number, value: T): void => {
    let failed: boolean;
    try {
      failed = (isFailed as (result: T) => boolean)(value);
    } catch (error) {
      errors.push({ index, error });
      failed = true;
    }
    if (failed) fail(index);
  };
  const settledWith = (index: number, value: T): void => {
    values++;
    resultsByIndex[index] = value;
    if (isFailed !== undefined) checkFailed(index, value);
  };
  const threwWith = (index: number, error: unknown): void => {
    threw.add(index);
    // The stop's own abort is its consequence (cancelled), not a failure of its own.
    if (stopped && isAbortOf(error, signal)) cancelled.push(index);
    else errors.push({ index, error });
    fail(index, error);
  };
  const checkDone = (): void => {
    if (!finished && inFlight === 0 && (stopped || next >= count)) {
      finished = true;
      finish();
    }
  };
  const fill = (): void => {
    if (finished) return;
    if (!stopped && next < count) refill.starting();
    while (inFlight < limit && next < count && !stopped) {
      const index = next++;
      let out: T | PromiseLike<T>;
      let thenable: boolean;
      try {
        out = (tasks[index] as ConcurrencyTask<T>)(signal);
        thenable = isThenable(out); // a `then` getter that throws fails the task, as `await` would
      } catch (error) {
        threwWith(index, error);
        continue;
      }
      if (!thenable) {
        settledWith(index, out as T);
        continue;
      }
      inFlight++;
      // Promise.resolve returns a native promise as is and assimilates any other thenable, as `await` does.
      Promise.resolve(out).then(
        (value) => {
          inFlight--;
          settledWith(index, value);
          refill.request();
          checkDone();
        },
        (error: unknown) => {
          inFlight--;
          threwWith(index, error);
          refill.request();
          checkDone();
        },
      );
    }
    checkDone();
  };
  const workers = Math.min(limit, count);
  const refill = new Refill(fill);
  // The narrow pools' loop, as small as the work allows: a run of 100,000 quick tasks lasts about as long as
  // compiling it, so every branch here is paid for twice.
  const worker = async (): Promise<void> => {
    while (next < count && !stopped) {
      const index = next++;
      let value: T;
      try {
        value = await (tasks[index] as ConcurrencyTask<T>)(signal);
      } catch (error) {
        threwWith(index, error);
        continue;
      }
      values++;
      resultsByIndex[index] = value;
      if (isFailed !== undefined) checkFailed(index, value);
    }
  };

  try {
    if (workers >= TURN_BATCH_MIN_WORKERS) {
      fill();
      await done;
    } else if (workers === 1) {
      await worker();
    } else {
      const running = new Array<Promise<void>>(workers);
      for (let w = 0; w < workers; w++) running[w] = worker();
      await Promise.all(running);
    }
  } finally {
    unfollow();
  }
  // Who stopped the run is known by what happened here, not by the reason's class: a parent's reason may itself be
  // a FailFastError (a nested run stopped by its outer run's fail-fast).
  aborted = firstFailureIndex === null && parent?.aborted === true;

  let results: T[];
  if (values === count) {
    results = resultsByIndex.slice() as T[]; // the common case: every task produced a value
  } else {
    results = [];
    for (let i = 0; i < next; i++) if (!threw.has(i)) results.push(resultsByIndex[i] as T);
  }
  if (errors.length > 1) errors.sort((a, b) => a.index - b.index);
  if (cancelled.length > 1) cancelled.sort((a, b) => a - b);
  return { results, resultsByIndex, firstFailureIndex, aborted, errors, cancelled };
}

/**
 * The index of the first element of `tasks` that is not a function, or -1. A function of its own: as a loop inside
 * runWithConcurrency, a long array made V8 compile the whole of runWithConcurrency on the spot (on-stack
 * replacement) to finish the loop, which cost several times the loop itself.
 */
function indexOfNonFunction(tasks: ReadonlyArray<unknown>): number {
  const count = tasks.length;
  for (let i = 0; i < count; i++) if (typeof tasks[i] !== 'function') return i;
  return -1;
}
