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
 * left; then the watchdog exits. A session whose leader cannot be verified (it exited, its pid was reused) is left
 * alone and named on stderr: fanout never signals a process whose identity it has not verified.
 *
 * Linux only (/proc); elsewhere it verifies nothing and so signals nothing. Plain JavaScript on purpose: the worker
 * runs it with Node's own loader, from src/ in the tests and from dist/ (its own tsdown entry) in the package.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** How long a terminated check may take to end before SIGKILL. */
const GRACE_MS = 1000;
const POLL_MS = 50;

/** @type {Map<number, string>} leader pid → its start time */
const sessions = new Map();
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
    else sessions.delete(pid);
  }
});
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
 * The live (non-zombie) process groups of the given sessions, from one pass over /proc.
 * @param {Set<number>} sids
 * @returns {Set<number>}
 */
function liveGroups(sids) {
  const groups = new Set();
  let names = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return groups;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = stat(name);
    if (entry !== undefined && sids.has(entry.sid) && !dead(entry.state)) groups.add(entry.pgid);
  }
  return groups;
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
  /** @type {Set<number>} */
  const verified = new Set();
  for (const [pid, start] of sessions) {
    const leader = stat(pid);
    if (leader !== undefined && !dead(leader.state) && leader.start === start && leader.pgid === pid && leader.sid === pid && pid > 1 && pid !== process.pid) {
      verified.add(pid);
    } else {
      process.stderr.write(`fanout watchdog: the worker died; check session ${pid} left alone: its leader is gone or no longer the process that was started\n`);
    }
  }
  sessions.clear();
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
