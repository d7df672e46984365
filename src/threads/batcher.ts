/**
 * Automatic batching of per-item thread work: callers hand in one item at a time (a processParallel processor);
 * items queue here and go to the threads in batches sized by {@link BatchSizer}, run by ./batch-worker.js, and each
 * item's promise settles with its own outcome. Nothing of processParallel changes: order, fail-fast, progress and
 * events stay per item, because from its side every item is still one call.
 */
import type { MessagePort } from 'node:worker_threads';
import type { BatchSizer } from './batch-sizer.js';

/** The thread task of a lane (./batch-worker.js): the user's module, its export and the port batches come through. */
export interface LaneTask {
  module: string;
  exportName: string;
  port: MessagePort;
}

/** One batch posted to a lane: its items and its claim word (see {@link REVOKED}). */
export interface BatchMessage {
  id: number;
  items: unknown[];
  claim: Int32Array;
}

/** A lane's answer to a batch: its result, or the error that failed it as a whole. */
export type BatchReply = { id: number } & (BatchResult | { error: unknown });

/**
 * Set on a batch's claim word (`claim[0]`, the number of items the thread has started) by the main thread when it
 * takes back the items not started yet. The thread claims each item with a compare-exchange from its index, so the
 * single exchange that lands first decides whether an item runs on the thread or is sent elsewhere.
 */
export const REVOKED = 1 << 30;

/**
 * Rejection of a batch that its lane never started because the lane ended first (its thread crashed or was
 * terminated while running an earlier batch): its items were not run, so they go back to the queue.
 */
export class BatchNotStarted {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

/** One failed item of a batch; `props` are the Error's own properties (`code`...) that structured clone drops. */
export interface BatchFailure {
  index: number;
  error: unknown;
  props?: Record<string, unknown>;
}

/**
 * What the batch runner returns: `values[i]` for each item it ran that is not in `failures` (the items it ran are
 * the first `values.length`; the rest were taken back), and the thread time it took.
 */
export interface BatchResult {
  values: unknown[];
  failures?: BatchFailure[];
  ms: number;
  /** Set by the sender: the thread that ran it holds no other batch (it idles unless more comes). */
  idle?: boolean;
}

/**
 * Sends one batch to a thread (it never throws synchronously); rejects as a whole only for what ends the batch
 * (abort, a crashed thread, close, an error of the batch runner), or with {@link BatchNotStarted}. `claim` is the
 * batch's claim word, shared with the thread.
 */
export type SendBatch = (items: unknown[], signal: AbortSignal | undefined, claim: Int32Array) => Promise<BatchResult>;

/** A batch in flight: `owned` of its entries are still its own (the rest were taken back). */
interface Batch {
  queue: Queue;
  entries: Entry[];
  claim: Int32Array;
  owned: number;
  /** Settled, or taken back whole: its reply changes nothing. */
  done: boolean;
}

interface Entry {
  item: unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Items waiting to be sent that share one signal: a batch is cancelled as a whole, so it never mixes signals. */
interface Queue {
  signal: AbortSignal | undefined;
  entries: Entry[];
  head: number;
  onAbort: (() => void) | undefined;
}

export class Batcher {
  readonly #send: SendBatch;
  readonly #sizer: BatchSizer;
  /**
   * Two batches per thread: one running, one held by the thread (posted ahead), so a thread that finishes a batch
   * starts the next without waiting for a message round trip.
   */
  readonly #maxBatches: number;
  readonly #queues = new Map<AbortSignal | undefined, Queue>();
  readonly #inFlight = new Set<Batch>();
  #queued = 0;
  #inFlightItems = 0;
  #scheduled = false;

  constructor(send: SendBatch, sizer: BatchSizer) {
    this.#send = send;
    this.#sizer = sizer;
    this.#maxBatches = 2 * sizer.threads;
  }

