import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/common/random.js';

describe('randomBytes', () => {
  it('reads the kernel generator: bytes of the size asked, different each call', () => {
    const a = randomBytes(16);
    const b = randomBytes(16);
    expect(a).toHaveLength(16);
    expect(a.equals(b)).toBe(false);
  });

  it('takes node:crypto where the device is a regular file (fixed bytes), a link or absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-random-'));
    const planted = join(dir, 'urandom');
    writeFileSync(planted, Buffer.alloc(64, 7));
    symlinkSync('/dev/urandom', join(dir, 'link'));
    for (const device of [planted, join(dir, 'link'), join(dir, 'absent')]) {
      const bytes = randomBytes(32, device);
      expect(bytes).toHaveLength(32);
      expect(bytes.equals(Buffer.alloc(32, 7))).toBe(false);
    }
  });

  it('does not block on a FIFO planted as the device', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-random-'));
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Opening a FIFO to read without O_NONBLOCK waits for a writer: this one comes after 20 s, so that a regression
    // fails this test (by the time it took) instead of hanging the suite.
    const writer = spawn('sh', ['-c', 'sleep 20; : > "$0"', fifo], { stdio: 'ignore', detached: true });
    try {
      const started = Date.now();
      const bytes = randomBytes(8, fifo);
      expect(bytes).toHaveLength(8);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      process.kill(-(writer.pid ?? 0), 'SIGKILL'); // its group: the shell and its sleep
    }
  });
});
