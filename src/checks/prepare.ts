// What a run does before its first check and around its events: the selection for `resume` and `changed`, the
// async decisions, the reaping of dead runs, and the run journal (which writes the run's events as they come).
import type { ResolvedCheck, ResolvedConfig } from '../config/types.js';
import { changedFiles, checksTouching } from './changed.js';
import { UsageError } from './errors.js';
import type { RunEvent, RunNote } from './events.js';
import { openJournal, type Journal } from './state/journal.js';
import { bootId, pidNamespace, processStartTime } from '../exec/processes.js';
import { KEEP_RUNS, isLive, loadRunState, pruneRuns, reapDeadRuns, resolveRun, runInOtherNamespace, unreadableJournal, type Reaped } from './state/runs.js';
import { launcherRunId, type RunLogs } from './state/logs.js';
import { decideAsync } from './session.js';
import { selectByTagsAsVibeguard, selectChecks, type Selected, type Selection } from './select.js';
import { jsonText } from '../common/text.js';

/** How a run chooses its checks beyond the usual selection. */
export interface RunSelectionOptions {
  /** Rerun what did not pass in this run (true: the latest). */
  resume?: string | true | undefined;
  /** Only the checks whose files match what git reports changed since this ref (true: HEAD). */
  changed?: string | true | undefined;
  /** With `changed`: the changed files (absolute), when the caller has asked git already. @default asked here */
  changedPaths?: readonly string[] | undefined;
  /** A check whose own `timeout:` is above this is async too; null: only `async: true` ones. @default null */
  asyncThresholdMs?: number | null | undefined;
  logDir: string;
}

/**
 * The checks of this run: the usual selection, narrowed by `changed` (checks whose files match, plus what they
 * require) or replaced by `resume` (the previous run's checks that did not pass; what passed there counts as
 * satisfied). Also fixes which checks are async under `asyncThresholdMs`. What it tells goes to `notes`.
 */
export function selectForRun(config: ResolvedConfig, selection: Selection, options: RunSelectionOptions, notes: RunNote[] = []): Selected {
  let selected: Selected;
  if (options.resume !== undefined) {
    if (selection.ids.length > 0 || selection.only.length > 0 || selection.tags.length > 0) throw new UsageError('--resume reruns what the run ran: give no check ids, --only or --tags with it');
    selected = resumeSelection(config.checks, options.resume === true ? undefined : options.resume, options.logDir, notes);
  } else if (options.changed !== undefined) {
    const base = selectChecks(config.checks, selection, notes);
    const touched = new Set(checksTouching(base.checks, options.changedPaths ?? changedFiles(config.dir, options.changed === true ? 'HEAD' : options.changed), config.dir).map((c) => c.id));
    const ids = base.checks.filter((check) => touched.has(check.id)).map((check) => check.id);
    if (ids.length === 0) {
      notes.push({ code: 'no-changed-match', message: 'no check has files: matching the changed files' });
      selected = { checks: [], pulledIn: [] };
    } else {
      selected = selectChecks(config.checks, { ids, only: [], tags: [], excludeTags: [] });
    }
  } else if (config.vibeguardCompat && selection.ids.length > 0 && selection.only.length === 0) {
    // VibeGuard's `check ID` runs that check alone, whatever it requires.
    selected = selectChecks(config.checks, { ...selection, ids: [], only: selection.ids }, notes);
  } else if (config.vibeguardCompat && selection.tags.length > 0) {
    // VibeGuard ignores a tag no check has (none known: nothing runs), silently, and pulls in no requirement.
    const tags = selection.tags.filter((tag) => config.checks.some((check) => check.tags.includes(tag)));
    selected = tags.length === 0 ? { checks: [], pulledIn: [] } : selectByTagsAsVibeguard(config.checks, tags, selection.excludeTags);
  } else {
    selected = selectChecks(config.checks, selection, notes);
  }
  decideAsync(selected.checks, options.asyncThresholdMs ?? null);
  return selected;
}

