import { assertFunction, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { isAbortOf } from '../common/abort.js';
import { TaskError } from '../common/errors.js';
import { DONE, itemSource } from '../core/item-source.js';
import { startRun } from '../observe/run-events.js';
import { optionalObserver } from '../observe/safe.js';
import type { Observer } from '../observe/types.js';

/** What each call of a chain's step receives beside the state and the item. */
export interface ChainContext {
  /** The item's input index (0-based). */
  index: number;
  signal: AbortSignal;
}

/** Options of {@link processChain}. */
export interface ChainOptions<S> {
  /** The state the first step receives. */
  initialState: S;
  /** Aborting it stops the chain before the next step (and is passed to the running one). */
  signal?: AbortSignal;
  /** Called after each step with the steps done so far, the total when known, and the new state; exceptions are contained. */
  onProgress?: (completed: number, total: number | undefined, state: S) => void;
  /** Receives the chain's events (source 'chain', task ids are item indices). */
  observer?: Observer;
}

/** One step of a finished chain. */
export interface ChainStep<I, S> {
  index: number;
  item: I;
  /** The state this step returned. */
  state: S;
  durationMs: number;
}

/** What {@link processChain} resolves with. */
export interface ChainResult<I, S> {
  /** The last step's state (`initialState` when there were no items). */
  finalState: S;
  /** Every step, in input order. */
  steps: ChainStep<I, S>[];
}

/**
 * The error a chain rejects with when a step fails: a {@link TaskError} (`code: 'ERR_TASK'`, `index`, `item`,
 * `cause`) that also carries the state before the failed step and the steps that completed.
 *
 * @example
 * ```ts
 * import { ChainError, processChain } from 'fanout/pipeline';
 * try {
 *   await processChain([1, 0, 2], (sum: number, n: number) => (n === 0 ? Promise.reject(new Error('zero')) : sum + n), {
 *     initialState: 0,
 *   });
 * } catch (error) {
 *   if (error instanceof ChainError) console.log(error.index, error.state); // 1 1
 * }
 * ```
 */
export class ChainError<I, S> extends TaskError<I> {
  /** The state the failed step received: the last good state. */
  readonly state: S;
  /** The steps completed before the failure. */
  readonly steps: ChainStep<I, S>[];

  constructor(index: number, item: I, cause: unknown, state: S, steps: ChainStep<I, S>[]) {
    super(index, item, cause);
    this.state = state;
    this.steps = steps;
  }
}

/**
 * Folds items one after another through an async step: each call receives the state returned by the previous one
 * (`initialState` first) and returns the next. Items are pulled lazily from any iterable or async iterable.
 *
 * A step that throws stops the chain: it rejects with a {@link ChainError} — a TaskError naming the item's index,
 * with the last good state and the completed steps. Aborting `signal` stops it before the next step and rejects with
 * `signal.reason` — also when the running step rejects with the abort ({@link isAbortOf}: the reason, or a Node
 * `AbortError` caused by it), which is then not a failure.
 * `onProgress` fires after each step.
 *
 * @example
 * ```ts
 * import { processChain } from 'fanout/pipeline';
 * const { finalState } = await processChain(['a', 'b', 'c'], async (text: string, item) => text + item, {
 *   initialState: '',
 * });
 * console.log(finalState); // 'abc'
 * ```
 */
export async function processChain<I, S>(
  items: Iterable<I> | AsyncIterable<I>,
  step: (state: S, item: I, context: ChainContext) => S | PromiseLike<S>,
  options: ChainOptions<S>,
): Promise<ChainResult<I, S>> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object with initialState', options);
  if (!('initialState' in options)) throw invalidArgument('options.initialState', 'present (any value)', undefined);
  assertFunction('step', step);
  const signal = assertOptionalSignal('options.signal', options.signal);
  const onProgress = options.onProgress;
  if (onProgress !== undefined) assertFunction('options.onProgress', onProgress);
  const observer = optionalObserver('options.observer', options.observer);
  const source = itemSource(items, 'items');
  if (signal?.aborted) {
    await source.close(); // the iterator was opened: give it back
    throw signal.reason;
  }
  const total = source.total;
  // An abort must not wait for an async input that may never produce its next item: stop the pull at once.
  const stopPull = (): void => source.stop();
  signal?.addEventListener('abort', stopPull, { once: true });
  const emitter = observer === undefined ? undefined : startRun(observer, 'chain', total);
  const contextSignal = signal ?? new AbortController().signal;

  let state = options.initialState;
  const steps: ChainStep<I, S>[] = [];
  let finished = false;
  try {
    for (let index = 0; ; index++) {
      if (signal?.aborted) throw signal.reason;
      let item: I;
      if (source.isAsync) {
        const pulled = await source.nextAsync();
        if (signal?.aborted) throw signal.reason; // DONE may be the stop's answer, not the input's end
        if (pulled === DONE) break;
        item = pulled.item;
      } else {
        const pulled = source.next();
        if (pulled === DONE) break;
        item = pulled;
      }
      if (signal?.aborted) throw signal.reason;
      const id = String(index);
      const t0 = performance.now();
      emitter?.taskStart(id);
      let next: S;
      try {
        next = await step(state, item, { index, signal: contextSignal });
      } catch (error) {
        const durationMs = performance.now() - t0;
        if (signal !== undefined && isAbortOf(error, signal)) {
          emitter?.taskEnd(id, { id, status: 'cancelled', durationMs });
          throw signal.reason;
        }
        emitter?.taskEnd(id, { id, status: 'failed', error, durationMs });
        throw new ChainError(index, item, error, state, steps);
      }
      const durationMs = performance.now() - t0;
      state = next;
      steps.push({ index, item, state, durationMs });
      emitter?.taskEnd(id, { id, status: 'passed', value: state, durationMs });
      if (onProgress !== undefined) {
        try {
          onProgress(steps.length, total, state);
        } catch {
          // A progress callback observes the chain; its failure must not change it.
        }
      }
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', stopPull);
    if (!finished) await source.close();
    emitter?.end({ ok: finished, aborted: !finished && signal?.aborted === true, failFastTriggered: false });
  }
  return { finalState: state, steps };
}
