/**
 * Turn batching for wide pools. When thousands of tasks are in flight and each settles in a macrotask of its own (an
 * immediate, a timer, I/O), starting the next task inside that settlement keeps every in-flight task's objects young
 * at every moment: measured with 10,000 per-task `async` closures awaiting `setImmediate`, about 70% of the young
 * generation survived each scavenge, was promoted and then needed full mark-compacts (GC 60% of the run, 0.13 M
 * tasks/s). Starting the next tasks together once per event-loop turn (what bluebird's scheduler does for every
 * callback) lets most of them die young: GC fell to a sixth and throughput rose 2.5-3.5x. Tasks that settle in the
 * same microtask checkpoint they started in (already resolved promises) never wait for a turn: for them the wait
 * would be pure overhead.
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
 * runs only after the microtask queue is empty). Read {@link checkpointNow} when the task settles: the same number
 * means it settled without a macrotask in between.
 */
export function startCheckpoint(): number {
  // One marker per checkpoint in which tasks start, none per settlement: a nextTick queued from every settling
  // task's macrotask cost more than the batching gained.
  if (!markerPending) {
    markerPending = true;
    process.nextTick(advance);
  }
  return checkpoint;
}

/** The current checkpoint number, without arranging for it to change (see {@link startCheckpoint}). */
export function checkpointNow(): number {
  return checkpoint;
}

let turn: Promise<void> | undefined;

/** Resolves in the next event-loop turn (one immediate shared by every caller of this turn). */
export function nextTurn(): Promise<void> {
  return (turn ??= new Promise<void>((resolve) => {
    setImmediate(() => {
      turn = undefined;
      resolve();
    });
  }));
}
