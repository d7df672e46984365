import type { Observer } from './types.js';

/**
 * The observer that ignores everything: the registry's `noop`, for configurations that always name an observer.
 *
 * @example
 * ```ts
 * import { createNoopObserver } from 'fanout/observe';
 * import { processParallel } from 'fanout';
 * await processParallel([1, 2], async (n) => n, { observer: createNoopObserver() });
 * ```
 */
export function createNoopObserver(): Observer {
  return { onEvent() {} };
}
