// fanout/threads: a pool of worker threads (piscina, an optional peer dependency, loaded on first use).
export { createThreadPool, ThreadPoolBrokenError, ThreadPoolClosedError } from './thread-pool.js';
export type { ThreadPool, ThreadPoolCloseOptions, ThreadPoolOptions, ThreadRunOptions, ThreadTaskOptions } from './thread-pool.js';
export type { BatchingOptions } from './batch-sizer.js';
