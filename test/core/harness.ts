/**
 * Gated tasks for the core tests: every task waits on its own deferred, and the pool records who started, in what
 * order, how many ran at once, and which signal each one saw. Tests settle the gates in the order they choose.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ItemContext } from '../../src/core/process-parallel.js';
import { deferred, flush } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';

export class GatedTasks<T> {
  readonly gates: Array<Deferred<T>>;
  readonly started: number[] = [];
  readonly settled: number[] = [];
  readonly signals: Array<AbortSignal | undefined> = [];
  running = 0;
  peak = 0;

  constructor(count: number) {
    this.gates = Array.from({ length: count }, () => deferred<T>());
  }

  /** The task function for index `i`: records its start, waits for its gate, records its end. */
  task(i: number): (signal: AbortSignal) => Promise<T> {
    return async (signal) => {
      this.enter(i, signal);
      try {
        return await this.gate(i).promise;
      } finally {
        this.leave(i);
      }
    };
  }

  /** All task functions, index order. */
  tasks(): Array<(signal: AbortSignal) => Promise<T>> {
    return this.gates.map((_, i) => this.task(i));
  }

  enter(i: number, signal: AbortSignal): void {
    this.started.push(i);
    this.signals[i] = signal;
    this.running++;
    this.peak = Math.max(this.peak, this.running);
  }

  leave(i: number): void {
    this.running--;
    this.settled.push(i);
  }

  gate(i: number): Deferred<T> {
    const gate = this.gates[i];
    if (gate === undefined) throw new RangeError(`no gate ${i}`);
    return gate;
  }

  resolve(i: number, value: T): void {
    this.gate(i).resolve(value);
  }

  reject(i: number, reason: unknown): void {
    this.gate(i).reject(reason);
  }
}

/** Observes a promise's settlement without awaiting it, so a test can assert "not settled yet". */
export function watch<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown; rejected: boolean } {
  const state: { settled: boolean; value?: T; error?: unknown; rejected: boolean } = { settled: false, rejected: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.rejected = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * A full garbage collection, for tests that check nothing retains what the pipeline has finished with. WeakRefs are
 * only cleared between jobs, so callers await a macrotask before and after.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A lazy sync generator that records every pull and whether return() ran (its finally block). */
export function recordingGenerator(count = Number.POSITIVE_INFINITY): { items: Generator<number>; pulls: number[]; closed: () => boolean } {
  const pulls: number[] = [];
  let closed = false;
  function* generate(): Generator<number> {
    try {
      for (let i = 0; i < count; i++) {
        pulls.push(i);
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  return { items: generate(), pulls, closed: () => closed };
}

/** Lets `n` microtask turns pass. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/**
 * Item 1 of an async input arrives, and item 0 fails `delay` microtasks later: whichever way the race goes, the
 * mapper must never be started for an item once the run has stopped (it would start with an aborted signal).
 * Returns the starts that saw an already-aborted signal, over delays 0..15.
 */
export async function startsAfterStop(runIt: (input: AsyncIterable<number>, fn: (n: number, c: { signal: AbortSignal }) => Promise<number>) => Promise<unknown>): Promise<string[]> {
  const late: string[] = [];
  for (let delay = 0; delay < 16; delay++) {
    const pulls = Array.from({ length: 4 }, () => deferred<IteratorResult<number>>());
    let k = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({ next: () => pulls[Math.min(k++, 3)]?.promise ?? Promise.resolve({ value: undefined, done: true }) }),
    };
    const failure = deferred<number>();
    const fn = (n: number, { signal }: { signal: AbortSignal }): Promise<number> => {
      if (signal.aborted) late.push(`delay ${delay}: item ${n} started after the stop`);
      return n === 0 ? failure.promise : Promise.resolve(n);
    };
    const done = runIt(input, fn);
    await flush();
    pulls[0]?.resolve({ value: 0, done: false });
    await flush();
    pulls[1]?.resolve({ value: 1, done: false });
    void ticks(delay).then(() => failure.reject(new Error('item 0 failed')));
    await flush();
    for (const pull of pulls) pull.resolve({ value: undefined, done: true });
    await done;
  }
  return late;
}

/** A processor/mapper whose every call waits on its own gate, keyed by index; records starts, running count, peak and signals. */
export class GatedItems<O> {
  readonly gates = new Map<number, Deferred<O>>();
  readonly started: number[] = [];
  readonly settled: number[] = [];
  readonly signals = new Map<number, AbortSignal>();
  running = 0;
  peak = 0;

  gate(i: number): Deferred<O> {
    let gate = this.gates.get(i);
    if (gate === undefined) {
      gate = deferred<O>();
      this.gates.set(i, gate);
    }
    return gate;
  }

  readonly fn = async (_item: unknown, { index, signal }: ItemContext): Promise<O> => {
    this.started.push(index);
    this.signals.set(index, signal);
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await this.gate(index).promise;
    } finally {
      this.running--;
      this.settled.push(index);
    }
  };
}
