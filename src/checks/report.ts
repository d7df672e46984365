// The JSON report (`--json`, the stream's last event, report.json in the run's log folder). Its JSON Schema is
// schema/report.schema.json; bump REPORT_SCHEMA_VERSION on any incompatible change.
import type { RunResult } from './session.js';
import { STATUSES, type CheckRecord, type CheckStatus, type FailureReason, type ReasonCode } from './record.js';
import { displayPath } from '../common/text.js';
import type { CacheWarning } from './cache/run-cache.js';

export type { CacheWarning } from './cache/run-cache.js';

export const REPORT_SCHEMA_VERSION = '1';

/** One check of the report (a type, not an interface, so that it is a ShardReportCheck for mergeReports). */
export type ReportCheck = {
  id: string;
  status: CheckStatus;
  severity: 'error' | 'warning';
  tags: string[];
  requires: string[];
  command: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  attempts: number;
  passed_after_retry: boolean;
  reason: string | null;
  /** Why, as a stable code (see {@link ReasonCode}); null when the check passed. */
  reason_code: ReasonCode | null;
  extracted: Record<string, string>;
  suggestion: string | null;
  fix: string | null;
  output_tail: string[];
  output_bytes: number;
  log_file: string | null;
  skip_reason: { kind: string; blocked_by?: string; signal?: string; message?: string } | null;
  started_at: string | null;
  ended_at: string | null;
  triggered_prompts: Array<{ id: string | null; content: string }>;
  /** Present on a result replayed from the cache of passed checks (the command did not run in this run). */
  cached?: true;
  /** With `cached`: when the run that produced the result recorded it, as an ISO 8601 string. */
  cached_at?: string;
};

/**
 * The final report of a run: what `--json` prints, report.json holds and `run:end` carries; what mergeReports merges
 * (a type, not an interface, so that it is a ShardReport).
 */
export type RunReport = {
  schema_version: string;
  tool: { name: 'fanout'; version: string };
  run_id: string;
  config_file: string;
  log_dir: string;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  exit_code: number;
  fail_fast_triggered: boolean;
  root_failure: string | null;
  /** What interrupted the run: the signal fanout got (`SIGINT`...), `abort` for an abort of runChecks' signal without a reason it knows; null when none did. */
  interrupted: string | null;
  max_time_exceeded: boolean;
  /** With --redis: why the run stopped when its infrastructure failed (Redis lost, no worker for the queue). */
  infrastructure_error?: string;
  counts: Record<CheckStatus, number> & { total: number };
  checks: ReportCheck[];
  /** VibeGuard's list of findings (failed, warned, timed-out checks), kept for tools that read its shape. */
  violations: Array<{ id: string; severity: 'error' | 'warning'; command: string; suggestion: string | null; fix: string | null; extracted: Record<string, string>; log_file: string | null }>;
  /** `--shard i/n` runs: which shard this report is (merge-reports checks that every shard is there once). */
  shard?: { index: number; total: number };
  /**
   * Files of the run that could not be written (a full disk...): logs, the journal, report.json, `latest`, the JUnit
   * file. Absent when every write succeeded. The report itself is complete whatever they say.
   */
  write_errors?: Array<{ file: string; error: string }>;
  /** What the cache of passed checks could not do for this run (see {@link CacheWarning}); absent when nothing. */
  cache_warnings?: CacheWarning[];
};

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const round = (ms: number) => Math.round(ms * 10) / 10;

export interface ReportContext {
  version: string;
  runId: string;
  configFile: string;
  logDir: string;
  cwd: string;
  exitCode: number;
  mask: (text: string) => string;
  shard?: { index: number; total: number } | undefined;
}

export function reportCheck(record: CheckRecord, cwd: string, mask: (text: string) => string): ReportCheck {
  const { check, failure } = record;
  const skipped = record.status === 'skipped';
  return {
    id: check.id,
    status: record.status,
    severity: check.severity,
    tags: check.tags,
    requires: check.requires,
    command: mask(check.run),
    exit_code: record.exitCode,
    signal: record.signal,
    duration_ms: round(record.durationMs),
    attempts: record.attempts,
    passed_after_retry: record.status === 'passed' && record.attempts > 1,
    reason: failure === undefined || skipped ? null : mask(failure.message),
    reason_code: failure?.code ?? null,
    extracted: maskValues(record.extracted, mask),
    suggestion: record.suggestion ?? null,
    fix: record.fix ?? null,
    output_tail: record.outputTail,
    output_bytes: record.outputBytes,
    log_file: record.logFile === undefined || record.attempts === 0 ? null : displayPath(record.logFile, cwd),
    skip_reason: failure === undefined || !skipped ? null : skipReason(failure, mask),
    started_at: iso(record.startedAt),
    ended_at: iso(record.endedAt),
    triggered_prompts: record.triggered.length === 0 ? [] : record.triggered.map((prompt) => ({ id: prompt.id ?? null, content: prompt.content })),
    ...(record.cached === undefined ? {} : { cached: true as const, cached_at: new Date(record.cached.storedAt).toISOString() }),
  };
}

/** A skipped check's reason as the report's `skip_reason` (VibeGuard's `kind`s: `blocked` for dependency-failed). */
function skipReason(failure: FailureReason, mask: (text: string) => string): NonNullable<ReportCheck['skip_reason']> {
  switch (failure.code) {
    case 'dependency-failed':
      return { kind: 'blocked', blocked_by: failure.blockedBy };
    case 'interrupted':
      return { kind: failure.code, signal: failure.signal };
    case 'infrastructure':
      return { kind: failure.code, message: mask(failure.error) };
    default:
      return { kind: failure.code };
  }
}

/** The values masked; most checks extract nothing (this runs for every check, in the journal and the report). */
function maskValues(values: Record<string, string>, mask: (text: string) => string): Record<string, string> {
  const entries = Object.entries(values);
  return entries.length === 0 ? {} : Object.fromEntries(entries.map(([name, value]) => [name, mask(value)]));
}

/** The report's `counts`: how many checks have each status, and their total. */
export function countStatuses(records: readonly Pick<CheckRecord, 'status'>[]): Record<CheckStatus, number> & { total: number } {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<CheckStatus, number>;
  for (const record of records) counts[record.status]++;
  return { total: records.length, ...counts };
}

export function buildReport(run: RunResult, context: ReportContext): RunReport {
  const checks = run.records.map((record) => reportCheck(record, context.cwd, context.mask));
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: { name: 'fanout', version: context.version },
    run_id: context.runId,
    config_file: displayPath(context.configFile, context.cwd),
    log_dir: displayPath(context.logDir, context.cwd),
    started_at: new Date(run.startedAt).toISOString(),
    ended_at: new Date(run.endedAt).toISOString(),
    duration_ms: round(run.durationMs),
    exit_code: context.exitCode,
    fail_fast_triggered: run.failFastTriggered,
    root_failure: run.rootFailure ?? null,
    interrupted: run.abort?.kind === 'signal' ? run.abort.signal : run.abort?.kind === 'abort' ? 'abort' : null,
    max_time_exceeded: run.abort?.kind === 'max-time',
    ...(run.abort?.kind === 'infrastructure' ? { infrastructure_error: context.mask(run.abort.message) } : {}),
    counts: countStatuses(run.records),
    checks,
    violations: checks
      .filter((c) => c.status === 'failed' || c.status === 'warned' || c.status === 'timeout')
      .map((c) => ({ id: c.id, severity: c.severity, command: c.command, suggestion: c.suggestion, fix: c.fix, extracted: c.extracted, log_file: c.log_file })),
    ...(context.shard !== undefined ? { shard: context.shard } : {}),
  };
}
