// Last-resort cleanup: SIGKILL the process group of every child of this process. Used when fanout must die now
// (a second Ctrl-C, an internal error, a broken stdout pipe) and cannot wait for the executor's graceful kill.
// Each check runs in its own process group led by the child fanout spawned, so its pid is the group id.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this process's direct children: from /proc on Linux, else from `ps`. */
export function childPids(parent = process.pid): number[] {
  try {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid …: comm may hold spaces and parentheses, so parse after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === parent) pids.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
    return pids;
  } catch {
    try {
      const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
      return out
        .split('\n')
        .map((line) => line.trim().split(/\s+/).map(Number))
        .filter(([pid, ppid]) => ppid === parent && pid !== undefined && Number.isInteger(pid))
        .map(([pid]) => pid as number);
    } catch {
      return [];
    }
  }
}

// Sessions of the checks running now: each check's shell leads its own session (pid = session id). Tracked from spawn
// until its command settled (the exec layer settles only once the whole tree is gone), because after a first SIGTERM
// the shell may be dead and reaped while a descendant that ignores TERM lives on, no longer a child of fanout.
const sessions = new Set<number>();

/** Remembers a check's session from its spawn. */
export function trackSession(sid: number): void {
  sessions.add(sid);
}

/** Forgets it once its command has settled: a session that is gone is never signalled (its id may be reused). */
export function untrackSession(sid: number): void {
  sessions.delete(sid);
}

/** Pids of every live (not zombie) process whose session is one of `sids` (from /proc; empty where there is none). */
function sessionMembers(sids: ReadonlySet<number>): number[] {
  if (sids.size === 0) return [];
  const members: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // after "pid (comm) ": state ppid pgrp session …
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] !== 'Z' && sids.has(Number(fields[3]))) members.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    // no /proc: the children scan below is all there is
  }
  return members;
}

/**
 * Sends `signal` to the process group of every child (and to the child itself, should it lead no group), and to
 * every process of the tracked check sessions, wherever its parent is.
 */
export function killChildGroups(signal: NodeJS.Signals = 'SIGKILL'): number {
  for (const pid of sessionMembers(sessions)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  const pids = childPids();
  for (const pid of pids) {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
  return pids.length;
}

/** Sends `signal` to each of `pids`, skipping those already gone. */
function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Terminates whatever is still alive in the sessions of a run's checks once all of them have settled: a background
 * process that moved to a process group of its own (GNU `timeout … &`, `set -m`) is not seen by the exec layer's
 * check of the shell's group after a normal exit, and a check writing straight into its log holds no pipe that would
 * expose it. One /proc scan for the whole run (none without /proc); SIGTERM, then SIGKILL after `graceMs` to what
 * is still there. Resolves with the number of processes found.
 */
export async function sweepSessions(sids: ReadonlySet<number>, graceMs: number): Promise<number> {
  const found = sessionMembers(sids);
  if (found.length === 0) return 0;
  signalEach(found, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  let alive = found;
  while (alive.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    alive = sessionMembers(sids);
  }
  signalEach(alive, 'SIGKILL');
  return found.length;
}
