// The kill grace ending after the tree died: the owner is told, as a poll would have told it. The grace timer's scan
// finds the tree gone and clears the pending poll with the other timers; an owner that had looked once before the
// tree died (its shell not reaped yet) then waited for a poll that never came, and its command never ended.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessTreeKiller } from '../../src/exec/kill.js';

describe.skipIf(process.platform !== 'linux')('ProcessTreeKiller: the grace ends after the tree died', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells its owner, whose last poll is gone', async () => {
    // A session of its own, as runCommand makes: the killer signals its group.
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('sleep did not start');
    const exited = once(child, 'exit');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const recheck = vi.fn();
    const killer = new ProcessTreeKiller(pid, 2, recheck);
    killer.terminate();
    // The first poll (1 ms): the owner looks, and the shell is not reaped yet — it waits for the next poll.
    vi.advanceTimersByTime(1);
    expect(recheck).toHaveBeenCalledTimes(1);
    // SIGTERM ends it; reaped, as runCommand records on 'exit'.
    await exited;
    killer.shellReaped = true;
    // The grace ends (2 ms): its scan finds the tree gone and clears every timer; the owner hears of it.
    vi.advanceTimersByTime(1);
    expect(killer.isGone).toBe(true);
    expect(recheck).toHaveBeenCalledTimes(2);
    // And nothing is left to fire.
    expect(vi.getTimerCount()).toBe(0);
  });
});
