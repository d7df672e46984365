/**
 * Process identity: the one place fanout reads the process table. A pid alone can be reused, so a process is named by
 * its pid and its start time; a process group by its leader's pid and start time. Every decision to signal something
 * fanout did not just spawn goes through here.
 *
 * Two sources:
 * - Linux: `/proc/<pid>/stat` (start time in clock ticks since boot, e.g. `"41924"`) and `/proc/uptime`.
 * - Elsewhere (macOS, the BSDs), or on Linux with `FANOUT_PROC_FALLBACK=ps` (meant for testing the fallback):
 *   `ps -o pid=,ppid=,pgid=,stat=,lstart=` run with `LC_ALL=C TZ=UTC`; the start time is the whole second of the
 *   wall clock it started at, written `"@<epoch seconds>"` so that it can never be mistaken for a tick count.
 * Start times of the two sources never compare equal: a journal written with one and read with the other is never
 * taken for a live process (so nothing of it is signalled).
 *
 * Zombies count as gone: they hold no pipes and can run nothing, and where PID 1 does not reap orphans (containers,
 * micro-VMs) they stay forever.
 *
 * @example
 * ```ts
 * import { groupIdentity, processStartTime, signalGroupIf } from './processes.js';
 *
 * const start = processStartTime(pgid); // record it next to the pgid when the group is created
 * // later, in any process:
 * if (groupIdentity(pgid, start).ok) signalGroupIf(pgid, start, 'SIGTERM');
 * ```
 */
import os from 'node:os';
import { childProcess, fs } from '../common/builtins.js';

const { closeSync, openSync, readdirSync, readFileSync, readSync } = fs;

/** One process as the process table shows it. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Its process group. */
  pgid: number;
  /** Its session; null where the source does not tell it (the `ps` fallback). */
  sid: number | null;
  /** The state letter: `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead)… */
  state: string;
  /** Its start time, in this source's format (see the module's description); null when unreadable. */
  start: string | null;
}

/** Where the process table comes from: `/proc`, the `ps` command, or nowhere (every lookup then finds nothing). */
export type ProcessSource = 'proc' | 'ps' | 'none';

/** /proc/<pid>/stat is a few hundred bytes: one read into a reused buffer (scans read every process's). */
const statBuffer = /* @__PURE__ */ Buffer.alloc(1024);

function readStatText(pid: number | string): string {
  const path = `/proc/${pid}/stat`;
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
  } finally {
    closeSync(fd);
  }
  return length < statBuffer.length ? statBuffer.toString('latin1', 0, length) : readFileSync(path, 'latin1');
}

/**
 * Parses a `/proc/<pid>/stat` line. After "pid (comm) " come: state ppid pgrp session tty_nr tpgid flags minflt cminflt
 * majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime; comm may hold spaces and
 * parentheses, so fields are counted from the last ')'.
 */
export function parseStat(pid: number, text: string): ProcessEntry | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).split(' ', 20);
  const state = fields[0];
  if (state === undefined || fields.length < 20) return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]), state, start: fields[19] ?? null };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses `ps`'s `lstart` in the C locale and UTC ("Sun Dec  6 03:15:54 2026") into `"@<epoch seconds>"`; null when it
 * has another shape.
 */
export function parseLstart(text: string): string | null {
  const match = /^[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)\s+(\d{4})$/.exec(text.trim());
  if (!match) return null;
  const month = MONTHS.indexOf(match[1] as string);
  if (month === -1) return null;
  const seconds = Date.UTC(Number(match[6]), month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5])) / 1000;
  return Number.isSafeInteger(seconds) ? `@${seconds}` : null;
}

/**
 * Parses the output of `ps -o pid=,ppid=,pgid=,stat=,lstart=`: one process a line, the start time last (it holds
 * spaces). Lines of another shape are skipped.
 */
export function parsePs(output: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!match) continue;
    entries.push({
      pid: Number(match[1]),
      ppid: Number(match[2]),
      pgid: Number(match[3]),
      sid: null,
      state: (match[4] as string).charAt(0),
      start: parseLstart(match[5] as string),
    });
  }
  return entries;
}

