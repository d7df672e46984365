/**
 * `mergeReports`: the JSON reports of `fanout check --shard i/n --json` joined into one report and exit code.
 */
import { invalidArgument } from '../common/arguments.js';
import { DistributedError } from './errors.js';

/** What merging needs of a check in a report (the CLI's report has more; every field is kept). */
export interface ShardReportCheck {
  id: string;
  status: string;
  [field: string]: unknown;
}

/**
 * What merging needs of a report: the fields of the CLI's `--json` report (schema/report.schema.json) it combines.
 * Other top-level fields are taken from the first report.
 */
export interface ShardReport {
  run_id: string;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  exit_code: number;
  fail_fast_triggered: boolean;
  root_failure: string | null;
  interrupted: string | null;
  max_time_exceeded: boolean;
  counts: Record<string, number>;
  checks: ShardReportCheck[];
  violations: Array<{ id: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/** Options of {@link mergeReports}. */
export interface MergeReportsOptions {
  /** Check ids in config order; merged checks follow it (unknown ones last). @default order of first appearance */
  order?: readonly string[];
}

/** Array.isArray without the narrowing to any[] of readonly arrays. */
const isArray = (value: unknown): boolean => Array.isArray(value);

const REQUIRED = ['run_id', 'started_at', 'ended_at', 'exit_code', 'checks', 'counts', 'violations'] as const;

/**
 * The exit code of a merged run: 0 when every shard exited 0; otherwise a shard's signal exit (≥ 128: the run was
 * interrupted) first, else the first non-zero code in report order (the configured error exit code).
 *
 * @example
 * ```ts
 * import { mergedExitCode } from 'fanout/distributed';
 * mergedExitCode([0, 1, 130]); // 130
 * ```
 */
export function mergedExitCode(codes: readonly number[]): number {
  const interrupted = codes.find((code) => code >= 128);
  if (interrupted !== undefined) return interrupted;
  return codes.find((code) => code !== 0) ?? 0;
}

/**
 * Joins shard reports into one: the checks of all shards (each check must be reported by exactly one shard — a
 * check in two reports is an `ERR_MERGE` {@link DistributedError}: the shards were run with different configs or
 * shard counts), counts recomputed from them, the earliest start and latest end, fail-fast or interruption if any
 * shard had it, the first root failure, the violations of all shards, and {@link mergedExitCode}. `run_id` is the
 * id of the shard run that started first (the schema's run-id format has no room for a list).
 *
 * @example
 * ```ts
 * import { mergeReports } from 'fanout/distributed';
 * import { readFileSync } from 'node:fs';
 * const reports = ['shard-1.json', 'shard-2.json'].map((file) => JSON.parse(readFileSync(file, 'utf8')));
 * const merged = mergeReports(reports);
 * process.exitCode = merged.exit_code;
 * ```
 */
export function mergeReports<R extends ShardReport>(reports: readonly R[], options: MergeReportsOptions = {}): R {
  if (!isArray(reports) || reports.length === 0) throw invalidArgument('reports', 'a non-empty array of fanout JSON reports', reports);
  reports.forEach((report: unknown, index) => {
    if (typeof report !== 'object' || report === null) throw new DistributedError('ERR_MERGE', `report ${index + 1} is not a fanout JSON report (not an object)`);
    for (const field of REQUIRED) {
      if (!(field in report)) throw new DistributedError('ERR_MERGE', `report ${index + 1} is not a fanout JSON report: "${field}" is missing`);
    }
    if (!isArray((report as ShardReport).checks)) throw new DistributedError('ERR_MERGE', `report ${index + 1}: "checks" is not an array`);
  });
  checkShardSet(reports);
  const owner = new Map<string, number>();
  const checks: ShardReportCheck[] = [];
  reports.forEach((report, index) => {
    for (const check of report.checks) {
      const previous = owner.get(check.id);
      if (previous !== undefined) {
        throw new DistributedError('ERR_MERGE', `check "${check.id}" is reported by both report ${previous + 1} and report ${index + 1}: were the shards run with the same config and shard count?`);
      }
      owner.set(check.id, index);
      checks.push(check);
    }
  });
  if (options.order !== undefined) {
    const rank = new Map(options.order.map((id, i) => [id, i]));
    const position = (id: string) => rank.get(id) ?? Number.MAX_SAFE_INTEGER;
    checks.sort((a, b) => position(a.id) - position(b.id)); // stable: unknown ids keep their order
  }
  const counts: Record<string, number> = {};
  for (const key of Object.keys(reports[0]?.counts ?? {})) counts[key] = 0;
  for (const check of checks) counts[check.status] = (counts[check.status] ?? 0) + 1;
  counts.total = checks.length;
  const starts = reports.map((report) => Date.parse(report.started_at));
  const ends = reports.map((report) => Date.parse(report.ended_at));
  const startedAt = Math.min(...starts);
  const endedAt = Math.max(...ends);
  const first = reports[0] as R;
  const violationRank = new Map(checks.map((check, i) => [check.id, i]));
  const { shard: _shard, ...whole } = first;
  return {
    ...(whole as R),
    run_id: (reports[starts.indexOf(startedAt)] ?? first).run_id,
    started_at: new Date(startedAt).toISOString(),
    ended_at: new Date(endedAt).toISOString(),
    duration_ms: Math.round((endedAt - startedAt) * 10) / 10,
    exit_code: mergedExitCode(reports.map((report) => report.exit_code)),
    fail_fast_triggered: reports.some((report) => report.fail_fast_triggered),
    root_failure: reports.find((report) => report.root_failure !== null)?.root_failure ?? null,
    interrupted: reports.find((report) => report.interrupted !== null)?.interrupted ?? null,
    max_time_exceeded: reports.some((report) => report.max_time_exceeded),
    counts,
    checks,
    violations: reports.flatMap((report) => report.violations).sort((a, b) => (violationRank.get(a.id) ?? 0) - (violationRank.get(b.id) ?? 0)),
  };
}

/**
 * Reports written by `fanout check --shard i/n` say which shard they are: all of them must be there, once each, with
 * the same n — a CI job that lost one shard's report must not merge into a green run.
 */
function checkShardSet(reports: readonly ShardReport[]): void {
  const shards = reports.map((report) => report.shard as { index?: unknown; total?: unknown } | undefined);
  if (shards.every((shard) => shard === undefined)) return;
  const totals = new Set(shards.map((shard) => shard?.total));
  const total = shards[0]?.total;
  if (totals.size !== 1 || typeof total !== 'number') {
    throw new DistributedError('ERR_MERGE', 'the reports come from different shard counts (or some were not sharded): merge the reports of one `--shard i/n` run');
  }
  const seen = new Map<number, number>();
  shards.forEach((shard, position) => {
    const index = shard?.index as number;
    const previous = seen.get(index);
    if (previous !== undefined) throw new DistributedError('ERR_MERGE', `shard ${index}/${total} is in both report ${previous + 1} and report ${position + 1}`);
    seen.set(index, position);
  });
  const missing: string[] = [];
  for (let index = 1; index <= total; index++) if (!seen.has(index)) missing.push(`${index}/${total}`);
  if (missing.length > 0) throw new DistributedError('ERR_MERGE', `shard ${missing.join(', ')} is missing: merge the reports of every shard`);
}
