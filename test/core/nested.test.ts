// A run nested inside another run gets the outer run's child signal; when the outer run's fail-fast aborts it, the
// reason is a FailFastError — which must still count as the inner run's parent abort, not its own fail-fast.
import { describe, expect, it } from 'vitest';
import { FailFastError, ParallelError } from '../../src/common/errors.js';
import { processParallel } from '../../src/core/process-parallel.js';
import { runWithConcurrency } from '../../src/core/run-with-concurrency.js';
import { deferred, flush } from '../helpers/deferred.js';

describe('a parent abort whose reason is a FailFastError (an outer run failed fast)', () => {
  it('runWithConcurrency reports aborted: true, no firstFailureIndex', async () => {
    const outer = new AbortController();
    const gate = deferred<number>();
    const started: number[] = [];
    const run = runWithConcurrency({
      tasks: [0, 1, 2].map((i) => (signal: AbortSignal) => {
        started.push(i);
        if (i === 0) return gate.promise;
        return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      }),
      maxConcurrency: 2,
      signal: outer.signal,
      isFailed: () => false,
    });
    await flush();
    outer.abort(new FailFastError(7));
    gate.resolve(1);
    const result = await run;
    expect(result.aborted).toBe(true);
    expect(result.firstFailureIndex).toBeNull();
    expect(started).toEqual([0, 1]);
  });

  it('processParallel rejects with ParallelError whose cause is that reason', async () => {
    const outer = new AbortController();
    const gate = deferred<number>();
    const run = processParallel([0, 1, 2], (i, { signal }) => {
      if (i === 0) return gate.promise;
      return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    }, { workers: 2, signal: outer.signal });
    const settled = run.then(
      () => undefined,
      (error: unknown) => error,
    );
    await flush();
    const reason = new FailFastError(7);
    outer.abort(reason);
    gate.resolve(1);
    const error = await settled;
    expect(error).toBeInstanceOf(ParallelError);
    expect((error as ParallelError).cause).toBe(reason);
    expect((error as ParallelError).message).toMatch(/^parallel execution aborted/);
  });
});