/** Runs `ps` on the given selection; throws when it cannot run. Exit status 1 with no output: nothing matched. */
function psRows(selection: readonly string[]): ProcessEntry[] {
  let output: string;
  try {
    output = childProcess().execFileSync('ps', [...selection, '-o', 'pid=,ppid=,pgid=,stat=,lstart='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
      timeout: 10_000,
    });
  } catch (error) {
    const { status, stdout } = error as { status?: unknown; stdout?: unknown };
    if (status === 1 && (stdout === '' || stdout === undefined)) return [];
    throw error;
  }
  return parsePs(output);
}

let source: ProcessSource | undefined;

/**
 * The source in use, decided at the first call (never at import: where it is `ps`, finding out runs it once):
 * `/proc` when it can be read and `FANOUT_PROC_FALLBACK` is not `ps`, else `ps` when it runs, else none.
 *
 * @default 'proc' on Linux
 */
export function processSource(): ProcessSource {
  if (source !== undefined) return source;
  if (process.env.FANOUT_PROC_FALLBACK !== 'ps') {
    try {
      readFileSync('/proc/self/stat', 'latin1');
      return (source = 'proc');
    } catch {
      // not Linux, or /proc not mounted
    }
  }
  try {
    psRows(['-p', String(process.pid)]);
    source = 'ps';
  } catch {
    source = 'none';
  }
  return source;
}

