/**
 * Grok extraction and assert evaluation in worker threads, under a deadline. Patterns come from users; those V8
 * runs (see grok.ts) backtrack — `.*x.*y` over a megabyte without newlines is quadratic — and RE2's linear time is
 * still seconds over a gigabyte; a regular expression cannot be interrupted in the thread that runs it. A worker
 * thread can be: at the deadline it is terminated (within milliseconds, even mid-match) and the job reports what
 * was running. Capping the input instead would not do: `(a+)+$` takes seconds over 30 bytes.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FanoutError } from '../common/errors.js';
import type { AssertNode, EvaluateAssertResult } from './assert.js';
import type { GrokPatternSource } from './grok.js';

/** What a worker runs: the patterns over `text`, then the assert (when given) over the values they extracted. */
export interface MatchJob {
  patterns: ReadonlyArray<Pick<GrokPatternSource, 'source' | 'v8' | 'groups'>>;
  text: string;
  assert?: AssertNode | undefined;
  /** Values the assert reads where grok extracted none (VibeGuard reads a missing value as `""`). */
  defaults?: Readonly<Record<string, string>> | undefined;
}

/** The outcome of {@link runMatch}: values and assert verdict, or where the deadline stopped the job. */
export type MatchOutcome =
  | { finished: true; extracted: Record<string, string>; assert?: EvaluateAssertResult }
  /** `stage`: the index of the pattern that was running, or `'assert'`. */
  | { finished: false; stage: number | 'assert' };

/** Thrown by {@link runMatch} when the worker thread fails (cannot start, runs out of memory, a pattern throws). */
export class MatchWorkerError extends FanoutError {
  declare readonly code: 'ERR_MATCH_WORKER';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MATCH_WORKER', message, options);
  }
}

/** How long one job may run, from the moment its worker starts it, unless the caller says otherwise. */
export const MATCH_TIMEOUT_MS = 5000;

type WorkerMessage =
  | { type: 'stage'; stage: number | 'assert' }
  | { type: 'done'; extracted: Record<string, string>; assert?: EvaluateAssertResult }
  | { type: 'error'; message: string };

const WORKER = new URL('./match-worker.js', import.meta.url);
/** Jobs run at most this many at a time; more wait (their deadline has not started). */
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));
const idle: Worker[] = [];
let running = 0;
/** Jobs waiting for a worker, in order; `fail` rejects one with its signal's reason. */
interface Waiter {
  signal: AbortSignal | undefined;
  wake: () => void;
  fail: (reason: unknown) => void;
}
const waiting: Waiter[] = [];
/**
 * One abort listener per signal for all the jobs waiting on it (a run's checks share one signal: a listener per
 * waiting job would pass Node's limit of 10 listeners and warn).
 */
const watched = new Map<AbortSignal, { count: number; onAbort: () => void }>();

function watch(signal: AbortSignal): void {
  let entry = watched.get(signal);
  if (entry === undefined) {
    const onAbort = () => {
      watched.delete(signal);
      for (let i = waiting.length - 1; i >= 0; i--) {
        const waiter = waiting[i]!;
        if (waiter.signal !== signal) continue;
        waiting.splice(i, 1);
        waiter.fail(signal.reason);
      }
    };
    entry = { count: 0, onAbort };
    watched.set(signal, entry);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  entry.count++;
}

function unwatch(signal: AbortSignal): void {
  const entry = watched.get(signal);
  if (entry === undefined || --entry.count > 0) return;
  watched.delete(signal);
  signal.removeEventListener('abort', entry.onAbort);
}

/** A worker for one job: an idle one, or a new one; resolves when one is free. */
async function acquire(signal: AbortSignal | undefined): Promise<Worker> {
  if (running >= MAX_WORKERS) {
    await new Promise<void>((resolve, reject) => {
      waiting.push({
        signal,
        wake: () => {
          if (signal !== undefined) unwatch(signal);
          resolve();
        },
        fail: reject,
      });
      if (signal !== undefined) watch(signal);
    });
  }
  running++;
  const worker = idle.pop() ?? new Worker(WORKER);
  worker.ref();
  return worker;
}

/** Gives back a worker's slot; the worker itself is kept for the next job unless it was terminated. */
function release(worker: Worker | undefined): void {
  running--;
  if (worker !== undefined) {
    // Idle threads never keep the process alive.
    worker.unref();
    idle.push(worker);
  }
  waiting.shift()?.wake();
}

/**
 * Runs `job` in a worker thread. Resolves with the values and the assert's verdict, or — when the job runs longer
 * than `timeoutMs` — with the stage that was running (the worker is terminated). Rejects with `signal.reason` when
 * `signal` aborts (the worker is terminated too), and with a {@link MatchWorkerError} when the worker fails.
 *
 * @param options.timeoutMs @default 5000 ({@link MATCH_TIMEOUT_MS})
 * @example
 * ```ts
 * import { compileGrok } from 'fanout/config';
 * import { runMatch } from './match-runner.js';
 * const grok = compileGrok(['coverage %{NUMBER:coverage}']);
 * const outcome = await runMatch({ patterns: grok.patterns, text: 'coverage 71.5' }, { timeoutMs: 1000 });
 * outcome.finished && outcome.extracted; // { coverage: '71.5' }
 * ```
 */
export async function runMatch(job: MatchJob, options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<MatchOutcome> {
  const { signal, timeoutMs = MATCH_TIMEOUT_MS } = options;
  signal?.throwIfAborted();
  const worker = await acquire(signal);
  let keep = false;
  try {
    return await new Promise<MatchOutcome>((resolve, reject) => {
      let stage: number | 'assert' = 0;
      let timer: NodeJS.Timeout | undefined;
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const stop = (finish: () => void) => {
        settle(finish);
        void worker.terminate();
      };
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'stage') {
          stage = message.stage;
          // The deadline counts from the moment the worker starts the job, not from its thread's start-up.
          timer ??= setTimeout(() => stop(() => resolve({ finished: false, stage })), timeoutMs);
        } else if (message.type === 'done') {
          keep = true;
          settle(() => resolve(message.assert === undefined ? { finished: true, extracted: message.extracted } : { finished: true, extracted: message.extracted, assert: message.assert }));
        } else {
          keep = true;
          settle(() => reject(new MatchWorkerError(message.message)));
        }
      };
      const onError = (error: Error) => stop(() => reject(new MatchWorkerError(`the worker thread failed: ${error.message}`, { cause: error })));
      const onExit = (code: number) => settle(() => reject(new MatchWorkerError(`the worker thread exited with code ${code}`)));
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the contract is to reject with signal.reason as given
      const onAbort = () => stop(() => reject(signal!.reason));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(job);
    });
  } finally {
    release(keep ? worker : undefined);
  }
}
