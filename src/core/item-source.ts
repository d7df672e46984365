/**
 * A pull-based view over a sync or async iterable, shared by the worker pools: workers pull one item at a time
 * only when they are free, so a lazy or infinite input is never read ahead of the work.
 */

/** Returned by {@link ItemSource.next} when the input is exhausted. */
export const DONE: unique symbol = Symbol('done');

export interface ItemSource<I> {
  /** Item count when the input tells it up front (arrays, Sets, Maps), else `undefined`. */
  readonly total: number | undefined;
  /** True for async iterables: use {@link nextAsync}; otherwise use {@link next}. */
  readonly isAsync: boolean;
  /** How many items have been pulled so far; the index of the next item. */
  readonly pulled: number;
  /** Sync inputs: the next item or DONE. The caller numbers items in pull order. */
  next(): I | typeof DONE;
  /** Async inputs: the next item with its index, or DONE. Pulls are serialised and numbered in order. */
  nextAsync(): Promise<{ item: I; index: number } | typeof DONE>;
  /**
   * Stops pulling at once: no queued pull reaches the input any more, and a pull waiting for the input answers
   * DONE now instead of when (if ever) the input produces its next item.
   */
  stop(): void;
  /**
   * Stops the input early: calls the iterator's `return()` once, if it has one and is not exhausted. Resolves
   * without waiting for `return()` when the input is still busy with a `next()` (it may never answer).
   */
  close(): Promise<void>;
}

/** Builds the source; throws a TypeError naming `name` when `items` is not iterable. */
export function itemSource<I>(items: Iterable<I> | AsyncIterable<I>, name: string): ItemSource<I> {
  if (Array.isArray(items)) return arraySource(items as I[]);
  if ((items !== null && typeof items === 'object') || typeof items === 'function' || typeof items === 'string') {
    const asyncIter = (items as Partial<AsyncIterable<I>>)[Symbol.asyncIterator];
    if (typeof asyncIter === 'function') return asyncSource(asyncIter.call(items));
    const syncIter = (items as Partial<Iterable<I>>)[Symbol.iterator];
    if (typeof syncIter === 'function') return syncSource(syncIter.call(items), sizeOf(items));
  }
  throw new TypeError(`${name} must be an iterable or async iterable, received ${items === null ? 'null' : typeof items}`);
}

function sizeOf(items: unknown): number | undefined {
  const size = typeof items === 'object' && items !== null ? (items as { size?: unknown }).size : undefined;
  return typeof size === 'number' ? size : undefined;
}

const notAsync = (): never => {
  throw new Error('nextAsync() called on a sync source');
};
const notSync = (): never => {
  throw new Error('next() called on an async source');
};

function arraySource<I>(items: readonly I[]): ItemSource<I> {
  let index = 0;
  const length = items.length;
  return {
    total: length,
    isAsync: false,
    get pulled() {
      return index;
    },
    next: () => (index < length ? (items[index++] as I) : DONE),
    nextAsync: notAsync,
    stop: () => {
      index = length;
    },
    close: () => Promise.resolve(),
  };
}

function syncSource<I>(iterator: Iterator<I>, total: number | undefined): ItemSource<I> {
  let index = 0;
  let done = false;
  let stopped = false;
  return {
    total,
    isAsync: false,
    get pulled() {
      return index;
    },
    next() {
      if (done || stopped) return DONE;
      const step = iterator.next();
      if (step.done === true) {
        done = true;
        return DONE;
      }
      index++;
      return step.value;
    },
    nextAsync: notAsync,
    stop() {
      stopped = true;
    },
    close() {
      if (done) return Promise.resolve();
      done = true;
      try {
        iterator.return?.();
      } catch {
        // The input's own clean-up failing must not mask the run's outcome.
      }
      return Promise.resolve();
    },
  };
}

function asyncSource<I>(iterator: AsyncIterator<I>): ItemSource<I> {
  let index = 0;
  let exhausted = false;
  let stopped = false;
  let returned = false;
  let busy = false;
  // Resolvers of the pulls now waiting, so stop() can answer them DONE. One entry per pull in flight, removed when
  // it settles: racing every pull against one long-lived promise would retain every item ever pulled.
  const waiting = new Set<(done: typeof DONE) => void>();
  // Pulls are serialised: an arbitrary async iterator is not required to support concurrent next() calls.
  let last: Promise<unknown> = Promise.resolve();
  const step = async (): Promise<{ item: I; index: number } | typeof DONE> => {
    if (exhausted || stopped) return DONE;
    busy = true;
    let result: IteratorResult<I>;
    try {
      result = await iterator.next();
    } finally {
      busy = false;
    }
    if (result.done === true) {
      exhausted = true;
      return DONE;
    }
    // An item that arrives after the stop is dropped: nobody will process it.
    if (stopped) return DONE;
    return { item: result.value, index: index++ };
  };
  return {
    total: undefined,
    isAsync: true,
    get pulled() {
      return index;
    },
    next: notSync,
    nextAsync() {
      if (exhausted || stopped) return Promise.resolve(DONE);
      const pending = last.then(step);
      last = pending.catch(() => undefined);
      return new Promise((resolve, reject) => {
        const cancel = (done: typeof DONE): void => resolve(done);
        waiting.add(cancel);
        pending.then(
          (pulled) => {
            waiting.delete(cancel);
            resolve(pulled);
          },
          (error: unknown) => {
            waiting.delete(cancel);
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the input's own error, as thrown
            reject(error);
          },
        );
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const cancel of waiting) cancel(DONE);
      waiting.clear();
    },
    async close() {
      this.stop();
      if (exhausted || returned) return;
      returned = true;
      if (busy) {
        // The input is inside next() and may never come back; ask it to finish without waiting for it.
        void Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => undefined);
        return;
      }
      try {
        await iterator.return?.();
      } catch {
        // Clean-up errors of the input are not the run's errors.
      }
    },
  };
}
