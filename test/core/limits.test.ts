import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Semaphore, parallelMap, processParallel, runWithConcurrency } from 'fanout';
import { deferred, flush } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';

/** Items that each wait for one shared gate: how many started before any finished is the concurrency reached. */
function gated(): { gate: Deferred<void>; started: number[]; processor: (n: number) => Promise<number> } {
  const gate = deferred();
  const started: number[] = [];
  return {
    gate,
    started,
    processor: async (n) => {
      started.push(n);
      await gate.promise;
      return n * 2;
    },
  };
}

function* numbers(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function* asyncNumbers(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield await Promise.resolve(i);
}

describe('Infinity is a limit everywhere a limit is taken', () => {
  it('Semaphore(Infinity) never makes anyone wait, and still honours an aborted signal', async () => {
    const semaphore = new Semaphore(Number.POSITIVE_INFINITY);
    const releases = await Promise.all(Array.from({ length: 1000 }, () => semaphore.acquire()));
    expect(semaphore.waiting).toBe(0);
    expect(semaphore.available).toBe(Number.POSITIVE_INFINITY);
    for (const release of releases) release();
    const reason = new Error('no');
    await expect(semaphore.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(() => new Semaphore(0)).toThrow('permits must be an integer >= 1 or Infinity, received 0');
  });

  it('parallelMap({ concurrency: Infinity }) starts every item at once', async () => {
    const { gate, started, processor } = gated();
    const outputs: number[] = [];
    const done = (async () => {
      for await (const output of parallelMap(asyncNumbers(300), processor, { concurrency: Number.POSITIVE_INFINITY })) outputs.push(output);
    })();
    while (started.length < 300) await flush();
    gate.resolve();
    await done;
    expect(outputs).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(() => parallelMap([], () => Promise.resolve(0), { concurrency: 1.5 })).toThrow(
      'options.concurrency must be an integer >= 1 or Infinity, received 1.5',
    );
  });

  it('processParallel({ workers: Infinity }) over an array starts every item at once', async () => {
    const { gate, started, processor } = gated();
    const run = processParallel(Array.from({ length: 500 }, (_, i) => i), processor, { workers: Number.POSITIVE_INFINITY });
    await flush();
    expect(started).toHaveLength(500);
    gate.resolve();
    expect((await run).results).toHaveLength(500);
  });

  for (const [kind, input] of [
    ['a long synchronous generator', () => numbers(20_000)],
    ['an async generator', () => asyncNumbers(2_000)],
  ] as const) {
    it(`processParallel({ workers: Infinity }) over ${kind} of unknown length starts every item`, async () => {
      const { gate, started, processor } = gated();
      const count = kind.startsWith('a long') ? 20_000 : 2_000;
      const run = processParallel(input(), processor, { workers: Number.POSITIVE_INFINITY });
      while (started.length < count) await sleep(1);
      gate.resolve();
      const { results } = await run;
      expect(results).toEqual(Array.from({ length: count }, (_, i) => i * 2));
    });
  }

  it('processParallel({ workers: Infinity }) over an unbounded input stops at the first failure', async () => {
    async function* endless(): AsyncGenerator<number> {
      for (let i = 0; ; i++) yield await Promise.resolve(i);
    }
    const error = await processParallel(endless(), (n) => (n === 50 ? Promise.reject(new Error('fifty')) : sleep(1).then(() => n)), {
      workers: Number.POSITIVE_INFINITY,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PARALLEL', errors: [{ index: 50 }] });
  });

  it('processParallel takes workerCap: Infinity and still rejects a fractional workers', async () => {
    expect((await processParallel([1, 2], (n) => Promise.resolve(n), { workerCap: Number.POSITIVE_INFINITY })).results).toEqual([1, 2]);
    await expect(processParallel([1], (n) => Promise.resolve(n), { workers: 0.5 })).rejects.toThrow(
      'options.workers must be an integer >= 1 or Infinity, received 0.5',
    );
  });
});

describe('runWithConcurrency: isFailed is optional', () => {
  it('without isFailed only a throw or a rejection fails, and the run stops there', async () => {
    const second = deferred<string>();
    const run = runWithConcurrency({
      tasks: [() => second.promise, () => Promise.resolve('sync value'), () => Promise.reject(new Error('boom')), () => Promise.resolve('never')],
      maxConcurrency: 3,
    });
    await flush();
    second.resolve('late');
    const result = await run;
    expect(result.firstFailureIndex).toBe(2);
    expect(result.resultsByIndex.slice(0, 3)).toEqual(['late', 'sync value', undefined]);
    expect(result.errors.map((e) => e.index)).toEqual([2]);
  });

  it("a sibling rejecting with the stop's abort is cancelled, not in errors; a failure of its own after the stop is", async () => {
    const result = await runWithConcurrency({
      tasks: [
        async () => {
          await flush();
          throw new Error('boom');
        },
        (signal) => sleep(1_000_000, undefined, { signal }),
        async (signal) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          throw new Error('cleanup failed');
        },
      ],
      maxConcurrency: 3,
    });
    expect(result.firstFailureIndex).toBe(0);
    expect(result.errors.map((e) => e.index)).toEqual([0, 2]);
  });
});
