// Per-run log folders: <log-dir>/<run-id>/<check>.log, and <log-dir>/latest pointing at the newest run.
import { lstatSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ownedByUser, readOwnFile, replaceFileSync } from '../../common/safe-file.js';
import { makeDirSync } from '../../common/make-dir.js';
import { randomBytes } from '../../common/random.js';
import { createRunFolder, runFolderProblem } from './run-folder.js';

/** @internal A new run id, `20261124T153412Z-3fa2`: sortable by time, unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

let launched: string | undefined;

/**
 * The run id a `fanout check --background` launcher handed to this process (its supervisor) in FANOUT_RUN_ID. Taken
 * out of the environment on first use, so the checks never inherit it (a fanout run inside a check gets its own id).
 */
export function launcherRunId(): string | undefined {
  const id = process.env.FANOUT_RUN_ID;
  if (id !== undefined) {
    delete process.env.FANOUT_RUN_ID;
    if (/^\d{8}T\d{6}Z-[0-9a-f]+$/.test(id)) launched = id;
  }
  return launched;
}

export interface RunLogs {
  runId: string;
  /** Absolute folder of this run's logs. */
  dir: string;
  /** Log file of a check's attempt: `<id>.log`, then `<id>.attempt-2.log`… for retries. */
  fileFor(id: string, attempt: number): string;
  /** Files of the log dir that could not be written (`latest` on a full disk...): the run goes on without them. */
  writeErrors: WriteError[];
}

/** A file of the run that could not be written, and why. */
export interface WriteError {
  file: string;
  error: string;
}

/** A {@link WriteError} of `file`. */
export function writeError(file: string, error: unknown): WriteError {
  return { file, error: error instanceof Error ? error.message : String(error) };
}

/**
 * Creates this run's folder (mode 0700, see createRunFolder; logs are 0600: outputs can hold secrets) and switches
 * `latest` to it atomically: a symlink made under a temporary name, then renamed over the old one, so a reader never
 * sees a missing or half-written pointer. Where symlinks are refused, `latest` is a file holding the run id. The
 * folder of a run id handed over by a `--background` launcher exists already: it is used only when it is a run
 * folder the launcher made for this user. Every step is a synchronous call: the run's first check waits for them all,
 * and a round trip through the thread pool per step (five or so) cost more than the steps on a busy machine.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- kept a promise for its callers: a failure rejects it
export async function createRunLogs(logDir: string, runId = launcherRunId() ?? newRunId()): Promise<RunLogs> {
  const root = resolve(logDir);
  const dir = join(root, runId);
  makeDirSync(root, 0o700);
  if (runId === launched) {
    const problem = runFolderProblem(dir);
    if (problem !== undefined) throw new Error(`${dir} is not the run folder fanout made for this run: ${problem}`);
  } else {
    createRunFolder(dir);
  }
  const writeErrors: WriteError[] = [];
  const temporary = join(root, `.latest-${process.pid}-${randomBytes(6).toString('hex')}`);
  let linked = false;
  try {
    symlinkSync(runId, temporary);
    linked = true;
    renameSync(temporary, join(root, 'latest'));
  } catch {
    if (linked) removeLink(temporary, runId);
    try {
      replaceFileSync(join(root, 'latest'), `${runId}\n`);
    } catch (error) {
      writeErrors.push(writeError(join(root, 'latest'), error));
    }
  }
  return {
    runId,
    dir,
    fileFor: (id, attempt) => join(dir, attempt <= 1 ? `${id}.log` : `${id}.attempt-${attempt}.log`),
    writeErrors,
  };
}

/** Removes the link made at `path` to `target`, unless something else took its place meanwhile. */
function removeLink(path: string, target: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() && ownedByUser(stat) && readlinkSync(path) === target) unlinkSync(path);
  } catch {
    // gone
  }
}

/** The folder `latest` points at, or undefined. */
async function latestDir(logDir: string): Promise<string | undefined> {
  const root = resolve(logDir);
  try {
    return join(root, await readlink(join(root, 'latest')));
  } catch {
    const id = (await readOwnFile(join(root, 'latest'), 4096))?.trim();
    return id ? join(root, id) : undefined;
  }
}

/**
 * Durations of the checks that passed in recent runs (each check's latest, from the report.json of the newest runs
 * first, up to {@link HISTORY_RUNS} of them), used as the scheduler's estimates: the longest remaining path then goes
 * first. Looking past the latest run keeps estimates for checks a `--changed`, `--resume` or hook run left out.
 * With `wanted` (the ids about to run), reading stops once each of them has an estimate: the report of a run of
 * many checks is large, and the usual case — the same checks as last time — then reads one.
 * Any problem just means fewer estimates.
 */
export async function previousDurations(logDir: string, wanted?: readonly string[]): Promise<Map<string, number>> {
  const durations = new Map<string, number>();
  const root = resolve(logDir);
  const latest = await latestDir(logDir);
  let names: string[] = [];
  try {
    names = (await readdir(root)).filter((name) => /^\d{8}T\d{6}Z-[0-9a-f]+$/.test(name)).sort().reverse();
  } catch {
    // no log dir yet
  }
  const dirs = [...new Set([...(latest === undefined ? [] : [latest]), ...names.map((name) => join(root, name))])].slice(0, HISTORY_RUNS);
  for (const dir of dirs) {
    if (wanted !== undefined && wanted.every((id) => durations.has(id))) break;
    try {
      const report = JSON.parse((await readOwnFile(join(dir, 'report.json'))) ?? 'null') as { checks?: unknown } | null;
      if (report === null) continue;
      if (!Array.isArray(report.checks)) continue;
      for (const check of report.checks as Array<Record<string, unknown>>) {
        if ((check.status === 'passed' || check.status === 'warned') && typeof check.id === 'string' && typeof check.duration_ms === 'number' && !durations.has(check.id)) {
          durations.set(check.id, check.duration_ms);
        }
      }
    } catch {
      // no report (a run going on, or killed), or an unreadable one
    }
  }
  return durations;
}

/** How many recent runs {@link previousDurations} reads. */
export const HISTORY_RUNS = 5;
