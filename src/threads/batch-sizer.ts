/**
 * How many items the next thread batch carries. Pure bookkeeping (no clock of its own): the batch runner measures
 * each batch's work inside the thread and reports it here, so the sizing is unit-testable with made-up costs.
 *
 * Why batches: every thread task is a message round trip (tens of microseconds, more when the main thread is busy),
 * which a 0.1 ms item cannot amortise; and between two batches a thread waits for the main thread to send the next one.
 * Measured on 2 cores (items of ~0.17 ms, 10,000 of them, against a plain loop): batches of 5 ms reach 1.80-1.83x,
 * 10 ms 1.88-1.89x, 20 ms 1.93-1.95x, 40 ms no more; the main thread's share (about 0.1 ms per batch) takes from
 * the threads' cores when threads = cores. What bigger batches cost: a `run()` beside a stream of batches waits for
 * the batch running and the one queued behind it (~10 ms median at 5 ms, ~30 ms at 20 ms, under load), and a
 * failing item is seen once its batch ends (fail-fast 11 -> 28 ms median); at the end of a run, one thread still
 * working through a big batch while the others idle is lost time, which the spread rule below bounds by shrinking
 * batches as the work runs out.
 */

/**
 * Tuning of a thread pool's automatic batching (`createThreadPool(module, { batching })`): the pool sizes batches from the time items take.
 *
 * @example
 * ```ts
 * import { createThreadPool } from 'fanout/threads';
 * // Items of ~1 µs: bigger batches, longer ones, so the round trip stays a small share.
 * const pool = createThreadPool<number, number>(new URL('./tiny.js', import.meta.url), {
 *   batching: { targetBatchMs: 20, maxBatchSize: 4096 },
 * });
 * await pool.close();
 * ```
 */
export interface BatchingOptions {
  /**
   * Work (in thread time) each batch should carry once the per-item cost is known. Lower it when results, a
   * fail-fast stop or a `run()` on the same pool should come sooner: results come back a batch at a time, a failure
   * is seen when its batch ends, and a `run()` beside a stream of batches waits for about two of them.
   * @default 20
   */
  targetBatchMs?: number;
  /**
   * Upper bound of items per batch, whatever the measured cost (tiny items would otherwise make huge messages).
   * @default 256
   */
  maxBatchSize?: number;
}

export const DEFAULT_TARGET_BATCH_MS = 20;
export const DEFAULT_MAX_BATCH_SIZE = 256;
/** How much of the past each new batch keeps in the estimate of the per-item cost (per batch, item-weighted). */
const DECAY = 0.5;

/**
 * Sizes thread batches: one item per batch until a first batch has reported its cost (the first items measure it),
 * then `targetBatchMs / cost per item` (at least 1, at most `maxBatchSize`), but never more than spreads the work
 * left (queued plus in flight) over two batches per thread, so the last batches are small and the threads finish
 * together. The cost is a decaying, item-weighted average (time over items, older batches halved at each report):
 * a cold single item (JIT warm-up) weighs little against the batches after it, so sizes grow within a few batches,
 * and a change of cost is followed as quickly.
 */
export class BatchSizer {
  readonly threads: number;
  readonly targetBatchMs: number;
  readonly maxBatchSize: number;
  #items = 0;
  #ms = 0;

  constructor(threads: number, options: BatchingOptions = {}) {
    this.threads = threads;
    this.targetBatchMs = options.targetBatchMs ?? DEFAULT_TARGET_BATCH_MS;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  }

  /** The estimated thread time of one item, in ms; undefined before any batch has reported. */
  get perItemMs(): number | undefined {
    return this.#items > 0 ? this.#ms / this.#items : undefined;
  }

  /** Items the next batch should carry, given `queued` items waiting to be sent and `inFlight` items in sent batches. */
  size(queued: number, inFlight: number): number {
    if (queued <= 0) return 0;
    const perItem = this.perItemMs;
    let target: number;
    if (perItem === undefined) target = 1;
    else if (perItem <= 0) target = this.maxBatchSize;
    else target = Math.min(this.maxBatchSize, Math.max(1, Math.floor(this.targetBatchMs / perItem)));
    const spread = Math.max(1, Math.ceil((queued + inFlight) / (2 * this.threads)));
    return Math.min(target, spread);
  }

  /** Reports a finished batch: `items` took `ms` of thread time. Batches of no items, or bad times, are ignored. */
  record(items: number, ms: number): void {
    if (!(items > 0) || !Number.isFinite(ms) || ms < 0) return;
    this.#items = this.#items * DECAY + items;
    this.#ms = this.#ms * DECAY + ms;
  }
}
