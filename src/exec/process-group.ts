/**
 * Liveness and signalling of a command's process tree. Every command starts its own session (setsid), so its
 * session id, its process group id and the shell's pid are one number. Most members stay in that group; a few tools
 * (GNU `timeout`, shells with job control) move their children into a new group of the same session, so on Linux
 * the whole session is inspected and every group in it that still has a live member is signalled.
 *
 * Zombies count as gone: they hold no pipes and can run nothing, and where PID 1 does not reap orphans (containers,
 * micro-VMs) they stay forever — waiting for them would never end.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Whether /proc can be read (Linux). Decided once; elsewhere only the process group itself is checked. */
const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat', 'latin1');
    return true;
  } catch {
    return false;
  }
})();

/**
 * True when the process group has at least one member, zombies included — one `kill(-pgid, 0)` system call, the
 * cheap first test on the hot path. False means the group is certainly gone.
 */
export function groupExists(pgid: number): boolean {
  // ESRCH is the common answer on the hot path; skipping the stack trace of the error it throws saves ~15 µs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: a member exists but belongs to someone else (setuid programs); it still counts as alive.
    return (error as { code?: unknown }).code === 'EPERM';
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Live (non-zombie) process groups by session, from one pass over /proc; shared by every caller in one task. */
let snapshot: Map<number, number[]> | undefined;

function readSessions(): Map<number, number[]> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const sessions = new Map<number, number[]>();
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited between readdir and read
    }
    // "pid (comm) state ppid pgrp session ..." — comm may contain spaces and parentheses, so parse from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 4);
    const state = fields[0];
    if (state === 'Z' || state === 'X' || state === 'x') continue;
    const sid = Number(fields[3]);
    const pgid = Number(fields[2]);
    const groups = sessions.get(sid);
    if (groups === undefined) sessions.set(sid, [pgid]);
    else if (!groups.includes(pgid)) groups.push(pgid);
  }
  return sessions;
}

/**
 * The process groups of session `sid` that still have a member that is not a zombie. Empty means the whole tree
 * is gone. Without /proc, falls back to {@link groupExists} on the session's own group (zombies then count as
 * alive; launchd and most inits reap them promptly).
 *
 * One scan of /proc serves every call made before the event loop moves on (when many commands are cancelled at
 * once, they share it). A snapshot can only be stale in the safe direction: a process seen alive may have died
 * since, but a tree seen without live members cannot grow again — nothing is left to fork.
 */
export function liveGroups(sid: number): number[] {
  if (!hasProc) return groupExists(sid) ? [sid] : [];
  if (snapshot === undefined) {
    const sessions = readSessions();
    if (sessions === undefined) return groupExists(sid) ? [sid] : [];
    snapshot = sessions;
    setImmediate(() => {
      snapshot = undefined;
    }).unref();
  }
  return snapshot.get(sid) ?? [];
}

/**
 * Drops the shared /proc snapshot. Called after every spawn: a snapshot taken before a session existed would
 * report that session gone.
 */
export function forgetSnapshot(): void {
  snapshot = undefined;
}

/** Sends `signal` to every member of process group `pgid`. Never throws: a group that vanished meanwhile is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: it is gone already, which is what we wanted.
  }
}
