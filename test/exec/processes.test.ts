// The process table module: both sources (/proc and `ps`) parse to the same facts, and identity checks refuse
// everything they cannot prove. Runs with the `/proc` source and, in CI, again with FANOUT_PROC_FALLBACK=ps.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bootId,
  groupIdentity,
  isSpawnStart,
  listProcesses,
  parseLstart,
  parsePs,
  parseStat,
  processIdentity,
  processSource,
  processStartTime,
  readProcess,
  spawnStartTime,
} from '../../src/exec/processes.js';
import { waitFor } from './proc.js';

const children: ChildProcess[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('parsers', () => {
  it('parses a /proc stat line whose command name holds spaces and parentheses', () => {
    const fields = ['S', '1', '77', '77', '0', '-1', '4194560', ...Array<string>(12).fill('0'), '41924', '0'];
    expect(parseStat(4242, `4242 (a) b (c) ${fields.join(' ')}\n`)).toEqual({ pid: 4242, ppid: 1, pgid: 77, sid: 77, state: 'S', start: '41924' });
    expect(parseStat(4242, '4242 (cut')).toBeUndefined();
    expect(parseStat(4242, '4242 (x) S 1 2')).toBeUndefined();
  });

  it('reads ps lstart in the C locale and UTC as whole seconds since the epoch, and nothing else', () => {
    expect(parseLstart('Sun Dec  6 03:15:54 2026')).toBe(`@${Date.UTC(2026, 11, 6, 3, 15, 54) / 1000}`);
    expect(parseLstart('Mon Jan 12 23:59:59 2026 ')).toBe(`@${Date.UTC(2026, 0, 12, 23, 59, 59) / 1000}`);
    expect(parseLstart('Sun Foo  6 03:15:54 2026')).toBeNull();
    expect(parseLstart('6 déc. 03:15:54 2026')).toBeNull();
    expect(parseLstart('')).toBeNull();
  });

  it('parses ps rows, skipping lines of another shape', () => {
    const rows = parsePs('  PID  PPID\n  12     1    12 Ss   Sun Dec  6 03:15:54 2026\n13 12 12 Z+ Sun Dec  6 03:15:55 2026\nnoise\n');
    expect(rows).toEqual([
      { pid: 12, ppid: 1, pgid: 12, sid: null, state: 'S', start: parseLstart('Sun Dec  6 03:15:54 2026') },
      { pid: 13, ppid: 12, pgid: 12, sid: null, state: 'Z', start: parseLstart('Sun Dec  6 03:15:55 2026') },
    ]);
  });

  it('never matches start times of different sources, and matches estimates within their tolerance', () => {
    expect(isSpawnStart('@100', '100')).toBe(false);
    expect(isSpawnStart('100', '@100')).toBe(false);
    expect(isSpawnStart('@97', '@100')).toBe(true);
    expect(isSpawnStart('@96', '@100')).toBe(false);
    expect(isSpawnStart('@101', '@100')).toBe(true);
    expect(isSpawnStart('@102', '@100')).toBe(false);
    expect(isSpawnStart('1e3', '1000')).toBe(false);
  });
});

describe.runIf(existsSync('/proc/self/stat'))('the ps fallback on Linux', () => {
  it('gives the start time /proc gives, to the second', () => {
    const output = execFileSync('ps', ['-p', String(process.pid), '-o', 'pid=,ppid=,pgid=,stat=,lstart='], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
    const [row] = parsePs(output);
    const stat = parseStat(process.pid, readFileSync('/proc/self/stat', 'latin1'))!;
    expect(row).toMatchObject({ pid: process.pid, ppid: stat.ppid, pgid: stat.pgid });
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1]);
    const fromProc = btime + Math.floor(Number(stat.start) / 100);
    expect(Math.abs(Number(row!.start!.slice(1)) - fromProc)).toBeLessThanOrEqual(1);
  });

  it('is what FANOUT_PROC_FALLBACK=ps selects', async () => {
    vi.stubEnv('FANOUT_PROC_FALLBACK', 'ps');
    vi.resetModules();
    const fresh = await import('../../src/exec/processes.js');
    expect(fresh.processSource()).toBe('ps');
    expect(fresh.processStartTime(process.pid)).toMatch(/^@\d+$/);
    expect(fresh.readProcess(process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid, sid: null });
  });
});

describe.runIf(processSource() !== 'none')('the process table', () => {
  it('shows this process, its parent and its group, in the format of its source', () => {
    const own = readProcess(process.pid);
    expect(own).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(own?.start).toMatch(processSource() === 'proc' ? /^\d+$/ : /^@\d+$/);
    // The same process in a scan (its state letter may have changed in between: running, sleeping).
    const scanned = listProcesses()?.find((entry) => entry.pid === process.pid);
    expect(scanned && { ...scanned, state: own?.state }).toEqual(own);
    expect(readProcess(0)).toBeUndefined();
    expect(readProcess(-1)).toBeUndefined();
  });

  it('proves the identity of a live process only with its start time, and refuses the rest with a reason', async () => {
    const child = sleeper();
    const pid = child.pid!;
    await waitFor(() => processStartTime(pid) !== null, 10_000, 'the sleeper in the table');
    const start = processStartTime(pid)!;
    expect(processIdentity(pid, start)).toEqual({ ok: true });
    expect(processIdentity(pid, spawnStartTime(pid))).toEqual({ ok: true });
    expect(groupIdentity(pid, start)).toEqual({ ok: true });
    expect(processIdentity(pid, null)).toEqual({ ok: false, reason: 'no-start' });
    expect(processIdentity(pid, start.startsWith('@') ? '@1' : '1')).toEqual({ ok: false, reason: 'other-process' });
    for (const bad of [0, 1, -pid, 2.5, NaN, String(pid), process.pid]) expect(processIdentity(bad, start)).toEqual({ ok: false, reason: 'bad-id' });
    expect(groupIdentity(readProcess(process.pid)!.pgid, processStartTime(readProcess(process.pid)!.pgid))).toEqual({ ok: false, reason: 'bad-id' });
    process.kill(pid, 'SIGKILL');
    await once(child, 'exit');
    expect(processIdentity(pid, start)).toEqual({ ok: false, reason: 'gone' });
  });

  it('does not take a process for the leader of a group it no longer leads', async () => {
    // Spawned into this process's group: its pid names no group, whatever its start time.
    const child = spawn('/bin/sh', ['-c', 'exec sleep 300'], { stdio: 'ignore' });
    children.push(child);
    await waitFor(() => processStartTime(child.pid!) !== null, 10_000, 'the child in the table');
    expect(groupIdentity(child.pid, processStartTime(child.pid!))).toEqual({ ok: false, reason: 'gone' });
    child.kill('SIGKILL');
  });

  it('reads the boot id once, the same each time', () => {
    const id = bootId();
    if (existsSync('/proc/sys/kernel/random/boot_id')) expect(id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim());
    expect(bootId()).toBe(id);
  });
});
