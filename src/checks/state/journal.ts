// The run journal: `<log-dir>/<run-id>/journal.ndjson`, the run's events (the objects `--stream` prints, see
// events.ts) as append-only JSON lines, with what only the journal needs (the process and boot of run:start, a
// reaper's `reaped` record). The reader also reads journals of the earlier shape (a `t` key, a numeric time). Records are
// written with synchronous write(2)s of whole lines, so a `kill -9` of fanout loses no record it wrote (a record
// may wait until the code running now has finished, see `defer`; a spawn never waits), and the file is
// flushed to disk (fdatasync) within 100 ms of each check's end, so an OS crash loses at most those. A torn
// last line (power loss in the middle of a write) is ignored by the reader: the journal is valid up to its last
// full record.
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, openSync, writeSync } from 'node:fs';
import { O_NOFOLLOW, O_NONBLOCK, privateFolderProblem, readOwnFileSync } from '../../common/safe-file.js';
import { join, resolve } from 'node:path';
import { STATUSES, type CheckStatus } from '../record.js';
import type { ReportCheck } from '../report.js';
import type { CheckRetryEvent, RunEvent, RunReport, RunStartEvent } from '../events.js';

export const JOURNAL_FILE = 'journal.ndjson';
// O_NONBLOCK: a FIFO planted at a journal's name fails the open (no reader) instead of blocking it; on a regular file it
// changes nothing.
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW | O_NONBLOCK;

// The records as the reader gives them: every shape read normalised to these (`t`, the time in epoch milliseconds).

export interface RunStartRecord {
  t: 'run:start';
  time: number;
  run_id: string;
  /** The fanout process running the checks (the supervisor of a background run) and its start time. */
  pid: number;
  pid_start: string | null;
  /**
   * The machine's boot (see bootId): pids and start times mean something only during the boot that wrote them.
   * Absent in journals of older versions, null where it could not be read; such a run's groups are never signalled.
   */
  boot_id?: string | null;
  /**
   * The PID namespace `pid` is a pid of (see pidNamespace): a run of another one (a container sharing the log dir)
   * cannot be checked from here. Absent in journals of older versions (taken as of this namespace, as they were); null
   * where none could be read.
   */
  pid_ns?: number | null;
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
  /** The shell's start time, estimated at the spawn (see spawnStartTime), so a reused pid is never taken for it. */
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
  /** The run's report (absent in journals of the earlier shape). */
  report?: RunReport;
}
/** Written by a later fanout that found this run dead with groups left behind, and killed them. */
export interface ReapedRecord {
  t: 'reaped';
  time: number;
  by_pid: number;
  groups: Array<{ id: string; pgid: number }>;
  /** What it found running but left alone, as it could not tell it was the run's (reported once, by that fanout). */
  refused?: Array<{ id: string | null; pgid: unknown; reason: string }>;
}
export type JournalRecord = RunStartRecord | CheckStartRecord | CheckSpawnRecord | CheckEndRecord | RunEndRecord | ReapedRecord;

/** What run:start adds to the event in the journal. */
export type JournalRunStart = RunStartEvent & Omit<RunStartRecord, 't' | 'time' | 'run_id' | 'checks'>;
/**
 * A reaper's note in another run's journal: no event of that run, so it keeps the record shape (`t`, epoch ms) that
 * journals of every version hold.
 */
export type JournalReaped = ReapedRecord;
/** What the journal writes: the run's events, run:start with what the journal adds, and reapers' notes. */
export type JournalEntry = Exclude<RunEvent, RunStartEvent> | JournalRunStart | JournalReaped;

/**
 * An open journal; opening it and every method never throw (a full disk must not fail the checks): what could not be
 * written is in `error`.
 */
export interface Journal {
  readonly file: string;
  /**
   * Writes a record. `defer: true` queues it for the next write (or until the code running now has finished), so the
   * records of one moment — a check's end, the next one's start and spawn — cost one write(2).
   */
  append(entry: JournalEntry, options?: { sync?: 'now' | 'background'; defer?: boolean }): void;
  close(): void;
  /** The first error a write met, if any. */
  readonly error: Error | undefined;
}

