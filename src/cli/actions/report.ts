// `fanout report [RUN] --html FILE`.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { messageOf } from '../../common/errors.js';
import { readOwnJsonSync } from '../../common/safe-file.js';
import { UsageError } from '../errors.js';
import { loadRunState, listRuns, readRunEvents, resolveRun, runPhase, runReportProblem, unreadableJournal, type RunReport as Report } from '../../checks/index.js';
import { createHtmlReporter, historyOf } from '../reporters/html/reporter.js';
import { printErr } from '../terminal.js';

/**
 * The run's report.json: a regular file of this user only (a FIFO or a link planted there is none), holding a report
 * of the shape fanout writes (one planted, or torn, is none: the run is drawn from its journal).
 */
function readReport(dir: string): Report | undefined {
  const report: unknown = readOwnJsonSync(join(dir, 'report.json'));
  return report === undefined || runReportProblem(report) !== undefined ? undefined : (report as Report);
}

export function reportHtmlCommand(run: string | undefined, options: { logDir: string; html: string; history: number }): number {
  const logDir = resolve(options.logDir);
  const { id, dir } = resolveRun(logDir, run);
  // The page of a run is its report's; a run without one yet (still running, or crashed) is replayed from its journal
  // through the same reporter a live run renders with, every check not ended shown pending.
  const events = readRunEvents(logDir, id) ?? [];
  const start = events.find((event) => event.type === 'run:start');
  const report = readReport(dir) ?? events.find((event) => event.type === 'run:end')?.report;
  if (report === undefined && start === undefined) {
    const state = loadRunState(logDir, id);
    const unreadable = state === undefined ? undefined : unreadableJournal(state);
    throw new UsageError(`run ${id} has neither a report.json nor a journal${unreadable === undefined ? '' : ` that can be read: ${unreadable}`}`);
  }
  const ended = events.flatMap((event) => (event.type === 'check:end' ? [event.check] : []));
  const current = report ?? { run_id: id, checks: ended };
  const ids = report?.checks.map((check) => check.id) ?? start?.checks.map((check) => check.id) ?? [];
  const runs = listRuns(logDir);
  const upTo = runs.indexOf(id);
  const runIds = runs.slice(Math.max(0, upTo - options.history + 1), upTo + 1);
  const history = historyOf(
    runIds.map((runId) => (runId === id ? current : readReport(join(logDir, runId)))),
    runIds,
    ids,
  );
  let page: string | undefined;
  const state = report === undefined ? loadRunState(logDir, id) : undefined;
  // A run whose fanout died before its end is drawn as it was when its journal last heard of it, not as running now.
  const crashed = state !== undefined && runPhase(state) === 'crashed';
  const lastHeard = Math.max(0, ...events.map((event) => Date.parse(event.time)).filter(Number.isFinite));
  const html = createHtmlReporter({
    write: (text) => (page = text),
    history,
    configFile: state?.start?.config,
    logDir: join(logDir, id),
    ...(crashed ? { state: 'crashed' as const, now: () => lastHeard } : {}),
  });
  if (report !== undefined) void html.end?.(report);
  else for (const event of events) html.onEvent(event);
  page ??= html.page();
  const target = resolve(options.html);
  try {
    writeFileSync(target, page ?? '');
  } catch (error) {
    throw new UsageError(`--html: cannot write ${target}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
  }
  printErr(`fanout: wrote ${target} (run ${id}, ${report?.checks.length ?? ids.length} checks, ${runIds.length} runs of history)\n`);
  return 0;
}
