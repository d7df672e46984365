// sweepSessions: what a run's checks left running in their sessions is terminated at the end of the run — SIGTERM
// first, SIGKILL after the grace to what ignores it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sweepSessions } from '../../src/cli/kill-groups.js';
import { sessionMembers, waitFor } from '../exec/proc.js';

/** A session of its own whose processes are ready once `count` of them run (the shell and its sleeps). */
async function session(script: string, count: number): Promise<{ sid: number; exited: Promise<unknown> }> {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  const sid = child.pid!;
  const exited = once(child, 'exit');
  await waitFor(() => sessionMembers(sid).length >= count, 5000, `${count} processes in session ${sid}`);
  return { sid, exited };
}

describe('sweepSessions', () => {
  it('terminates every live process of the given sessions, in any of their groups, and leaves other sessions alone', async () => {
    // set -m: the background sleep gets a process group of its own, as GNU timeout's does.
    const target = await session('set -m; sleep 300 & exec sleep 300', 2);
    const bystander = await session('exec sleep 300', 1);
    try {
      expect(await sweepSessions(new Set([target.sid]), 2000)).toBe(2);
      await target.exited;
      expect(sessionMembers(target.sid)).toEqual([]);
      expect(sessionMembers(bystander.sid)).toHaveLength(1);
    } finally {
      process.kill(-bystander.sid, 'SIGKILL');
    }
  });

  it('sends SIGKILL after the grace to what ignores SIGTERM', async () => {
    // An ignored signal stays ignored across fork and exec: the shell and its sleep both ignore SIGTERM.
    const stubborn = await session("trap '' TERM; sleep 300 & wait", 2);
    expect(await sweepSessions(new Set([stubborn.sid]), 100)).toBe(2);
    const [, signal] = (await stubborn.exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    await waitFor(() => sessionMembers(stubborn.sid).length === 0, 5000, 'the session to be gone');
  });

  it('finds nothing for no session, or for sessions that are gone', async () => {
    expect(await sweepSessions(new Set(), 100)).toBe(0);
    const gone = await session('exec sleep 300', 1);
    process.kill(-gone.sid, 'SIGKILL');
    await gone.exited;
    expect(await sweepSessions(new Set([gone.sid]), 100)).toBe(0);
  });
});
