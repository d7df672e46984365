import { availableParallelism } from 'node:os';
import { assertFunction, assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { FailFastError, TaskError } from '../common/errors.js';
import { DONE, itemSource } from './item-source.js';
import type { ItemSource } from './item-source.js';
import type { ItemContext } from './process-parallel.js';
import { followSignal } from '../common/signals.js';
import { Refill, TURN_BATCH_MIN_WORKERS } from './turns.js';

/** Options of {@link parallelMap}. */
export interface ParallelMapOptions {
  /**
   * Items processed at once; also the bound on outputs held for a slow consumer. An integer ≥ 1, or `Infinity` (no
   * bound: the whole input is pulled at once, however slow the consumer).
   * @default availableParallelism() * 2
   */
  concurrency?: number;
  /**
   * `true`: outputs come in input order. `false`: in completion order (faster when durations vary).
   * @default true
   */
  ordered?: boolean;
  /** Aborting it stops the work; the iteration then throws `signal.reason`. */
  signal?: AbortSignal;
}

/** What {@link parallelMap} returns: an async iterator whose `return()` always exists (leaving early is normal). */
export interface ParallelMapIterator<O> extends AsyncIterableIterator<O> {
  /** Stops the work: aborts running items, awaits them, and closes the input. */
  return(): Promise<IteratorResult<O>>;
}

/**
 * The streaming form of {@link processParallel}: an async iterable of outputs whose memory stays flat however long
 * the input. At most `concurrency` items are in flight or waiting to be consumed, so a slow consumer holds back the
 * input (backpressure) instead of filling memory.
 *
 * Stops at the first failure: the other items' signals abort, running items are awaited, and the iteration throws
 * a {@link TaskError} naming the item. An abort of `signal` ends the iteration by throwing `signal.reason`. Leaving
 * the loop early (`break`, `return`, an exception) aborts running items, awaits them, and calls the input's
 * `return()`.
 *
 * Caveat: outputs already computed when a failure happens are discarded, not yielded.
 *
 * @example
 * ```ts
 * import { parallelMap } from 'fanout';
 * async function* numbers() { for (let n = 0; ; n++) yield n; }
 * for await (const square of parallelMap(numbers(), async (n) => n * n, { concurrency: 8 })) {
 *   if (square > 100) break;
 * }
 * ```
 */
export function parallelMap<I, O>(
  items: Iterable<I> | AsyncIterable<I>,
  mapper: (item: I, context: ItemContext) => O | PromiseLike<O>,
  options: ParallelMapOptions = {},
): ParallelMapIterator<O> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  assertFunction('mapper', mapper);
  const concurrency = options.concurrency === undefined ? availableParallelism() * 2 : assertLimit('options.concurrency', options.concurrency);
  const ordered = options.ordered ?? true;
  if (typeof ordered !== 'boolean') throw invalidArgument('options.ordered', 'a boolean', ordered);
  const signal = assertOptionalSignal('options.signal', options.signal);
  return new MapIterator(itemSource(items, 'items'), mapper, concurrency, ordered, signal);
}

type Consumer<O> = { resolve: (result: IteratorResult<O>) => void; reject: (reason: unknown) => void };

class MapIterator<I, O> implements ParallelMapIterator<O> {
  readonly #source: ItemSource<I>;
  readonly #mapper: (item: I, context: ItemContext) => O | PromiseLike<O>;
  readonly #concurrency: number;
  readonly #ordered: boolean;
  readonly #parent: AbortSignal | undefined;
  #controller: AbortController | undefined;
  /** The controller's signal, read once: `AbortController.prototype.signal` is an accessor with a brand check. */
  #signal: AbortSignal | undefined;
  #unfollow: (() => void) | undefined;
  #inFlight = 0;
  #pulling = false;
  #sourceDone = false;
  // Ordered mode: outputs by index, waiting for their turn. Every index in flight or held lies in [#nextIndex,
  // #nextIndex + concurrency), so a ring of that many slots holds them (a Map cost four hash operations per item);
  // an unbounded or very wide window keeps them in a Map. Unordered: completed outputs, oldest first.
  readonly #ring: Array<O | typeof NONE> | undefined;
  readonly #ringMask: number;
  readonly #ready = new Map<number, O>();
  /** Outputs waiting for the consumer (both modes). */
  #held = 0;
  #nextIndex = 0;
  readonly #queue: O[] = [];
  #queueHead = 0;
  #consumer: Consumer<O> | undefined;
  /** Set once the run must end: `error` is what the iteration throws (undefined: it ends normally). */
  #stop: { error: unknown } | undefined;
  #finished = false;
  #finishWaiters: Array<() => void> = [];
  /** Refills free slots at once, or for wide windows whose items settle in macrotasks, once per turn. */
  readonly #refill: Refill | undefined;

