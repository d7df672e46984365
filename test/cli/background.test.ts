// `fanout check --background` and the commands that follow a run from other processes: status, wait, logs, cancel.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, runCli, startCli, tempDir, waitForFiles } from './helpers.js';

function project(yaml: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  return dir;
}

interface Status {
  run_id: string;
  phase: string;
  pid: number;
  background: boolean;
  exit_code: number | null;
  checks: Array<{ id: string; state: string; status: string; async: boolean }>;
}

/** `fanout status --json`, which must exit `code` (0: the run goes on or has passed). */
const statusWith = async (code: number, dir: string, ...args: string[]) => {
  const result = await runCli(['status', ...args, '--json'], { cwd: dir });
  expect(result.code, result.stderr).toBe(code);
  return JSON.parse(result.stdout) as Status;
};
const status = (dir: string, ...args: string[]) => statusWith(0, dir, ...args);

// Each test runs the CLI five to eight times, one Node start-up each: a few seconds in all, but on a loaded machine a
// start-up alone took 2.5 s, and the default 20 s were spent before any assertion could fail.
describe('check --background', { timeout: 60_000 }, () => {
  it('returns once the fast checks ended (their exit code), while the run goes on; status, logs, wait see it', async () => {
    const dir = project(`version: "1"
checks:
  - id: lint
    run: echo lint ok
  - id: unit
    run: echo "1 test failed"; exit 1
  - id: e2e
    run: echo e2e started; touch e2e.started; while [ ! -f go ]; do sleep 0.02; done; echo e2e done
    async: true
  - id: deploy-check
    run: echo deployed; echo "\${FANOUT_RUN_ID-none}" > deploy.env
    requires: [e2e]
`);
    // runCli resolves on 'close': only once every holder of the launcher's stdout/stderr pipes is gone. It resolving
    // while e2e waits for a file nobody has written yet proves the supervisor did not inherit the pipes.
    const launched = await runCli(['check', '--background'], { cwd: dir });
    expect(launched.code).toBe(1);
    expect(launched.stdout).toContain('FAIL unit (error)');
    expect(launched.stdout).toContain('1 test failed');
    const runId = /run (\S+) goes on in the background \(pid (\d+)\): e2e \(running\), deploy-check \(pending\)/.exec(launched.stdout);
    expect(runId, launched.stdout).not.toBeNull();
    const [, id, pid] = runId as RegExpExecArray;
    expect(isAlive(Number(pid))).toBe(true); // the supervisor outlived its launcher

    await waitForFiles([join(dir, 'e2e.started')]);
    const running = await status(dir);
    expect(running).toMatchObject({ run_id: id, phase: 'live', pid: Number(pid), background: true, exit_code: null });
    expect(running.checks.map((c) => [c.id, c.state, c.status])).toEqual([
      ['lint', 'ended', 'passed'],
      ['unit', 'ended', 'failed'],
      ['e2e', 'running', 'pending'],
      ['deploy-check', 'waiting', 'pending'],
    ]);
    const human = await runCli(['status', id as string], { cwd: dir });
    expect(human.code).toBe(0); // going on, though unit failed: the run has not ended
    expect(human.stdout).toMatch(/^run \S+ running \(pid \d+, /);
    expect(human.stdout).toMatch(/e2e +running .*\(async\)/);
    const log = await runCli(['logs', id as string, 'e2e'], { cwd: dir });
    expect(log).toMatchObject({ code: 0, stdout: 'e2e started\n' });
    // One argument is the check, of the latest run.
    expect(await runCli(['logs', 'e2e'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'e2e started\n' });
    expect(await runCli(['logs', 'unit'], { cwd: dir })).toMatchObject({ code: 0, stdout: '1 test failed\n' });

    const timedOut = await runCli(['wait', '--timeout', '100ms'], { cwd: dir });
    expect(timedOut.code).toBe(124);
    const follow = runCli(['logs', 'latest', 'e2e', '--follow'], { cwd: dir });
    writeFileSync(join(dir, 'go'), '');
    expect(await follow).toMatchObject({ code: 0, stdout: 'e2e started\ne2e done\n' });

    const waited = await runCli(['wait', id as string], { cwd: dir });
    expect(waited.code).toBe(1); // the run's final code: unit failed
    expect(waited.stdout).toContain('FAIL unit (error)');
    expect(waited.stdout).toMatch(/run \S+ ended: exit 1 \(3 passed, 1 failed\)/);
    const ended = await statusWith(1, dir); // ended without passing
    expect(ended).toMatchObject({ phase: 'ended', exit_code: 1 });
    const endedHuman = await runCli(['status'], { cwd: dir });
    expect(endedHuman.code).toBe(1);
    expect(endedHuman.stdout).toMatch(/^run \S+ ended: exit 1\n/);
    expect(ended.checks.every((c) => c.state === 'ended')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, '.fanout/runs', id as string, 'report.json'), 'utf8'))).toMatchObject({ run_id: id, exit_code: 1 });
    // The supervisor got its run id through FANOUT_RUN_ID; its checks (run with a snapshot of its environment) never see it.
    expect(readFileSync(join(dir, 'deploy.env'), 'utf8')).toBe('none\n');
  });

  it('exits 0 with every fast check passed; cancel stops the run: its groups die, the journal and report end with SIGTERM', async () => {
    const dir = project(`version: "1"
checks:
  - id: quick
    run: "true"
  - id: soak
    run: echo $$ > soak.pid; sleep 60
    timeout: 5m
    async: true
`);
    const launched = await runCli(['check', '--background'], { cwd: dir });
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.stdout).toMatch(/soak \(running\)/);
    await waitForFiles([join(dir, 'soak.pid')]);
    const group = Number(readFileSync(join(dir, 'soak.pid'), 'utf8'));
    expect(isAlive(group)).toBe(true);
    const cancelled = await runCli(['cancel'], { cwd: dir });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stderr).toMatch(/^fanout: cancelled run \S+/);
    expect(isAlive(group)).toBe(false);
    const after = await statusWith(1, dir);
    expect(after).toMatchObject({ phase: 'ended', exit_code: 143 });
    expect(after.checks.find((c) => c.id === 'soak')).toMatchObject({ state: 'ended', status: 'cancelled' });
    expect((await runCli(['wait'], { cwd: dir })).code).toBe(143);
    const again = await runCli(['cancel'], { cwd: dir });
    expect(again.stderr).toMatch(/has already ended \(exit 143\)/);
  });

  it('a config error is reported by the launcher with exit 2; unknown runs and checks are clear errors', async () => {
    const dir = project('version: "1"\nchecks:\n  - id: a\n    run: true\n    requires: [ghost]\n');
    const launched = await runCli(['check', '--background'], { cwd: dir });
    expect(launched.code).toBe(2);
    expect(launched.stderr).toContain('ghost');
    const unknown = await runCli(['status', 'nope'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fanout: no run "nope"/);
    const stream = await runCli(['check', '--background', '--stream'], { cwd: dir });
    expect(stream.code).toBe(2);
    const noCheck = await runCli(['logs'], { cwd: dir });
    expect(noCheck).toMatchObject({ code: 2, stderr: 'fanout: missing the check: fanout logs [run] <check>\n' });
    expect((await runCli(['logs', 'nope', 'a'], { cwd: dir })).code).toBe(2);
  });

  it('a run whose supervisor died before the run began is a failed start for status and wait, and is pruned like the others', async () => {
    const dir = project('version: "1"\nchecks:\n  - id: a\n    run: true\n    requires: [ghost]\n');
    expect((await runCli(['check', '--background'], { cwd: dir })).code).toBe(2);
    const [failed, ...others] = readdirSync(join(dir, '.fanout/runs')).filter((name) => /^\d{8}T/.test(name));
    expect(others).toEqual([]);
    const said = await runCli(['status', failed ?? ''], { cwd: dir });
    expect(said.code).toBe(1);
    expect(said.stderr).toMatch(new RegExp(`^fanout: run ${failed} failed to start: its supervisor exited before the run began; it said:\\n.*ghost`));
    const waited = await runCli(['wait', failed ?? ''], { cwd: dir });
    expect(waited).toMatchObject({ code: 1, stderr: said.stderr });
    // A later run keeping one run prunes it.
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n');
    expect((await runCli(['check', '--keep-runs', '1'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, '.fanout/runs', failed ?? ''))).toBe(false);
  });

  it('status of a run whose fanout was killed (-9) says crashed and exits 3; of one that passed, 0', async () => {
    const dir = project(`version: "1"
checks:
  - id: quick
    run: "true"
  - id: stuck
    run: echo $$ > stuck.pid; sleep 60
`);
    const { child, done } = startCli(['check'], { cwd: dir });
    await waitForFiles([join(dir, 'stuck.pid')]);
    const group = Number(readFileSync(join(dir, 'stuck.pid'), 'utf8'));
    try {
      child.kill('SIGKILL');
      await done;
      const crashed = await runCli(['status'], { cwd: dir });
      expect(crashed.code, crashed.stderr).toBe(3);
      expect(crashed.stdout).toMatch(/^run \S+ crashed: /);
      expect(await statusWith(3, dir)).toMatchObject({ phase: 'crashed' });
    } finally {
      process.kill(-group, 'SIGKILL'); // the group this test's check made (its fanout is gone)
    }
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: quick\n    run: "true"\n');
    expect((await runCli(['check'], { cwd: dir })).code).toBe(0);
    expect(await status(dir)).toMatchObject({ phase: 'ended', exit_code: 0 });
  });
});