/**
 * How long a check's end may wait for the disk flush that makes it survive an OS crash. Flushes asked for within
 * this window share one fdatasync, so 200 quick checks cost a few flushes, not 200.
 */
export const JOURNAL_SYNC_DELAY_MS = 100;

/**
 * Opens (creates, mode 0600) the journal of a run folder for appending.
 *
 * A record is written at once (one write(2)), or with `defer` together with the next one or once the code running
 * now has finished (a microtask): a `kill -9` of fanout loses none it wrote. `sync: 'background'`
 * (a check's end) also asks for an fdatasync on libuv's thread pool within {@link JOURNAL_SYNC_DELAY_MS}, without
 * waiting for it; the requests of that window share one flush. So an OS crash or a power loss loses at most the
 * last ~100 ms of check ends (`--resume` then reruns those checks), and a run of many quick checks does not make
 * the disk flush once per check. `sync: 'now'` (the run's end) flushes before returning.
 */
export function openJournal(runDir: string, options: { syncDelayMs?: number } = {}): Journal {
  const file = join(runDir, JOURNAL_FILE);
  const syncDelayMs = options.syncDelayMs ?? JOURNAL_SYNC_DELAY_MS;
  let error: Error | undefined;
  let fd: number | undefined;
  try {
    // Never through a link planted at the journal's name (the reaper appends to other runs' journals).
    fd = openSync(file, JOURNAL_FLAGS, 0o600);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      fd = undefined;
      throw new Error(`${file} is not a regular file`);
    }
  } catch (cause) {
    error = cause as Error; // a journal that cannot be opened (a full disk...) does not stop the run: see `error`
  }
  /** A flush is running on the thread pool (it owns the descriptor until it returns). */
  let syncing = false;
  /** A flush is due: its timer runs, or it waits for the running one. */
  let due: NodeJS.Timeout | undefined;
  let dirty = false;
  let closeWhenSynced = false;
  const finishClose = () => {
    clearTimeout(due);
    due = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // nothing more can be done for a journal whose disk went away
    }
    fd = undefined;
  };
  const flush = () => {
    due = undefined;
    if (fd === undefined || closeWhenSynced) return;
    if (syncing) {
      dirty = true;
      return;
    }
    syncing = true;
    fdatasync(fd, (cause) => {
      if (cause) error ??= cause;
      syncing = false;
      if (closeWhenSynced) finishClose();
      else if (dirty) {
        dirty = false;
        backgroundSync();
      }
    });
  };
  const backgroundSync = () => {
    if (fd === undefined || due !== undefined) return;
    if (syncing) {
      dirty = true;
      return;
    }
    // Unref'd: a pending flush never keeps fanout alive; the run's end flushes synchronously anyway.
    due = setTimeout(flush, syncDelayMs);
    due.unref();
  };
  /**
   * Deferred records, written with the next record or in a microtask: once the code running now has finished. A
   * check's end and the next check's start and spawn happen in one run of code (the scheduler starts the next task
   * as it settles the last), so they share one write(2), and nothing waits for a later turn of the event loop.
   */
  let queued = '';
  let flushScheduled = false;
  const write = (text: string) => {
    if (fd === undefined) return;
    // One write(2) of whole lines: O_APPEND makes them land whole at the end, even with another writer (a reaper).
    // The string goes to write(2) as it is (no Buffer made per record); a short write, which a regular file only does
    // when the disk fills, is completed from the bytes not yet written.
    const written = writeSync(fd, text);
    const bytes = Buffer.byteLength(text);
    if (written < bytes) {
      const rest = Buffer.from(text);
      for (let at = written; at < bytes; ) at += writeSync(fd, rest, at);
    }
  };
  const flushQueued = () => {
    flushScheduled = false;
    if (queued === '' || fd === undefined) return;
    const text = queued;
    queued = '';
    try {
      write(text);
    } catch (cause) {
      error ??= cause as Error;
    }
  };
  return {
    file,
    get error() {
      return error;
    },
    append(entry, options) {
      if (fd === undefined || closeWhenSynced) return;
      const line = `${serialize(entry)}\n`;
      if (options?.defer === true && options.sync !== 'now') {
        queued += line;
        if (!flushScheduled) {
          flushScheduled = true;
          queueMicrotask(flushQueued);
        }
        if (options.sync === 'background') backgroundSync(); // due long after the queue is written
        return;
      }
      const text = queued + line;
      queued = '';
      try {
        write(text);
        if (options?.sync === 'now') {
          clearTimeout(due); // this flush covers the one that was due
          due = undefined;
          fdatasyncSync(fd);
        } else if (options?.sync === 'background') backgroundSync();
      } catch (cause) {
        error ??= cause as Error;
      }
    },
    close() {
      flushQueued();
      clearTimeout(due);
      due = undefined;
      // A flush still running on the thread pool owns the descriptor until it returns.
      if (syncing) closeWhenSynced = true;
      else finishClose();
    },
  };
}

