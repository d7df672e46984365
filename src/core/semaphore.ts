import { availableParallelism } from 'node:os';
import { assertFunction, assertLimit, assertOptionalSignal } from '../common/arguments.js';

/** Gives a permit back. Calling it more than once has no further effect. */
export type Release = () => void;

/** Options of {@link Semaphore.acquire} and {@link Semaphore.run}. */
export interface AcquireOptions {
  /** Aborting it while waiting rejects with `signal.reason` and removes the waiter from the queue. */
  signal?: AbortSignal;
}

interface Waiter {
  resolve: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/**
 * A counting semaphore with a FIFO queue of waiters. A released permit goes straight to the longest waiter, so a
 * caller arriving later can never overtake one that is already queued.
 *
 * Caveat: permits are not owned; a `release` function only ever gives back the one permit it was created for, and
 * only once.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'fanout';
 * const semaphore = new Semaphore(2);
 * const page = await semaphore.run(async () => 'fetched');
 * console.log(page, semaphore.available); // 'fetched' 2
 * ```
 */
export class Semaphore {
  #available: number;
  #waiting = 0;
  #head: Waiter | undefined;
  #tail: Waiter | undefined;

  /**
   * @param permits - how many holders at once; an integer ≥ 1, or `Infinity` (never waits, still honours `signal`).
   * @default permits `os.availableParallelism()`
   */
  constructor(permits: number = availableParallelism()) {
    this.#available = assertLimit('permits', permits);
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers queued for a permit. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Waits for a permit. Resolves with its {@link Release}; rejects with `signal.reason` if the signal is already
   * aborted or aborts while waiting (the waiter then never receives a permit).
   *
   * @example
   * ```ts
   * import { Semaphore } from 'fanout';
   * const semaphore = new Semaphore(1);
   * const release = await semaphore.acquire();
   * try { console.log('exclusive'); } finally { release(); }
   * ```
   */
  acquire(options?: AcquireOptions): Promise<Release> {
    const signal = assertOptionalSignal('options.signal', options?.signal);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the contract is to reject with signal.reason as given
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, prev: this.#tail, next: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#unlink(waiter);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- reject with signal.reason as given
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.#tail === undefined) this.#head = waiter;
      else this.#tail.next = waiter;
      this.#tail = waiter;
      this.#waiting++;
    });
  }

  /**
   * Acquires a permit, runs `fn`, and releases the permit in `finally`, whether `fn` resolves, rejects or throws.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'fanout';
   * const semaphore = new Semaphore(4);
   * const sizes = await Promise.all(['a', 'bb'].map((s) => semaphore.run(async () => s.length)));
   * ```
   */
  async run<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    assertFunction('fn', fn);
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#handOver();
    };
  }

  /** Gives a freed permit to the first waiter, or back to the pool. */
  #handOver(): void {
    const waiter = this.#head;
    if (waiter === undefined) {
      this.#available++;
      return;
    }
    this.#unlink(waiter);
    waiter.resolve(this.#releaser());
  }

  #unlink(waiter: Waiter): void {
    if (waiter.prev === undefined) this.#head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.#tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.#waiting--;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
