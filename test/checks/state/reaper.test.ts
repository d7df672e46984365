// The reaper of dead runs and `fanout cancel` signal only what they can prove is the run's: a process group whose
// leader is alive and started when the journal says, recorded during this boot of the machine. Each planted journal
// names a real sleeping process (in a group of its own) as the would-be victim; every signal sent is recorded, and
// those aimed at anything but the test's own children are not delivered (a regression must not take the test run
// down with it). Runs with the `/proc` source and, in CI, again with FANOUT_PROC_FALLBACK=ps.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { readJournal, runState } from '../../../src/checks/state/journal.js';
import { isLive, isSettled, killGroups, listRuns, loadRunState, prunableRuns, pruneRuns, reapDeadRuns, runInOtherNamespace, runPhase, signalRun } from '../../../src/checks/state/runs.js';
import { canUnshare, inOtherNamespace, ownNamespace } from '../../other-namespace.js';
import { bootId, processSource, processStartTime, readProcess, spawnStartTime } from '../../../src/exec/processes.js';
import { waitFor } from '../../exec/proc.js';
import { createRunFolder } from '../../../src/checks/state/run-folder.js';
import { runCli, tempDir } from '../../cli/helpers.js';

const children: ChildProcess[] = [];
let kill: MockInstance<typeof process.kill>;
/** Every signal the code under test sent (signal 0, a liveness probe, excluded). */
let sent: Array<[number, string]>;

beforeEach(() => {
  sent = [];
  const real = process.kill.bind(process);
  const ours = () => new Set(children.flatMap((child) => (child.pid === undefined ? [] : [child.pid, -child.pid])));
  kill = vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
    if (signal !== 0 && signal !== undefined) sent.push([pid, String(signal)]);
    // Only the test's own processes may really be signalled; the rest is recorded and refused.
    if (signal !== 0 && !ours().has(pid)) return true;
    return real(pid, signal);
  });
});