const text = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

/**
 * A record as JSON: what `JSON.stringify(entry)` gives for the events of run.ts, whose keys come in this order. The
 * records of every check (its start, its spawn, its end) are written by hand: a run of many quick checks spends a good
 * part of its bookkeeping in generic serialisation otherwise (fanout's code runs a few hundred times per run).
 */
export function serialize(entry: JournalEntry): string {
  if ('t' in entry) return JSON.stringify(entry);
  // Only the usual values are written by hand; anything else (an attempt that is not an integer...) goes the generic
  // way below: JSON never says NaN.
  switch (entry.type) {
    case 'check:start':
      if (Number.isSafeInteger(entry.attempt) && typeof entry.async === 'boolean') {
        return `{"type":"check:start","time":${text(entry.time)},"id":${text(entry.id)},"attempt":${entry.attempt},"async":${entry.async},"status":${text(entry.status)},"log_file":${text(entry.log_file)}}`;
      }
      break;
    case 'check:spawn':
      if (Number.isSafeInteger(entry.attempt) && Number.isSafeInteger(entry.pgid)) {
        return `{"type":"check:spawn","time":${text(entry.time)},"id":${text(entry.id)},"attempt":${entry.attempt},"pgid":${entry.pgid},"pgid_start":${text(entry.pgid_start)},"log_file":${text(entry.log_file)}}`;
      }
      break;
    case 'check:end':
      return `{"type":"check:end","time":${text(entry.time)},"id":${text(entry.id)},"status":${text(entry.status)},"check":${JSON.stringify(entry.check)}}`;
  }
  return JSON.stringify(entry);
}

/**
 * Appends one record to another run's journal (the reaper's note); only in a real folder of this user that others
 * cannot write to (a link named like a run, or someone else's folder, is not written through).
 */
export function appendRecord(runDir: string, entry: JournalEntry): void {
  if (privateFolderProblem(runDir) !== undefined) return;
  const journal = openJournal(runDir);
  journal.append(entry, { sync: 'now' });
  journal.close();
}

/**
 * Why a journal was read only up to a line: a complete line (not a torn last one) that is no record fanout writes —
 * not JSON, or a record whose fields do not have the types fanout writes. The journal is append-only, written in whole
 * lines: from that line on it was damaged or written by someone else, and it is read as if it ended there.
 */
export interface JournalProblem {
  /** The line, from 1. */
  line: number;
  /** What is wrong with it, e.g. `run:start: checks is not an array`. */
  reason: string;
}

/** A journal's records, and why its reading stopped before its last complete line, if it did. */
export interface ParsedJournal {
  records: JournalRecord[];
  problem: JournalProblem | undefined;
}

