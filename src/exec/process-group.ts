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
 * Groups with a member that is not a zombie, from one `ps` run, and when it was taken (performance.now()). A `ps`
 * run costs tens of milliseconds: it is read again at most every {@link PS_INTERVAL_MS}, and only for a group that
 * still has members.
 */
let psSnapshot: { running: Set<number>; at: number } | undefined;
const PS_INTERVAL_MS = 200;

function readRunningGroups(): Set<number> | undefined {
  const entries = listProcesses();
  if (entries === undefined) return undefined;
  const running = new Set<number>();
  for (const { pgid, state } of entries) if (!isZombie(state)) running.add(pgid);
  return running;
}

/**
 * The process groups of session `sid` that still have a member that is not a zombie. Empty means the whole tree
 * is gone. Without /proc (the `ps` source), only the session's own group is looked at (`ps` tells no sessions): a
 * group that still has members is looked up in a `ps` table read at most every 200 ms — zombies count as gone there
 * too, or a terminated tree would wait for whoever reaps its orphans (some inits take seconds, some never do).
 *
 * One scan of /proc serves every call made before the event loop moves on (when many commands are cancelled at
 * once, they share it). A snapshot can only be stale in the safe direction: a process seen alive may have died
 * since, but a tree seen without live members cannot grow again — nothing is left to fork.
 */
export function liveGroups(sid: number): number[] {
  if (processSource() !== 'proc') {
    if (!groupExists(sid)) return [];
    const now = performance.now();
    if (psSnapshot === undefined || now - psSnapshot.at >= PS_INTERVAL_MS) {
      const running = processSource() === 'ps' ? readRunningGroups() : undefined;
      // No table: any member counts.
      if (running === undefined) return [sid];
      psSnapshot = { running, at: now };
    }
    return psSnapshot.running.has(sid) ? [sid] : [];
  }
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
 * Drops the shared snapshots (/proc's, `ps`'s). Called after every spawn: a snapshot taken before a session existed
 * would report that session gone.
 */
export function forgetSnapshot(): void {
  snapshot = undefined;
  psSnapshot = undefined;
}

/** Sends `signal` to every member of process group `pgid`. Never throws: a group that vanished meanwhile is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: it is gone already, which is what we wanted.
  }
}
