/**
 * Turn batching for wide pools. When thousands of tasks are in flight and each settles in a macrotask of its own (an
 * immediate, a timer, I/O), starting the next task inside that settlement keeps every in-flight task's objects young
 * at every moment: measured with 10,000 per-task `async` closures awaiting `setImmediate`, about 70% of the young
 * generation survived each scavenge, was promoted and then needed full mark-compacts (GC 60% of the run, 0.13 M
 * tasks/s). Starting the next tasks together once per event-loop turn (what bluebird's scheduler does for every
 * callback) lets most of them die young: GC fell to a sixth and throughput rose 2.5-3.5x. Tasks that settle in the
 * same microtask checkpoint they started in (already resolved promises) never wait for a turn: for them the wait
 * would be pure overhead. {@link Refill} applies the rule for a pool.
 */

/** Pools with at least this many workers batch their restarts by turn (below it the extra turn costs more). */
export const TURN_BATCH_MIN_WORKERS = 1024;

let checkpoint = 0;
let markerPending = false;
const advance = (): void => {
  checkpoint++;
  markerPending = false;
};

/**
 * Read when a task starts: a number that changes once the current microtask checkpoint has drained (a `nextTick`
 * runs only after the microtask queue is empty). Compare it with the current number when the task settles: the
 * same number means it settled without a macrotask in between.
 */
function startCheckpoint(): number {
  // One marker per checkpoint in which tasks start, none per settlement: a nextTick queued from every settling
  // task's macrotask cost more than the batching gained.
  if (!markerPending) {
    markerPending = true;
    process.nextTick(advance);
  }
  return checkpoint;
}

/**
 * Decides when a wide callback-driven pool refills its free slots: at once while still in the microtask checkpoint in
 * which it last started tasks (tasks that settle without a macrotask, such as already resolved promises), otherwise
 * once in the next event-loop turn, together with every other slot freed meanwhile. One immediate per pool and turn,
 * none per task.
 */
export class Refill {
  readonly #fill: () => void;
  #last = -1;
  #pending = false;
  readonly #flush = (): void => {
    this.#pending = false;
    this.#fill();
  };

  /** `fill` starts tasks while slots are free. */
  constructor(fill: () => void) {
    this.#fill = fill;
  }

  /** Call before `fill` starts tasks: remembers the checkpoint they start in. */
  starting(): void {
    this.#last = startCheckpoint();
  }

  /** Call when a slot frees: refills now (true) or in the next turn (false; see the class). */
  request(): boolean {
    if (this.#last === checkpoint) {
      this.#fill();
      return true;
    }
    if (!this.#pending) {
      this.#pending = true;
      setImmediate(this.#flush);
    }
    return false;
  }
}

/** Whether `value` is a promise or a thenable (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (((typeof value === 'object' && value !== null) || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}
