// Following a run through its journal: polling (20 ms), woken early by fs.watch on the run's folder where it works
// (it is unreliable on network and container file systems, so the poll stays). A journal is small; reading it whole
// is cheap.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { blocksRun, isLive, loadRunState, unreadableJournal, UsageError, type ReportCheck, type RunState } from '../../checks/index.js';

export const POLL_MS = 20;

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The journal's state now (undefined before the run wrote its first record). A journal from which no run can be read
 * (planted, or damaged: see unreadableJournal) is a usage error naming the line and why, in every command: nothing
 * is waited for, signalled or shown from it.
 */
export function stateOf(logDir: string, runId: string): RunState | undefined {
  const state = loadRunState(logDir, runId);
  const unreadable = state === undefined ? undefined : unreadableJournal(state);
  if (unreadable !== undefined) throw new UsageError(`run ${runId}: ${unreadable}`);
  return state;
}

/**
 * Polls until `done(state)` is true or the run is over (ended, or its fanout died). Resolves with the last state,
 * or undefined when the run never wrote a journal and `gone()` says its process is gone.
 */
export async function follow(
  logDir: string,
  runId: string,
  done: (state: RunState) => boolean,
  options: { gone?: () => boolean; deadline?: number; onState?: (state: RunState) => void } = {},
): Promise<{ state: RunState | undefined; timedOut: boolean }> {
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(join(logDir, runId), { persistent: false }, () => wake?.());
    watcher.on('error', () => watcher?.close());
  } catch {
    // No folder yet, or no fs.watch here: the poll alone.
  }
  try {
    return await poll(logDir, runId, done, options, (ms) => new Promise<void>((woken) => {
      const timer = setTimeout(woken, ms);
      wake = () => {
        clearTimeout(timer);
        woken();
      };
    }));
  } finally {
    watcher?.close();
  }
}

async function poll(
  logDir: string,
  runId: string,
  done: (state: RunState) => boolean,
  options: { gone?: () => boolean; deadline?: number; onState?: (state: RunState) => void },
  pause: (ms: number) => Promise<void>,
): Promise<{ state: RunState | undefined; timedOut: boolean }> {
  for (;;) {
    const state = stateOf(logDir, runId);
    if (state !== undefined) {
      options.onState?.(state);
      if (done(state) || state.end !== undefined) return { state, timedOut: false };
      if (state.start !== undefined && !isLive(state)) {
        // Its fanout writes the end before it exits: read once more, or an end written between the read above and
        // the look at its process would be missed (and a cancelled run taken for a dead one).
        const last = stateOf(logDir, runId) ?? state;
        options.onState?.(last);
        return { state: last, timedOut: false };
      }
    } else if (options.gone?.() === true) {
      return { state: undefined, timedOut: false };
    }
    if (options.deadline !== undefined && performance.now() >= options.deadline) return { state, timedOut: true };
    await pause(POLL_MS);
  }
}

/** The report entry of a check that has not ended: `pending`, for reports written while a run goes on. */
export function pendingCheck(id: string, severity: 'error' | 'warning', logFile: string | null): ReportCheck {
  return {
    id,
    status: 'pending',
    severity,
    tags: [],
    requires: [],
    command: '',
    exit_code: null,
    signal: null,
    duration_ms: 0,
    attempts: 0,
    passed_after_retry: false,
    reason: null,
    reason_code: null,
    extracted: {},
    suggestion: null,
    fix: null,
    output_tail: [],
    output_bytes: 0,
    log_file: logFile,
    skip_reason: null,
    started_at: null,
    ended_at: null,
    triggered_prompts: [],
  };
}

/** Whether a reported check makes a run fail (as isBlocking does for records). */
export function blocks(check: Pick<ReportCheck, 'status' | 'severity'>): boolean {
  return blocksRun(check);
}
