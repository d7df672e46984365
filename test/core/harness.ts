/**
 * Gated tasks for the core tests: every task waits on its own deferred, and the pool records who started, in what
 * order, how many ran at once, and which signal each one saw. Tests settle the gates in the order they choose.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deferred } from '../helpers/deferred.js';
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
