/**
 * Liveness and signalling of a command's process tree. Every command starts its own session (setsid), so its
 * session id, its process group id and the shell's pid are one number. Most members stay in that group; a few tools
 * (GNU `timeout`, shells with job control) move their children into a new group of the same session, so on Linux
 * the whole session is inspected and every group in it that still has a live member is signalled.
 *
 * Zombies count as gone: they hold no pipes and can run nothing, and where PID 1 does not reap orphans (containers,
 * micro-VMs) they stay forever — waiting for them would never end.
 */
import { groupExists, isZombie, listProcesses, processSource } from './processes.js';

export { groupExists } from './processes.js';

/** Live (non-zombie) process groups by session, from one pass over /proc; shared by every caller in one task. */
let snapshot: Map<number, number[]> | undefined;

function readSessions(): Map<number, number[]> | undefined {
  const entries = listProcesses();
  if (entries === undefined) return undefined;
  const sessions = new Map<number, number[]>();
  for (const { sid, pgid, state } of entries) {
    if (sid === null || isZombie(state)) continue;
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
  // Only /proc tells sessions; a `ps` run per poll would also cost far too much.
  if (processSource() !== 'proc') return groupExists(sid) ? [sid] : [];
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
