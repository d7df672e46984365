// Signals during a run: the first SIGINT/SIGTERM/SIGHUP aborts the run (the executor kills every process group),
// the partial report is written, and then fanout dies by the same signal, so shells see 130/143/129 and stop their
// loops. A second signal SIGKILLs every group and dies at once.
import { killChildGroups } from '../checks/run-entry.js';
import { afterWritten, whenStdoutMade } from './terminal.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How long an interrupted run waits for its report to reach a pipe before dying by the signal. */
const FLUSH_LIMIT_MS = 1000;

export interface SignalGuard {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /**
   * Removes the handlers; then re-raises the received signal, if any: the process dies by it once stdout and stderr
   * have been written out (1 s at most).
   */
  release(): void;
}

/** Installs the handlers; `onSignal` runs once, for the first signal. */
export function guardSignals(onSignal: (signal: NodeJS.Signals) => void): SignalGuard {
  let received: NodeJS.Signals | undefined;
  const remove = () => {
    for (const signal of SIGNALS) process.removeListener(signal, handler);
  };
  const die = (signal: NodeJS.Signals) => {
    remove();
    process.kill(process.pid, signal);
  };
  function handler(signal: NodeJS.Signals) {
    if (received !== undefined) {
      killChildGroups('SIGKILL');
      die(received);
      return;
    }
    received = signal;
    onSignal(signal);
  }
  for (const signal of SIGNALS) process.on(signal, handler);
  return {
    get received() {
      return received;
    },
    release() {
      if (received === undefined) return remove();
      // Writes to a pipe still queued (a report of megabytes) die with the process: die once they are out, or after
      // FLUSH_LIMIT_MS when nobody reads the pipe. A second signal still dies at once meanwhile.
      const signal = received;
      let pending = 2;
      const timer = setTimeout(() => die(signal), FLUSH_LIMIT_MS);
      const flushed = () => {
        if (--pending > 0) return;
        clearTimeout(timer);
        die(signal);
      };
      afterWritten(process.stdout, flushed);
      afterWritten(process.stderr, flushed);
    },
  };
}

/**
 * Fatal paths: an uncaught error or a broken stdout pipe kills every process group before fanout exits.
 * Returns a function removing the handlers.
 */
export function guardFatal(report: (message: string) => void): () => void {
  const fatal = (error: unknown) => {
    killChildGroups('SIGKILL');
    const message = error instanceof Error ? (process.env.FANOUT_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
    report(`fanout: internal error: ${message}`);
    process.exit(70);
  };
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    killChildGroups('SIGKILL');
    // The reader went away (`fanout check | head`): nothing more can be said on stdout.
    process.exit(error.code === 'EPIPE' ? 141 : 70);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // Before the program-wide handler (which only exits): the groups must die first. Once stdout is made: a run's first
  // check does not wait for that (see whenStdoutMade); its handler, asked for earlier, is added first, so still after.
  const waits = whenStdoutMade((stdout) => stdout.prependListener('error', onStdoutError));
  return () => {
    process.removeListener('uncaughtException', fatal);
    process.removeListener('unhandledRejection', fatal);
    if (!waits()) process.stdout.removeListener('error', onStdoutError);
  };
}
