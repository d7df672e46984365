import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll } from 'vitest';

/**
 * Every worker thread this process starts, until it has exited, so that "no thread left" is checkable. Registers its
 * listener for the calling test file (beforeAll) and removes it after (afterAll).
 */
export function trackThreads(): Set<Worker> {
  const live = new Set<Worker>();
  const onWorker = (worker: Worker): void => {
    live.add(worker);
    worker.once('exit', () => live.delete(worker));
  };
  beforeAll(() => process.on('worker', onWorker));
  afterAll(() => process.off('worker', onWorker));
  return live;
}
