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
 * did succeed (also by index) and the categorised `summary`. Its message groups failures by message, most frequent
 * first.
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
  /** The outputs at their item's index; `undefined` where an item failed or was cancelled. */
  readonly resultsByIndex: Array<O | undefined>;
  /** The failures grouped by message, with counts of succeeded, failed and cancelled items. */
  readonly summary: FailureSummary;

  constructor(
    errors: TaskError<I>[],
    results: O[],
    options?: { cause?: unknown; message?: string; resultsByIndex?: Array<O | undefined>; cancelled?: number },
  ) {
    super(errors, options?.message ?? summarizeFailures(errors), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParallelError';
    this.results = results;
    this.resultsByIndex = options?.resultsByIndex ?? [];
    this.summary = failureSummary(errors, results.length, options?.cancelled ?? 0);
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

/** Failed items that share one error message. */
export interface FailureGroup {
  /** The message of their errors (of each `TaskError`'s `cause`). */
  message: string;
  /** How many items failed with it. */
  count: number;
  /** Their input indexes, ascending. */
  indexes: number[];
}

/** The categorised account of a {@link processParallel} run. */
export interface FailureSummary {
  /** Items that produced an output. */
  succeeded: number;
  /** Items that failed (each has a `TaskError` in `errors`). */
  failed: number;
  /** Items that were pulled but neither succeeded nor failed: cancelled by the stop (fail-fast or abort). */
  cancelled: number;
  /** Failures grouped by message, most frequent first; ties keep the order of first appearance. */
  groups: FailureGroup[];
  /**
   * One line: `15 items failed with 2 error types: 'connection refused' (12 items), 'timeout exceeded' (3 items)`, or
   * `no item failed`.
   */
  text: string;
}

/** Groups failures (sorted by index) by message, most frequent first, ties in order of first appearance. */
export function failureSummary(
  errors: ReadonlyArray<{ index?: number; cause?: unknown }>,
  succeeded: number,
  cancelled: number,
): FailureSummary {
  const byMessage = new Map<string, FailureGroup>();
  for (const error of errors) {
    const message = messageOf(error.cause);
    const group = byMessage.get(message);
    if (group === undefined) byMessage.set(message, { message, count: 1, indexes: error.index === undefined ? [] : [error.index] });
    else {
      group.count++;
      if (error.index !== undefined) group.indexes.push(error.index);
    }
  }
  const groups = [...byMessage.values()].sort((a, b) => b.count - a.count);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = groups.map((group) => `'${group.message}' (${plural(group.count, 'item')})`);
  const text =
    errors.length === 0 ? 'no item failed' : `${plural(errors.length, 'item')} failed with ${plural(groups.length, 'error type')}: ${parts.join(', ')}`;
  return { succeeded, failed: errors.length, cancelled, groups, text };
}

/**
 * `parallel execution failed: 15 items failed with 2 error types: 'connection refused' (12 items), 'timeout
 * exceeded' (3 items)`. Ties keep the order of first appearance, so the message is deterministic.
 */
export function summarizeFailures(errors: ReadonlyArray<{ index?: number; cause?: unknown }>): string {
  return `parallel execution failed: ${failureSummary(errors, 0, 0).text}`;
}
