/**
 * The one rule every entry point uses to tell a task that was cancelled from a task that failed.
 */

/** How many `AbortError` wrappers are unwrapped looking for the reason; a cycle of causes cannot loop forever. */
const MAX_WRAPPERS = 8;

/**
 * True when `error` is `signal`'s abort: the signal has aborted and `error` is its `reason` itself (what `fetch`,
 * `signal.throwIfAborted()` and fanout's own APIs reject with) or an error named `AbortError` whose `cause` is that
 * reason — what Node's abortable APIs reject with (`fs.promises.readFile`, `timers/promises`, `events.once`,
 * `stream.promises.pipeline` and `finished`), also when such errors wrap one another.
 *
 * `processParallel`, `parallelMap`, `processChain`, `runPipeline` and the observers count a rejection that matches
 * as cancelled, not failed; anything else a task rejects with after the stop is still a failure of its own.
 * `runGraph`, which does not wait for the tasks it stops, counts whatever they do after the stop as cancelled, and
 * uses this rule for a rejection that was already queued when the stop landed.
 *
 * @param error - what the task rejected with or threw.
 * @param signal - the signal the task was given.
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { isAbortOf } from 'fanout';
 * const controller = new AbortController();
 * const reading = readFile(new URL(import.meta.url), { signal: controller.signal });
 * controller.abort(new Error('user cancelled'));
 * try {
 *   await reading;
 * } catch (error) {
 *   console.log(isAbortOf(error, controller.signal)); // true: an AbortError whose cause is the reason
 * }
 * ```
 */
export function isAbortOf(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  const reason: unknown = signal.reason;
  let current = error;
  for (let depth = 0; ; depth++) {
    if (current === reason) return true;
    if (depth === MAX_WRAPPERS || !isAbortError(current)) return false;
    current = current.cause;
  }
}

function isAbortError(value: unknown): value is Error {
  return value instanceof Error && value.name === 'AbortError';
}
