import { CommanderError } from '@commander-js/extra-typings';

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

/**
 * A mistake on the command line of a command whose protocol gives usage errors an exit code of its own, which the
 * CLI exits with instead of {@link EXIT_USAGE}: `fanout hook` exits 1 (a non-blocking error), as 2 would block the
 * agent (and loop its Stop hook) over a typo in its settings.
 */
export class ProtocolUsageError extends CommanderError {}