  /** Queues one item; the promise settles with the item's own output or error. */
  add(item: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let queue = this.#queues.get(signal);
    if (queue === undefined) queue = this.#openQueue(signal);
    const target = queue;
    const promise = new Promise<unknown>((resolve, reject) => {
      target.entries.push({ item, resolve, reject });
    });
    this.#queued++;
    if (this.#inFlight.size < this.#maxBatches) this.#pump(false, false);
    this.#schedule();
    return promise;
  }

  /** Sends every queued item now, whatever the number of batches in flight (the pool is closing and waits for them). */
  flush(): void {
    this.#pump(true, true);
  }

  /** Rejects every queued item (the pool was closed by force); batches in flight are the pool's to end. */
  rejectQueued(error: unknown): void {
    for (const queue of [...this.#queues.values()]) this.#dropQueue(queue, error);
  }

  #openQueue(signal: AbortSignal | undefined): Queue {
    const queue: Queue = { signal, entries: [], head: 0, onAbort: undefined };
    if (signal !== undefined) {
      // Queued items of an aborted signal never reach a thread: they reject with the reason at once.
      queue.onAbort = () => this.#dropQueue(queue, signal.reason);
      signal.addEventListener('abort', queue.onAbort, { once: true });
    }
    this.#queues.set(signal, queue);
    return queue;
  }

  #closeQueue(queue: Queue): void {
    if (queue.onAbort !== undefined) queue.signal?.removeEventListener('abort', queue.onAbort);
    if (this.#queues.get(queue.signal) === queue) this.#queues.delete(queue.signal);
  }

  #dropQueue(queue: Queue, reason: unknown): void {
    this.#closeQueue(queue);
    const entries = queue.entries;
    this.#queued -= entries.length - queue.head;
    for (let i = queue.head; i < entries.length; i++) entries[i]?.reject(reason);
    queue.entries = [];
    queue.head = 0;
  }

  /**
   * Sends batches while threads have room. `partial` allows a batch smaller than the sizer asks for: only from the
   * deferred pump (or a flush), so items pulled in the same turn of the event loop join the batch first.
   */
  #pump(partial: boolean, unlimited: boolean): void {
    while (this.#queued > 0 && (unlimited || this.#inFlight.size < this.#maxBatches)) {
      let queue: Queue | undefined;
      for (const q of this.#queues.values()) {
        queue = q;
        break;
      }
      if (queue === undefined) return;
      const available = queue.entries.length - queue.head;
      const size = this.#sizer.size(this.#queued, this.#inFlightItems);
      if (available < size && !partial) return;
      this.#sendFrom(queue, Math.min(size, available));
      // Round robin between signals (separate runs sharing the pool): the queue goes to the back, or away if empty.
      this.#queues.delete(queue.signal);
      if (queue.head < queue.entries.length) this.#queues.set(queue.signal, queue);
      else this.#closeQueue(queue);
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#queued === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump(true, false);
    });
  }

