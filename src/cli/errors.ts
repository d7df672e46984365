import { FanoutError } from '../core/errors.js';

/**
 * A mistake of the user's (bad flag, unknown check id, invalid config): printed as one message, never with a stack
 * trace, and the CLI exits 2.
 */
export class UsageError extends FanoutError {
  declare readonly code: 'ERR_USAGE' | 'ERR_CONFIG';
  constructor(message: string, code: 'ERR_USAGE' | 'ERR_CONFIG' = 'ERR_USAGE', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Exit code for configuration and usage errors (VibeGuard's). */
export const EXIT_USAGE = 2;
/** Exit code for a bug in fanout itself (EX_SOFTWARE), distinct from check failures. */
export const EXIT_INTERNAL = 70;
