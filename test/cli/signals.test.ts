// Signals in the middle of a run: every process group dies, the partial report (JSON, JUnit) is written, and fanout
// dies by the same signal (130/143 in a shell). A second SIGINT kills at once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byId, fixture, leaveBehind, parseReport, startCli, survivors, tempDir, waitForFiles } from './helpers.js';

const PIDS = ['a.pid', 'a-child.pid', 'b.pid', 'b-child.pid', 'c.pid'];

function startSignalRun(extra: string[]) {
  const T = tempDir();
  const run = startCli(['check', '-c', fixture('signal.yaml'), '--log-dir', join(T, 'logs'), '-p', '4', ...extra], { env: { T } });
  return { T, ...run };
}

describe('signals during fanout check', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s: kills every group, writes the partial JSON and JUnit reports, dies by the signal', async (signal) => {
    const { T, child, done } = startSignalRun(['--json']);
    await waitForFiles(['a-child.pid', 'b-child.pid', 'c.pid'].map((f) => join(T, f)));
    child.kill(signal);
    const result = await done;
    expect(result.signal).toBe(signal);
    expect(result.code).toBeNull();
    expect(await survivors(PIDS.map((f) => join(T, f)))).toEqual([]);
    const report = parseReport(result.stdout);
    expect(report.interrupted).toBe(signal);
    expect(report.exit_code).toBe(128 + { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal]);
    const checks = byId(report);
    expect(checks.quick?.status).toBe('passed');
    for (const id of ['waits-a', 'waits-b', 'waits-c']) expect(checks[id]?.status).toBe('cancelled');
    expect(checks['after-a']?.skip_reason).toEqual({ kind: 'interrupted', signal });
  });

  it('ends the stream with run:end and writes the JUnit file on interruption', async () => {
    const T = tempDir();
    const junit = join(T, 'junit.xml');
    const run = startCli(['check', '-c', fixture('signal.yaml'), '--log-dir', join(T, 'logs'), '--junit', junit, '--stream', '-p', '4'], { env: { T } });
    await waitForFiles(['a-child.pid', 'b-child.pid', 'c.pid'].map((f) => join(T, f)));
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.signal).toBe('SIGINT');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testcase name="waits-a"');
    // A check that was running is an <error>: an interrupted run must not look clean in a CI test view.
    expect(xml).toMatch(/<error type="cancelled" message="cancelled: stopped by SIGINT">/);
    expect(xml).toMatch(/errors="[1-9]/);
    const last = JSON.parse(result.stdout.trimEnd().split('\n').at(-1) ?? '{}') as { type: string; exit_code: number; report: { interrupted: string } };
    expect(last).toMatchObject({ type: 'run:end', exit_code: 130, report: { interrupted: 'SIGINT' } });
  });

  it('says in the human report that it is partial', async () => {
    const { T, child, done } = startSignalRun([]);
    await waitForFiles(['a-child.pid', 'b-child.pid', 'c.pid'].map((f) => join(T, f)));
    child.kill('SIGTERM');
    const result = await done;
    expect(result.stdout).toContain('FAIL waits-a (cancelled)  stopped by SIGTERM');
    expect(result.stdout).toMatch(/interrupted by SIGTERM, partial report\n$/);
  });

  it('a second SIGINT SIGKILLs every group and dies at once (waits-b ignores SIGTERM)', async () => {
    const { T, child, done } = startSignalRun([]);
    await waitForFiles(['a-child.pid', 'b-child.pid', 'c.pid'].map((f) => join(T, f)));
    child.kill('SIGINT');
    // The first SIGINT has reached fanout once the groups that obey SIGTERM are gone; waits-b ignores it.
    expect(await survivors(['a.pid', 'c.pid'].map((f) => join(T, f)), 5000)).toEqual([]);
    child.kill('SIGINT');
    const result = await done;
    expect(result.signal).toBe('SIGINT');
    expect(await survivors(PIDS.map((f) => join(T, f)))).toEqual([]);
  });

  it('a second SIGINT also kills a descendant that ignores SIGTERM after its leader died (no longer fanout\'s child)', async () => {
    const T = tempDir();
    const { child, done } = startCli(['check', '-c', fixture('orphan-ignores-term.yaml'), '--log-dir', join(T, 'logs')], { env: { T } });
    await waitForFiles(['leader.pid', 'grandchild.pid'].map((f) => join(T, f)));
    child.kill('SIGINT');
    // The leader obeys the executor's SIGTERM; the grandchild ignores it (the SIGKILL escalation is 2 s away).
    expect(await survivors([join(T, 'leader.pid')], 5000)).toEqual([]);
    expect(await survivors([join(T, 'grandchild.pid')], 0)).toHaveLength(1);
    child.kill('SIGINT');
    const result = await done;
    expect(result.signal).toBe('SIGINT');
    expect(await survivors([join(T, 'grandchild.pid')], 1000)).toEqual([]);
  });

  it('a second SIGINT also kills what a finished check left in a process group of its own', async () => {
    const T = tempDir();
    const config = join(T, 'left.yaml');
    // a leaves GNU timeout behind in a group of its own and ends; b, which runs after it, survives the first SIGINT.
    writeFileSync(
      config,
      [
        'version: "1"',
        'checks:',
        '  - id: a',
        '    run: |',
        ...leaveBehind('sleep 300', '$T/left.pid').map((line) => `      ${line}`),
        '  - id: b',
        '    requires: [a]',
        '    run: |',
        `      trap 'echo > "$T/b.term"' TERM`,
        '      echo $$ > "$T/b.pid"',
        '      while :; do sleep 0.05; done',
        '',
      ].join('\n'),
    );
    const { child, done } = startCli(['check', '-c', config, '--log-dir', join(T, 'logs')], { env: { T } });
    try {
      await waitForFiles([join(T, 'left.pid'), join(T, 'b.pid')]);
      child.kill('SIGINT');
      await waitForFiles([join(T, 'b.term')]); // the first SIGINT was handled: b got its SIGTERM and lives on
      child.kill('SIGINT');
      const result = await done;
      expect(result.signal).toBe('SIGINT');
      expect(await survivors(['left.pid', 'b.pid'].map((f) => join(T, f)))).toEqual([]);
    } finally {
      // timeout and b each lead a process group (with their sleeps): the whole groups go.
      for (const pid of await survivors(['left.pid', 'b.pid'].map((f) => join(T, f)), 0)) process.kill(-pid, 'SIGKILL');
    }
  });

  it('a signal while the end-of-run sweep waits is in the report and the exit status alike', async () => {
    const T = tempDir();
    const config = join(T, 'sweep.yaml');
    // The check leaves GNU timeout behind with a child that survives SIGTERM: the sweep then waits its grace (2 s).
    // That child interrupts fanout (the check shell's parent) the moment it first gets the sweep's SIGTERM (once: a
    // second signal would kill fanout at once; with builtins only, as the sweep signals every process of the session),
    // so the signal lands inside the grace however long the test itself takes to be scheduled.
    writeFileSync(
      config,
      [
        'version: "1"',
        'checks:',
        '  - id: a',
        '    run: |',
        '      export F=$PPID',
        ...leaveBehind(`sh -c 'trap "echo > \\"$T/term\\"; [ -z \\"\\$sent\\" ] && sent=1 && kill -INT $F" TERM; : > "$T/ready"; while :; do sleep 0.05; done'`, '$T/left.pid').map((line) => `      ${line}`),
        // The check ends only once that trap is set: a SIGTERM before it would kill the leftover quietly.
        '      while [ ! -e "$T/ready" ]; do sleep 0.01; done',
        '',
      ].join('\n'),
    );
    const { done } = startCli(['check', '-c', config, '--log-dir', join(T, 'logs'), '--json'], { env: { T } });
    try {
      const result = await done;
      expect(existsSync(join(T, 'term'))).toBe(true); // the sweep's SIGTERM reached the leftover
      expect(result.signal).toBe('SIGINT');
      const report = parseReport(result.stdout);
      expect(report).toMatchObject({ exit_code: 130, interrupted: 'SIGINT' });
      expect(byId(report).a?.status).toBe('passed');
      expect(await survivors([join(T, 'left.pid')])).toEqual([]);
    } finally {
      for (const pid of await survivors([join(T, 'left.pid')], 0)) process.kill(-pid, 'SIGKILL');
    }
  });

  it('a broken stdout pipe kills every group before fanout exits', async () => {
    const T = tempDir();
    const run = startCli(['check', '-c', fixture('epipe.yaml'), '--log-dir', join(T, 'logs'), '--stream'], { env: { T } });
    await waitForFiles(['w.pid', 'w-child.pid'].map((f) => join(T, f)));
    run.child.stdout?.destroy();
    writeFileSync(join(T, 'go'), '');
    const result = await run.done;
    expect(result.code).toBe(141);
    expect(await survivors(['w.pid', 'w-child.pid'].map((f) => join(T, f)))).toEqual([]);
  });
});
