// The end-of-run sweep: what the checks of a run left alive in their sessions after settling normally is terminated
// — SIGTERM first, SIGKILL after the grace to what ignores it — and a session whose id someone else took is left alone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { bootTicksNow, processStartTime } from '../../src/exec/processes.js';
import { sweepSettled, trackSession, untrackSession } from '../../src/exec/kill-groups.js';
import { groupOf, sessionMembers, waitFor } from '../exec/proc.js';

const started: number[] = [];

afterEach(() => {
  // Every process of the sessions, whatever group it moved to.
  for (const sid of started.splice(0)) {
    for (const member of sessionMembers(sid)) {
      try {
        process.kill(member.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

/** A session of its own, ready once `count` of its processes run. */
async function session(script: string, count: number): Promise<{ sid: number; exited: Promise<unknown[]> }> {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  const sid = child.pid!;
  started.push(sid);
  const exited = once(child, 'exit');
  await waitFor(() => sessionMembers(sid).length >= count, 5000, `${count} processes in session ${sid}`);
  return { sid, exited };
}

/** Registers a session as a check's that settled at `tick` (now, by default). */
function settle(sid: number, tick: number | null = bootTicksNow()): void {
  trackSession(sid);
  untrackSession(sid, tick);
}

describe.runIf(bootTicksNow() !== null)('sweepSettled', () => {
  it('terminates every live process of a settled session, in any of its groups, and leaves other sessions alone', async () => {
    // GNU timeout moves itself and its sleep to a process group of their own.
    const target = await session('timeout 300 sleep 300 & exec sleep 300', 3);
    const groups = () => new Set(sessionMembers(target.sid).map((member) => groupOf(member.pid)?.pgid)).size;
    await waitFor(() => groups() === 2, 5000, 'the background sleep in a group of its own');
    const bystander = await session('exec sleep 300', 1);
    settle(target.sid);
    expect(await sweepSettled(2000)).toBe(3);
    await target.exited;
    expect(sessionMembers(target.sid)).toEqual([]);
    expect(sessionMembers(bystander.sid)).toHaveLength(1);
    expect(await sweepSettled(2000)).toBe(0); // forgotten once swept
  });

  it('sends SIGKILL after the grace to what ignores SIGTERM', async () => {
    // An ignored signal stays ignored across fork and exec: the shell and its sleep both ignore SIGTERM.
    const stubborn = await session("trap '' TERM; sleep 300 & wait", 2);
    settle(stubborn.sid);
    expect(await sweepSettled(100)).toBe(2);
    const [, signal] = await stubborn.exited;
    expect(signal).toBe('SIGKILL');
    await waitFor(() => sessionMembers(stubborn.sid).length === 0, 5000, 'the session to be gone');
  });

  it('leaves a session alone whose processes all started after the check settled: its id was reused', async () => {
    const other = await session('exec sleep 300', 1);
    const start = Number(processStartTime(other.sid));
    // As if a check's session with this id had settled 50 ms before this process started.
    settle(other.sid, start - 5);
    expect(await sweepSettled(100)).toBe(0);
    expect(sessionMembers(other.sid)).toHaveLength(1);
  });

  it('finds nothing for sessions that are gone, and remembers none a terminated command left (no tick)', async () => {
    const gone = await session('exec sleep 300', 1);
    process.kill(-gone.sid, 'SIGKILL');
    await gone.exited;
    settle(gone.sid);
    expect(await sweepSettled(100)).toBe(0);
    // Beside a session that is swept: the one left without a tick is not.
    const terminated = await session('exec sleep 300', 1);
    trackSession(terminated.sid);
    untrackSession(terminated.sid);
    const swept = await session('exec sleep 300', 1);
    settle(swept.sid);
    expect(await sweepSettled(2000)).toBe(1);
    expect(sessionMembers(swept.sid)).toEqual([]);
    expect(sessionMembers(terminated.sid)).toHaveLength(1);
  });
});
