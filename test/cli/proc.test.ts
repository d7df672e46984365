import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootTicksNow, groupExists, groupRunning, processSource, uptimeTicks, isSpawnStart, processStartTime, SPAWN_START_TOLERANCE_TICKS, spawnStartTime } from '../../src/exec/processes.js';

describe.runIf(existsSync('/proc/self/stat'))('groupRunning', () => {
  it('is true for a group with a live member and false for one left with only a zombie', async () => {
    // The inner shell becomes the leader of a new session and group and exits at once; its parent then execs
    // `sleep`, which never reaps it, so the group holds nothing but a zombie (as after a dead run with no init).
    const parent = spawn('sh', ['-c', 'setsid sh -c \'echo $$\' & exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombieGroup = Number(chunk.toString().trim());
      expect(zombieGroup).toBeGreaterThan(1);
      // Wait until the inner shell has exited (its state turns Z), without timing assumptions.
      const state = (): string => readFileSync(`/proc/${zombieGroup}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';
      while (state() !== 'Z') await new Promise((resolve) => setTimeout(resolve, 5));
      expect(groupExists(zombieGroup)).toBe(true); // signal 0 still finds the zombie
      expect(groupRunning(zombieGroup)).toBe(false);
      const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]);
      expect(groupRunning(ownGroup)).toBe(true); // this very process is a member
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe.runIf(processSource() === 'proc')('spawnStartTime', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('estimates the start tick of a shell just spawned closely enough to recognise it, and no further', async () => {
    for (let i = 0; i < 20; i++) {
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      const recorded = spawnStartTime(child.pid as number);
      try {
        const actual = processStartTime(child.pid as number);
        expect(recorded).not.toBeNull();
        expect(actual).not.toBeNull();
        expect(isSpawnStart(actual as string, recorded as string)).toBe(true);
        // A process of the same pid that started half a second before or after is another one.
        expect(isSpawnStart(actual as string, String(Number(recorded) + 50))).toBe(false);
        expect(isSpawnStart(actual as string, String(Number(recorded) - 50))).toBe(false);
      } finally {
        child.kill('SIGKILL');
      }
      if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 3)); // spread the spawns over ticks
    }
  });

  it('records the start of a child whose spawner was held up after the fork (a loaded machine) as its own', () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      // The spawning thread kept from running for 300 ms between the fork and the record: an estimate from the clock
      // would now be 30 ticks late and the group no longer recognised.
      const until = Date.now() + 300;
      while (Date.now() < until);
      const recorded = spawnStartTime(child.pid as number);
      expect(isSpawnStart(processStartTime(child.pid as number) as string, recorded as string)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads the boot clock again when the monotonic clock parts from the wall clock (a suspend stops only the former)', () => {
    const first = spawn('sleep', ['30'], { stdio: 'ignore' });
    bootTicksNow(); // calibrated now, if it was not yet
    first.kill('SIGKILL');
    // Half a second of monotonic time that the boot clock and the wall clock did not see (the reverse of a suspend,
    // which is what can be simulated): without reading the boot clock again the estimate would be 50 ticks late.
    const realNow = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + 500);
    // The estimates taken just before and just after a spawn enclose its real start (give or take the rounding),
    // however long the spawn took on a loaded machine.
    const before = bootTicksNow();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const after = bootTicksNow();
    try {
      const actual = Number(processStartTime(child.pid as number));
      expect(before).not.toBeNull();
      expect(actual).toBeGreaterThanOrEqual((before as number) - 1);
      expect(actual).toBeLessThanOrEqual((after as number) + 1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('matches within the tolerance only, and compares a non-numeric record exactly', () => {
    expect(isSpawnStart('1000', '1000')).toBe(true);
    expect(isSpawnStart(String(1000 - SPAWN_START_TOLERANCE_TICKS), '1000')).toBe(true);
    expect(isSpawnStart(String(999 - SPAWN_START_TOLERANCE_TICKS), '1000')).toBe(false);
    expect(isSpawnStart('1002', '1000')).toBe(true);
    expect(isSpawnStart('1003', '1000')).toBe(false);
    expect(isSpawnStart('x', 'x')).toBe(true);
    expect(isSpawnStart('x', '1000')).toBe(false);
  });
});

describe.runIf(processSource() === 'proc')('bootTicksNow', () => {
  it('after a calibration that found no steady reading, tries again later instead of giving up for good', async () => {
    vi.resetModules();
    const fresh = await import('../../src/exec/processes.js');
    // Every clock reading lies 3 ms after the one before: no reading of the boot clock counts as steady.
    let fake = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (fake += 3));
    let ticks: number | null;
    try {
      expect(fresh.bootTicksNow()).toBeNull();
      // A second later, on a steady clock: the retry is due, and calibrates.
      now.mockImplementation(() => 10_000);
      ticks = fresh.bootTicksNow();
    } finally {
      now.mockRestore();
    }
    expect(ticks).toEqual(expect.any(Number));
    expect(Math.abs(ticks! - Number(processStartTime(process.pid)))).toBeLessThan((process.uptime() + 60) * 100);
  });

  // The end-of-run sweep remembers a settled check's session only with a boot-clock tick: a null one lost the
  // session, and what the check left behind outlived the run.
  it('gives the tick of a moment before the first steady calibration by reading the boot clock', async () => {
    vi.resetModules();
    const fresh = await import('../../src/exec/processes.js');
    let fake = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (fake += 3));
    let ticks: number | null;
    const before = uptimeTicks()!;
    try {
      expect(fresh.bootTicksNow()).toBeNull();
      ticks = fresh.bootTicksNowOrRead();
    } finally {
      now.mockRestore();
    }
    expect(ticks).toBeGreaterThanOrEqual(before);
    expect(ticks).toBeLessThanOrEqual(uptimeTicks()!);
  });

  it('calibrates in a process whose JavaScript started seconds after its fork (a loaded machine)', async () => {
    vi.resetModules();
    const fresh = await import('../../src/exec/processes.js');
    // As if Node had taken 3 s more to load than it did: the process is 3 s older than its JavaScript.
    const uptime = process.uptime();
    const late = vi.spyOn(process, 'uptime').mockReturnValue(uptime - 3);
    try {
      expect(fresh.bootTicksNow()).toEqual(expect.any(Number));
    } finally {
      late.mockRestore();
    }
  });
});
