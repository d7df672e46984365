// @ts-check
/**
 * The watchdog of a fanout worker's checks: a small process the worker starts once, in a session of its own, holding
 * the read end of a pipe whose write end only the worker has. The kernel closes that pipe when the worker dies, by
 * whatever means (`kill -9` included, which the worker cannot intercept); the watchdog then terminates the checks the
 * worker was running, so none of them outlives it and runs beside the copy another worker starts.
 *
 * Protocol, one line each on stdin:
 * - `+ <pid> <start>`: a check's shell started, leader of its own session and process group `<pid>`, with the start
 *   time `<start>` (field 22 of /proc/<pid>/stat) the worker read while the shell was its unreaped child;
 * - `- <pid>`: that check's process tree is gone (nothing to do for it any more).
 * End of input: every session still listed whose leader is verified — alive, not a zombie, started at `<start>`, still
 * leading its group and session — gets SIGTERM in each of its live process groups, SIGKILL after a second for what is
 * left; then the watchdog exits.
 *
 * A session can outlive its leader: the shell exited, and what it left in the background is being terminated by the
 * worker (its pipes' 100 ms, then the kill grace). Such a session is followed from the moment its leader was last
 * verified (by the worker at registration, then by the watchdog every {@link FOLLOW_MS}): while any process of the
 * session lives, the kernel does not hand its id to another process, so its live members found by a scan of /proc are
 * still the check's. Each tick scans the followed sessions until none of their members is left (they are then
 * forgotten, never signalled); at the end of input, the live groups of followed sessions, and of listed sessions whose
 * leader exited since the last tick, are signalled too. A session whose leader's pid now belongs to another process
 * (so none of the session was left to hold the id) is left alone and named on stderr: fanout never signals a process
 * whose identity it has not verified.
 *
 * Linux only (/proc); elsewhere it verifies nothing and so signals nothing. Plain JavaScript on purpose: the worker
 * runs it with Node's own loader, from src/ in the tests and from dist/ (its own tsdown entry) in the package.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** How long a terminated check may take to end before SIGKILL. */
const GRACE_MS = 1000;
const POLL_MS = 50;
/** How often the leaders of the listed sessions are checked (a stat file each), and leaderless sessions scanned. */
const FOLLOW_MS = 100;

/** @type {Map<number, string>} leader pid → its start time */
const sessions = new Map();
/** @type {Set<number>} sessions whose leader exited after it was verified, with live groups at the last tick */
const followed = new Set();
let buffered = '';

process.stdin.setEncoding('latin1');
process.stdin.on('data', (/** @type {string} */ chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) !== -1) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    const match = /^([+-]) (\d{1,10})(?: (\d{1,20}))?$/.exec(line);
    if (match === null) continue;
    const pid = Number(match[2]);
    if (match[1] === '+' && match[3] !== undefined) sessions.set(pid, match[3]);
    else {
      sessions.delete(pid);
      followed.delete(pid);
    }
  }
});

/** Checks the leaders; follows the sessions whose leader exited while it was verified, until they are empty. */
const follow = setInterval(() => {
  for (const [pid, start] of sessions) {
    const state = leaderState(pid, start);
    if (state === 'verified') continue;
    sessions.delete(pid);
    // Verified at the last tick, gone now: the rest of its session is followed from here.
    if (state === 'gone') followed.add(pid);
  }
  if (followed.size > 0) {
    const live = liveSessions(followed);
    for (const sid of followed) if (!live.has(sid)) followed.delete(sid);
  }
}, FOLLOW_MS);
follow.unref();
process.stdin.on('end', () => void stopAll());
process.stdin.on('error', () => void stopAll());

/**
 * `/proc/<pid>/stat`, parsed: fields counted from the last ')' (the command name may hold spaces and parentheses).
 * @param {number | string} pid
 * @returns {{ state: string; pgid: number; sid: number; start: string } | undefined}
 */
function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return undefined;
  return { state: fields[0] ?? '', pgid: Number(fields[2]), sid: Number(fields[3]), start: fields[19] ?? '' };
}

/** @param {string} state */
const dead = (state) => state === 'Z' || state === 'X' || state === 'x';

/**
 * What became of the leader of a listed session: `verified` (alive, not a zombie, started at `start`, leading its group
 * and session), `gone` (exited: the rest of its session, if any, is followed), or `other` (its pid is another
 * process's, or not one fanout may touch: leave it alone).
 * @param {number} pid
 * @param {string} start
 * @returns {'verified' | 'gone' | 'other'}
 */
function leaderState(pid, start) {
  if (pid <= 1 || pid === process.pid) return 'other';
  const leader = stat(pid);
  if (leader === undefined) return 'gone';
  if (leader.start !== start) return 'other';
  if (dead(leader.state)) return 'gone';
  return leader.pgid === pid && leader.sid === pid ? 'verified' : 'other';
}

/**
 * Which of the given sessions still have a live (non-zombie) member, from one pass over /proc.
 * @param {Set<number>} sids
 * @returns {Set<number>}
 */
function liveSessions(sids) {
  const live = new Set();
  for (const { sid } of members(sids)) live.add(sid);
  return live;
}

/**
 * The live (non-zombie) members of the given sessions.
 * @param {Set<number>} sids
 * @returns {{ sid: number; pgid: number }[]}
 */
function members(sids) {
  /** @type {{ sid: number; pgid: number }[]} */
  const found = [];
  let names = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = stat(name);
    if (entry !== undefined && sids.has(entry.sid) && !dead(entry.state)) found.push(entry);
  }
  return found;
}

/**
 * The live (non-zombie) process groups of the given sessions, from one pass over /proc.
 * @param {Set<number>} sids
 * @returns {Set<number>}
 */
function liveGroups(sids) {
  return new Set(members(sids).map((entry) => entry.pgid));
}

/**
 * @param {Set<number>} groups
 * @param {NodeJS.Signals} signal
 */
function signalAll(groups, signal) {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

async function stopAll() {
  clearInterval(follow);
  /** @type {Set<number>} sessions verified now, or followed since their leader exited */
  const verified = new Set(followed);
  for (const [pid, start] of sessions) {
    if (leaderState(pid, start) !== 'other') verified.add(pid);
    else process.stderr.write(`fanout watchdog: the worker died; check session ${pid} left alone: its leader's pid belongs to another process now\n`);
  }
  sessions.clear();
  followed.clear();
  if (verified.size > 0) {
    process.stderr.write(`fanout watchdog: the worker died; terminating the check session(s) ${[...verified].join(', ')}\n`);
    // From here on, the sessions are followed as the worker's own termination follows them: a group seen alive in a
    // scan a moment ago is signalled, one seen gone never again.
    let groups = liveGroups(verified);
    signalAll(groups, 'SIGTERM');
    const deadline = Date.now() + GRACE_MS;
    while (groups.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      groups = liveGroups(verified);
    }
    signalAll(groups, 'SIGKILL');
  }
  process.exit(0);
}
