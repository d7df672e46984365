// Whether a background run without a journal is still starting or failed to start, told from its supervisor's record.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFolder, launchPhase, newRunId, processRecord, recordedProcessGone, recordLaunch } from '../../../src/checks/index.js';
import { LAUNCH_FILE } from '../../../src/checks/state/runs.js';
import { canUnshare, inOtherNamespace, ownNamespace } from '../../other-namespace.js';

const linux = process.platform === 'linux' && process.env.FANOUT_PROC_FALLBACK !== 'ps';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process of this namespace, killed at the end of the test. */
function liveChild(): number {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

/** A run folder without a journal; returns its log dir and id. */
function runFolder(): { logDir: string; id: string } {
  const logDir = mkdtempSync(join(tmpdir(), 'fanout-launch-'));
  const id = newRunId();
  createRunFolder(join(logDir, id));
  return { logDir, id };
}

/** A run folder without a journal whose launch record says `record` (a planted or another fanout's file). */
function plantLaunch(record: unknown): { logDir: string; id: string } {
  const { logDir, id } = runFolder();
  writeFileSync(join(logDir, id, LAUNCH_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return { logDir, id };
}

describe('launchPhase', () => {
  it.skipIf(!linux)('records the PID namespace with the supervisor', () => {
    const { logDir, id } = runFolder();
    const pid = liveChild();
    recordLaunch(join(logDir, id), pid);
    const record = JSON.parse(readFileSync(join(logDir, id, LAUNCH_FILE), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ pid, pid_ns: ownNamespace() });
    expect(launchPhase(logDir, id)).toBe('starting');
  });

  it.skipIf(!linux)('says failed only for a gone supervisor of this PID namespace', () => {
    const dead = processRecord(spawnSync('true').pid);
    // Its start time could not be read after it exited: that of a process long gone from this pid.
    const gone = { ...dead, pid_start: processRecord(process.pid).pid_start };
    expect(gone.pid_ns).toBe(ownNamespace());
    const own = plantLaunch(gone);
    expect(launchPhase(own.logDir, own.id)).toBe('failed');
    // A supervisor of another namespace (a container sharing the folder), or of a fanout that recorded none: its pid
    // means another process here, so whether it runs cannot be told.
    for (const record of [{ ...gone, pid_ns: ownNamespace() + 1 }, { ...gone, pid_ns: null }, { pid: gone.pid, pid_start: gone.pid_start, boot_id: gone.boot_id }]) {
      expect(recordedProcessGone(record)).toBe(false);
      const planted = plantLaunch(record);
      expect(launchPhase(planted.logDir, planted.id)).toBeUndefined();
    }
    // A live process of this namespace named under another: never taken for that supervisor running.
    const live = processRecord(liveChild());
    const ownLive = plantLaunch(live);
    expect(launchPhase(ownLive.logDir, ownLive.id)).toBe('starting');
    const otherLive = plantLaunch({ ...live, pid_ns: ownNamespace() + 1 });
    expect(launchPhase(otherLive.logDir, otherLive.id)).toBeUndefined();
    // Another boot's processes are all gone, in whatever namespace.
    const otherBoot = plantLaunch({ ...gone, pid_ns: ownNamespace() + 1, boot_id: 'another-boot' });
    expect(launchPhase(otherBoot.logDir, otherBoot.id)).toBe('failed');
  });

  it.skipIf(!canUnshare)('never says failed for a live supervisor of another PID namespace', async () => {
    const inner = await inOtherNamespace();
    children.push(inner.child);
    expect(inner.ns).not.toBe(ownNamespace());
    const record = { pid: inner.pid, pid_start: inner.start, pid_ns: inner.ns, boot_id: processRecord(process.pid).boot_id };
    expect(recordedProcessGone(record)).toBe(false);
    const { logDir, id } = plantLaunch(record);
    expect(launchPhase(logDir, id)).toBeUndefined();
  });
});
