// The public API of fanout: explicit named re-exports only, in the order of the data flow.
export { FanoutError, TaskError, ParallelError } from './core/errors.js';
export { FailFastError } from './core/errors.js';
export { Semaphore } from './core/semaphore.js';
export type { AcquireOptions, Release } from './core/semaphore.js';
export { runWithConcurrency } from './core/run-with-concurrency.js';
export type { ConcurrencyOptions, ConcurrencyResult } from './core/run-with-concurrency.js';
export { processParallel } from './core/process-parallel.js';
export type { ItemContext, ProcessParallelOptions, ProcessParallelResult } from './core/process-parallel.js';
export { parallelMap } from './core/parallel-map.js';
export type { ParallelMapOptions } from './core/parallel-map.js';
