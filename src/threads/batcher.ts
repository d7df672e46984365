/**
 * Automatic batching of per-item thread work: callers hand in one item at a time (a processParallel processor);
 * items queue here and go to the threads in batches sized by {@link BatchSizer}, run by ./batch-worker.js, and each
 * item's promise settles with its own outcome. Nothing of processParallel changes: order, fail-fast, progress and
 * events stay per item, because from its side every item is still one call.
 */
import type { BatchSizer } from './batch-sizer.js';

/** What the batch runner (./batch-worker.js) receives: the user's module, its export and the items. */
export interface BatchTask {
  module: string;
  exportName: string;
  items: unknown[];
}

/** One failed item of a batch; `props` are the Error's own properties (`code`...) that structured clone drops. */
export interface BatchFailure {
  index: number;
  error: unknown;
  props?: Record<string, unknown>;
}

/** What the batch runner returns: `values[i]` for each item not in `failures`, and the thread time it took. */
export interface BatchResult {
  values: unknown[];
  failures?: BatchFailure[];
  ms: number;
}

/**
 * Sends one batch to a thread (an async function: it never throws synchronously); rejects as a whole only for what
 * ends the batch (abort, a crashed thread, close).
 */
export type SendBatch = (items: unknown[], signal: AbortSignal | undefined) => Promise<BatchResult>;

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
   * Two batches per thread: one running, one waiting in piscina's queue, so a thread that finishes waits only for
   * the message round trip, never for a batch to be formed.
   */
  readonly #maxBatches: number;
  /** See {@link Batcher.hold}. */
  #held = false;
  readonly #queues = new Map<AbortSignal | undefined, Queue>();
  #queued = 0;
  #inFlightItems = 0;
  #inFlightBatches = 0;
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
    if (this.#inFlightBatches < this.#limit()) this.#pump(false, false);
    this.#schedule();
    return promise;
  }

  /**
   * While held, at most one batch per thread is in flight (instead of two). piscina hands a freed thread the
   * first task of its queue and moves the next one it cannot place to the back: a task that is not a batch (the
   * pool's `run`), queued among waiting batches while a new batch is sent as each ends, keeps going to the back and
   * waits until the batched work runs out. Held, the batches already waiting drain without new ones joining them, so
   * the task is soon first in the queue when a thread comes free. Releasing sends what was held back.
   */
  hold(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    if (!held) {
      this.#pump(false, false);
      this.#schedule();
    }
  }

  /** Sends every queued item now, whatever the number of batches in flight (the pool is closing and waits for them). */
  flush(): void {
    this.#pump(true, true);
  }

  /** Rejects every queued item (the pool was closed by force); batches in flight are the pool's to end. */
  rejectQueued(error: unknown): void {
    for (const queue of [...this.#queues.values()]) this.#dropQueue(queue, error);
  }

  #limit(): number {
    return this.#held ? this.#sizer.threads : this.#maxBatches;
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
    this.#queues.delete(queue.signal);
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
    while (this.#queued > 0 && (unlimited || this.#inFlightBatches < this.#limit())) {
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
    this.#inFlightBatches++;
    const finish = (): void => {
      this.#inFlightItems -= count;
      this.#inFlightBatches--;
    };
    this.#send(items, queue.signal).then(
      (result) => {
        finish();
        this.#sizer.record(count, result.ms);
        // Refill the thread before settling: the settled items' callers only queue more in later microtasks.
        this.#pump(false, false);
        settle(entries, result);
        this.#schedule();
      },
      (error: unknown) => {
        finish();
        this.#pump(false, false);
        for (const entry of entries) entry.reject(error);
        this.#schedule();
      },
    );
  }
}

function settle(entries: Entry[], result: BatchResult): void {
  const { values, failures } = result;
  if (failures === undefined) {
    for (let i = 0; i < entries.length; i++) (entries[i] as Entry).resolve(values[i]);
    return;
  }
  const failed = new Map<number, BatchFailure>();
  for (const failure of failures) failed.set(failure.index, failure);
  for (let i = 0; i < entries.length; i++) {
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
