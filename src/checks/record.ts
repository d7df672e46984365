// What the CLI knows about each check of a run: one record per check, shared by every reporter.
import type { ResolvedCheck } from '../config/types.js';

/** One status enum everywhere: human output, JSON, stream and JUnit. */
export type CheckStatus = 'passed' | 'failed' | 'warned' | 'timeout' | 'skipped' | 'cancelled' | 'pending';

export const STATUSES: readonly CheckStatus[] = ['passed', 'failed', 'warned', 'timeout', 'skipped', 'cancelled', 'pending'];

/** Why a check did not run. */
export type SkipReason =
  | { kind: 'blocked'; blockedBy: string }
  | { kind: 'fail-fast' }
  | { kind: 'interrupted'; signal: string }
  | { kind: 'max-time' }
  /** The run's infrastructure failed before the check started (Redis lost, no worker serving the queue). */
  | { kind: 'infrastructure'; message: string };

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
  /** Why the check did not pass, for humans. */
  reason?: string;
  /** The last lines of the last attempt's output (masked, no escape codes). */
  outputTail: string[];
  /** Total bytes the last attempt produced. */
  outputBytes: number;
  logFile?: string;
  /** Why the last attempt's log could not be written or read back (a full disk...), if it could not. */
  logError?: string;
  skipReason?: SkipReason;
  /** Rendered suggestion and fix (values grok extracted filled in), masked. */
  suggestion?: string;
  fix?: string;
  triggered: TriggeredPrompt[];
}

/** True for statuses that make a run fail, whatever the severity: failures of error checks and any timeout. */
export function isBlocking(record: Pick<CheckRecord, 'status' | 'check'>): boolean {
  if (record.status === 'timeout') return true;
  if (record.check.severity !== 'error') return false;
  return record.status === 'failed' || record.status === 'cancelled' || record.status === 'skipped';
}
