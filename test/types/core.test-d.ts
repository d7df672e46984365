/**
 * Type tests of the concurrency core, checked by `tsc` (part of `npm test`): a wrong type is a compile error. Each
 * `@ts-expect-error` line must fail to compile, so the check cannot pass vacuously.
 */
import { expectTypeOf } from 'vitest';
import { Semaphore, parallelMap, processParallel, runWithConcurrency } from 'fanout';
import { processChain } from 'fanout/pipeline';
import type { ConcurrencyOptions, ConcurrencyResult, ParallelMapIterator, ProcessParallelResult } from 'fanout';

declare const signal: AbortSignal;
declare const thenable: PromiseLike<boolean>;

export async function runWithConcurrencyTypes(): Promise<void> {
  // A tuple of mixed tasks: each position keeps its own type; sync values and thenables are tasks too.
  const mixed = await runWithConcurrency({ tasks: [() => Promise.resolve(1), () => 'x', () => thenable], maxConcurrency: 2 });
  expectTypeOf(mixed.resultsByIndex).toEqualTypeOf<[number | undefined, string | undefined, boolean | undefined]>();
  expectTypeOf(mixed.results).toEqualTypeOf<Array<number | string | boolean>>();
  expectTypeOf(mixed.cancelled).toEqualTypeOf<number[]>();

  // An array of tasks (what map gives) stays an array; isFailed receives the task's value type.
  const urls = ['a', 'b'];
  const statuses = await runWithConcurrency({
    tasks: urls.map((url) => (taskSignal: AbortSignal) => Promise.resolve(taskSignal.aborted ? 0 : url.length)),
    maxConcurrency: Number.POSITIVE_INFINITY,
    isFailed: (status) => {
      expectTypeOf(status).toEqualTypeOf<number>();
      return status >= 500;
    },
    signal,
  });
  expectTypeOf(statuses.resultsByIndex).toEqualTypeOf<Array<number | undefined>>();

  // The explicit type argument and the exported option and result types still work as before.
  const options: ConcurrencyOptions<number> = { tasks: [() => Promise.resolve(1)], maxConcurrency: 1, isFailed: () => false };
  const explicit = await runWithConcurrency<number>(options);
  expectTypeOf(explicit).toEqualTypeOf<ConcurrencyResult<number>>();
  expectTypeOf(explicit.resultsByIndex).toEqualTypeOf<Array<number | undefined>>();

  // @ts-expect-error isFailed must accept the tasks' values
  await runWithConcurrency({ tasks: [() => 1], maxConcurrency: 1, isFailed: (value: string) => value === '' });
  // @ts-expect-error a task is a function
  await runWithConcurrency({ tasks: [1], maxConcurrency: 1 });
  // @ts-expect-error the wrong position type is caught
  expectTypeOf(mixed.resultsByIndex[1]).toEqualTypeOf<number | undefined>();
}

export async function processParallelTypes(): Promise<void> {
  // The processor may return a value, a promise or a thenable.
  const sync = await processParallel([1, 2], (n) => String(n), { workers: Number.POSITIVE_INFINITY });
  expectTypeOf(sync).toEqualTypeOf<ProcessParallelResult<number, string>>();
  expectTypeOf(sync.resultsByIndex).toEqualTypeOf<Array<string | undefined>>();
  const viaThenable = await processParallel(['a'], () => thenable);
  expectTypeOf(viaThenable.results).toEqualTypeOf<boolean[]>();
  const all = await processParallel([1], (n, { index }) => Promise.resolve(n + index), { failFast: false, rejectIfNoneSucceeded: true });
  expectTypeOf(all.summary.groups[0]?.indexes).toEqualTypeOf<number[] | undefined>();
  // @ts-expect-error outputs keep the processor's type
  expectTypeOf(sync.results).toEqualTypeOf<number[]>();
}

export async function parallelMapAndChainTypes(): Promise<void> {
  const mapped = parallelMap([1, 2], (n) => n > 1, { concurrency: Number.POSITIVE_INFINITY });
  expectTypeOf(mapped).toEqualTypeOf<ParallelMapIterator<boolean>>();
  for await (const value of parallelMap([1], () => thenable)) expectTypeOf(value).toEqualTypeOf<boolean>();

  const { finalState } = await processChain(['a', 'b'], (text: string, item) => text + item, { initialState: '' });
  expectTypeOf(finalState).toEqualTypeOf<string>();
  const viaThenable = await processChain([1], (): PromiseLike<number> => Promise.resolve(1), { initialState: 0 });
  expectTypeOf(viaThenable.finalState).toEqualTypeOf<number>();

  const semaphore = new Semaphore(Number.POSITIVE_INFINITY);
  expectTypeOf(await semaphore.run(() => 1)).toEqualTypeOf<number>();
  expectTypeOf(await semaphore.run(() => thenable)).toEqualTypeOf<boolean>();
}
