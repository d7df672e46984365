// What a run knows about each of its checks: one record per check, shared by every reporter.
import type { ResolvedCheck } from '../config/types.js';

/** One status enum everywhere: human output, JSON, stream and JUnit. */
export type CheckStatus = 'passed' | 'failed' | 'warned' | 'timeout' | 'skipped' | 'cancelled' | 'pending';

export const STATUSES: readonly CheckStatus[] = ['passed', 'failed', 'warned', 'timeout', 'skipped', 'cancelled', 'pending'];

/**
 * Why a check did not pass, as data: `code` is stable (the JSON report's `reason_code`), `message` the sentence for
 * people (the report's `reason`). A skipped check's says why it did not start — `dependency-failed`, `fail-fast`,
 * `max-time`, `interrupted` or `infrastructure` — and is the report's `skip_reason` (its `reason` is null).
 */
export type FailureReason =
  /** The command exited with a status other than 0 (127: not found, 126: not executable). */
  | { code: 'exit-code'; message: string; exitCode: number }
  /** The command was killed by a signal it did not get from fanout. */
  | { code: 'signal'; message: string; signal: string }
  /** The check's timeout (its own, or `timeout` of the run) ran out. */
  | { code: 'timeout'; message: string; timeoutMs: number }
  /** The assert was false, or could not be evaluated over the extracted values. */
  | { code: 'assert'; message: string; assert: string }
  /** A grok pattern or the assert did not finish in time, failed, or was not compiled. */
  | { code: 'grok'; message: string }
  /** The `file:` to read values from could not be read. */
  | { code: 'file-missing'; message: string; file: string }
  /** The command could not be started (no shell, a missing working directory...). */
  | { code: 'spawn-error'; message: string }
  /** Stopped while it ran, for none of the reasons below (fail-fast, max-time, interrupted, infrastructure). */
  | { code: 'cancelled'; message: string }
  /** Stopped while it ran because another check failed under fail-fast. */
  | { code: 'fail-fast'; message: string; rootFailure: string }
  /** Stopped while it ran because the run's `maxTime` ran out. */
  | { code: 'max-time'; message: string }
  /** Stopped while it ran by a signal to fanout (`signal`), or by an abort of the run without a reason fanout knows (`signal: 'abort'`). */
  | { code: 'interrupted'; message: string; signal: string }
  /** Stopped because the run's infrastructure failed (a remote executor's Redis lost, no worker for its queue): `error`. */
  | { code: 'infrastructure'; message: string; error: string }
  /** Not started: `blockedBy`, a check it requires, did not pass. */
  | { code: 'dependency-failed'; message: string; blockedBy: string }
  /** fanout itself failed while running the check. */
  | { code: 'internal'; message: string };

/** Every `reason_code` of the JSON report: a {@link FailureReason}'s code. */
export type ReasonCode = FailureReason['code'];

/** A prompt printed because of an `on:` event. */
export interface TriggeredPrompt {
  /** The prompt's id, absent for inline text. */
  id?: string;
  content: string;
}

export interface CheckRecord {
  check: ResolvedCheck;
  status: CheckStatus;
  /** Attempts started (0 when the check never started). */
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  /** Wall time from the first attempt's start to the last attempt's end. */
  durationMs: number;
  /** Epoch milliseconds. */
  startedAt?: number;
  endedAt?: number;
  extracted: Record<string, string>;
  /** Why the check did not pass (for a skipped check: why it did not start). */
  failure?: FailureReason;
  /** The last lines of the last attempt's output (masked, no escape codes). */
  outputTail: string[];
  /** Total bytes the last attempt produced. */
  outputBytes: number;
  logFile?: string;
  /** Why the last attempt's log could not be written or read back (a full disk...), if it could not. */
  logError?: string;
  /** Rendered suggestion and fix (values grok extracted filled in), masked. */
  suggestion?: string;
  fix?: string;
  triggered: TriggeredPrompt[];
  /**
   * Set when the result was replayed from the cache of passed checks instead of running the command: when the run
   * that produced it recorded it (epoch milliseconds).
   */
  cached?: { storedAt: number };
}

/** True for statuses that make a run fail, whatever the severity: failures of error checks and any timeout. */
export function blocksRun(check: { status: CheckStatus; severity: 'error' | 'warning' }): boolean {
  if (check.status === 'timeout') return true;
  if (check.severity !== 'error') return false;
  return check.status === 'failed' || check.status === 'cancelled' || check.status === 'skipped';
}

/** {@link blocksRun} for a check's record. */
export function isBlocking(record: Pick<CheckRecord, 'status' | 'check'>): boolean {
  return blocksRun({ status: record.status, severity: record.check.severity });
}
