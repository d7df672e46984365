// Process identity on Linux: a pid alone can be reused, so a process is named by its pid and its start time
// (field 22 of /proc/<pid>/stat, in clock ticks since boot). Elsewhere the start time is unknown (null) and only
// liveness is checked.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/** /proc/<pid>/stat is a few hundred bytes: one read into a reused buffer (groupRunning reads every process's). */
const statBuffer = Buffer.alloc(1024);

function readStat(pid: number | string): string {
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

/** The start time of a process (clock ticks since boot), or null when it is gone or /proc is unavailable. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readStat(pid);
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    // priority nice threads itrealvalue starttime: comm may hold spaces and parentheses, so count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return null; // a zombie runs nothing any more
    return fields[19] ?? null;
  } catch {
    return null;
  }
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

const uptimeBuffer = Buffer.alloc(128);
/** The boot clock in ticks (from /proc/uptime, which counts the same clock in hundredths of a second), or null. */
function uptimeTicks(): number | null {
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
 * time from /proc.
 */
let calibration: { ticks: number; at: number; wall: number } | null | undefined;
/** After a calibration that found no steady reading (a loaded moment): not tried again before this performance.now(). */
let retryAt = 0;

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
    // Once: /proc/uptime's hundredths must be /proc/<pid>/stat's ticks. This process started at most its uptime (plus
    // a second of slack) before now; with another tick rate its start tick would lie far off.
    const own = Number(processStartTime(process.pid));
    const age = reading.ticks - own;
    if (!Number.isFinite(own) || age < 0 || age > (process.uptime() + 1) * USER_HZ) return null;
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
 * The start time of a process this one has just spawned, in the format of {@link processStartTime}: estimated from
 * the boot clock (read once a second) instead of read from /proc/<pid>/stat — that read costs ~55 µs at each spawn, on
 * the main thread, while the estimate costs nothing. It is the real start tick give or take
 * {@link SPAWN_START_TOLERANCE_TICKS}; compare it with {@link isSpawnStart}. Where the boot clock is unusable, the
 * exact start time (or null without /proc).
 */
export function spawnStartTime(pid: number): string | null {
  const now = bootTicksNow();
  return now === null ? processStartTime(pid) : String(now);
}

/**
 * The boot clock now, in the ticks of /proc's start times (see {@link processStartTime}), estimated as
 * {@link spawnStartTime} estimates — give or take two ticks — at no cost; null where the boot clock is unusable.
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
 * Whether a process that started at tick `actual` (see {@link processStartTime}) is the one recorded at its spawn with
 * `recorded` (see {@link spawnStartTime}; older journals recorded the exact tick, which matches too).
 */
export function isSpawnStart(actual: string, recorded: string): boolean {
  const a = Number(actual);
  const r = Number(recorded);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(r)) return actual === recorded;
  return a >= r - SPAWN_START_TOLERANCE_TICKS && a <= r + 2;
}

/** Whether the process is alive (signal 0), whatever its start time. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is still the very process recorded with `startTime`: alive and, where /proc tells, started at the
 * same tick (so a reused pid is never mistaken for it).
 */
export function isSameProcess(pid: number, startTime: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const now = processStartTime(pid);
  if (startTime !== null) return now === startTime;
  return now !== null || isAlive(pid);
}

/** Whether any process of group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether group `pgid` still runs something: a member that is not a zombie. Where no init reaps orphans (some
 * containers), a dead run's checks can linger as zombies, which signal 0 still finds; killing them does nothing and
 * reporting them as killed would be false. Without /proc, any member counts (signal 0).
 */
export function groupRunning(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // no /proc: signal 0 is all there is
  }
  for (const pid of pids) {
    try {
      const stat = readStat(pid);
      // After "pid (comm) ": state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // ended meanwhile
    }
  }
  return false;
}
