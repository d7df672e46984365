// The run journal: `<log-dir>/<run-id>/journal.ndjson`, the run's state as append-only JSON lines. Each record is
// one synchronous write(2) of one whole line, so a `kill -9` of fanout loses no record it wrote, and the file is
// flushed to disk (fdatasync) at each check's end, so an OS crash loses at most the last few milliseconds. A torn
// last line (power loss in the middle of a write) is ignored by the reader: the journal is valid up to its last
// full record.
import { closeSync, fdatasync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckStatus } from '../record.js';
import type { ReportCheck } from '../report.js';

export const JOURNAL_FILE = 'journal.ndjson';

export interface RunStartRecord {
  t: 'run:start';
  time: number;
  run_id: string;
  /** The fanout process running the checks (the supervisor of a background run) and its start time. */
  pid: number;
  pid_start: string | null;
  cwd: string;
  config: string;
  /** The command line, to say how to rerun it. */
  argv: string[];
  background: boolean;
  checks: Array<{ id: string; requires: string[]; async: boolean; severity: 'error' | 'warning' }>;
}
export interface CheckStartRecord {
  t: 'check:start';
  time: number;
  id: string;
  attempt: number;
  async: boolean;
  log_file: string | null;
}
/** An attempt's shell started here: its pid is the process group of the attempt's whole tree. */
export interface CheckSpawnRecord {
  t: 'check:spawn';
  time: number;
  id: string;
  attempt: number;
  pgid: number;
  /** The shell's start time (see processStartTime), so a reused pid is never taken for it. */
  pgid_start: string | null;
  log_file: string | null;
}
export interface CheckEndRecord {
  t: 'check:end';
  time: number;
  id: string;
  status: CheckStatus;
  check: ReportCheck;
}
export interface RunEndRecord {
  t: 'run:end';
  time: number;
  exit_code: number;
  interrupted: string | null;
}
/** Written by a later fanout that found this run dead with groups left behind, and killed them. */
export interface ReapedRecord {
  t: 'reaped';
  time: number;
  by_pid: number;
  groups: Array<{ id: string; pgid: number }>;
}
export type JournalRecord = RunStartRecord | CheckStartRecord | CheckSpawnRecord | CheckEndRecord | RunEndRecord | ReapedRecord;
/** A record before the journal stamps it with its time. */
export type JournalEntry = JournalRecord extends infer R ? (R extends JournalRecord ? Omit<R, 'time'> : never) : never;

/** An open journal; every method is synchronous and never throws (a full disk must not fail the checks). */
export interface Journal {
  readonly file: string;
  append(entry: JournalEntry, options?: { sync?: 'now' | 'background' }): void;
  close(): void;
  /** The first error a write met, if any. */
  readonly error: Error | undefined;
}

/**
 * Opens (creates, mode 0600) the journal of a run folder for appending.
 *
 * `sync: 'background'` (a check's end) starts an fdatasync on libuv's thread pool without waiting for it, and
 * coalesces the ones asked for meanwhile into one more: the record is already in the kernel (safe from a `kill -9`
 * of fanout), the disk catches up within milliseconds for an OS crash, and 200 quick checks do not wait for 200
 * disk flushes in turn. `sync: 'now'` (the run's end) flushes before returning.
 */
export function openJournal(runDir: string): Journal {
  const file = join(runDir, JOURNAL_FILE);
  let fd: number | undefined = openSync(file, 'a', 0o600);
  let error: Error | undefined;
  let syncing = false;
  let dirty = false;
  let closeWhenSynced = false;
  const finishClose = () => {
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // nothing more can be done for a journal whose disk went away
    }
    fd = undefined;
  };
  const backgroundSync = () => {
    if (fd === undefined) return;
    if (syncing) {
      dirty = true;
      return;
    }
    syncing = true;
    fdatasync(fd, (cause) => {
      if (cause) error ??= cause;
      syncing = false;
      if (dirty && !closeWhenSynced) {
        dirty = false;
        backgroundSync();
      } else if (closeWhenSynced) finishClose();
    });
  };
  return {
    file,
    get error() {
      return error;
    },
    append(entry, options) {
      if (fd === undefined || closeWhenSynced) return;
      // One line, one write(2): O_APPEND makes it land whole at the end, even with another writer (a reaper).
      const line = Buffer.from(`${JSON.stringify({ ...entry, time: Date.now() })}\n`);
      try {
        let written = 0;
        while (written < line.length) written += writeSync(fd, line, written);
        if (options?.sync === 'now') fdatasyncSync(fd);
        else if (options?.sync === 'background') backgroundSync();
      } catch (cause) {
        error ??= cause as Error;
      }
    },
    close() {
      // A flush still running on the thread pool owns the descriptor until it returns.
      if (syncing) closeWhenSynced = true;
      else finishClose();
    },
  };
}

/** Appends one record to another run's journal (the reaper's note). */
export function appendRecord(runDir: string, entry: JournalEntry): void {
  const journal = openJournal(runDir);
  journal.append(entry, { sync: 'now' });
  journal.close();
}

/** Parses journal text: every complete, valid line up to the first one that is not (a torn last write). */
export function parseJournal(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    const line = text.slice(start, end);
    if (line === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'string') break;
      records.push(value as JournalRecord);
    } catch {
      break;
    }
  }
  return records;
}

/** Reads a run folder's journal; undefined when it has none. */
export function readJournal(runDir: string): JournalRecord[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(runDir, JOURNAL_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return parseJournal(text);
}

/** What a journal says about one check of a run. */
export interface CheckState {
  async: boolean;
  severity: 'error' | 'warning';
  start?: CheckStartRecord;
  /** The last attempt's process group. */
  spawn?: CheckSpawnRecord;
  end?: CheckEndRecord;
}

/** What a journal says about a run. */
export interface RunState {
  runId: string;
  start: RunStartRecord | undefined;
  end: RunEndRecord | undefined;
  /** Per check: its last start and its end, in the order of run:start. */
  checks: Map<string, CheckState>;
  reaped: boolean;
}

export function runState(runId: string, records: readonly JournalRecord[]): RunState {
  const state: RunState = { runId, start: undefined, end: undefined, checks: new Map(), reaped: false };
  for (const record of records) {
    switch (record.t) {
      case 'run:start':
        state.start = record;
        for (const check of record.checks) state.checks.set(check.id, { async: check.async, severity: check.severity });
        break;
      case 'check:start': {
        const entry = state.checks.get(record.id);
        if (entry) entry.start = record;
        break;
      }
      case 'check:spawn': {
        const entry = state.checks.get(record.id);
        if (entry) entry.spawn = record;
        break;
      }
      case 'check:end': {
        const entry = state.checks.get(record.id);
        if (entry) entry.end = record;
        break;
      }
      case 'run:end':
        state.end = record;
        break;
      case 'reaped':
        state.reaped = true;
        break;
    }
  }
  return state;
}
