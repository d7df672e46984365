// The run folders of a log dir: naming a run (`latest`, an id, a unique prefix), keeping the last N, and reaping the
// process groups a killed run left behind.
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeOwnFolder } from '../../exec/safe-file.js';
import { UsageError } from '../errors.js';
import { isRunFolder } from '../run-folder.js';
import { appendRecord, readJournal, runState, type RunState } from './journal.js';
import { groupRunning, isSameProcess, isSpawnStart, processStartTime } from './proc.js';

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]+$/;

/** Default number of run folders kept (`--keep-runs`). */
export const KEEP_RUNS = 20;

/** When a run started: its journal's first record, else its folder's change time (runs of the same second). */
function startedAt(root: string, id: string): number {
  try {
    const fd = openSync(join(root, id, 'journal.ndjson'), 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
      const match = /"time":(\d+)/.exec(text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')));
      if (match) return Number(match[1]);
    } finally {
      closeSync(fd);
    }
  } catch {
    // no journal
  }
  try {
    return statSync(join(root, id)).ctimeMs;
  } catch {
    return 0;
  }
}

/** Run ids of a log dir, in no particular order. */
function runIds(logDir: string): string[] {
  try {
    return readdirSync(resolve(logDir)).filter((name) => RUN_ID.test(name));
  } catch {
    return [];
  }
}

/** Run ids of a log dir, oldest first (ids sort by their second; runs of the same second by their start). */
export function listRuns(logDir: string): string[] {
  const root = resolve(logDir);
  const names = runIds(logDir);
  const second = (id: string) => id.slice(0, id.indexOf('-'));
  const starts = new Map<string, number>();
  const start = (id: string) => {
    let value = starts.get(id);
    if (value === undefined) starts.set(id, (value = startedAt(root, id)));
    return value;
  };
  return names.sort((a, b) => (second(a) === second(b) ? start(a) - start(b) || (a < b ? -1 : 1) : second(a) < second(b) ? -1 : 1));
}

/** The id `latest` points at, or undefined. */
export function latestRun(logDir: string): string | undefined {
  const link = join(resolve(logDir), 'latest');
  try {
    return readlinkSync(link).replace(/\/+$/, '').split('/').pop();
  } catch {
    try {
      return readFileSync(link, 'utf8').trim() || undefined;
    } catch {
      return listRuns(logDir).at(-1);
    }
  }
}

/** Resolves a RUN argument (undefined or `latest`: the latest run; else an id or a unique prefix of one). */
export function resolveRun(logDir: string, run: string | undefined): { id: string; dir: string } {
  const root = resolve(logDir);
  if (run === undefined || run === 'latest') {
    const id = latestRun(logDir);
    if (id === undefined) throw new UsageError(`no run in ${root} yet`);
    return { id, dir: join(root, id) };
  }
  const runs = listRuns(logDir);
  if (runs.includes(run)) return { id: run, dir: join(root, run) };
  const matches = runs.filter((id) => id.startsWith(run) || id.endsWith(run));
  if (matches.length === 1) return { id: matches[0] as string, dir: join(root, matches[0] as string) };
  if (matches.length > 1) throw new UsageError(`run "${run}" is ambiguous: ${matches.slice(-5).join(', ')}`);
  throw new UsageError(`no run "${run}" in ${root}${runs.length > 0 ? ` (latest: ${runs.at(-1)})` : ''}`);
}

/** The state of a run from its journal (undefined when it has none: a run of an older fanout). */
export function loadRunState(logDir: string, id: string): RunState | undefined {
  const records = readJournal(join(resolve(logDir), id));
  return records === undefined ? undefined : runState(id, records);
}

/** Whether the process that ran this run is still running it. */
export function isLive(state: RunState): boolean {
  return state.end === undefined && state.start !== undefined && isSameProcess(state.start.pid, state.start.pid_start);
}

/** live: still running; ended: it wrote its end; crashed: its process died first. */
export function runPhase(state: RunState): 'live' | 'ended' | 'crashed' {
  if (state.end !== undefined) return 'ended';
  return isLive(state) ? 'live' : 'crashed';
}

/** Groups a check of a dead run may have left: started, never ended, the group still there and still the same one. */
function leftovers(state: RunState): Array<{ id: string; pgid: number }> {
  const groups: Array<{ id: string; pgid: number }> = [];
  for (const [id, check] of state.checks) {
    const pgid = check.spawn?.pgid;
    if (check.end !== undefined || pgid === undefined || !groupRunning(pgid)) continue;
    // The pid of a group leader cannot be reused while its group has members; when the leader is still there it
    // must be the very shell that was recorded (its start time was estimated at the spawn: see spawnStartTime).
    const leader = processStartTime(pgid);
    const recorded = check.spawn?.pgid_start ?? null;
    if (leader !== null && recorded !== null && !isSpawnStart(leader, recorded)) continue;
    groups.push({ id, pgid });
  }
  return groups;
}

/** Whether a journal's last record is the run's end or a reaper's note (read from the file's last 4 KiB). */
function isSettled(runDir: string): boolean {
  try {
    const fd = openSync(join(runDir, 'journal.ndjson'), 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      const last = lines.at(-1) === '' ? lines.at(-2) : undefined;
      return last !== undefined && /^\{"t":"(?:run:end|reaped)"/.test(last);
    } finally {
      closeSync(fd);
    }
  } catch {
    return true; // no journal: nothing to reap
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * SIGTERM to each group, SIGKILL after `graceMs` to those still running (never to one that is gone: its id may be
 * someone else's by then); resolves when they are gone (or SIGKILLed).
 */
export async function killGroups(pgids: readonly number[], graceMs = 2000): Promise<void> {
  const send = (groups: readonly number[], signal: NodeJS.Signals) => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, signal);
      } catch {
        // gone
      }
    }
  };
  send(pgids, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  // A group seen gone is dropped for good: by the end of the grace its id may be someone else's.
  let running = pgids.filter(groupRunning);
  while (running.length > 0 && performance.now() < deadline) {
    await sleep(20);
    running = running.filter(groupRunning);
  }
  send(running, 'SIGKILL');
}

/**
 * Reaps the runs of this log dir that died without ending (fanout was `kill -9`ed, the machine lost power): their
 * checks' process groups still alive are terminated (SIGTERM, then SIGKILL), and a `reaped` record marks the run as
 * handled. Runs whose fanout is still alive (a concurrent run) are never touched. Returns what was killed.
 */
export async function reapDeadRuns(logDir: string, graceMs = 2000): Promise<Array<{ run: string; id: string; pgid: number }>> {
  const killed: Array<{ run: string; id: string; pgid: number }> = [];
  const root = resolve(logDir);
  // Order does not matter here: no run's journal is opened to sort them (runs of the same second would need it).
  for (const run of runIds(logDir)) {
    // Most runs ended, or were reaped already: their last record says so, and the rest of the journal (which can be
    // large) need not be read at every start.
    if (isSettled(join(root, run))) continue;
    // A journal fanout did not write for this user (a link named like a run, someone else's folder) names no process
    // to signal.
    if (!isRunFolder(join(root, run))) continue;
    const state = loadRunState(logDir, run);
    if (state === undefined || state.end !== undefined || state.reaped || state.start === undefined || isLive(state)) continue;
    const groups = leftovers(state);
    if (groups.length > 0) await killGroups(groups.map((g) => g.pgid), graceMs);
    appendRecord(join(resolve(logDir), run), { t: 'reaped', by_pid: process.pid, groups });
    killed.push(...groups.map((g) => ({ run, ...g })));
  }
  return killed;
}

/**
 * The run folders {@link pruneRuns} deletes: the oldest beyond `keep`, never a live run nor the one `latest` points
 * at, nor those in `except`. Only run folders fanout made for this user count (see runFolderProblem): an entry of the
 * log dir named like a run that is a link, another user's folder, or a folder without the marker is never deleted.
 */
export function prunableRuns(logDir: string, keep: number, except: readonly string[] = []): string[] {
  const root = resolve(logDir);
  const runs = listRuns(logDir).filter((run) => isRunFolder(join(root, run)));
  const latest = latestRun(logDir);
  const prunable: string[] = [];
  for (const run of runs.slice(0, Math.max(0, runs.length - keep))) {
    if (run === latest || except.includes(run)) continue;
    // A run whose journal ends with its end (the usual case) is not live; only the others need the whole journal.
    if (!isSettled(join(root, run))) {
      const state = loadRunState(logDir, run);
      if (state !== undefined && isLive(state)) continue;
    }
    prunable.push(run);
  }
  return prunable;
}

/**
 * Deletes the oldest run folders beyond `keep` (see {@link prunableRuns}); returns the runs removed, and never
 * throws: pruning is housekeeping. Synchronous, on purpose: unlinking a run's few hundred log files takes a
 * millisecond or two (~5 µs each), less than the completions of as many thread-pool unlinks would cost a run whose
 * main thread is busy spawning, and nothing is left half done when the process ends abruptly. Nothing is followed:
 * a link inside a run folder is removed as a link, and a folder inside that is not this user's stops the removal.
 */
export function pruneRuns(logDir: string, keep: number, except: readonly string[] = []): string[] {
  let runs: string[];
  try {
    runs = prunableRuns(logDir, keep, except);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const run of runs) {
    try {
      removeOwnFolder(join(resolve(logDir), run));
    } catch {
      continue; // housekeeping only
    }
    removed.push(run);
  }
  return removed;
}
