// The log files of spare supervisors left behind by a server killed with its spare: removed only when verifiably theirs.
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeOrphanSpareLogs, spareLogName } from '../../src/cli/background/spare.js';
import { processRecord } from '../../src/checks/index.js';
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

  it.skipIf(process.platform !== 'linux' || process.env.FANOUT_PROC_FALLBACK === 'ps')('removes the files of servers of another boot in any namespace, only regular files of one link', () => {
    const ns = ownNamespace();
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    const own = processRecord(process.pid);
    expect(own.boot_id).not.toBeNull();
    // This very process, named as of another boot: its pid and start time there say nothing of it here.
    const otherBoot = { ...own, boot_id: '00000000-0000-4000-8000-000000000000' };
    const names = {
      otherBoot: spareLogName(otherBoot, '0123456789ab'),
      otherBootOtherNamespace: spareLogName({ ...otherBoot, pid_ns: ns + 1 }, '0123456789ac'),
      otherBootNoNamespace: spareLogName({ ...otherBoot, pid_ns: null }, '0123456789ad'),
      // This boot: a live server of another namespace, a live one here (this process), one of no readable boot.
      thisBootOtherNamespace: spareLogName({ ...own, pid_ns: ns + 1 }, '0123456789ae'),
      live: spareLogName(own, '0123456789af'),
      noBoot: spareLogName({ ...own, pid_ns: ns + 1, boot_id: null }, '0123456789b0'),
      // A server without a start time to read: gone once of another boot; of this one, it cannot be verified gone.
      otherBootNoStart: spareLogName({ ...otherBoot, pid_start: null }, '0123456789b3'),
      thisBootNoStart: spareLogName({ ...own, pid: spawnSync('true').pid, pid_start: null }, '0123456789b4'),
    };
    expect(names.otherBootNoStart).toContain('-unknown-');
    expect(names.live).toMatch(/^\.spare-\d+-\d+-\d+-[0-9a-f]{16}-0123456789af\.log$/);
    for (const name of Object.values(names)) writeFileSync(join(logDir, name), '');
    // Named as of another boot, but a link, or a file with another name too: not the file a server made.
    const target = join(logDir, 'target');
    writeFileSync(target, 'kept');
    const link = spareLogName(otherBoot, '0123456789b1');
    symlinkSync(target, join(logDir, link));
    const hardLink = spareLogName({ ...otherBoot, pid_ns: ns + 1 }, '0123456789b2');
    linkSync(target, join(logDir, hardLink));
    removeOrphanSpareLogs(logDir);
    expect(readdirSync(logDir).sort()).toEqual([names.thisBootOtherNamespace, names.live, names.noBoot, names.thisBootNoStart, link, hardLink, 'target'].sort());
    expect(readFileSync(target, 'utf8')).toBe('kept');
  });

  it.skipIf(!canUnshare)('leaves the file of a live server in another PID namespace', async () => {
    const inner = await inOtherNamespace();
    children.push(inner.child);
    expect(inner.ns).not.toBe(ownNamespace());
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    // Named as fanout there names it now, as it named it before boots were recorded, and before namespaces were.
    const names = [
      spareLogName({ pid: inner.pid, pid_start: inner.start, pid_ns: inner.ns, boot_id: processRecord(process.pid).boot_id }, '0123456789ac'),
      `.spare-${inner.pid}-${inner.start}-${inner.ns}-0123456789ab.log`,
      `.spare-${inner.pid}-${inner.start}-0123456789ab.log`,
    ];
    for (const name of names) writeFileSync(join(logDir, name), '');
    removeOrphanSpareLogs(logDir);
    expect(readdirSync(logDir).sort()).toEqual(names.sort());
  });
});