  constructor(
    source: ItemSource<I>,
    mapper: (item: I, context: ItemContext) => O | PromiseLike<O>,
    concurrency: number,
    ordered: boolean,
    parent: AbortSignal | undefined,
  ) {
    this.#source = source;
    this.#mapper = mapper;
    this.#concurrency = concurrency;
    this.#ordered = ordered;
    this.#parent = parent;
    let size = 1;
    while (size < concurrency && size <= MAX_RING) size *= 2;
    this.#ring = ordered && size <= MAX_RING ? new Array<O | typeof NONE>(size).fill(NONE) : undefined;
    this.#ringMask = size - 1;
    // Narrow windows refill at once, without the indirection.
    this.#refill =
      concurrency >= TURN_BATCH_MIN_WORKERS
        ? new Refill(() => {
            this.#fill();
            this.#settleConsumer();
          })
        : undefined;
  }

  [Symbol.asyncIterator](): ParallelMapIterator<O> {
    return this;
  }

  next(): Promise<IteratorResult<O>> {
    // The common case first, with the fewest reads: an output is ready and nobody waits. A stopped run takes none;
    // one not yet started or finished normally holds none.
    if (this.#held !== 0 && this.#consumer === undefined) {
      const taken = this.#take();
      if (taken !== NONE) {
        if (this.#refill !== undefined) this.#refill.request();
        else this.#fill();
        return Promise.resolve({ value: taken, done: false });
      }
    }
    if (this.#finished) return this.#final();
    if (this.#controller === undefined) this.#start();
    if (this.#consumer !== undefined) return Promise.reject(new Error('parallelMap: next() called before the previous call settled'));
    // Nothing to take here: the block above took what could be taken, and outputs arrive only in later microtasks.
    if (this.#finished) return this.#final();
    return this.#wait();
  }

  // The closures that capture `this` live in methods of their own: a function that creates one allocates a context
  // on every call, taken or not, and next() and #fill() run once per item.
  #wait(): Promise<IteratorResult<O>> {
    return new Promise((resolve, reject) => {
      this.#consumer = { resolve, reject };
      this.#settleConsumer();
    });
  }

  async return(): Promise<IteratorResult<O>> {
    if (this.#controller === undefined) {
      // Never started: nothing runs, nothing was pulled; just release the input.
      this.#finished = true;
      this.#stop ??= { error: undefined };
      this.#closed ??= this.#source.close();
      await this.#closed;
      return { value: undefined, done: true };
    }
    this.#halt(undefined, new DOMException('parallelMap iteration was stopped by its consumer', 'AbortError'));
    await this.#whenFinished();
    return { value: undefined, done: true };
  }

  #start(): void {
    this.#controller = new AbortController();
    this.#signal = this.#controller.signal;
    this.#unfollow = followSignal(this.#parent, this.#controller);
    if (this.#parent !== undefined) {
      const parent = this.#parent;
      if (parent.aborted) this.#halt(parent.reason, undefined);
      else this.#controller.signal.addEventListener('abort', () => parent.aborted && this.#halt(parent.reason, undefined), { once: true });
    }
    this.#fill();
  }

  /** The next output that may be handed out, or NONE. */
  #take(): O | typeof NONE {
    if (this.#stop !== undefined) return NONE;
    if (this.#ordered) {
      const ring = this.#ring;
      if (ring !== undefined) {
        const slot = this.#nextIndex & this.#ringMask;
        const value = ring[slot] as O | typeof NONE;
        if (value === NONE) return NONE;
        ring[slot] = NONE;
        this.#nextIndex++;
        this.#held--;
        return value;
      }
      if (!this.#ready.has(this.#nextIndex)) return NONE;
      const value = this.#ready.get(this.#nextIndex) as O;
      this.#ready.delete(this.#nextIndex++);
      this.#held--;
      return value;
    }
    if (this.#queueHead >= this.#queue.length) return NONE;
    const value = this.#queue[this.#queueHead] as O;
    this.#queue[this.#queueHead++] = undefined as O;
    this.#held--;
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    return value;
  }

  /** Refills the window now (true) or, for a wide one whose items settle in macrotasks, in the next turn (false). */
  #refillNow(): boolean {
    if (this.#refill !== undefined) return this.#refill.request();
    this.#fill();
    return true;
  }

  /** Starts items while the window (in flight + waiting for the consumer) has room. */
  #fill(): void {
    const source = this.#source;
    while (this.#stop === undefined && !this.#sourceDone && !this.#pulling && this.#inFlight + this.#held < this.#concurrency) {
      if (source.isAsync) {
        this.#pullAsync();
        return;
      }
      let item: I | typeof DONE;
      try {
        item = source.next();
      } catch (error) {
        this.#halt(error, error);
        return;
      }
      if (item === DONE) this.#sourceDone = true;
      else this.#start1(item, this.#pulledCount++);
    }
    // What #settleConsumer does needs a waiting consumer or an empty window: skip the call otherwise (most refills).
    if (this.#consumer !== undefined || this.#inFlight === 0) this.#settleConsumer();
  }

  #pulledCount = 0;

  #pullAsync(): void {
    this.#pulling = true;
    this.#source.nextAsync().then(
      (pulled) => {
        this.#pulling = false;
        if (pulled === DONE) this.#sourceDone = true;
        else this.#start1(pulled.item, pulled.index);
        this.#fill();
      },
      (error: unknown) => {
        this.#pulling = false;
        this.#halt(error, error);
      },
    );
  }

  /** Runs the mapper on one item and files its output or failure. */
  #start1(item: I, index: number): void {
    if (this.#stop !== undefined) return;
    this.#refill?.starting();
    this.#inFlight++;
    const signal = this.#signal as AbortSignal;
    let promise: Promise<O>;
    try {
      promise = Promise.resolve(this.#mapper(item, { index, signal }));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- propagate exactly what the mapper threw
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        this.#inFlight--;
        if (this.#stop === undefined) {
          if (this.#ordered) {
            if (this.#ring !== undefined) this.#ring[index & this.#ringMask] = value;
            else this.#ready.set(index, value);
          } else this.#queue.push(value);
          this.#held++;
          // A refill left to the next turn also wakes the consumer then, for every output of this turn at once: one
          // waiting next() (a promise and its resolvers) per turn instead of one per output.
          if (this.#refill !== undefined) {
            if (!this.#refill.request()) return;
          } else if (this.#inFlight + this.#held < this.#concurrency) this.#fill();
        }
        if (this.#consumer !== undefined || this.#inFlight === 0) this.#settleConsumer();
      },
      (error: unknown) => {
        this.#inFlight--;
        if (this.#stop === undefined) this.#halt(new TaskError(index, item, error), new FailFastError(index, error));
        this.#settleConsumer();
      },
    );
  }

  /** Ends the run: remembers what to throw, aborts running items with `reason`. */
  #halt(error: unknown, reason: unknown): void {
    if (this.#stop === undefined) this.#stop = { error };
    this.#source.stop();
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted && reason !== undefined) controller.abort(reason);
    this.#settleConsumer();
  }

  /** Answers a waiting consumer if anything is ready, and finishes once nothing more can come. */
  #settleConsumer(): void {
    // A stopped run does not wait for a pending pull: the input may never answer it.
    const done = this.#inFlight === 0 && (this.#stop !== undefined || (!this.#pulling && this.#sourceDone && this.#held === 0));
    if (done && !this.#finished) this.#finish();
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const taken = this.#take();
    if (taken !== NONE) {
      this.#consumer = undefined;
      consumer.resolve({ value: taken, done: false });
      this.#refillNow();
      return;
    }
    if (this.#finished) {
      this.#consumer = undefined;
      this.#final().then(consumer.resolve, consumer.reject);
    }
  }

  #finish(): void {
    this.#finished = true;
    this.#unfollow?.();
    const close = this.#stop !== undefined || !this.#sourceDone ? this.#source.close() : Promise.resolve();
    this.#closed = close.then(() => {
      for (const waiter of this.#finishWaiters) waiter();
      this.#finishWaiters = [];
    });
  }

  #closed: Promise<void> | undefined;

  #whenFinished(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    return new Promise((resolve) => this.#finishWaiters.push(resolve));
  }

  /** The terminal answer: throw the stop's error once, then report done. */
  async #final(): Promise<IteratorResult<O>> {
    await this.#whenFinished();
    const stop = this.#stop;
    if (stop !== undefined && stop.error !== undefined) {
      this.#stop = { error: undefined };
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the abort reason or TaskError, as documented
      throw stop.error;
    }
    return { value: undefined, done: true };
  }
}

const NONE: unique symbol = Symbol('none');
/** The widest ordered window kept in a ring (slots allocated up front); a wider one keeps its outputs in a Map. */
const MAX_RING = 65_536;
