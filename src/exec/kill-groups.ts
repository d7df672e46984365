// Last-resort cleanup: SIGKILL the process group of every child of this process. Used when fanout must die now
// (a second Ctrl-C, an internal error, a broken stdout pipe) and cannot wait for the executor's graceful kill.
// Each check runs in its own process group led by the child fanout spawned, so its pid is the group id.
import { isZombie, listProcesses } from './processes.js';

/** Pids of this process's direct children (from the process table: /proc, or `ps` elsewhere). */
export function childPids(parent = process.pid): number[] {
  return (listProcesses() ?? []).filter((entry) => entry.ppid === parent).map((entry) => entry.pid);
}

// Sessions of the checks running now: each check's shell leads its own session (pid = session id). Tracked from spawn
// until its command settled (the exec layer settles only once the whole tree is gone), because after a first SIGTERM
// the shell may be dead and reaped while a descendant that ignores TERM lives on, no longer a child of fanout.
const sessions = new Set<number>();

// Sessions of checks whose command settled normally, with the boot-clock tick when it did. After a normal exit the exec
// layer checks only the shell's own process group, and a check writing straight into its log holds no pipe that would
// expose a background process: one that moved to a group of its own (GNU `timeout … &`, `set -m`) lives on in the
// session. They are swept when the run ends (sweepSettled), or killed with the rest when fanout must die now.
const settled = new Map<number, number>();

/**
 * A member of a settled session that started up to this many ticks after the settle tick still counts as the
 * check's (the tick is an estimate, two ticks at most off; see bootTicksNowOrRead).
 */
const SETTLE_SLACK_TICKS = 2;

/** Remembers a check's session from its spawn. */
export function trackSession(sid: number): void {
  sessions.add(sid);
}

/**
 * Forgets it once its command has settled: a session that is gone is never signalled (its id may be reused).
 * `settledAt`: the boot-clock tick (bootTicksNowOrRead) when a command that ended normally settled — its session is then
 * remembered for the end-of-run sweep. Left out for a command the exec layer terminated (timeout, abort): it swept
 * the whole session already. null (no usable boot clock): not remembered, as nothing could tell a reused id apart.
 */
export function untrackSession(sid: number, settledAt?: number | null): void {
  sessions.delete(sid);
  if (settledAt !== undefined && settledAt !== null) settled.set(sid, settledAt);
}

interface Member {
  pid: number;
  sid: number;
  /** Start time in ticks since boot (field 22 of /proc/<pid>/stat). */
  start: number;
}

/** Every live (not zombie) process whose session passes `wanted` (empty where the table tells no sessions: `ps`). */
function scanSessions(wanted: (sid: number) => boolean): Member[] {
  const members: Member[] = [];
  for (const { pid, sid, state, start } of listProcesses() ?? []) {
    if (sid !== null && start !== null && !isZombie(state) && wanted(sid)) members.push({ pid, sid, start: Number(start) });
  }
  return members;
}

/**
 * The members of settled sessions, among the processes `found`, that are still the checks' own. A session id is free
 * for reuse once the last process of the session is gone, so a session none of whose live processes started before
 * its check settled is someone else's, and is left alone. `sessions`: settle ticks by session id. `confirmed`:
 * sessions found to be the checks' at an earlier scan and found non-empty at every scan since — their id cannot
 * have been reused in between, so the processes a leftover forked meanwhile count too. Updated in place.
 */
function settledMembers(found: readonly Member[], sessions: ReadonlyMap<number, number>, confirmed: Set<number>): Member[] {
  const bySession = new Map<number, Member[]>();
  for (const member of found) {
    if (!sessions.has(member.sid)) continue;
    const list = bySession.get(member.sid);
    if (list === undefined) bySession.set(member.sid, [member]);
    else list.push(member);
  }
  for (const sid of confirmed) if (!bySession.has(sid)) confirmed.delete(sid);
  const own: Member[] = [];
  for (const [sid, members] of bySession) {
    const tick = sessions.get(sid)!;
    if (confirmed.has(sid) || members.some((member) => member.start <= tick + SETTLE_SLACK_TICKS)) {
      confirmed.add(sid);
      own.push(...members);
    }
  }
  return own;
}

/** Sends `signal` to each of `pids`, skipping those already gone. */
function signalEach(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Last-resort cleanup when the process must die now (a second Ctrl-C, an internal error) and cannot wait for a run's
 * graceful kill: sends `signal` to the process group of every child (and to the child itself, should it lead no
 * group), and to every process of the tracked check sessions — running, or settled with something left in them —
 * wherever its parent is. Returns how many processes or groups were signalled.
 *
 * @param signal @default 'SIGKILL'
 * @example
 * ```ts
 * import { killChildGroups } from 'fanout/checks';
 *
 * process.on('uncaughtException', () => {
 *   killChildGroups('SIGKILL');
 *   process.exit(70);
 * });
 * ```
 */
export function killChildGroups(signal: NodeJS.Signals = 'SIGKILL'): number {
  // One scan for both: the sessions running now (all their members) and the settled ones (those still the checks').
  const found = scanSessions((sid) => sessions.has(sid) || settled.has(sid));
  signalEach(found.filter((member) => sessions.has(member.sid)).map((member) => member.pid), signal);
  signalEach(settledMembers(found, settled, new Set()).map((member) => member.pid), signal);
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

/**
 * Terminates what the checks of a run left alive in their sessions once all of them have settled (see `settled`):
 * one /proc scan when nothing is left (none without /proc: Linux only), SIGTERM to every process found — also to those
 * forked while it waits — and SIGKILL after `graceMs` to what is still there. Sessions whose id was reused by someone
 * else are never touched. Forgets the settled sessions; resolves with the number of processes signalled.
 */
export async function sweepSettled(graceMs: number): Promise<number> {
  if (settled.size === 0) return 0;
  // The sessions settled until now: taken out at once, so a run that settles more meanwhile keeps its own.
  const sessions = new Map(settled);
  for (const sid of sessions.keys()) settled.delete(sid);
  const confirmed = new Set<number>();
  const signalled = new Set<string>();
  const deadline = performance.now() + graceMs;
  const scan = () => settledMembers(scanSessions((sid) => sessions.has(sid)), sessions, confirmed);
  let members = scan();
  for (let wait = 1; members.length > 0; wait = Math.min(wait * 2, 50)) {
    for (const member of members) {
      const key = `${member.pid}:${member.start}`;
      if (signalled.has(key)) continue;
      signalled.add(key);
      signalEach([member.pid], 'SIGTERM');
    }
    if (performance.now() >= deadline) {
      signalEach(members.map((member) => member.pid), 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    members = scan();
  }
  return signalled.size;
}
