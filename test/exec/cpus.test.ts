// The CPUs fanout may use: the smaller of what the OS reports and the cgroup's CPU quota, read under an injected
// filesystem root (test/fixtures/cgroup/<case>/proc/self/cgroup and …/sys/fs/cgroup/…).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupCpuQuota, usableCpus } from '../../src/exec/processes.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'cgroup', name);

describe('cgroupCpuQuota', () => {
  it('reads cgroup v2 cpu.max of the process cgroup, and the smallest limit of the folders above it', () => {
    expect(cgroupCpuQuota(fixture('v2-quota'))).toBe(1.5);
    expect(cgroupCpuQuota(fixture('v2-parent'))).toBe(2);
    // In a container the cgroup path names the host's folder; the namespace's own root is the mount.
    expect(cgroupCpuQuota(fixture('v2-container'))).toBe(3);
    expect(cgroupCpuQuota(fixture('tiny'))).toBe(0.5);
  });

  it('reads cgroup v1 cfs_quota_us over cfs_period_us of the cpu controller; -1 is no limit', () => {
    expect(cgroupCpuQuota(fixture('v1'))).toBe(1);
    expect(cgroupCpuQuota(fixture('v1-unlimited'))).toBeUndefined();
  });

  it('takes "max", garbage, zero, a path leaving the mount, no /proc as no limit', () => {
    for (const name of ['v2-max', 'garbage', 'zero', 'escape', 'garbage-self', 'empty']) {
      expect(cgroupCpuQuota(fixture(name)), name).toBeUndefined();
    }
    expect(cgroupCpuQuota(join(fixture('empty'), 'no-such-folder'))).toBeUndefined();
  });

  describe('planted files', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });
    const root = (cpuMax: (path: string) => void): string => {
      dir = mkdtempSync(join(tmpdir(), 'fanout-cgroup-'));
      mkdirSync(join(dir, 'proc', 'self'), { recursive: true });
      writeFileSync(join(dir, 'proc', 'self', 'cgroup'), '0::/c\n');
      mkdirSync(join(dir, 'sys', 'fs', 'cgroup', 'c'), { recursive: true });
      cpuMax(join(dir, 'sys', 'fs', 'cgroup', 'c', 'cpu.max'));
      return dir;
    };

    it('ignores a huge file, a folder and a FIFO where cpu.max should be (never blocks on the FIFO)', () => {
      expect(cgroupCpuQuota(root((file) => writeFileSync(file, `100000 100000${' '.repeat(1 << 20)}`)))).toBeUndefined();
      rmSync(dir!, { recursive: true, force: true });
      expect(cgroupCpuQuota(root((file) => mkdirSync(file)))).toBeUndefined();
      rmSync(dir!, { recursive: true, force: true });
      expect(cgroupCpuQuota(root((file) => execFileSync('mkfifo', [file])))).toBeUndefined();
    });
  });
});

describe('usableCpus', () => {
  it('is the smaller of what the OS reports and the quota rounded down, at least 1', () => {
    expect(usableCpus({ root: fixture('v2-quota'), available: 8 })).toBe(1);
    expect(usableCpus({ root: fixture('v2-container'), available: 8 })).toBe(3);
    expect(usableCpus({ root: fixture('v2-container'), available: 2 })).toBe(2);
    expect(usableCpus({ root: fixture('tiny'), available: 8 })).toBe(1);
    expect(usableCpus({ root: fixture('v2-max'), available: 6 })).toBe(6);
    expect(usableCpus({ root: fixture('garbage'), available: 0 })).toBe(1);
  });

  it('defaults to this machine: never more than os.availableParallelism()', () => {
    const cpus = usableCpus();
    expect(cpus).toBeGreaterThanOrEqual(1);
    expect(cpus).toBeLessThanOrEqual(availableParallelism());
  });
});