  #sendFrom(queue: Queue, count: number): void {
    const start = queue.head;
    const entries = queue.entries.slice(start, start + count);
    queue.head = start + count;
    if (queue.head === queue.entries.length) {
      queue.entries = [];
      queue.head = 0;
    } else if (queue.head > 4096 && queue.head * 2 > queue.entries.length) {
      queue.entries = queue.entries.slice(queue.head);
      queue.head = 0;
    }
    const items = new Array<unknown>(count);
    for (let i = 0; i < count; i++) items[i] = (entries[i] as Entry).item;
    this.#queued -= count;
    this.#inFlightItems += count;
    const batch: Batch = { queue, entries, claim: new Int32Array(new SharedArrayBuffer(4)), owned: count, done: false };
    this.#inFlight.add(batch);
    this.#send(items, queue.signal, batch.claim).then(
      (result) => {
        if (batch.done) {
          // Taken back whole: its items went elsewhere, but its thread may have nothing left now.
          if (result.idle === true) this.#refill(batch.queue.signal, true);
          this.#schedule();
          return;
        }
        this.#finish(batch);
        this.#sizer.record(batch.owned, result.ms);
        // Refill the thread before settling: the settled items' callers only queue more in later microtasks.
        this.#refill(batch.queue.signal, result.idle === true);
        settle(batch.entries, batch.owned, result);
        this.#schedule();
      },
      (error: unknown) => {
        if (batch.done) return;
        this.#finish(batch);
        if (error instanceof BatchNotStarted) {
          // Its lane ended before reaching it: the items it did not start go back to the queue.
          this.#requeue(batch.queue.signal, this.#revoke(batch));
          error = error.cause;
        }
        this.#refill(batch.queue.signal, false);
        for (let i = 0; i < batch.owned; i++) (batch.entries[i] as Entry).reject(error);
        this.#schedule();
      },
    );
  }

  #finish(batch: Batch): void {
    batch.done = true;
    this.#inFlight.delete(batch);
    this.#inFlightItems -= batch.owned;
  }

  /**
   * Sends more after a batch came back. When its signal has nothing queued, the thread that answered (`idle`: it
   * holds no other batch) would idle
   * while other threads hold items they have not started: those go back to the queue and out again, so a batch held
   * behind a long (or never-ending) item moves to the free thread. Whole unstarted batches always move; the
   * unstarted rest of a running batch moves when fewer batches than threads are in flight.
   */
  #refill(signal: AbortSignal | undefined, idle: boolean): void {
    const queue = this.#queues.get(signal);
    if (idle && (queue === undefined || queue.head === queue.entries.length) && signal?.aborted !== true) {
      let stolen: Entry[] = [];
      for (const batch of this.#inFlight) {
        if (batch.queue.signal === signal && Atomics.load(batch.claim, 0) === 0) stolen = stolen.concat(this.#revoke(batch));
      }
      if (stolen.length === 0 && this.#inFlight.size < this.#sizer.threads) {
        for (const batch of this.#inFlight) if (batch.queue.signal === signal) stolen = stolen.concat(this.#revoke(batch));
      }
      this.#requeue(signal, stolen);
    }
    this.#pump(false, false);
  }

  /**
   * Takes back the items of a batch in flight that its thread has not started (see {@link REVOKED}): after the
   * exchange the thread starts none of them. A batch taken back whole is done: its reply is ignored.
   */
  #revoke(batch: Batch): Entry[] {
    for (;;) {
      const started = Atomics.load(batch.claim, 0);
      if ((started & REVOKED) !== 0 || started >= batch.owned) return [];
      if (Atomics.compareExchange(batch.claim, 0, started, started | REVOKED) !== started) continue;
      const taken = batch.entries.slice(started, batch.owned);
      if (!batch.done) {
        this.#inFlightItems -= batch.owned - started;
        if (started === 0) {
          batch.done = true;
          this.#inFlight.delete(batch);
        }
      }
      batch.owned = started;
      return taken;
    }
  }

  /** Puts taken-back items at the front of their signal's queue (or rejects them if it aborted meanwhile). */
  #requeue(signal: AbortSignal | undefined, entries: Entry[]): void {
    if (entries.length === 0) return;
    if (signal?.aborted === true) {
      for (const entry of entries) entry.reject(signal.reason);
      return;
    }
    const queue = this.#queues.get(signal) ?? this.#openQueue(signal);
    queue.entries = entries.concat(queue.entries.slice(queue.head));
    queue.head = 0;
    this.#queued += entries.length;
  }
}

function settle(entries: Entry[], owned: number, result: BatchResult): void {
  const { values, failures } = result;
  if (failures === undefined) {
    for (let i = 0; i < owned; i++) (entries[i] as Entry).resolve(values[i]);
    return;
  }
  const failed = new Map<number, BatchFailure>();
  for (const failure of failures) failed.set(failure.index, failure);
  for (let i = 0; i < owned; i++) {
    const entry = entries[i] as Entry;
    const failure = failed.get(i);
    if (failure === undefined) entry.resolve(values[i]);
    else entry.reject(restore(failure));
  }
}

/** Puts back the Error properties that structured clone dropped (`code`, `errno`...). */
function restore(failure: BatchFailure): unknown {
  const { error, props } = failure;
  if (props !== undefined && typeof error === 'object' && error !== null) {
    for (const [key, value] of Object.entries(props)) {
      Object.defineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  return error;
}
