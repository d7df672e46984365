// What every output of `fanout check` is: a consumer of the run's events (human, live TTY, JSON, NDJSON, JUnit,
// HTML). The action creates the reporters the flags ask for and hands each event to all of them, in order.
import type { RunEvent, RunReport } from '../../checks/index.js';

/** A consumer of a checks run's events. */
export interface Reporter {
  /** Called for every event of the run, in order, synchronously. */
  onEvent(event: RunEvent): void;
  /** Called once after `run:end`, with the final report (write errors included): write files, print the summary. */
  end?(report: RunReport): void | Promise<void>;
}
