// The one event union of a checks run. `runChecks` yields these objects, `--stream` prints exactly them (one JSON
// object a line), the journal records them, and every reporter consumes them.
import type { CheckStatus, ReasonCode } from './record.js';
import type { ReportCheck, RunReport } from './report.js';

export type { RunReport } from './report.js';

/** Fields every event has. */
interface EventBase {
  /** When the event happened, as an ISO 8601 string. */
  time: string;
}

/** The run begins: every selected check, in the config's order. */
export interface RunStartEvent extends EventBase {
  type: 'run:start';
  run_id: string;
  total: number;
  checks: Array<{ id: string; requires: string[]; severity: 'error' | 'warning'; async: boolean }>;
}

/** A check's first attempt begins (`pending` for async checks, which may wait for the async pool). */
export interface CheckStartEvent extends EventBase {
  type: 'check:start';
  id: string;
  attempt: number;
  async: boolean;
  status: 'pending' | 'running';
  /** Where the attempt's output goes (null where no log is kept). */
  log_file: string | null;
}

/** An attempt's shell started here: `pgid` is the process group of the attempt's whole tree. */
export interface CheckSpawnEvent extends EventBase {
  type: 'check:spawn';
  id: string;
  attempt: number;
  pgid: number;
  /** The shell's start time, so a reused pid is never taken for it (null where it cannot be read). */
  pgid_start: string | null;
  log_file: string | null;
}

/** An attempt did not pass and attempt `attempt` begins. */
export interface CheckRetryEvent extends EventBase {
  type: 'check:retry';
  id: string;
  attempt: number;
  previous: { status: string; reason: string | null; reason_code: ReasonCode | null };
}

/** A check's final status is known. */
export interface CheckEndEvent extends EventBase {
  type: 'check:end';
  id: string;
  status: CheckStatus;
  check: ReportCheck;
}

/** The run is over; the event carries the whole report. */
export interface RunEndEvent extends EventBase {
  type: 'run:end';
  run_id: string;
  exit_code: number;
  counts: RunReport['counts'];
  report: RunReport;
}

/** Every event of a checks run, discriminated by `type`. */
export type RunEvent = RunStartEvent | CheckStartEvent | CheckSpawnEvent | CheckRetryEvent | CheckEndEvent | RunEndEvent;

/** The values of `type`, in the order a check's events come. */
export const RUN_EVENT_TYPES = ['run:start', 'check:start', 'check:spawn', 'check:retry', 'check:end', 'run:end'] as const satisfies ReadonlyArray<RunEvent['type']>;

/**
 * What a run tells besides its events, before its first check starts: the notes and warnings the CLI prints on stderr
 * (`fanout: resuming run …`, a config warning, process groups a dead run left and that were killed). `message` is
 * the line without the `fanout: ` prefix; a config warning's is its formatted diagnostic.
 */
export interface RunNote {
  code:
    | 'config-warning'
    | 'config-cache-refused'
    | 'cache-refused'
    | 'unknown-exclude-tag'
    | 'no-changed-match'
    | 'resume'
    | 'resume-gone'
    | 'nothing-to-resume'
    | 'empty-selection'
    | 'pulled-in'
    | 'reaped'
    | 'reap-refused';
  message: string;
}
