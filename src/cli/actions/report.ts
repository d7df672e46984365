// `fanout report [RUN] --html FILE`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { messageOf } from '../../common/errors.js';
import { pendingCheck } from '../background/follow.js';
import { UsageError } from '../errors.js';
import { loadRunState, listRuns, resolveRun, runPhase } from '../../checks/state/runs.js';
import type { Report } from '../../checks/report.js';
import { renderReportPage, type RunProgress } from '../reporters/html/page.js';
import { historyOf } from '../reporters/html/reporter.js';
import { printErr } from '../terminal.js';

function readReport(dir: string): Report | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

/** A report for a run that has none yet (still running, or crashed): what its journal knows, and how far it went. */
function reportFromJournal(logDir: string, id: string): { report: Report; progress: RunProgress | undefined } | undefined {
  const state = loadRunState(logDir, id);
  if (state?.start === undefined) return undefined;
  const checks = [...state.checks].map(([checkId, check]) => {
    if (check.end) return check.end.check;
    const pending = pendingCheck(checkId, check.severity, check.spawn?.log_file ?? null);
    if (check.start) pending.started_at = new Date(check.start.time).toISOString();
    return pending;
  });
  const counts = { total: checks.length, passed: 0, failed: 0, warned: 0, timeout: 0, skipped: 0, cancelled: 0, pending: 0 };
  for (const check of checks) counts[check.status]++;
  const last = Math.max(state.start.time, ...checks.map((c) => (c.ended_at ? Date.parse(c.ended_at) : 0)));
  // Its journal has no end: live, it runs on until now; crashed, the last thing it recorded is all there is.
  const phase = runPhase(state);
  const heard = Math.max(last, ...[...state.checks.values()].map((check) => Math.max(check.start?.time ?? 0, check.spawn?.time ?? 0)));
  const progress: RunProgress | undefined = phase === 'ended' ? undefined : { state: phase === 'live' ? 'running' : 'crashed', now: phase === 'live' ? Date.now() : heard };
  const report: Report = {
    schema_version: '1',
    tool: { name: 'fanout', version: '' },
    run_id: id,
    config_file: state.start.config,
    log_dir: join(logDir, id),
    started_at: new Date(state.start.time).toISOString(),
    ended_at: new Date(last).toISOString(),
    duration_ms: last - state.start.time,
    exit_code: state.end?.exit_code ?? -1,
    fail_fast_triggered: false,
    root_failure: null,
    interrupted: state.end?.interrupted ?? null,
    max_time_exceeded: false,
    counts,
    checks,
    violations: [],
  };
  return { report, progress };
}

export function reportHtmlCommand(run: string | undefined, options: { logDir: string; html: string; history: number }): number {
  const logDir = resolve(options.logDir);
  const { id, dir } = resolveRun(logDir, run);
  const written = readReport(dir);
  const { report, progress } = written !== undefined ? { report: written, progress: undefined } : (reportFromJournal(logDir, id) ?? {});
  if (report === undefined) throw new UsageError(`run ${id} has neither a report.json nor a journal`);
  const runs = listRuns(logDir);
  const upTo = runs.indexOf(id);
  const runIds = runs.slice(Math.max(0, upTo - options.history + 1), upTo + 1);
  const history = historyOf(
    runIds.map((runId) => (runId === id ? report : readReport(join(logDir, runId)))),
    runIds,
    report.checks.map((check) => check.id),
  );
  const target = resolve(options.html);
  try {
    writeFileSync(target, renderReportPage(report, history, progress));
  } catch (error) {
    throw new UsageError(`--html: cannot write ${target}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
  }
  printErr(`fanout: wrote ${target} (run ${id}, ${report.checks.length} checks, ${runIds.length} runs of history)\n`);
  return 0;
}
