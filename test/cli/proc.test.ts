import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupAlive, groupRunning } from '../../src/cli/journal/proc.js';

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
      expect(groupAlive(zombieGroup)).toBe(true); // signal 0 still finds the zombie
      expect(groupRunning(zombieGroup)).toBe(false);
      const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]);
      expect(groupRunning(ownGroup)).toBe(true); // this very process is a member
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
