/**
 * How a processor tells processParallel that a run of many items has a better form of it: a thread pool's
 * `processor` sends one item per thread task when called alone, but over a run of items it is far cheaper to send
 * them in batches (one message round trip per batch, not per item). The processor carries its batched form under
 * {@link BATCHED}; processParallel runs that form instead, with enough items in flight to fill the batches.
 */

/** The key under which a processor carries its {@link BatchedForm}. */
export const BATCHED: unique symbol = Symbol('fanout.batchedProcessor');

/** The batched form of a processor: called per item like it, and the items in flight that keep its batches full. */
export interface BatchedForm<I, O> {
  processor: (item: I, context: { signal: AbortSignal }) => Promise<O>;
  workers: number;
}

/** The batched form `processor` carries, if any. */
export function batchedFormOf<I, O>(processor: unknown): BatchedForm<I, O> | undefined {
  if (typeof processor !== 'function') return undefined;
  const form = (processor as { [BATCHED]?: BatchedForm<I, O> })[BATCHED];
  return form !== undefined && typeof form.processor === 'function' && Number.isInteger(form.workers) && form.workers >= 1 ? form : undefined;
}
