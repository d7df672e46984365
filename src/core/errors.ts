/**
 * Error classes of the concurrency core. Every error fanout raises carries a stable `code`; callers branch on
 * `code` (or `instanceof`), never on message text.
 */

/**
 * Base class of fanout's errors: a stable machine-readable `code` and the underlying `cause`.
 *
 * @example
 * ```ts
 * import { FanoutError } from 'fanout';
 * function isFanoutError(error: unknown, code: string): boolean {
 *   return error instanceof FanoutError && error.code === code;
 * }
 * ```
 */
export class FanoutError extends Error {
  /** Stable identifier of the failure kind, e.g. `ERR_TASK`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * One item that failed inside {@link processParallel} or a chain: which item, at which input index, and why.
 *
 * @example
 * ```ts
 * import { TaskError } from 'fanout';
 * const error = new TaskError(3, 'item-3', new Error('boom'));
 * error.code; // 'ERR_TASK'
 * ```
 */
export class TaskError<I = unknown> extends FanoutError {
  declare readonly code: 'ERR_TASK';
  /** Input index of the failed item (0-based). */
  readonly index: number;
  /** The item that failed. */
  readonly item: I;

  constructor(index: number, item: I, cause: unknown) {
    super('ERR_TASK', `item ${index} failed: ${messageOf(cause)}`, { cause });
    this.index = index;
    this.item = item;
  }
}

/**
 * The aggregate failure of {@link processParallel}: every {@link TaskError}, sorted by index, plus the outputs that
 * did succeed. Its message groups failures by message, most frequent first.
 *
 * @example
 * ```ts
 * import { ParallelError, processParallel } from 'fanout';
 * try {
 *   await processParallel([1, 2], async () => { throw new Error('timeout exceeded'); });
 * } catch (error) {
 *   if (error instanceof ParallelError) console.log(error.errors.length, error.results);
 * }
 * ```
 */
export class ParallelError<I = unknown, O = unknown> extends AggregateError {
  readonly code = 'ERR_PARALLEL' as const;
  /** The failed items, sorted by input index. */
  declare readonly errors: TaskError<I>[];
  /** The successful outputs, in input order. */
  readonly results: O[];

  constructor(errors: TaskError<I>[], results: O[], options?: { cause?: unknown; message?: string }) {
    super(errors, options?.message ?? summarizeFailures(errors), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParallelError';
    this.results = results;
  }
}

/**
 * The abort reason fanout gives the signals of sibling tasks when one task's failure stops the run (fail-fast).
 * A task can tell it apart from a user's abort by `reason instanceof FailFastError` or `reason.code`.
 *
 * @example
 * ```ts
 * import { FailFastError } from 'fanout';
 * function stoppedByFailure(signal: AbortSignal): boolean {
 *   return signal.aborted && signal.reason instanceof FailFastError;
 * }
 * ```
 */
export class FailFastError extends FanoutError {
  declare readonly code: 'ERR_FAIL_FAST';
  /** Input index of the failure that stopped the run. */
  readonly index: number;

  constructor(index: number, cause?: unknown) {
    super('ERR_FAIL_FAST', `stopped because task ${index} failed`, cause === undefined ? undefined : { cause });
    this.index = index;
  }
}

/** The message of an error-like value, or its string form. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}

/**
 * `parallel execution failed: 15 items failed with 2 error types: 'connection refused' (12 items), 'timeout
 * exceeded' (3 items)`. Ties keep the order of first appearance, so the message is deterministic.
 */
export function summarizeFailures(errors: ReadonlyArray<{ cause?: unknown }>): string {
  const counts = new Map<string, number>();
  for (const error of errors) {
    const key = messageOf(error.cause);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const groups = [...counts].sort((a, b) => b[1] - a[1]);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = groups.map(([message, n]) => `'${message}' (${plural(n, 'item')})`);
  return `parallel execution failed: ${plural(errors.length, 'item')} failed with ${plural(groups.length, 'error type')}: ${parts.join(', ')}`;
}