/** The process `pid` now (zombies included), or undefined when there is none or it cannot be read. */
export function readProcess(pid: number): ProcessEntry | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (processSource() === 'proc') {
    try {
      return parseStat(pid, readStatText(pid));
    } catch {
      return undefined;
    }
  }
  if (processSource() === 'ps') {
    try {
      return psRows(['-p', String(pid)]).find((entry) => entry.pid === pid);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Every process (zombies included) in one pass over the table; undefined when there is no source. */
export function listProcesses(): ProcessEntry[] | undefined {
  if (processSource() === 'proc') {
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return undefined;
    }
    const entries: ProcessEntry[] = [];
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      try {
        const entry = parseStat(Number(name), readStatText(name));
        if (entry !== undefined) entries.push(entry);
      } catch {
        // exited between the listing and the read
      }
    }
    return entries;
  }
  if (processSource() === 'ps') {
    try {
      return psRows(['-A']);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether a state letter is a zombie's or a dead process's: it runs nothing any more. */
export function isZombie(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/** The start time of a live process (see the module's description for its format), or null when gone or a zombie. */
export function processStartTime(pid: number): string | null {
  const entry = readProcess(pid);
  return entry === undefined || isZombie(entry.state) ? null : entry.start;
}

/** Sends signal 0 to `target` (a pid, or -pgid): whether it exists; EPERM (someone else's) counts as existing. */
function exists(target: number): boolean {
  // ESRCH is the common answer on the hot path; skipping the stack trace of the error it throws saves ~15 µs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Whether process `pid` exists (signal 0; zombies included), whatever its start time. */
export function isAlive(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0 && exists(pid);
}

/**
 * True when the process group has at least one member, zombies included — one `kill(-pgid, 0)` system call, the
 * cheap first test on hot paths. False means the group is certainly gone.
 */
export function groupExists(pgid: number): boolean {
  return Number.isSafeInteger(pgid) && pgid > 1 && exists(-pgid);
}

/**
 * Whether group `pgid` still runs something: a member that is not a zombie. Where no init reaps orphans, a dead run's
 * checks can linger as zombies, which signal 0 still finds. Without a process table, any member counts.
 */
export function groupRunning(pgid: number): boolean {
  return groupsRunning([pgid]).has(pgid);
}

/** Which of `pgids` still run something (see {@link groupRunning}), from one pass over the table for all of them. */
export function groupsRunning(pgids: readonly number[]): Set<number> {
  const existing = pgids.filter(groupExists);
  if (existing.length === 0) return new Set();
  const entries = listProcesses();
  if (entries === undefined) return new Set(existing);
  const wanted = new Set(existing);
  const running = new Set<number>();
  for (const entry of entries) if (wanted.has(entry.pgid) && !isZombie(entry.state)) running.add(entry.pgid);
  return running;
}

/**
 * Whether `pid` is still the very process recorded with `startTime`: alive and started then. A null `startTime`
 * (the start was unknown when recorded) matches any live process of that pid — enough to tell whether a run still
 * runs, never enough to signal it (see {@link processIdentity}).
 */
export function isSameProcess(pid: number, startTime: string | null): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  const now = processStartTime(pid);
  if (startTime !== null) return now !== null && now === startTime;
  return now !== null || (processSource() === 'none' && isAlive(pid));
}

/** Why a process or group may not be signalled; see {@link processIdentity} and {@link groupIdentity}. */
export type IdentityRefusal =
  | 'bad-id' // not an integer > 1, or fanout's own process or group
  | 'no-start' // no start time was recorded
  | 'gone' // the process (the group's leader) is gone or a zombie
  | 'other-process' // the pid is someone else's now: another start time
  | 'no-process-table'; // nothing here can tell a process's start time

/** The answer of an identity check: `ok`, or the reason to leave the process alone. */
export type IdentityCheck = { ok: true } | { ok: false; reason: IdentityRefusal };

/** A phrase for each {@link IdentityRefusal}, for warnings. */
export const IDENTITY_REFUSALS: Readonly<Record<IdentityRefusal, string>> = {
  'bad-id': 'not a valid process id',
  'no-start': 'no start time recorded',
  gone: 'its process has exited',
  'other-process': 'its pid now belongs to another process (start time differs)',
  'no-process-table': 'start times cannot be read on this system',
};

/** Own process group, read once (a planted record naming it must never make fanout signal itself). */
let ownGroup: number | undefined;
function ownProcessGroup(): number | undefined {
  ownGroup ??= readProcess(process.pid)?.pgid;
  return ownGroup;
}

/**
 * Checks that `pid` may be signalled as the process recorded with `recorded`: an integer > 1 that is not fanout
 * itself, with a recorded start time, alive, and started at that time — compared with {@link isSpawnStart}, so a
 * start time estimated at the spawn ({@link spawnStartTime}) matches as well as an exact one. `recorded` is typed
 * `unknown` because it usually comes from a file.
 *
 * @example
 * ```ts
 * const verdict = processIdentity(record.pid, record.pid_start);
 * if (!verdict.ok) warn(IDENTITY_REFUSALS[verdict.reason]);
 * ```
 */
export function processIdentity(pid: unknown, recorded: unknown): IdentityCheck {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid) return { ok: false, reason: 'bad-id' };
  if (typeof recorded !== 'string' || recorded === '') return { ok: false, reason: 'no-start' };
  if (processSource() === 'none') return { ok: false, reason: 'no-process-table' };
  const actual = processStartTime(pid);
  if (actual === null) return { ok: false, reason: 'gone' };
  return isSpawnStart(actual, recorded) ? { ok: true } : { ok: false, reason: 'other-process' };
}

/**
 * Checks that process group `pgid` may be signalled as the group whose leader was recorded with start time
 * `recorded`: as {@link processIdentity} for its leader (pid = pgid), and never fanout's own group.
 */
export function groupIdentity(pgid: unknown, recorded: unknown): IdentityCheck {
  if (typeof pgid === 'number' && pgid === ownProcessGroup()) return { ok: false, reason: 'bad-id' };
  const verdict = processIdentity(pgid, recorded);
  if (!verdict.ok) return verdict;
  // The leader must still lead its group: a leader that moved to another group no longer names this one.
  const leader = readProcess(pgid as number);
  return leader !== undefined && leader.pgid === pgid ? verdict : { ok: false, reason: 'gone' };
}

/**
 * Sends `signal` to group `pgid` only if {@link groupIdentity} holds right now; returns whether it was sent. Never
 * throws: a group that vanished meanwhile is fine.
 */
export function signalGroupIf(pgid: number, recorded: string | null, signal: NodeJS.Signals): boolean {
  if (!groupIdentity(pgid, recorded).ok) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to process `pid` only if {@link processIdentity} holds right now; returns whether it was sent. Never throws. */
export function signalProcessIf(pid: number, recorded: string | null, signal: NodeJS.Signals): boolean {
  if (!processIdentity(pid, recorded).ok) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

let cachedPidNamespace: number | null | undefined;

/**
 * The PID namespace this process lives in: the inode of Linux's `/proc/self/ns/pid`; null where there is none to read
 * (no PID namespaces, no /proc). A pid and start time name a process only within one namespace: a container sharing a
 * folder with its host, on the same kernel, sees other pids, so a record of another namespace cannot be checked here.
 */
export function pidNamespace(): number | null {
  if (cachedPidNamespace !== undefined) return cachedPidNamespace;
  try {
    cachedPidNamespace = fs.statSync('/proc/self/ns/pid').ino;
  } catch {
    cachedPidNamespace = null;
  }
  return cachedPidNamespace;
}

let cachedBootId: string | null | undefined;

/**
 * An id of the current boot of the machine: Linux's `/proc/sys/kernel/random/boot_id`, else `sysctl
 * kern.bootsessionuuid` (macOS), else `boottime:<seconds>` from `sysctl kern.boottime` (the BSDs); null when none can
 * be read. Start times and pids mean nothing across boots: a record of another boot is never signalled.
 */
export function bootId(): string | null {
  if (cachedBootId !== undefined) return cachedBootId;
  cachedBootId = null;
  try {
    const text = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    if (text !== '') return (cachedBootId = text);
  } catch {
    // not Linux
  }
  const sysctl = (name: string): string | undefined => {
    try {
      return childProcess().execFileSync('sysctl', ['-n', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    } catch {
      return undefined;
    }
  };
  const uuid = sysctl('kern.bootsessionuuid');
  if (uuid !== undefined && uuid !== '') return (cachedBootId = uuid);
  const seconds = /sec\s*=\s*(\d+)/.exec(sysctl('kern.boottime') ?? '')?.[1];
  if (seconds !== undefined) cachedBootId = `boottime:${seconds}`;
  return cachedBootId;
}

/** Clock ticks per second of /proc's times (USER_HZ): 100 on every architecture Node runs on; checked once. */
const USER_HZ = 100;
/** The boot clock is read again after this long (and whenever a suspend of the machine is seen: see `stale`). */
const RECALIBRATE_MS = 1000;
/**
 * How far the real start tick of a spawned shell may lie from the one {@link spawnStartTime} recorded for it and
 * still be taken for it: at most this many ticks before it (the estimate is taken after the fork returned, which
 * a loaded machine may delay), or 2 after (two rounded-down readings). A different process with the same pid would
 * need the pid space to wrap around within this window — 100 ms — while its group still lives.
 */
export const SPAWN_START_TOLERANCE_TICKS = 10;
/**
 * The same for the `ps` fallback's whole seconds: the real start may lie up to this many seconds before the estimate
 * (Linux's `ps` derives it from a boot time rounded down to the second), or one after.
 */
export const SPAWN_START_TOLERANCE_SECONDS = 3;

const uptimeBuffer = /* @__PURE__ */ Buffer.alloc(128);
/** The boot clock in ticks (from /proc/uptime, which counts the same clock in hundredths of a second), or null. */
export function uptimeTicks(): number | null {
  if (processSource() !== 'proc') return null;
  try {
    const fd = openSync('/proc/uptime', 'r');
    let text: string;
    try {
      text = uptimeBuffer.toString('latin1', 0, readSync(fd, uptimeBuffer, 0, uptimeBuffer.length, 0));
    } finally {
      closeSync(fd);
    }
    const match = /^(\d+)\.(\d\d) /.exec(text);
    return match ? Number(match[1]) * 100 + Number(match[2]) : null;
  } catch {
    return null;
  }
}

/**
 * Ticks since boot at `at` (performance.now()) and at `wall` (Date.now()); null: no usable boot clock, read each start
 * time from the table.
 */
let calibration: { ticks: number; at: number; wall: number } | null | undefined;
/** After a calibration that found no steady reading (a loaded moment): not tried again before this performance.now(). */
let retryAt = 0;

/**
 * The longest a process may have lived before its JavaScript started, in the check that the boot clock's hundredths
 * are /proc's ticks. Generous: on a loaded machine loading Node alone can take seconds, and another tick rate would
 * be off by far more (a 1000 Hz rate by ten times the uptime).
 */
const STARTUP_SLACK_S = 120;

/** A calibration; null when the boot clock is unusable for good; 'unsteady' when no reading was steady this time. */
function calibrate(): { ticks: number; at: number; wall: number } | null | 'unsteady' {
  // The clock reading is bracketed by two performance.now() calls and retried when they lie apart (a GC pause or a
  // preemption in between): an estimate then errs by at most those 2 ms, and on the early side (`at` is taken before
  // the read), where the tolerance is wide, never on the late side, where it is two ticks.
  let reading: { ticks: number; at: number } | undefined;
  for (let attempt = 0; attempt < 5 && reading === undefined; attempt++) {
    const before = performance.now();
    const ticks = uptimeTicks();
    if (ticks === null) return null;
    if (performance.now() - before <= 2) reading = { ticks, at: before };
  }
  if (reading === undefined) return 'unsteady';
  if (calibration === undefined) {
    const own = Number(processStartTime(process.pid));
    const age = reading.ticks - own;
    if (!Number.isFinite(own) || age < 0 || age > (process.uptime() + STARTUP_SLACK_S) * USER_HZ) return null;
  }
  return { ...reading, wall: Date.now() };
}

/**
 * Whether the calibration must be read again: after {@link RECALIBRATE_MS}, or at once when the wall clock moved
 * apart from performance.now() — the monotonic clock stops while the machine is suspended, but the boot clock and
 * the processes' start ticks do not (a wall clock set by NTP also triggers it, which only costs one more reading).
 */
function stale(c: { at: number; wall: number }, now: number): boolean {
  return now - c.at > RECALIBRATE_MS || Math.abs(Date.now() - c.wall - (now - c.at)) > 5;
}

/**
 * The boot clock now, in the ticks of /proc's start times, estimated from a reading of /proc/uptime taken at most a
 * second ago — give or take two ticks — at no cost; null where the boot clock is unusable (no /proc) or was not
 * steady enough to calibrate yet.
 */
export function bootTicksNow(): number | null {
  const now = performance.now();
  if ((calibration === undefined || (calibration !== null && stale(calibration, now))) && now >= retryAt) {
    const next = calibrate();
    // Unsteady: keep the calibration there is (a stale one errs by little for a second more), try again later.
    if (next === 'unsteady') retryAt = now + RECALIBRATE_MS;
    else calibration = next;
  }
  if (calibration === null || calibration === undefined) return null;
  return calibration.ticks + Math.floor((now - calibration.at) / (1000 / USER_HZ));
}

/**
 * The boot clock now in /proc's ticks, never earlier than the real one by more than a tick: the estimate of
 * {@link bootTicksNow} when there is one, else a reading of /proc/uptime (a system call more); null without /proc.
 */
export function bootTicksNowOrRead(): number | null {
  return bootTicksNow() ?? uptimeTicks();
}

/**
 * The start time of a process this one has just spawned, in the format of {@link processStartTime}. Called before
 * the child is reaped (synchronously after the spawn), its pid cannot have been reused yet, so on Linux it is read
 * exactly from /proc (~55 µs): an estimate from the boot clock would be off by as long as the spawning thread was
 * kept from running after the fork, which a loaded machine stretches past any tolerance (the group could then not
 * be recognised, and so not be signalled). Where the table cannot be read the boot
 * clock's estimate, give or take {@link SPAWN_START_TOLERANCE_TICKS}; with the `ps` fallback the current second
 * (a `ps` run per spawn costs far more), give or take {@link SPAWN_START_TOLERANCE_SECONDS}. Compare it with
 * {@link isSpawnStart}. Null without a process table.
 */
export function spawnStartTime(pid: number): string | null {
  if (processSource() === 'ps') return `@${Math.floor(Date.now() / 1000)}`;
  // A zombie's entry counts here: it is this child, ended but not reaped, and its group may still live.
  const exact = readProcess(pid)?.start;
  if (exact !== undefined) return exact;
  const now = bootTicksNow();
  return now === null ? null : String(now);
}

/**
 * Whether a process that started at `actual` (see {@link processStartTime}) is the one recorded at its spawn with
 * `recorded` (see {@link spawnStartTime}; an exact start time matches too). Start times of different sources never
 * match.
 */
export function isSpawnStart(actual: string, recorded: string): boolean {
  if (actual.startsWith('@') && recorded.startsWith('@')) {
    const a = Number(actual.slice(1));
    const r = Number(recorded.slice(1));
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(r)) return actual === recorded;
    return a >= r - SPAWN_START_TOLERANCE_SECONDS && a <= r + 1;
  }
  if (!/^\d+$/.test(actual) || !/^\d+$/.test(recorded)) return actual === recorded;
  const a = Number(actual);
  const r = Number(recorded);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(r)) return actual === recorded;
  return a >= r - SPAWN_START_TOLERANCE_TICKS && a <= r + 2;
}

/** The cgroup files read for the CPU quota are a line each; anything longer is not one of them. */
const CGROUP_FILE_MAX_BYTES = 4096;

/** A small file's text (latin1), or undefined when it is missing, unreadable, not a file or too large. */
function readSmallFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(CGROUP_FILE_MAX_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return length > CGROUP_FILE_MAX_BYTES ? undefined : buffer.toString('latin1', 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Quota over period as a CPU count, when both are positive finite numbers; undefined for no limit or nonsense. */
function quotaCpus(quota: string | undefined, period: string | undefined): number | undefined {
  if (quota === undefined || period === undefined || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 && Number.isFinite(q / p) ? q / p : undefined;
}

/**
 * The folders of `cgroupPath` under `mount`, the deepest first, up to `mount` itself; none when the path leaves it.
 * A limit set on any of them applies to the process, so each is read.
 */
function cgroupFolders(mount: string, cgroupPath: string): string[] {
  const parts = cgroupPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || parts.some((part) => part.includes('\0'))) return [mount];
  const folders: string[] = [];
  for (let n = parts.length; n >= 0; n--) folders.push([mount, ...parts.slice(0, n)].join('/'));
  return folders;
}

/**
 * The CPU quota of this process's cgroup as a number of CPUs (1.5 for `150000 100000`), or undefined when there is
 * none (no cgroup, `max`, `-1`) or it cannot be read. cgroup v2: `cpu.max` of the process's cgroup (from
 * `/proc/self/cgroup`, line `0::<path>`) and of each folder above it up to the mount; cgroup v1: `cpu.cfs_quota_us`
 * over `cpu.cfs_period_us` of the `cpu` controller's. The smallest limit found wins. Unparsable content (garbage,
 * zero, negative numbers, a path leaving the mount, files over 4 KB) counts as no limit: fanout then uses what the OS
 * reports.
 *
 * @param root the filesystem root the files are read under (tests point it at a fixture). @default '/'
 *
 * @example
 * ```ts
 * import { cgroupCpuQuota } from './processes.js';
 * cgroupCpuQuota(); // 2 in a container started with --cpus=2; undefined on an unlimited machine
 * ```
 */
export function cgroupCpuQuota(root = '/'): number | undefined {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  const self = readSmallFile(`${base}/proc/self/cgroup`);
  if (self === undefined) return undefined;
  let best: number | undefined;
  const consider = (cpus: number | undefined) => {
    if (cpus !== undefined && (best === undefined || cpus < best)) best = cpus;
  };
  for (const line of self.split('\n')) {
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, hierarchy, controllers = '', cgroupPath = '/'] = match;
    if (hierarchy === '0' && controllers === '') {
      for (const folder of cgroupFolders(`${base}/sys/fs/cgroup`, cgroupPath)) {
        const [quota, period] = (readSmallFile(`${folder}/cpu.max`) ?? '').trim().split(/\s+/);
        consider(quotaCpus(quota, period));
      }
    } else if (controllers.split(',').includes('cpu')) {
      for (const mountName of new Set([controllers, 'cpu', 'cpu,cpuacct'])) {
        for (const folder of cgroupFolders(`${base}/sys/fs/cgroup/${mountName}`, cgroupPath)) {
          consider(quotaCpus(readSmallFile(`${folder}/cpu.cfs_quota_us`)?.trim(), readSmallFile(`${folder}/cpu.cfs_period_us`)?.trim()));
        }
      }
    }
  }
  return best;
}

/** Options of {@link usableCpus}: where to read, and what the OS reports (both for tests). */
export interface UsableCpusOptions {
  /** The filesystem root the cgroup files are read under. @default '/' */
  root?: string | undefined;
  /** What the OS reports. @default os.availableParallelism() */
  available?: number | undefined;
}

/**
 * The CPUs this process may really use: the smaller of what the OS reports (`os.availableParallelism()`) and the
 * cgroup's CPU quota ({@link cgroupCpuQuota}, rounded down), at least 1. A container limited to 2 CPUs on a 64-core
 * host gets 2.
 *
 * @example
 * ```ts
 * import { usableCpus } from './processes.js';
 * const slots = usableCpus(); // e.g. 2
 * ```
 */
export function usableCpus(options: UsableCpusOptions = {}): number {
  const available = options.available ?? os.availableParallelism();
  const quota = cgroupCpuQuota(options.root);
  const cpus = Math.min(Number.isFinite(available) ? Math.floor(available) : 1, quota === undefined ? Infinity : Math.floor(quota));
  return Math.max(1, cpus);
}
