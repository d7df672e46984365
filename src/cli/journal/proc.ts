// Process identity on Linux: a pid alone can be reused, so a process is named by its pid and its start time
// (field 22 of /proc/<pid>/stat, in clock ticks since boot). Elsewhere the start time is unknown (null) and only
// liveness is checked.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/** /proc/<pid>/stat is a few hundred bytes: one read into a reused buffer (this runs at every spawn of a run). */
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
