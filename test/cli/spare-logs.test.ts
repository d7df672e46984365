// The log files of spare supervisors left behind by a server killed with its spare: removed only when verifiably theirs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeOrphanSpareLogs } from '../../src/cli/background/spare.js';
import { tempDir } from './helpers.js';
import { canUnshare, inOtherNamespace, ownNamespace } from '../other-namespace.js';

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
    const ns = ownNamespace();
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    const dead = spawnSync('true').pid;
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(live);
    const livePid = live.pid as number;
    const names = {
      dead: `.spare-${dead}-${startOf(process.pid)}-${ns}-0123456789ab.log`,
      reused: `.spare-${livePid}-${Number(startOf(livePid)) + 1000}-${ns}-0123456789ab.log`,
      live: `.spare-${livePid}-${startOf(livePid)}-${ns}-0123456789ab.log`,
      self: `.spare-${process.pid}-${startOf(process.pid)}-${ns}-0123456789ab.log`,
      unknown: `.spare-${dead}-unknown-${ns}-0123456789ab.log`,
      // A server of another PID namespace (a container sharing the folder): its pid means another process here.
      otherNamespace: `.spare-${dead}-${startOf(process.pid)}-${ns + 1}-0123456789ab.log`,
      // Named before namespaces were recorded: whose pid it is cannot be told.
      noNamespace: `.spare-${dead}-${startOf(process.pid)}-0123456789ab.log`,
      old: '.spare-0123456789ab.log',
      other: `x.spare-${dead}-1-${ns}-0123456789ab.log`,
    };
    for (const name of Object.values(names)) writeFileSync(join(logDir, name), '');
    const target = join(logDir, 'target');
    writeFileSync(target, 'kept');
    const link = `.spare-${dead}-2-${ns}-0123456789ab.log`;
    symlinkSync(target, join(logDir, link));
    removeOrphanSpareLogs(logDir);
    expect(readdirSync(logDir).sort()).toEqual(
      [names.live, names.self, names.unknown, names.otherNamespace, names.noNamespace, names.old, names.other, link, 'target'].sort(),
    );
    expect(readFileSync(target, 'utf8')).toBe('kept');
  });

  it.skipIf(!canUnshare)('leaves the file of a live server in another PID namespace', async () => {
    const inner = await inOtherNamespace();
    children.push(inner.child);
    expect(inner.ns).not.toBe(ownNamespace());
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    // Named as fanout there names it now, and as it named it before namespaces were recorded.
    const names = [`.spare-${inner.pid}-${inner.start}-${inner.ns}-0123456789ab.log`, `.spare-${inner.pid}-${inner.start}-0123456789ab.log`];
    for (const name of names) writeFileSync(join(logDir, name), '');
    removeOrphanSpareLogs(logDir);
    expect(readdirSync(logDir).sort()).toEqual(names.sort());
  });
});

