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
    // As runCommand's check(): before the shell's exit it only waits; after it, it looks, and asks for another poll
    // while the tree lives.
    let reaped = false;
    const recheck = vi.fn(() => {
      if (reaped && !killer.checkGone(true)) killer.schedulePoll();
    });
    const killer: ProcessTreeKiller = new ProcessTreeKiller(pid, 2, recheck);
    killer.terminate();
    // The first poll (1 ms): the shell is not reaped yet — the owner waits for the exit.
    vi.advanceTimersByTime(1);
    expect(recheck).toHaveBeenCalledTimes(1);
    // SIGTERM ends it; reaped, as runCommand records on 'exit' — whose look, made as the tree was still going (a
    // zombie's children, say), asked for a poll: pending now, due after the grace ends.
    await exited;
    killer.shellReaped = true;
    reaped = true;
    killer.schedulePoll();
    expect(vi.getTimerCount()).toBe(2);
    // The grace ends first (2 ms after the start; the poll asked for now is due at 3): its scan finds the tree gone and
    // clears every timer, the pending poll included; the owner hears of it.
    vi.advanceTimersByTime(1);
    expect(killer.isGone).toBe(true);
    expect(recheck).toHaveBeenCalledTimes(2);
    // And nothing is left to fire.
    expect(vi.getTimerCount()).toBe(0);
  });
});
