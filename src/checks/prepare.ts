// What issue 7 adds to `fanout check`: the run journal (with reaping of dead runs and pruning), `--resume`,
// `--changed`, `--async-threshold` / `--async-parallel`, `--keep-runs` and `--background`. check.ts calls these at
// a few points; everything else lives here.
import type { ResolvedCheck, ResolvedConfig } from '../config/types.js';
import { changedFiles, checksTouching } from './changed.js';
import { UsageError } from '../cli/errors.js';
import { openJournal, type Journal } from './state/journal.js';
import { bootId, processStartTime, spawnStartTime } from '../exec/processes.js';
import type { AgentCheckOptions } from '../cli/commands/runs.js';
import { KEEP_RUNS, isLive, loadRunState, pruneRuns, reapDeadRuns, resolveRun, type Reaped } from './state/runs.js';
import { launcherRunId, type RunLogs } from './state/logs.js';
import type { CheckRecord } from './record.js';
import { reportCheck, type Report } from './report.js';
import { ASYNC_TIMEOUT_THRESHOLD_MS, decideAsync, isAsync, type RunListener } from './session.js';
import { selectChecks, type Selected, type Selection } from './select.js';
import { jsonText, printErr } from '../cli/terminal.js';

export type { AgentCheckOptions } from '../cli/commands/runs.js';

/**
 * The checks of this run: the usual selection, narrowed by `--changed` (checks whose files match, plus what they
 * require) or replaced by `--resume` (the previous run's checks that did not pass; what passed there counts as
 * satisfied). Also fixes which checks are async under `--async-threshold`.
 */
export function selectForRun(config: ResolvedConfig, selection: Selection, options: AgentCheckOptions & { logDir: string }): Selected {
  let selected: Selected;
  if (options.resume !== undefined) {
    if (selection.ids.length > 0 || selection.only.length > 0 || selection.tags.length > 0) throw new UsageError('--resume reruns what the run ran: give no check ids, --only or --tags with it');
    selected = resumeSelection(config.checks, options.resume === true ? undefined : options.resume, options.logDir);
  } else if (options.changed !== undefined) {
    const base = selectChecks(config.checks, selection);
    const touched = new Set(checksTouching(base.checks, changedFiles(config.dir, options.changed === true ? 'HEAD' : options.changed), config.dir).map((c) => c.id));
    const ids = base.checks.filter((check) => touched.has(check.id)).map((check) => check.id);
    if (ids.length === 0) {
      printErr('fanout: no check has files: matching the changed files\n');
      selected = { checks: [], pulledIn: [] };
    } else {
      selected = selectChecks(config.checks, { ids, only: [], tags: [], excludeTags: [] });
    }
  } else {
    selected = selectChecks(config.checks, selection);
  }
  decideAsync(selected.checks, options.asyncThresholdMs === undefined ? ASYNC_TIMEOUT_THRESHOLD_MS : options.asyncThresholdMs);
  return selected;
}

function resumeSelection(all: readonly ResolvedCheck[], run: string | undefined, logDir: string): Selected {
  const { id } = resolveRun(logDir, run);
  const state = loadRunState(logDir, id);
  if (state?.start === undefined) throw new UsageError(`run ${id} has no journal to resume from`);
  if (isLive(state)) throw new UsageError(`run ${id} is still running (pid ${state.start.pid}): fanout wait ${id}, or fanout cancel ${id}`);
  const passed = new Set([...state.checks].filter(([, check]) => check.end?.status === 'passed').map(([checkId]) => checkId));
  const wanted = new Set([...state.checks.keys()].filter((checkId) => !passed.has(checkId)));
  const byId = new Set(all.map((check) => check.id));
  const gone = [...wanted].filter((checkId) => !byId.has(checkId));
  if (gone.length > 0) printErr(`fanout: note: no longer in the config, not rerun: ${gone.join(', ')}\n`);
  const checks = all
    .filter((check) => wanted.has(check.id))
    // What passed in the resumed run is satisfied; what that run did not select is not this run's business either.
    .map((check) => ({ ...check, requires: check.requires.filter((req) => wanted.has(req)) }));
  printErr(
    checks.length === 0
      ? `fanout: every check of run ${id} passed; nothing to resume\n`
      : `fanout: resuming run ${id}: ${checks.map((check) => check.id).join(', ')} (${passed.size} passed there)\n`,
  );
  return { checks, pulledIn: [] };
}

