// The HTML page as a reporter: from the final report when the run is over, or from the events seen so far for a
// run that has not ended (its journal read back), every check not ended shown as pending.
import { countStatuses, type ReportCheck, type RunEvent, type RunReport } from '../../../checks/index.js';
import { pendingCheck } from '../../background/follow.js';
import type { Reporter } from '../reporter.js';
import { renderReportPage, type History, type RunProgress } from './page.js';

/** Options of {@link createHtmlReporter}. */
export interface HtmlReporterOptions {
  /** Receives the page (the caller writes the file). */
  write: (html: string) => void;
  /** Durations of past runs for the trend column. @default the run's own durations only */
  history?: History | undefined;
  /** The config file and log folder a page of an unfinished run names (`run:start` does not carry them). @default '' */
  configFile?: string | undefined;
  logDir?: string | undefined;
  /** The clock a page of an unfinished run is drawn at (ms since the epoch). @default Date.now */
  now?: (() => number) | undefined;
  /** What an unfinished run is: still going, or its fanout died before the end (read back from its journal). @default 'running' */
  state?: RunProgress['state'] | undefined;
}

/** The HTML reporter: `end(report)` writes the page; {@link HtmlReporter.page} renders the run as far as it went. */
export interface HtmlReporter extends Reporter {
  /** The page of the events seen so far (undefined before `run:start`); the report's once `end()` has run. */
  page(): string | undefined;
}

/** The durations a run's report gives the trend column: a check's duration when it ran to its end, else null. */
export function historyOf(reports: ReadonlyArray<{ run_id: string; checks: readonly ReportCheck[] } | undefined>, runIds: readonly string[], ids: readonly string[]): History {
  const durations = new Map<string, Array<number | null>>(ids.map((id) => [id, []]));
  for (const report of reports) {
    const byId = new Map((report?.checks ?? []).map((check) => [check.id, check]));
    for (const [id, values] of durations) {
      const check = byId.get(id);
      values.push(check !== undefined && check.attempts > 0 && check.ended_at !== null && check.status !== 'cancelled' ? check.duration_ms : null);
    }
  }
  return { runIds: [...runIds], durations };
}

/**
 * A self-contained HTML page of a run (timeline, critical path, durations over past runs).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { createHtmlReporter } from './reporter.js';
 *
 * const html = createHtmlReporter({ write: (page) => writeFileSync('run.html', page) });
 * ```
 */
export function createHtmlReporter(options: HtmlReporterOptions): HtmlReporter {
  let start: Extract<RunEvent, { type: 'run:start' }> | undefined;
  const checks = new Map<string, ReportCheck>();
  let final: RunReport | undefined;
  const render = (report: RunReport, progress?: RunProgress) =>
    renderReportPage(report, options.history ?? historyOf([report], [report.run_id], report.checks.map((check) => check.id)), progress);

  /** The report of the events seen so far: checks not ended are pending, the exit code unknown (-1). */
  const sofar = (): RunReport | undefined => {
    if (start === undefined) return undefined;
    const list = [...checks.values()];
    const startedAt = Date.parse(start.time);
    const last = Math.max(startedAt, ...list.map((check) => (check.ended_at === null ? 0 : Date.parse(check.ended_at))));
    return {
      schema_version: '1',
      tool: { name: 'fanout', version: '' },
      run_id: start.run_id,
      config_file: options.configFile ?? '',
      log_dir: options.logDir ?? '',
      started_at: start.time,
      ended_at: new Date(last).toISOString(),
      duration_ms: last - startedAt,
      exit_code: -1,
      fail_fast_triggered: false,
      root_failure: null,
      interrupted: null,
      max_time_exceeded: false,
      counts: countStatuses(list),
      checks: list,
      violations: [],
    };
  };

  return {
    onEvent(event) {
      if (event.type === 'run:start') {
        start = event;
        checks.clear();
        for (const check of event.checks) checks.set(check.id, { ...pendingCheck(check.id, check.severity, null), requires: check.requires });
        return;
      }
      const check = 'id' in event ? checks.get(event.id) : undefined;
      if (check === undefined) return;
      if (event.type === 'check:start') check.started_at = event.time;
      else if (event.type === 'check:spawn') check.log_file = event.log_file;
      else if (event.type === 'check:end') checks.set(event.id, event.check);
    },
    end(report) {
      final = report;
      options.write(render(report));
    },
    page() {
      if (final !== undefined) return render(final);
      const report = sofar();
      return report === undefined ? undefined : render(report, { state: options.state ?? 'running', now: (options.now ?? Date.now)() });
    },
  };
}
