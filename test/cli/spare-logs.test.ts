// The log files of spare supervisors left behind by a server killed with its spare: removed only when verifiably theirs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeOrphanSpareLogs } from '../../src/cli/background/spare.js';
import { tempDir } from './helpers.js';

const startOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
};

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('removeOrphanSpareLogs', () => {
  it.skipIf(process.platform !== 'linux' || process.env.FANOUT_PROC_FALLBACK === 'ps')('removes the files of gone servers only, and only regular files', () => {
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    const dead = spawnSync('true').pid;
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(live);
    const livePid = live.pid as number;
    const names = {
      dead: `.spare-${dead}-${startOf(process.pid)}-0123456789ab.log`,
      reused: `.spare-${livePid}-${Number(startOf(livePid)) + 1000}-0123456789ab.log`,
      live: `.spare-${livePid}-${startOf(livePid)}-0123456789ab.log`,
      self: `.spare-${process.pid}-${startOf(process.pid)}-0123456789ab.log`,
      unknown: `.spare-${dead}-unknown-0123456789ab.log`,
      old: '.spare-0123456789ab.log',
      other: `x.spare-${dead}-1-0123456789ab.log`,
    };
    for (const name of Object.values(names)) writeFileSync(join(logDir, name), '');
    const target = join(logDir, 'target');
    writeFileSync(target, 'kept');
    const link = `.spare-${dead}-2-0123456789ab.log`;
    symlinkSync(target, join(logDir, link));
    removeOrphanSpareLogs(logDir);
    expect(readdirSync(logDir).sort()).toEqual([names.live, names.self, names.unknown, names.old, names.other, link, 'target'].sort());
    expect(readFileSync(target, 'utf8')).toBe('kept');
  });
});