/**
 * Parses journal text: every complete, valid line up to the first one that is not (a torn last write, or a line
 * that is no record fanout writes, see {@link parseJournalText}). Records of either shape — events (`type`, an ISO
 * time) or the earlier records (`t`, epoch milliseconds) — come out as the latter.
 */
export function parseJournal(text: string): JournalRecord[] {
  return parseJournalText(text).records;
}

/**
 * Parses journal text as {@link parseJournal} does, and says where and why it stopped when a complete line is no
 * record: not JSON, of neither shape, or a record whose fields do not have the types fanout writes (each record is
 * checked before any reader uses it: a planted journal is hostile input). A torn last line (no newline after it) is no problem: it is what a power loss leaves.
 */
export function parseJournalText(text: string): ParsedJournal {
  const records: JournalRecord[] = [];
  let start = 0;
  let line = 0;
  for (let end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    line++;
    const raw = text.slice(start, end);
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { records, problem: { line, reason: 'not JSON' } };
    }
    const record = normalised(value);
    if (record === undefined) return { records, problem: { line, reason: 'a line with neither `type` nor `t`' } };
    const reason = recordProblem(record);
    if (reason !== undefined) return { records, problem: { line, reason } };
    records.push(record);
  }
  return { records, problem: undefined };
}

/** A parsed line as the reader's record, or undefined when it is neither shape. */
function normalised(value: unknown): JournalRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as { t?: unknown; type?: unknown; time?: unknown; interrupted?: unknown; report?: { interrupted?: unknown } };
  if (typeof fields.t === 'string') return value as JournalRecord;
  if (typeof fields.type !== 'string') return undefined;
  const { type, ...rest } = fields;
  const time = typeof fields.time === 'string' ? Date.parse(fields.time) : fields.time;
  const record: Record<string, unknown> = { t: type, ...rest, time };
  // run:end carries the report: its `interrupted` is the run's.
  if (type === 'run:end' && record.interrupted === undefined) record.interrupted = typeof fields.report?.interrupted === 'string' ? fields.report.interrupted : null;
  return record as unknown as JournalRecord;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown): boolean => value === null || typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const MAX_DATE_MS = 8.64e15;
/** Epoch milliseconds a Date can hold (±8.64e15): readers turn a record's time into one, and its ISO text. */
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS;
const isTimeTextOrNull = (value: unknown): boolean => value === null || (isString(value) && isTime(Date.parse(value)));

/** A check of run:start: its id, requirements, async and severity. */
function checkEntryProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not an object';
  if (!isString(value.id)) return 'has no string id';
  if (!isStrings(value.requires)) return `${JSON.stringify(value.id)}: requires is not an array of strings`;
  if (typeof value.async !== 'boolean') return `${JSON.stringify(value.id)}: async is not a boolean`;
  if (value.severity !== 'error' && value.severity !== 'warning') return `${JSON.stringify(value.id)}: severity is neither "error" nor "warning"`;
  return undefined;
}

/**
 * A check as fanout reports it (check:end's `check`, each of run:end's `report.checks`): the fields every writer
 * writes and readers use without looking (its id, status, requirements, duration and times, its log and reason).
 */
function reportCheckProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not an object';
  if (!isString(value.id)) return 'has no string id';
  const named = (problem: string) => `${JSON.stringify(value.id)}: ${problem}`;
  if (!STATUSES.includes(value.status as CheckStatus)) return named('status is not a check status');
  if (value.severity !== 'error' && value.severity !== 'warning') return named('severity is neither error nor warning');
  if (!isCount(value.attempts)) return named('attempts is not a count');
  if (!isStrings(value.requires)) return named('requires is not an array of strings');
  if (typeof value.duration_ms !== 'number' || !Number.isFinite(value.duration_ms)) return named('duration_ms is not a number');
  if (!isStringOrNull(value.log_file)) return named('log_file is not a string or null');
  if (!isStringOrNull(value.reason)) return named('reason is not a string or null');
  if (!isTimeTextOrNull(value.started_at)) return named('started_at is not a time or null');
  if (!isTimeTextOrNull(value.ended_at)) return named('ended_at is not a time or null');
  return undefined;
}