function resumeSelection(all: readonly ResolvedCheck[], run: string | undefined, logDir: string, notes: RunNote[]): Selected {
  const { id } = resolveRun(logDir, run);
  const state = loadRunState(logDir, id);
  if (state?.start === undefined) throw new UsageError(state === undefined ? `run ${id} has no journal to resume from` : `run ${id}: ${unreadableJournal(state)}; nothing to resume from`);
  if (isLive(state)) {
    // A run of another PID namespace counts as running: its pid means nothing here, so no pid is named as running.
    if (runInOtherNamespace(state)) {
      throw new UsageError(`run ${id} may still be running: its fanout (pid ${state.start.pid} there) runs in another PID namespace, where it cannot be checked from here; fanout wait ${id} there, or from here until it ends`);
    }
    throw new UsageError(`run ${id} is still running (pid ${state.start.pid}): fanout wait ${id}, or fanout cancel ${id}`);
  }
  const passed = new Set([...state.checks].filter(([, check]) => check.end?.status === 'passed').map(([checkId]) => checkId));
  const wanted = new Set([...state.checks.keys()].filter((checkId) => !passed.has(checkId)));
  const byId = new Set(all.map((check) => check.id));
  const gone = [...wanted].filter((checkId) => !byId.has(checkId));
  if (gone.length > 0) notes.push({ code: 'resume-gone', message: `note: no longer in the config, not rerun: ${gone.join(', ')}` });
  const checks = all
    .filter((check) => wanted.has(check.id))
    // What passed in the resumed run is satisfied; what that run did not select is not this run's business either.
    .map((check) => ({ ...check, requires: check.requires.filter((req) => wanted.has(req)) }));
  notes.push(
    checks.length === 0
      ? { code: 'nothing-to-resume', message: `every check of run ${id} passed; nothing to resume` }
      : { code: 'resume', message: `resuming run ${id}: ${checks.map((check) => check.id).join(', ')} (${passed.size} passed there)` },
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
 * What the reaper of dead runs killed, and what it found running but left alone (it could not tell it was the
 * run's), as notes. Each run is reaped once, so each is told once.
 */
export function reapedNotes(reaped: Reaped): RunNote[] {
  const notes: RunNote[] = [];
  for (const group of reaped.killed) notes.push({ code: 'reaped', message: `killed process group ${group.pgid} (${shown(group.id)}) left running by the dead run ${group.run}` });
  for (const left of reaped.refused) {
    const what = left.id === null ? `the processes of the dead run ${left.run}` : `process group ${shown(left.pgid)} (${shown(left.id)}) of the dead run ${left.run}`;
    notes.push({ code: 'reap-refused', message: `warning: left ${what} alone: ${left.reason}` });
  }
  return notes;
}

/** The journal of one run: writes each event of the run as it comes; `end()` closes it. */
export interface RunJournal {
  readonly journal: Journal;
  /** Writes one event (run:start with what only the journal needs: the process, its boot, the command line). */
  write(event: RunEvent): void;
  /** Closes the journal (after run:end). */
  close(): void;
  /**
   * Settles once the oldest runs beyond `keepRuns` are deleted (they are, on the thread pool, while the run goes on,
   * from its first spawn; asking for this starts them when no check spawned).
   */
  readonly pruned: Promise<unknown>;
}

/** What the journal's run:start adds to the event: what `status`, `cancel`, the reaper and `--resume` need. */
export interface JournalContext {
  logDir: string;
  config: ResolvedConfig;
  cwd: string;
  /** The command line, to say how to rerun it. @default [] */
  argv?: readonly string[] | undefined;
  keepRuns?: number | undefined;
}

/**
 * Reaps what dead runs left behind (told in `notes`), prunes the oldest runs, and opens this run's journal. Call
 * after the run folder exists and before anything runs.
 */
export async function startJournal(logs: RunLogs, context: JournalContext, notes: RunNote[]): Promise<RunJournal> {
  notes.push(...reapedNotes(await reapDeadRuns(context.logDir)));
  const journal = openJournal(logs.dir);
  // Chosen at the first spawn (or, without one, when asked): choosing reads every run folder of the log dir, which the
  // first check need not wait for. The run folder of this run exists already, so what is pruned then is what would be
  // pruned after the run; it is deleted while the run goes on.
  let pruning: Promise<unknown> | undefined;
  const prune = () => (pruning ??= pruneRuns(context.logDir, context.keepRuns ?? KEEP_RUNS, [logs.runId]));
  return {
    journal,
    get pruned() {
      return prune();
    },
    write(event) {
      switch (event.type) {
        case 'run:start':
          journal.append({
            ...event,
            pid: process.pid,
            pid_start: processStartTime(process.pid),
            boot_id: bootId(),
            pid_ns: pidNamespace(),
            cwd: context.cwd,
            config: context.config.file,
            argv: [...(context.argv ?? [])],
            background: launcherRunId() === logs.runId,
          });
          break;
        // Deferred: written with the spawn that follows in the same turn (or at its end, when the spawn fails).
        case 'check:start':
        case 'check:retry':
          journal.append(event, { defer: true });
          break;
        case 'check:spawn':
          journal.append(event);
          void prune(); // never rejects: housekeeping
          break;
        case 'check:end':
          journal.append(event, { sync: 'background', defer: true });
          break;
        case 'run:end':
          journal.append(event, { sync: 'now' });
          break;
      }
    },
    close() {
      journal.close();
    },
  };
}