/** A value read from a journal (which anyone able to write the log folder may have planted), safe for a terminal. */
function shown(value: unknown): string {
  if (typeof value === 'number' || (typeof value === 'string' && /^[\w./:@-]+$/.test(value))) return String(value);
  // Quoted, every control character escaped (the value comes from a journal anyone could have written).
  return value === undefined ? 'undefined' : jsonText(value);
}

/**
 * Tells on stderr what the reaper of dead runs killed, and what it found running but left alone (it could not tell
 * it was the run's). Each run is reaped once, so each is told once.
 */
export function reportReaped(reaped: Reaped): void {
  for (const group of reaped.killed) printErr(`fanout: killed process group ${group.pgid} (${shown(group.id)}) left running by the dead run ${group.run}\n`);
  for (const left of reaped.refused) {
    const what = left.id === null ? `the processes of the dead run ${left.run}` : `process group ${shown(left.pgid)} (${shown(left.id)}) of the dead run ${left.run}`;
    printErr(`fanout: warning: left ${what} alone: ${left.reason}\n`);
  }
}

/** The journal of one run, as a listener of the run; `end()` writes the last record and closes it. */
export interface RunJournal extends RunListener {
  readonly journal: Journal;
  /** Writes the run's end (synced to disk) and closes the journal. */
  end(report: Report): void;
}

/**
 * Reaps what dead runs left behind, prunes the oldest runs, opens this run's journal and writes its start. Call after
 * the run folder exists and before anything runs.
 */
export async function startJournal(
  logs: RunLogs,
  context: { logDir: string; config: ResolvedConfig; checks: readonly ResolvedCheck[]; cwd: string; mask: (text: string) => string; keepRuns?: number | undefined },
): Promise<RunJournal> {
  reportReaped(await reapDeadRuns(context.logDir));
  const journal = openJournal(logs.dir);
  // Before the run, synchronously (see pruneRuns): the run folder of this run exists already, so what is pruned now is
  // what would be pruned after the run.
  pruneRuns(context.logDir, context.keepRuns ?? KEEP_RUNS, [logs.runId]);
  journal.append(
    {
      t: 'run:start',
      run_id: logs.runId,
      pid: process.pid,
      pid_start: processStartTime(process.pid),
      boot_id: bootId(),
      cwd: context.cwd,
      config: context.config.file,
      argv: process.argv.slice(2),
      background: launcherRunId() === logs.runId,
      checks: context.checks.map((check) => ({ id: check.id, requires: check.requires, async: isAsync(check), severity: check.severity })),
    },
  );
  const end = (record: CheckRecord) => {
    journal.append({ t: 'check:end', id: record.check.id, status: record.status, check: reportCheck(record, context.cwd, context.mask) }, { sync: 'background', defer: true });
  };
  return {
    journal,
    onCheckStart(record, attempt) {
      // Deferred: written with the spawn that follows in the same turn (or at its end, when the spawn fails).
      journal.append({ t: 'check:start', id: record.check.id, attempt, async: isAsync(record.check), log_file: record.logFile ?? null }, { defer: true });
    },
    onCheckSpawn(record, attempt, pid) {
      journal.append({ t: 'check:spawn', id: record.check.id, attempt, pgid: pid, pgid_start: spawnStartTime(pid), log_file: record.logFile ?? null });
    },
    onCheckEnd: end,
    end(report) {
      journal.append({ t: 'run:end', exit_code: report.exit_code, interrupted: report.interrupted }, { sync: 'now' });
      journal.close();
    },
  };
}
