// The caller's mistakes a checks run reports: an unknown check id, a tag nobody has, an invalid config, a log folder
// that cannot be made. The CLI prints the message alone and exits 2.
import { resolve } from 'node:path';
import type { Diagnostic } from '../config/types.js';
import { FanoutError, messageOf } from '../common/errors.js';

/**
 * A mistake in what the caller asked for, which no retry fixes; `code` is `ERR_CONFIG` for an invalid config (its
 * located `diagnostics` attached), `ERR_USAGE` for everything else. The CLI prints its message alone (never a stack
 * trace) and exits 2.
 *
 * @example
 * ```ts
 * import { runChecks, UsageError } from 'fanout/checks';
 * try {
 *   await runChecks({ config: 'fanout.yaml', ids: ['no-such-check'] }).report;
 * } catch (error) {
 *   if (error instanceof UsageError) console.error(error.message); // unknown check "no-such-check"
 * }
 * ```
 */
export class UsageError extends FanoutError {
  declare readonly code: 'ERR_USAGE' | 'ERR_CONFIG';
  /** A config error's located diagnostics, each with its stable `code`. */
  readonly diagnostics: readonly Diagnostic[] | undefined;
  constructor(message: string, code: 'ERR_USAGE' | 'ERR_CONFIG' = 'ERR_USAGE', options?: { cause?: unknown; diagnostics?: readonly Diagnostic[] }) {
    super(code, message, options);
    this.diagnostics = options?.diagnostics;
  }
}

/** The usage error for a log folder where a run's folder cannot be made (a file, /proc, no permission). */
export function logDirError(logDir: string, error: unknown): UsageError {
  return new UsageError(`cannot create the log folder in ${resolve(logDir)}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
}