/**
 * @internal What is wrong with a run's report (run:end's `report`, or a run folder's report.json, which readers take
 * before the journal), if anything: the fields the readers that draw it use without looking. The problem starts with a
 * space or a dot, to follow the name of what was read.
 */
export function runReportProblem(report: unknown): string | undefined {
  if (!isObject(report)) return ' is not an object';
  if (!isString(report.run_id)) return '.run_id is not a string';
  if (!isString(report.config_file)) return '.config_file is not a string';
  if (!isTimeTextOrNull(report.started_at) || report.started_at === null) return '.started_at is not a time';
  if (typeof report.duration_ms !== 'number' || !Number.isFinite(report.duration_ms)) return '.duration_ms is not a number';
  if (!Number.isSafeInteger(report.exit_code)) return '.exit_code is not an integer';
  if (!isStringOrNull(report.interrupted)) return '.interrupted is not a string or null';
  if (!isObject(report.counts)) return '.counts is not an object';
  if (!Array.isArray(report.checks)) return '.checks is not an array';
  for (const [index, check] of report.checks.entries()) {
    const problem = reportCheckProblem(check);
    if (problem !== undefined) return ` check ${index + 1} ${problem}`;
  }
  return undefined;
}

/**
 * What is wrong with a record of a kind the readers use, if anything: each field they read must have the type fanout
 * writes. Fields whose readers check them where they use them (a pid or process group looked up, which a bad id never
 * names; the PID namespace and boot, which prove nothing when odd) are left to those checks. A kind of record this
 * version does not know (a later fanout's) is kept: every reader skips it.
 */
function recordProblem(record: JournalRecord): string | undefined {
  const fields = record as unknown as Record<string, unknown>;
  const kind: string = record.t;
  const wrong = (field: string, expected: string) => `${kind}: ${field} is not ${expected}`;
  if (!isTime(fields.time)) return wrong('time', 'a time');
  switch (kind) {
    case 'run:start': {
      if (!isString(fields.run_id)) return wrong('run_id', 'a string');
      if (!Number.isSafeInteger(fields.pid)) return wrong('pid', 'an integer');
      if (!isString(fields.cwd)) return wrong('cwd', 'a string');
      if (!isString(fields.config)) return wrong('config', 'a string');
      if (!isStrings(fields.argv)) return wrong('argv', 'an array of strings');
      if (typeof fields.background !== 'boolean') return wrong('background', 'a boolean');
      if (!Array.isArray(fields.checks)) return wrong('checks', 'an array');
      for (const [index, check] of fields.checks.entries()) {
        const problem = checkEntryProblem(check);
        if (problem !== undefined) return `run:start: check ${index + 1} ${problem}`;
      }
      return undefined;
    }
    case 'check:start':
    case 'check:spawn':
    case 'check:retry':
      if (!isString(fields.id)) return wrong('id', 'a string');
      if (!isCount(fields.attempt)) return wrong('attempt', 'a count');
      if (kind === 'check:start' && typeof fields.async !== 'boolean') return wrong('async', 'a boolean');
      if (kind === 'check:retry' && !isObject(fields.previous)) return wrong('previous', 'an object');
      if (kind !== 'check:retry' && !isStringOrNull(fields.log_file)) return wrong('log_file', 'a string or null');
      return undefined;
    case 'check:end': {
      if (!isString(fields.id)) return wrong('id', 'a string');
      if (!STATUSES.includes(fields.status as CheckStatus)) return wrong('status', 'a check status');
      const problem = reportCheckProblem(fields.check);
      return problem === undefined ? undefined : `check:end: check ${problem}`;
    }
    case 'run:end': {
      if (!Number.isSafeInteger(fields.exit_code)) return wrong('exit_code', 'an integer');
      if (!isStringOrNull(fields.interrupted)) return wrong('interrupted', 'a string or null');
      if (fields.report === undefined) return undefined;
      const problem = runReportProblem(fields.report);
      return problem === undefined ? undefined : `run:end: report${problem}`;
    }
    case 'reaped':
      if (!Number.isSafeInteger(fields.by_pid)) return wrong('by_pid', 'an integer');
      if (!Array.isArray(fields.groups)) return wrong('groups', 'an array');
      return undefined;
    default:
      return undefined;
  }
}

