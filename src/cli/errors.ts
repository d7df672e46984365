import type { Diagnostic } from '../config/types.js';
import { resolve } from 'node:path';
import { FanoutError, messageOf } from '../shared/errors.js';

/**
 * A mistake of the user's (bad flag, unknown check id, invalid config): printed as one message, never with a stack
 * trace, and the CLI exits 2.
 */
export class UsageError extends FanoutError {
  declare readonly code: 'ERR_USAGE' | 'ERR_CONFIG';
  /** A config error's located diagnostics, for `--json` / `--stream` consumers (each with its stable `code`). */
  readonly diagnostics: readonly Diagnostic[] | undefined;
  constructor(message: string, code: 'ERR_USAGE' | 'ERR_CONFIG' = 'ERR_USAGE', options?: { cause?: unknown; diagnostics?: readonly Diagnostic[] }) {
    super(code, message, options);
    this.diagnostics = options?.diagnostics;
  }
}

/** The usage error for a `--log-dir` where the run's folder cannot be made (a file, /proc, no permission). */
export function logDirError(logDir: string, error: unknown): UsageError {
  return new UsageError(`cannot create the log folder in ${resolve(logDir)}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
}

/** Exit code for configuration and usage errors (VibeGuard's). */
export const EXIT_USAGE = 2;
/** Exit code for a bug in fanout itself (EX_SOFTWARE), distinct from check failures. */
export const EXIT_INTERNAL = 70;
/**
 * Exit code when the run's infrastructure failed (EX_TEMPFAIL): with `--redis`, Redis lost or no worker serving the
 * queue. The checks were not judged: none is reported failed for it, and running the same command again may pass.
 */
export const EXIT_INFRASTRUCTURE = 75;
