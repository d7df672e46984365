// The run folders of a log dir: naming a run (`latest`, an id, a unique prefix), keeping the last N, and reaping the
// process groups a killed run left behind.
import { closeSync, existsSync, fstatSync, lstatSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { isRunFolder, removeRunFolder } from './run-folder.js';
import { appendRecord, JOURNAL_FILE, readJournalText, runState, type RunState } from './journal.js';
import { bootId, groupIdentity, groupRunning, groupsRunning, IDENTITY_REFUSALS, isSameProcess, processIdentity, pidNamespace, processStartTime, signalProcessIf, spawnStartTime, type IdentityCheck } from '../../exec/processes.js';
import { openOwnFileSync, ownedByUser, readOwnFileSync, readOwnJsonSync, writeNewFileSync } from '../../common/safe-file.js';

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]+$/;

/** Default number of run folders kept (`--keep-runs`). */
export const KEEP_RUNS = 20;

/** When a run started: its journal's first record, else its folder's change time (runs of the same second). */
function startedAt(root: string, id: string): number {
  const fd = openOwnFileSync(join(root, id, JOURNAL_FILE));
  if (fd !== undefined) {
    try {
      const buffer = Buffer.alloc(4096);
      const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
      const match = /"time":(\d+)/.exec(text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')));
      if (match) return Number(match[1]);
    } catch {
      // unreadable: as none
    } finally {
      closeSync(fd);
    }
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
    // Where links cannot be made, `latest` is a file naming the run (never a FIFO to block on, see openOwnFileSync).
    const named = readOwnFileSync(link, 4096)?.trim();
    return named === undefined ? listRuns(logDir).at(-1) : named || undefined;
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

/**
 * The state of a run from its journal: undefined when it has none, or none with a record yet (a run of an older
 * fanout, or one starting). A journal read only up to a line that is no record fanout writes has `problem` set; one
 * whose run cannot be read at all (no valid start) has no `start` (see {@link unreadableJournal}). Reading is cheap and
 * never changes the run: poll it to follow one.
 *
 * @example
 * ```ts
 * import { loadRunState, resolveRun } from 'fanout/checks';
 *
 * const { id } = resolveRun('.fanout/runs', 'latest');
 * const state = loadRunState('.fanout/runs', id);
 * console.log(state?.end?.exit_code ?? 'still running, or it died');
 * ```
 */
export function loadRunState(logDir: string, id: string): RunState | undefined {
  const parsed = readJournalText(join(resolve(logDir), id));
  if (parsed === undefined || (parsed.records.length === 0 && parsed.problem === undefined)) return undefined;
  return runState(id, parsed.records, parsed.problem);
}

/**
 * Why nothing of a run can be read from its journal, as a sentence to show (`its journal cannot be read (line 1:
 * run:start: checks is not an array): …`); undefined when its start was read. A planted or damaged journal is refused
 * this way by every reader: nothing is signalled, resumed or reported from it.
 *
 * @example
 * ```ts
 * import { loadRunState, unreadableJournal } from 'fanout/checks';
 *
 * const state = loadRunState('.fanout/runs', '20261124T153412Z-3fa2');
 * const unreadable = state && unreadableJournal(state);
 * if (unreadable !== undefined) console.error(`run ${state?.runId}: ${unreadable}`);
 * ```
 */
export function unreadableJournal(state: RunState): string | undefined {
  if (state.start !== undefined) return undefined;
  return `its journal cannot be read (${state.problem ?? 'it holds no start of the run'}): it was damaged, or fanout did not write it`;
}

/**
 * Whether a run's journal was written during this boot of the machine, so that its pids and start times name
 * processes here: false for another boot, and for a journal without a boot id (older fanout, or none readable).
 */
export function sameBoot(state: RunState): boolean {
  const recorded = state.start?.boot_id;
  return typeof recorded === 'string' && recorded === bootId();
}

/**
 * Whether a run's fanout ran in another PID namespace than this process (a container sharing the log dir, on the same
 * kernel): its pid names another process here, if any, so whether it still runs cannot be told from here. A journal
 * that records no namespace (an older fanout, or a system without one to read), or anything but a positive integer
 * there, is taken as of this one: its run is judged by its pid, start time and boot.
 *
 * @example
 * ```ts
 * import { loadRunState, runInOtherNamespace } from 'fanout/checks';
 *
 * const state = loadRunState('.fanout/runs', '20261124T153412Z-3fa2');
 * if (state !== undefined && runInOtherNamespace(state)) console.log('run by a fanout in another container');
 * ```
 */
export function runInOtherNamespace(state: RunState): boolean {
  const recorded: unknown = state.start?.pid_ns;
  // Only a namespace's id (an inode number) names one: anything else recorded there (null, a string, -1, a fraction)
  // proves nothing, and taking it for another namespace would keep such a run live, unprunable, for good.
  return isNamespaceId(recorded) && recorded !== pidNamespace();
}

/** Whether a recorded PID namespace is one: a positive safe integer (the inode number of /proc/self/ns/pid). */
function isNamespaceId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/**
 * Whether the process that ran this run is still running it, or may be: never for a run of another boot of the
 * machine; always (until its end is written) for a run of another PID namespace of this boot (see
 * {@link runInOtherNamespace}), which is thus never taken for crashed, reaped, pruned nor resumed over.
 */
export function isLive(state: RunState): boolean {
  if (state.end !== undefined || state.start === undefined) return false;
  // After a reboot its pid may well be running something else; a journal without a boot id (older fanout, or planted)
  // cannot prove it was written during this boot. Only where the machine has no boot id to read at all is the pid
  // and start time taken alone.
  const unknownBoot = bootId() === null && (state.start.boot_id === undefined || state.start.boot_id === null);
  if (!sameBoot(state) && !unknownBoot) return false;
  // Its pid, looked up here, would name another process or none: a container's run would look dead while it runs.
  if (runInOtherNamespace(state)) return true;
  return isSameProcess(state.start.pid, state.start.pid_start);
}

/**
 * Sends `signal` to the fanout process that runs a live run (see {@link isLive}), only if that pid is still the very
 * process that started it: a pid reused since belongs to someone else and is never signalled. SIGTERM makes fanout
 * cancel its checks and write the partial report and the journal's end, as Ctrl-C does. Never throws.
 *
 * @returns `{ ok: true }` when the signal was sent, else `{ ok: false, reason }`, the sentence saying why not.
 * @example
 * ```ts
 * import { isLive, loadRunState, signalRun } from 'fanout/checks';
 *
 * const state = loadRunState('.fanout/runs', '20261124T153412Z-3fa2');
 * if (state !== undefined && isLive(state)) {
 *   const sent = signalRun(state, 'SIGTERM');
 *   if (!sent.ok) console.error(`left alone: ${sent.reason}`);
 * }
 * ```
 */
export function signalRun(state: RunState, signal: NodeJS.Signals): { ok: true } | { ok: false; reason: string } {
  if (runInOtherNamespace(state)) return { ok: false, reason: OTHER_NAMESPACE };
  const pid = state.start?.pid;
  const recorded = state.start?.pid_start ?? null;
  const verdict = processIdentity(pid, recorded);
  if (!verdict.ok) return { ok: false, reason: IDENTITY_REFUSALS[verdict.reason] };
  return signalProcessIf(pid as number, recorded, signal) ? { ok: true } : { ok: false, reason: IDENTITY_REFUSALS.gone };
}

const OTHER_NAMESPACE = 'it runs in another PID namespace (a container?), where its pid cannot be checked from here';

/** A process as recorded to be recognised later from another process: its pid, start time, PID namespace and boot. */
export interface ProcessRecord {
  pid: number;
  /** Its start time (see processStartTime); null where none can be read. */
  pid_start: string | null;
  /** The PID namespace its pid is a pid of (see pidNamespace); null where the system has none to read. */
  pid_ns: number | null;
  /** The boot of the machine it ran in; null where none can be read. */
  boot_id: string | null;
}

/** @internal The record of process `pid` (a child just spawned, or any live process), to tell later whether it is gone. */
export function processRecord(pid: number): ProcessRecord {
  return { pid, pid_start: processStartTime(pid) ?? spawnStartTime(pid), pid_ns: pidNamespace(), boot_id: bootId() };
}

/**
 * Whether a record's pid is a pid of this process's PID namespace: a process of another one (a container sharing
 * the folder, on the same kernel) has a pid that means something else here, and a record naming no namespace (an older
 * fanout, or planted) cannot prove it does.
 */
function sameNamespace(record: { pid_ns?: unknown }): boolean {
  return record.pid_ns === pidNamespace();
}

/**
 * @internal Whether the recorded process is verifiably gone: it ran during another boot of the machine, or its pid
 * (of this PID namespace) is no longer the process that started then. False whenever that cannot be told (no start
 * time recorded, another or an unrecorded PID namespace, no process table, a malformed record): what such a process
 * owns is left alone.
 */
export function recordedProcessGone(record: { pid?: unknown; pid_start?: unknown; pid_ns?: unknown; boot_id?: unknown }): boolean {
  const now = bootId();
  if (typeof record.boot_id === 'string' && now !== null && record.boot_id !== now) return true;
  if (!sameNamespace(record)) return false;
  const verdict = processIdentity(record.pid, record.pid_start);
  return !verdict.ok && (verdict.reason === 'gone' || verdict.reason === 'other-process');
}

/** The file of a run folder naming the process launched to run it (see {@link recordLaunch}). */
export const LAUNCH_FILE = 'launch.json';

/**
 * @internal Records in the run folder `dir` the process launched to run it in the background (its supervisor), before
 * that process writes the run's journal: until then its folder holds only the supervisor's log, and this record is
 * what tells a run still starting from one whose supervisor died first (see {@link launchPhase}).
 */
export function recordLaunch(dir: string, pid: number): void {
  writeNewFileSync(join(dir, LAUNCH_FILE), `${JSON.stringify(processRecord(pid))}\n`);
}

/**
 * @internal For a run folder without a journal: `starting` while the supervisor recorded at its launch still runs, `failed`
 * once that supervisor is verifiably gone without having written one (it died before its run began: a config or
 * usage error, a kill), undefined when it cannot be told (no such record: a foreground run creating its journal, an
 * older fanout; a record that is not this user's file; a process of another or an unrecorded PID namespace, or one that
 * cannot be identified) or the run has a journal.
 */
export function launchPhase(logDir: string, id: string): 'starting' | 'failed' | undefined {
  const dir = join(resolve(logDir), id);
  if (existsSync(join(dir, JOURNAL_FILE)) || !isRunFolder(dir)) return undefined;
  const record = readOwnJsonSync(join(dir, LAUNCH_FILE), 4096);
  if (typeof record !== 'object' || record === null) return undefined;
  // A supervisor writes its journal before it can exit: one written between the look above and its exit counts.
  if (recordedProcessGone(record)) return existsSync(join(dir, JOURNAL_FILE)) ? undefined : 'failed';
  if (!sameNamespace(record)) return undefined;
  const { pid, pid_start: start } = record as { pid?: unknown; pid_start?: unknown };
  return processIdentity(pid, start).ok ? 'starting' : undefined;
}

/** live: still running; ended: it wrote its end; crashed: its process died first. */
export function runPhase(state: RunState): 'live' | 'ended' | 'crashed' {
  if (state.end !== undefined) return 'ended';
  return isLive(state) ? 'live' : 'crashed';
}

/** A group a dead run's check left running, with its leader's start time recorded at the spawn. */
export interface LeftGroup {
  id: string;
  pgid: number;
  start: string;
}

/** Something found running that was left alone: it could not be told to be the run's (id null: the whole run). */
export interface RefusedGroup {
  run: string;
  id: string | null;
  pgid: unknown;
  reason: string;
}

/**
 * The groups a check of a dead run may have left: started, never ended, and each still verifiably the very group
 * spawned (see groupIdentity); those that cannot be verified in `refused`. A group that is gone is in neither. A run
 * of another boot of the machine, or without a boot id, is refused whole: its pids mean nothing here.
 */
function leftovers(state: RunState): { groups: LeftGroup[]; refused: RefusedGroup[] } {
  const groups: LeftGroup[] = [];
  const refused: RefusedGroup[] = [];
  const run = state.runId;
  const pending = [...state.checks].filter(([, check]) => check.end === undefined && check.spawn !== undefined);
  if (pending.length === 0) return { groups, refused };
  if (!sameBoot(state)) {
    const recorded = state.start?.boot_id;
    const reason = typeof recorded === 'string' ? 'its journal is from another boot of the machine' : 'its journal records no boot id';
    return { groups, refused: [{ run, id: null, pgid: null, reason }] };
  }
  for (const [id, check] of pending) {
    const { pgid, pgid_start: start } = check.spawn as { pgid: unknown; pgid_start: unknown };
    const verdict = groupIdentity(pgid, start);
    if (verdict.ok) groups.push({ id, pgid: pgid as number, start: start as string });
    // Gone for good (leader and members alike): nothing was left behind. A bad id is reported without looking.
    else if (verdict.reason === 'bad-id' || groupRunning(pgid as number)) refused.push({ run, id, pgid, reason: IDENTITY_REFUSALS[verdict.reason] });
  }
  return { groups, refused };
}

/** How much of a journal {@link isSettled} reads at a time, from its end, looking for its last line's start. */
const TAIL_CHUNK = 64 * 1024;
/** The start of a record that settles a run: its end (either shape of the journal) or a reaper's note. */
const SETTLING = /^\{"(?:t|type)":"run:end"|^\{"t":"reaped"/;

/**
 * @internal Whether a run is settled: it wrote its report.json (a file of this user), or its journal's last record is
 * the run's end or a reaper's note (see {@link journalEnded}); a run folder without a journal (a regular file of this
 * user) is too. Only the reaper may take the report for proof: a report.json written into a live run's folder makes
 * it skip that run (it signals nothing there), while pruning, which deletes, asks the journal.
 */
export function isSettled(runDir: string): boolean {
  // A run writes its report.json after its journal's end: a report of this user's settles the run without a read of
  // the journal, whose last line (the end, which carries the whole report) is long for a run of many checks. The
  // reaper looks at every run folder at every start.
  try {
    const report = lstatSync(join(runDir, 'report.json'));
    if (report.isFile() && ownedByUser(report)) return true;
  } catch {
    // no report: the journal says
  }
  return journalEnded(runDir) ?? true; // no journal: nothing to reap
}

/**
 * @internal Whether a run's journal's last record is the run's end or a reaper's note, of which only the start of the
 * last line is read (the run's end carries the whole report, so that line can be long), never the journal's other
 * records; undefined when the run has no journal that is a regular file of this user. A torn last line (no newline
 * after it) ends nothing.
 */
export function journalEnded(runDir: string): boolean | undefined {
  const fd = openOwnFileSync(join(runDir, JOURNAL_FILE));
  if (fd === undefined) return undefined;
  try {
    const size = fstatSync(fd).size;
    const newline = Buffer.alloc(1);
    if (size === 0 || readSync(fd, newline, 0, 1, size - 1) !== 1 || newline[0] !== 0x0a) return false;
    // The newline before the last line, looked for backwards a chunk at a time.
    let start = 0;
    const chunk = Buffer.alloc(Math.max(1, Math.min(TAIL_CHUNK, size - 1)));
    for (let end = size - 1; end > 0; ) {
      const from = Math.max(0, end - chunk.length);
      const read = readSync(fd, chunk, 0, end - from, from);
      const at = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (at !== -1) {
        start = from + at + 1;
        break;
      }
      end = from;
    }
    const head = Buffer.alloc(32);
    const read = readSync(fd, head, 0, head.length, start);
    return SETTLING.test(head.subarray(0, read).toString('latin1'));
  } catch {
    return false; // unreadable now: the whole journal is looked at instead
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** What {@link killGroups} waits and checks with; tests replace them to drive the grace period without sleeping. */
export interface KillGroupsOptions {
  /**
   * Waits between two looks at the groups.
   * @default a timer
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The clock the grace is measured on, in milliseconds.
   * @default performance.now
   */
  now?: () => number;
  /**
   * Checks, right before each signal, that a group is still the one recorded.
   * @default groupIdentity
   */
  identity?: (pgid: number, start: string) => IdentityCheck;
}

/**
 * SIGTERM to each group, SIGKILL after `graceMs` to those still running; each signal only after checking, right
 * before it, that the group's leader is still the process recorded (see groupIdentity): by the end of the grace a gone
 * group's id, or a leader's pid, may be someone else's. Resolves when they are gone or SIGKILLed, with the groups
 * left alone because their identity could no longer be verified (a leader that exited, a pid reused).
 *
 * @example
 * ```ts
 * const spared = await killGroups([{ pgid: 4242, start: '41924' }], 2000);
 * ```
 */
export async function killGroups(
  groups: ReadonlyArray<{ pgid: number; start: string }>,
  graceMs = 2000,
  options: KillGroupsOptions = {},
): Promise<Array<{ pgid: number; reason: string }>> {
  const { sleep: wait = sleep, now = () => performance.now(), identity = groupIdentity } = options;
  const spared: Array<{ pgid: number; reason: string }> = [];
  const send = (group: { pgid: number; start: string }, signal: NodeJS.Signals): boolean => {
    const verdict = identity(group.pgid, group.start);
    if (!verdict.ok) {
      spared.push({ pgid: group.pgid, reason: IDENTITY_REFUSALS[verdict.reason] });
      return false;
    }
    try {
      process.kill(-group.pgid, signal);
    } catch {
      // gone meanwhile
    }
    return true;
  };
  const deadline = now() + graceMs;
  // A group seen gone is dropped for good: by the end of the grace its id may be someone else's.
  const stillRunning = (list: ReadonlyArray<{ pgid: number; start: string }>) => {
    const running = groupsRunning(list.map((group) => group.pgid));
    return list.filter((group) => running.has(group.pgid));
  };
  let running = stillRunning(groups.filter((group) => send(group, 'SIGTERM')));
  while (running.length > 0 && now() < deadline) {
    await wait(20);
    running = stillRunning(running);
  }
  for (const group of running) send(group, 'SIGKILL');
  return spared;
}

/** What {@link reapDeadRuns} did: the groups it killed, and what it found but left alone (to be reported). */
export interface Reaped {
  killed: Array<{ run: string; id: string; pgid: number }>;
  refused: RefusedGroup[];
}

/**
 * Reaps the runs of this log dir that died without ending (fanout was `kill -9`ed, the machine lost power): their
 * checks' process groups still alive and still verifiably theirs are terminated (SIGTERM, then SIGKILL), and a
 * `reaped` record marks the run as handled, so each run is reaped — and what was left alone reported — once. Runs
 * whose fanout is still alive (a concurrent run) are never touched; nothing is signalled for a run of another boot
 * of the machine or whose journal has no boot id. Library code: the caller reports `refused`.
 */
export async function reapDeadRuns(logDir: string, graceMs = 2000): Promise<Reaped> {
  const killed: Reaped['killed'] = [];
  const refused: RefusedGroup[] = [];
  const root = resolve(logDir);
  // Order does not matter here: no run's journal is opened to sort them (runs of the same second would need it).
  for (const run of runIds(logDir)) {
    // A journal fanout did not write for this user (a link named like a run, someone else's folder) names no process
    // to signal, and is not opened at all.
    if (!isRunFolder(join(root, run))) continue;
    // Most runs ended, or were reaped already: their last record says so, and the rest of the journal (which can be
    // large) need not be read at every start.
    if (isSettled(join(root, run))) continue;
    const state = loadRunState(logDir, run);
    if (state === undefined || state.end !== undefined || state.reaped || state.start === undefined || isLive(state)) continue;
    const found = leftovers(state);
    const spared = found.groups.length > 0 ? await killGroups(found.groups, graceMs) : [];
    const groups = found.groups.filter((group) => !spared.some((s) => s.pgid === group.pgid)).map(({ id, pgid }) => ({ id, pgid }));
    const left = [...found.refused];
    for (const s of spared) left.push({ run, id: found.groups.find((group) => group.pgid === s.pgid)?.id ?? null, pgid: s.pgid, reason: s.reason });
    appendRecord(join(root, run), {
      t: 'reaped',
      time: Date.now(),
      by_pid: process.pid,
      groups,
      ...(left.length > 0 ? { refused: left.map(({ id, pgid, reason }) => ({ id, pgid, reason })) } : {}),
    });
    killed.push(...groups.map((g) => ({ run, ...g })));
    refused.push(...left);
  }
  return { killed, refused };
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
    // A background run whose supervisor has not written its journal yet is starting, not a run without one.
    if (launchPhase(logDir, run) === 'starting') continue;
    // A run whose journal ends with its end (the usual case) is not live; only the others need the whole journal. Its
    // report.json proves nothing here: one written into a live run's folder must not get that run deleted.
    if (journalEnded(join(root, run)) !== true) {
      const state = loadRunState(logDir, run);
      if (state !== undefined && isLive(state)) continue;
    }
    prunable.push(run);
  }
  return prunable;
}

/**
 * Deletes the oldest run folders beyond `keep` (see {@link prunableRuns}); resolves with the runs removed, and never
 * rejects: pruning is housekeeping. The folders are chosen at once and deleted on the thread pool, so that a run that
 * prunes as it starts starts its checks meanwhile instead of waiting for a few hundred unlinks (each a journalled
 * update of the disk, slow on a busy one). Nothing is followed: a link inside a run folder is removed as a link, and a
 * folder inside that is not this user's stops the removal. A removal cut short (kill -9) is finished by a later
 * pruning (see removeRunFolder).
 */
export async function pruneRuns(logDir: string, keep: number, except: readonly string[] = []): Promise<string[]> {
  let runs: string[];
  try {
    runs = prunableRuns(logDir, keep, except);
  } catch {
    return [];
  }
  const root = resolve(logDir);
  const removed = await Promise.all(
    runs.map((run) =>
      removeRunFolder(join(root, run)).then(
        () => run,
        () => undefined, // housekeeping only
      ),
    ),
  );
  return removed.filter((run) => run !== undefined);
}