/** Reads a run folder's journal; undefined when it has none that is a regular file of this user. */
export function readJournal(runDir: string): JournalRecord[] | undefined {
  return readJournalText(runDir)?.records;
}

/**
 * Reads a run folder's journal as {@link parseJournalText} does; undefined when it has none that is a regular file
 * of this user.
 */
export function readJournalText(runDir: string): ParsedJournal | undefined {
  // A FIFO or a link planted there is no journal: opening it must neither block nor follow it.
  const text = readOwnFileSync(join(runDir, JOURNAL_FILE));
  return text === undefined ? undefined : parseJournalText(text);
}

/**
 * A run's events as its journal holds them, in the order they happened: the objects `fanout check --stream` printed
 * (run:start without what only the journal adds), for a reporter to replay. Records of the earlier shape come out as
 * events too; their run:end, which carries no report, is left out, as are reapers' notes. Undefined when the run has
 * no journal; a run still going (or one that died) has no run:end.
 *
 * @example
 * ```ts
 * import { readRunEvents, resolveRun } from 'fanout/checks';
 *
 * const { id } = resolveRun('.fanout/runs', 'latest');
 * for (const event of readRunEvents('.fanout/runs', id) ?? []) console.log(event.type, event.time);
 * ```
 */
export function readRunEvents(logDir: string, id: string): RunEvent[] | undefined {
  const records = readJournal(join(resolve(logDir), id));
  if (records === undefined) return undefined;
  const events: RunEvent[] = [];
  for (const record of records) {
    const time = new Date(record.time).toISOString();
    switch (record.t) {
      case 'run:start': {
        const checks = record.checks.map((check) => ({ id: check.id, requires: check.requires, severity: check.severity, async: check.async }));
        events.push({ type: 'run:start', time, run_id: record.run_id, total: checks.length, checks });
        break;
      }
      case 'check:start': {
        const status = (record as { status?: unknown }).status === 'pending' ? 'pending' : 'running';
        events.push({ type: 'check:start', time, id: record.id, attempt: record.attempt, async: record.async, status, log_file: record.log_file });
        break;
      }
      case 'check:spawn':
        events.push({ type: 'check:spawn', time, id: record.id, attempt: record.attempt, pgid: record.pgid, pgid_start: record.pgid_start, log_file: record.log_file });
        break;
      case 'check:end':
        events.push({ type: 'check:end', time, id: record.id, status: record.status, check: record.check });
        break;
      case 'run:end':
        if (record.report !== undefined) {
          events.push({ type: 'run:end', time, run_id: record.report.run_id, exit_code: record.exit_code, counts: record.report.counts, report: record.report });
        }
        break;
      default: {
        // check:retry: kept as written (the earlier shape had none).
        const retry = record as unknown as Omit<CheckRetryEvent, 'type' | 'time'> & { t: string };
        if (retry.t === 'check:retry') events.push({ type: 'check:retry', time, id: retry.id, attempt: retry.attempt, previous: retry.previous });
      }
    }
  }
  return events;
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
  /**
   * Why the journal was read only up to a line (see JournalProblem), as `line N: reason`; the run is judged on the
   * records before it. With no `start`, nothing of the run could be read.
   */
  problem?: string;
}

/** What a journal's records say about run `runId`; `problem`, where its reading stopped early (see parseJournalText). */
export function runState(runId: string, records: readonly JournalRecord[], problem?: JournalProblem): RunState {
  const state: RunState = { runId, start: undefined, end: undefined, checks: new Map(), reaped: false };
  if (problem !== undefined) state.problem = `line ${problem.line}: ${problem.reason}`;
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