afterEach(() => {
  kill.mockRestore();
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A sleeping process leading a group of its own, once the process table shows it. */
async function victim(): Promise<{ child: ChildProcess; pid: number; start: string; ended: Promise<unknown[]> }> {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  children.push(child);
  const ended = once(child, 'exit');
  const pid = child.pid!;
  await waitFor(() => processStartTime(pid) !== null, 10_000, `process ${pid} in the table`);
  return { child, pid, start: processStartTime(pid)!, ended };
}

/** The signal a victim dies by once the test kills it: SIGKILL proves nothing else killed it first. */
async function fate(target: { child: ChildProcess; ended: Promise<unknown[]> }): Promise<unknown> {
  if (target.child.exitCode === null && target.child.signalCode === null) process.kill(-target.child.pid!, 'SIGKILL');
  const [, signal] = await target.ended;
  return signal;
}

/** A pid that is certainly gone: a process that ran and was reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

/** A start time that is not `start`, in the same format (a pid reused by a process that started later). */
function otherStart(start: string): string {
  return start.startsWith('@') ? `@${Number(start.slice(1)) + 100}` : String(Number(start) + 500);
}

/** Writes a journal of a run that died with one check running in each of `spawns`. */
function plant(logDir: string, run: string, spawns: Array<{ pgid: unknown; pgid_start: unknown }>, head: Record<string, unknown>): void {
  mkdirSync(logDir, { recursive: true });
  if (!existsSync(join(logDir, run))) createRunFolder(join(logDir, run));
  const records = [
    { t: 'run:start', time: 1, run_id: run, cwd: logDir, config: 'x', argv: [], background: false, checks: spawns.map((_, i) => ({ id: `c${i}`, requires: [], async: false, severity: 'error' })), ...head },
    ...spawns.map((spawned, i) => ({ t: 'check:spawn', time: 2, id: `c${i}`, attempt: 1, log_file: null, ...spawned })),
  ];
  writeFileSync(join(logDir, run, 'journal.ndjson'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

const RUN = '20261124T000000Z-aaaaaa';

describe('isSettled', () => {
  /** A journal of these lines (each followed by a newline unless `torn`), in a run folder of its own. */
  const journal = (lines: unknown[], torn = ''): string => {
    const dir = join(tempDir(), RUN);
    mkdirSync(dir);
    writeFileSync(join(dir, 'journal.ndjson'), lines.map((line) => `${JSON.stringify(line)}\n`).join('') + torn);
    return dir;
  };
  const start = { type: 'run:start', time: '2026-11-24T00:00:00.000Z', run_id: RUN, total: 1, checks: [] };
  const spawned = { type: 'check:spawn', time: '2026-11-24T00:00:01.000Z', id: 'a', attempt: 1, pgid: 4242, pgid_start: '1', log_file: null };
  /** A run's end as the journal writes it: the whole report, far longer than one read of the journal's tail. */
  const end = (bytes: number) => ({ type: 'run:end', time: '2026-11-24T00:00:02.000Z', run_id: RUN, exit_code: 0, report: { checks: [{ id: 'a', output_tail: ['x'.repeat(bytes)] }] } });

  it('a run whose last record is its end is settled, however long the report it carries', () => {
    for (const bytes of [10, 5000, 200_000]) expect(isSettled(journal([start, spawned, end(bytes)])), `${bytes}`).toBe(true);
  });

  it('so are a journal of the earlier shape that ends with its end, and one a reaper marked', () => {
    expect(isSettled(journal([{ t: 'run:start', time: 1 }, { t: 'run:end', time: 2, exit_code: 0, interrupted: null }]))).toBe(true);
    expect(isSettled(journal([start, spawned, { t: 'reaped', time: 3, by_pid: 1, groups: [] }]))).toBe(true);
  });

  it('a run that did not write its end, or whose last line is torn, is not', () => {
    expect(isSettled(journal([start, spawned]))).toBe(false);
    expect(isSettled(journal([start, spawned], JSON.stringify(end(200_000)).slice(0, 100_000)))).toBe(false);
    // A report that quotes a run's end is not one.
    expect(isSettled(journal([start, { ...spawned, id: '{"type":"run:end"' }]))).toBe(false);
    expect(isSettled(journal([]))).toBe(false);
  });

  it('a run with its report.json is settled whatever its journal ends with (it is not read); a report that is no file of this user settles nothing', () => {
    const withReport = (make: (file: string) => void) => {
      const dir = journal([start, spawned], JSON.stringify(end(200_000)).slice(0, 100_000));
      make(join(dir, 'report.json'));
      return isSettled(dir);
    };
    expect(withReport((file) => writeFileSync(file, '{}\n'))).toBe(true);
    expect(withReport((file) => mkdirSync(file))).toBe(false);
    expect(withReport((file) => symlinkSync(join(tempDir(), 'elsewhere.json'), file))).toBe(false);
  });
});

describe.runIf(processSource() !== 'none')('reapDeadRuns', () => {
  it('signals nothing for a group id that is not an integer > 1, nor fanout\'s own group', async () => {
    const logDir = join(tempDir(), 'runs');
    const target = await victim();
    const own = readProcess(process.pid)!.pgid;
    const pgids: unknown[] = [0, 1, -5, 'x', -target.pid, 1.5, String(target.pid), own];
    plant(logDir, RUN, pgids.map((pgid) => ({ pgid, pgid_start: target.start })), { pid: await deadPid(), pid_start: null, boot_id: bootId() });
    const reaped = await reapDeadRuns(logDir, 100);
    expect(sent).toEqual([]);
    expect(reaped.killed).toEqual([]);
    // The invalid ids are reported; fanout's own group as well.
    expect(reaped.refused.map((left) => left.pgid)).toEqual(pgids);
    expect(reaped.refused.every((left) => left.reason === 'not a valid process id')).toBe(true);
    expect(await fate(target)).toBe('SIGKILL');
  });

  it('signals no group recorded without its start time, nor one whose leader started at another time', async () => {
    const logDir = join(tempDir(), 'runs');
    const [a, b] = [await victim(), await victim()];
    plant(
      logDir,
      RUN,
      [
        { pgid: a.pid, pgid_start: null },
        { pgid: b.pid, pgid_start: otherStart(b.start) },
      ],
      { pid: await deadPid(), pid_start: null, boot_id: bootId() },
    );
    const reaped = await reapDeadRuns(logDir, 100);
    expect(sent).toEqual([]);
    expect(reaped.refused.map((left) => [left.id, left.reason])).toEqual([
      ['c0', 'no start time recorded'],
      ['c1', 'its pid now belongs to another process (start time differs)'],
    ]);
    expect(await fate(a)).toBe('SIGKILL');
    expect(await fate(b)).toBe('SIGKILL');
  });

  it('signals no group whose leader has exited, even while members of it live on', async () => {
    const logDir = join(tempDir(), 'runs');
    // The leader starts a sleep in its group, says its pid, and exits: the group lives on without its leader.
    const leader = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(leader);
    // Both listened for at once: the leader's exit can come before its output is read.
    const exited = once(leader, 'exit');
    const said = once(leader.stdout, 'data');
    const leaderStart = spawnStartTime(leader.pid!);
    const [chunk] = (await said) as [Buffer];
    await exited;
    const member = Number(chunk.toString().trim());
    await waitFor(() => processStartTime(leader.pid!) === null && processStartTime(member) !== null, 10_000, 'the leader gone, its member alive');
    plant(logDir, RUN, [{ pgid: leader.pid, pgid_start: leaderStart }], { pid: await deadPid(), pid_start: null, boot_id: bootId() });
    const reaped = await reapDeadRuns(logDir, 100);
    expect(sent).toEqual([]);
    expect(reaped.refused).toEqual([{ run: RUN, id: 'c0', pgid: leader.pid, reason: 'its process has exited' }]);
    expect(processStartTime(member)).not.toBeNull();
  });

  it('signals nothing of a journal of another boot, nor of one without a boot id; reports each once and may prune them', async () => {
    const logDir = join(tempDir(), 'runs');
    const target = await victim();
    const spawns = [{ pgid: target.pid, pgid_start: target.start }];
    const dead = await deadPid();
    // Its pid and start time are this very process's: after a reboot they name something else entirely.
    plant(logDir, '20261124T000000Z-aaaaaa', spawns, { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: '00000000-0000-4000-8000-000000000000' });
    expect(runPhase(loadRunState(logDir, '20261124T000000Z-aaaaaa')!)).toBe('crashed');
    plant(logDir, '20261124T000001Z-bbbbbb', spawns, { pid: dead, pid_start: null });
    plant(logDir, '20261124T000002Z-cccccc', spawns, { pid: dead, pid_start: null, boot_id: null });
    const reaped = await reapDeadRuns(logDir, 100);
    expect(sent).toEqual([]);
    expect(reaped.refused.map((left) => [left.run, left.reason]).sort()).toEqual([
      ['20261124T000000Z-aaaaaa', 'its journal is from another boot of the machine'],
      ['20261124T000001Z-bbbbbb', 'its journal records no boot id'],
      ['20261124T000002Z-cccccc', 'its journal records no boot id'],
    ]);
    expect(await reapDeadRuns(logDir, 100)).toEqual({ killed: [], refused: [] }); // reported once
    // What the journal says is still read (`status`, `--resume`): the check is pending, the run not live.
    const state = runState(RUN, readJournal(join(logDir, RUN)) ?? []);
    expect(state.checks.get('c0')?.spawn?.pgid).toBe(target.pid);
    expect(await pruneRuns(logDir, 1)).toEqual(['20261124T000000Z-aaaaaa', '20261124T000001Z-bbbbbb']);
    expect(await fate(target)).toBe('SIGKILL');
  });

  it('still reaps the group of a dead run of this boot whose leader is the one recorded, and leaves a live run alone', async () => {
    const logDir = join(tempDir(), 'runs');
    const [left, concurrent] = [await victim(), await victim()];
    plant(logDir, '20261124T000000Z-aaaaaa', [{ pgid: left.pid, pgid_start: spawnStartTime(left.pid) }], { pid: await deadPid(), pid_start: null, boot_id: bootId() });
    // A concurrent run: its fanout (this test process) is alive.
    plant(logDir, '20261124T000001Z-bbbbbb', [{ pgid: concurrent.pid, pgid_start: concurrent.start }], { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: bootId() });
    const reaped = await reapDeadRuns(logDir, 2000);
    expect(reaped).toEqual({ killed: [{ run: '20261124T000000Z-aaaaaa', id: 'c0', pgid: left.pid }], refused: [] });
    expect(sent).toEqual([[-left.pid, 'SIGTERM']]);
    expect(await fate(left)).toBe('SIGTERM');
    expect(runState('x', readJournal(join(logDir, '20261124T000000Z-aaaaaa')) ?? []).reaped).toBe(true);
    expect(await reapDeadRuns(logDir, 100)).toEqual({ killed: [], refused: [] }); // once is enough
    expect(await fate(concurrent)).toBe('SIGKILL');
    expect(listRuns(logDir)).toHaveLength(2);
  });
});

describe.runIf(processSource() !== 'none')('a report.json in a live run\'s folder', () => {
  // A run writes its report.json after its end; one found in the folder of a run whose fanout still runs (written by
  // hand, by a tool, by a run of the same id) must not get that run deleted.
  it('never gets the run pruned, of this PID namespace or of another', async () => {
    const logDir = join(tempDir(), 'runs');
    const own = '20261124T000000Z-aaaaaa';
    plant(logDir, own, [], { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: bootId(), pid_ns: ownNamespace() });
    const other = '20261124T000001Z-bbbbbb';
    plant(logDir, other, [], { pid: await deadPid(), pid_start: '12345', boot_id: bootId(), pid_ns: ownNamespace() + 1 });
    for (const run of [own, other]) {
      writeFileSync(join(logDir, run, 'report.json'), '{}');
      expect(isLive(loadRunState(logDir, run)!), run).toBe(true);
    }
    // `latest` points at neither: both are beyond `keep`.
    symlinkSync('20261124T000002Z-cccccc', join(logDir, 'latest'));
    expect(prunableRuns(logDir, 0)).toEqual([]);
    expect(await pruneRuns(logDir, 0)).toEqual([]);
    expect(listRuns(logDir)).toEqual([own, other]);
    // Once its journal ends, a run is pruned as any other, its report.json or none.
    for (const run of [own, other]) writeFileSync(join(logDir, run, 'journal.ndjson'), `${JSON.stringify({ t: 'run:end', time: 3, exit_code: 0, interrupted: null })}\n`, { flag: 'a' });
    expect(await pruneRuns(logDir, 0)).toEqual([own, other]);
  });
});

describe.runIf(process.platform !== 'win32')('a journal that is a FIFO, or a link to one', () => {
  // Opening a FIFO for reading waits for a writer: fanout would hang in open(2), where no signal handler runs.
  const planted = (how: 'fifo' | 'link'): { logDir: string; dir: string } => {
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    const dir = join(logDir, RUN);
    createRunFolder(dir);
    const fifo = how === 'fifo' ? join(dir, 'journal.ndjson') : join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    if (how === 'link') symlinkSync(fifo, join(dir, 'journal.ndjson'));
    return { logDir, dir };
  };

  it.each(['fifo', 'link'] as const)('is no journal (%s): reading, settling, listing, reaping and pruning never block', async (how) => {
    const { logDir, dir } = planted(how);
    expect(readJournal(dir)).toBeUndefined();
    expect(loadRunState(logDir, RUN)).toBeUndefined();
    expect(isSettled(dir)).toBe(true);
    expect(listRuns(logDir)).toEqual([RUN]);
    expect(await reapDeadRuns(logDir, 100)).toEqual({ killed: [], refused: [] });
    // A run folder of fanout's without a journal it can read is pruned like one without a journal.
    symlinkSync('20261124T000009Z-ffffff', join(logDir, 'latest'));
    expect(prunableRuns(logDir, 0)).toEqual([RUN]);
    expect(await pruneRuns(logDir, 0)).toEqual([RUN]);
  });
});

describe.runIf(processSource() !== 'none' && process.platform === 'linux')('a run of another PID namespace', () => {
  // Its fanout's pid and start time, looked up here, name another process or none: such a run may well be running in
  // a container sharing the log dir. It is never crashed, reaped, pruned, resumed over nor signalled.
  it('is live until it writes its end, whatever its pid names here; nothing of it is signalled or pruned', async () => {
    const logDir = join(tempDir(), 'runs');
    const [left, namesake] = [await victim(), await victim()];
    const other = ownNamespace() + 1;
    // Its pid is gone here; its check's group id names a live group here (that of another process, in truth).
    const gone = '20261124T000000Z-aaaaaa';
    plant(logDir, gone, [{ pgid: left.pid, pgid_start: left.start }], { pid: await deadPid(), pid_start: '12345', boot_id: bootId(), pid_ns: other });
    // Its pid and start time are those of a live process here.
    const alias = '20261124T000001Z-bbbbbb';
    plant(logDir, alias, [], { pid: namesake.pid, pid_start: namesake.start, boot_id: bootId(), pid_ns: other });
    for (const run of [gone, alias]) {
      const state = loadRunState(logDir, run)!;
      expect(runInOtherNamespace(state), run).toBe(true);
      expect(isLive(state), run).toBe(true);
      expect(runPhase(state), run).toBe('live');
      expect(signalRun(state, 'SIGTERM'), run).toEqual({ ok: false, reason: expect.stringContaining('another PID namespace') as unknown });
    }
    expect(await reapDeadRuns(logDir, 100)).toEqual({ killed: [], refused: [] });
    expect(await pruneRuns(logDir, 0)).toEqual([]);
    expect(sent).toEqual([]);
    expect(readFileSync(join(logDir, gone, 'journal.ndjson'), 'utf8')).not.toContain('"t":"reaped"');
    // Once it has written its end, it has ended like any other.
    writeFileSync(join(logDir, gone, 'journal.ndjson'), `${JSON.stringify({ t: 'run:end', time: 3, exit_code: 0, interrupted: null })}\n`, { flag: 'a' });
    expect(runPhase(loadRunState(logDir, gone)!)).toBe('ended');
    expect(await fate(left)).toBe('SIGKILL');
    expect(await fate(namesake)).toBe('SIGKILL');
  });

  it('of another boot is dead whatever its namespace; one recording no namespace (older fanout) is judged here as before', async () => {
    const logDir = join(tempDir(), 'runs');
    const otherBoot = '20261124T000000Z-aaaaaa';
    plant(logDir, otherBoot, [], { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: '00000000-0000-4000-8000-000000000000', pid_ns: ownNamespace() + 1 });
    expect(runPhase(loadRunState(logDir, otherBoot)!)).toBe('crashed');
    const older = '20261124T000001Z-bbbbbb';
    plant(logDir, older, [], { pid: await deadPid(), pid_start: '12345', boot_id: bootId() });
    expect(runInOtherNamespace(loadRunState(logDir, older)!)).toBe(false);
    expect(runPhase(loadRunState(logDir, older)!)).toBe('crashed');
    const own = '20261124T000002Z-cccccc';
    plant(logDir, own, [], { pid: await deadPid(), pid_start: '12345', boot_id: bootId(), pid_ns: ownNamespace() });
    expect(runPhase(loadRunState(logDir, own)!)).toBe('crashed');
    plant(logDir, own, [], { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: bootId(), pid_ns: ownNamespace() });
    expect(runPhase(loadRunState(logDir, own)!)).toBe('live');
  });

  it('only a positive integer names a namespace: any other value recorded there is judged by pid, start and boot', async () => {
    const logDir = join(tempDir(), 'runs');
    const dead = await deadPid();
    for (const pidNs of ['4026531836', -1, 0, 1.5, null, {}, [ownNamespace() + 1], true]) {
      plant(logDir, RUN, [], { pid: dead, pid_start: '12345', boot_id: bootId(), pid_ns: pidNs });
      const state = loadRunState(logDir, RUN)!;
      expect(runInOtherNamespace(state), JSON.stringify(pidNs)).toBe(false);
      expect(runPhase(state), JSON.stringify(pidNs)).toBe('crashed');
      plant(logDir, RUN, [], { pid: process.pid, pid_start: processStartTime(process.pid), boot_id: bootId(), pid_ns: pidNs });
      expect(runPhase(loadRunState(logDir, RUN)!), JSON.stringify(pidNs)).toBe('live');
    }
    // Infinity and NaN reach a journal as null (JSON has neither); one written by hand as a huge number is no id either.
    plant(logDir, RUN, [], { pid: dead, pid_start: '12345', boot_id: bootId() });
    const journal = join(logDir, RUN, 'journal.ndjson');
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"t":"run:start"', '"t":"run:start","pid_ns":1e400'));
    expect(runPhase(loadRunState(logDir, RUN)!)).toBe('crashed');
  });

  it.skipIf(!canUnshare)('run by a fanout really in another namespace: live while it runs there; fanout status and cancel say so and signal nothing', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'runs');
    const inner = await inOtherNamespace();
    try {
      expect(inner.ns).not.toBe(ownNamespace());
      plant(logDir, RUN, [], { pid: inner.pid, pid_start: inner.start, boot_id: bootId(), pid_ns: inner.ns });
      expect(runPhase(loadRunState(logDir, RUN)!)).toBe('live');
      const status = await runCli(['status', RUN, '--log-dir', logDir], { cwd: dir });
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('another PID namespace');
      const cancel = await runCli(['cancel', RUN, '--log-dir', logDir], { cwd: dir });
      expect(cancel.code).toBe(1);
      expect(cancel.stderr).toContain(`its process ${inner.pid} was left alone: it runs in another PID namespace`);
      expect(readFileSync(join(logDir, RUN, 'journal.ndjson'), 'utf8')).not.toContain('"t":"reaped"');
      expect(inner.child.exitCode).toBeNull();
    } finally {
      // Not in a group of its own: killed by its pid (`--kill-child` takes the process inside with it).
      inner.child.kill('SIGKILL');
    }
  });
});

describe.runIf(processSource() !== 'none')('killGroups', () => {
  it('SIGTERMs every group, then SIGKILLs only those still running after the grace', async () => {
    const obedient = spawn('/bin/sh', ['-c', 'exec sleep 300'], { detached: true, stdio: 'ignore' });
    // An ignored signal stays ignored across exec: the sleep ignores SIGTERM too.
    const stubborn = spawn('/bin/sh', ['-c', "trap '' TERM; echo; exec sleep 300"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(obedient, stubborn);
    const ended = (child: ChildProcess) => once(child, 'exit').then(([, signal]) => signal as unknown);
    const [obedientEnd, stubbornEnd] = [ended(obedient), ended(stubborn)];
    await once(stubborn.stdout, 'data'); // the trap is set
    const groups = [obedient, stubborn].map((child) => ({ pgid: child.pid!, start: spawnStartTime(child.pid!)! }));
    expect(await killGroups(groups, 300)).toEqual([]);
    expect(await obedientEnd).toBe('SIGTERM');
    expect(await stubbornEnd).toBe('SIGKILL');
    // The obedient group was gone before the grace ended: never SIGKILLed (its id could be someone else's by then).
    expect(sent.filter(([, signal]) => signal === 'SIGKILL')).toEqual([[-stubborn.pid!, 'SIGKILL']]);
  });

  it('checks the identity again right before the SIGKILL: a group that changed during the grace is left alone', async () => {
    const stubborn = spawn('/bin/sh', ['-c', "trap '' TERM; echo; exec sleep 300"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(stubborn);
    const exited = once(stubborn, 'exit');
    await once(stubborn.stdout, 'data');
    const group = { pgid: stubborn.pid!, start: spawnStartTime(stubborn.pid!)! };
    // The grace runs on an injected clock: it is over once the first wait returns. During that wait the group's
    // identity changes (as when its leader exited and the pid went to another process).
    let clock = 0;
    let changed = false;
    const checked: string[] = [];
    const spared = await killGroups([group], 2000, {
      now: () => clock,
      sleep: () => {
        clock = 5000;
        changed = true;
        return Promise.resolve();
      },
      identity: (pgid, start) => {
        checked.push(changed ? 'after' : 'before');
        return changed || pgid !== group.pgid || start !== group.start ? { ok: false, reason: 'other-process' } : { ok: true };
      },
    });
    expect(checked).toEqual(['before', 'after']);
    expect(sent).toEqual([[-stubborn.pid!, 'SIGTERM']]);
    expect(spared).toEqual([{ pgid: stubborn.pid, reason: 'its pid now belongs to another process (start time differs)' }]);
    process.kill(-stubborn.pid!, 'SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');
  });

  it('with the identity unchanged, the same grace on the injected clock ends in a SIGKILL', async () => {
    const stubborn = spawn('/bin/sh', ['-c', "trap '' TERM; echo; exec sleep 300"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(stubborn);
    const exited = once(stubborn, 'exit');
    await once(stubborn.stdout, 'data');
    let clock = 0;
    const spared = await killGroups([{ pgid: stubborn.pid!, start: spawnStartTime(stubborn.pid!)! }], 2000, {
      now: () => clock,
      sleep: () => {
        clock = 5000;
        return Promise.resolve();
      },
    });
    expect(spared).toEqual([]);
    expect(sent).toEqual([
      [-stubborn.pid!, 'SIGTERM'],
      [-stubborn.pid!, 'SIGKILL'],
    ]);
    expect((await exited)[1]).toBe('SIGKILL');
  });
});

describe.runIf(processSource() !== 'none')('the CLI', () => {
  it('fanout check warns once about a dead run\'s group it leaves alone, and signals nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n');
    const target = await victim();
    plant(join(dir, '.fanout/runs'), RUN, [{ pgid: target.pid, pgid_start: otherStart(target.start) }], { pid: await deadPid(), pid_start: null, boot_id: bootId() });
    const first = await runCli(['check'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const warnings = first.stderr.split('\n').filter((line) => line.includes('warning: left'));
    expect(warnings).toEqual([`fanout: warning: left process group ${target.pid} (c0) of the dead run ${RUN} alone: its pid now belongs to another process (start time differs)`]);
    const second = await runCli(['check'], { cwd: dir });
    expect(second.stderr).not.toContain('warning: left');
    expect(await fate(target)).toBe('SIGKILL');
  });

  it('fanout cancel signals the run\'s process only when its start time is the recorded one', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'runs');
    const target = await victim();
    // A run whose process is "alive" by its pid, but whose start time is unknown: it cannot be told apart from a
    // process that took the pid since.
    plant(logDir, RUN, [], { pid: target.pid, pid_start: null, boot_id: bootId() });
    const unknown = await runCli(['cancel', RUN, '--log-dir', logDir], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`its process ${target.pid} was left alone: no start time recorded`);
    // Recorded with another start time: the pid was reused, the run is dead (nothing of it is left).
    plant(logDir, RUN, [], { pid: target.pid, pid_start: otherStart(target.start), boot_id: bootId() });
    const reused = await runCli(['cancel', RUN, '--log-dir', logDir], { cwd: dir });
    expect(reused.stderr).toContain('had died');
    // Of another boot: the same pid and start time mean nothing now.
    plant(logDir, '20261124T000001Z-bbbbbb', [], { pid: target.pid, pid_start: target.start, boot_id: '00000000-0000-4000-8000-000000000000' });
    const foreign = await runCli(['cancel', '20261124T000001Z-bbbbbb', '--log-dir', logDir], { cwd: dir });
    expect(foreign.stderr).toContain('had died');
    expect(await fate(target)).toBe('SIGKILL');
    expect(readFileSync(join(logDir, RUN, 'journal.ndjson'), 'utf8')).toContain('"t":"reaped"');
  });
  it('fanout cancel never signals a live process named by a journal fanout did not write: behind a link, in a folder without its marker, or without a boot id', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'runs');
    const target = await victim();
    const head = { pid: target.pid, pid_start: target.start, boot_id: bootId() };
    // A run folder made elsewhere, reached through a link named like a run.
    const elsewhere = join(dir, 'elsewhere');
    plant(elsewhere, RUN, [], head);
    mkdirSync(logDir, { recursive: true });
    symlinkSync(join(elsewhere, RUN), join(logDir, RUN));
    // A folder named like a run, without fanout's marker.
    const unmarked = '20261124T000001Z-bbbbbb';
    mkdirSync(join(logDir, unmarked), { mode: 0o700 });
    writeFileSync(join(logDir, unmarked, 'journal.ndjson'), `${JSON.stringify({ t: 'run:start', time: 1, run_id: unmarked, cwd: dir, config: 'x', argv: [], background: false, checks: [], ...head })}\n`);
    // A run folder of fanout's whose journal records no boot id.
    const noBoot = '20261124T000002Z-cccccc';
    plant(logDir, noBoot, [], { pid: target.pid, pid_start: target.start });
    for (const run of [RUN, unmarked, noBoot]) {
      const result = await runCli(['cancel', run, '--log-dir', logDir], { cwd: dir });
      expect(result.code, `${run}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toContain(`its process ${target.pid} was left alone`);
    }
    // Still alive: it dies by the test's own SIGKILL.
    expect(await fate(target)).toBe('SIGKILL');
  });

  it('fanout wait on a run whose report.json is of another shape says so and exits with the run\'s code (no crash)', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'runs');
    plant(logDir, RUN, [], { pid: await deadPid(), pid_start: null, boot_id: bootId() });
    writeFileSync(join(logDir, RUN, 'journal.ndjson'), `${JSON.stringify({ t: 'run:end', time: 3, exit_code: 1, interrupted: null })}\n`, { flag: 'a' });
    writeFileSync(join(logDir, RUN, 'report.json'), JSON.stringify({ checks: [{ id: 'a', status: 'failed' }], counts: {} }));
    const result = await runCli(['wait', RUN, '--log-dir', logDir], { cwd: dir });
    expect([result.code, result.stdout]).toEqual([1, `run ${RUN} ended: exit 1 (its report.json is not one this fanout can read)\n`]);
    expect(result.stderr).not.toContain('internal error');
  });
});
