// The caller's mistakes are the checks engine's errors too (a run rejects with them): defined there.
export { UsageError, logDirError } from '../checks/run-entry.js';

/** Exit code for configuration and usage errors (VibeGuard's). */
export const EXIT_USAGE = 2;
/** Exit code for a bug in fanout itself (EX_SOFTWARE), distinct from check failures. */
export const EXIT_INTERNAL = 70;
/**
 * Exit code when the run's infrastructure failed (EX_TEMPFAIL): with `--redis`, Redis lost or no worker serving the
 * queue. The checks were not judged: none is reported failed for it, and running the same command again may pass.
 */
export const EXIT_INFRASTRUCTURE = 75;
