// `fanout check` end to end through the built CLI: statuses, findings, exit codes, the JSON report and its schema,
// selection, scheduling, retries, timeouts, logs, secrets.
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/checks/state/journal.js';
import { isAlive } from '../exec/proc.js';
import { byId, fixture, leaveBehind, parseReport, runCli, startCli, tempDir, waitForFiles } from './helpers.js';

async function check(config: string, extra: string[] = [], env: Record<string, string> = {}) {
  const T = tempDir();
  const result = await runCli(['check', '-c', fixture(config), '--log-dir', join(T, 'logs'), ...extra], { env: { T, ...env } });
  return { ...result, T };
}

describe('fanout check: the bundled example', () => {
  it('exits 0 and shows the warning finding with its rendered suggestion', async () => {
    const T = tempDir();
    const { code, stdout, stderr } = await runCli(['check', '-c', 'examples/fanout.yaml', '--log-dir', join(T, 'logs')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('FAIL todo-budget (warning)');
    expect(stdout).toContain('5 TODO markers found; the budget is 3.');
    expect(stdout).toContain('Fix: git grep -n TODO');
    expect(stdout).toMatch(/⚠ 1 warned, 5 passed in /);
    // not a TTY: never an escape code
    expect(stdout).not.toContain('\x1b');
  });

  it('runs dependents of a warned check (package requires todo-budget)', async () => {
    const T = tempDir();
    const { stdout } = await runCli(['check', '-c', 'examples/fanout.yaml', '--log-dir', join(T, 'logs'), '--json']);
    const checks = byId(parseReport(stdout));
    expect(checks['todo-budget']?.status).toBe('warned');
    expect(checks.package?.status).toBe('passed');
    expect(Date.parse(checks.package?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(checks['todo-budget']?.ended_at ?? ''));
  });
});

describe('fanout check: statuses and findings', () => {
  it('reports every status, in config order, with exit code 1 for an error-severity failure', async () => {
    const { code, stdout } = await check('statuses.yaml', ['--json']);
    expect(code).toBe(1);
    const report = parseReport(stdout);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['covered', 'passed'],
      ['low-coverage', 'warned'],
      ['after-warning', 'passed'],
      ['broken', 'failed'],
      ['blocked', 'skipped'],
      ['missing-value', 'warned'],
    ]);
    expect(report.exit_code).toBe(1);
    expect(report.counts).toEqual({ total: 6, passed: 2, failed: 1, warned: 2, timeout: 0, skipped: 1, cancelled: 0, pending: 0 });
    const checks = byId(report);
    expect(checks.covered?.extracted).toEqual({ coverage: '91.5' });
    expect(checks['low-coverage']?.suggestion).toBe('Coverage is 42%, need 80%.');
    expect(checks['low-coverage']?.fix).toBe('npm test -- --coverage');
    expect(checks['low-coverage']?.triggered_prompts).toEqual([{ id: 'coverage-help', content: 'Write tests for the least covered module.' }]);
    expect(checks.broken?.exit_code).toBe(4);
    expect(checks.broken?.output_tail).toHaveLength(20);
    expect(checks.broken?.output_tail.at(-1)).toBe('line 30');
    expect(checks.broken?.triggered_prompts).toEqual([{ id: null, content: 'Look at line 30 first.' }]);
    expect(checks.blocked?.skip_reason).toEqual({ kind: 'blocked', blocked_by: 'broken' });
    expect(checks.blocked?.attempts).toBe(0);
    expect(checks['missing-value']?.reason).toContain('"v"');
    // A placeholder grok did not fill stays visible and is named, never printed as an empty string or `<no value>`.
    expect(checks['missing-value']?.suggestion).toBe('The value was {{.v}}; raise it above 1. [no value for {{.v}}]');
    expect(report.violations.map((v) => v.id)).toEqual(['low-coverage', 'broken', 'missing-value']);
  });

  it('prints FAIL blocks with suggestion, Fix:, the last 20 lines, the log path and triggered prompts', async () => {
    const { code, stdout, stderr } = await check('statuses.yaml');
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const broken = stdout.slice(stdout.indexOf('FAIL broken (error)'));
    expect(broken).toMatch(/^FAIL broken \(error\)\n {2}exit code 4\n {2}Broken: see the output\.\n {2}Output \(last 20 lines\):\n {2}│ line 11\n/);
    expect(broken).not.toContain('│ line 10\n');
    expect(broken).toMatch(/Log: .*\/broken\.log\n {2}Triggered prompts:\n {2}--- inline ---\n {2}Look at line 30 first\./);
    expect(stdout).toContain('FAIL low-coverage (warning)\n  assert failed: coverage >= 80 (coverage = 42)\n  Coverage is 42%, need 80%.\n  Fix: npm test -- --coverage');
    expect(stdout).toContain('FAIL blocked (skipped)  requires broken, which did not pass');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^✗ 1 failed, 2 warned, 1 skipped, 2 passed in /);
  });

  it('-v prints one line per check as it ends', async () => {
    const { stdout } = await check('statuses.yaml', ['-v']);
    expect(stdout).toMatch(/^✓ covered passed \((\d+ms|\d+(\.\d+)?s)\)$/m); // formatDuration: 850ms, 1s, 1.11s, 12.3s
    expect(stdout).toMatch(/^⚠ low-coverage warned \(.*\) — assert failed/m);
    expect(stdout).toMatch(/^✗ broken failed \(.*\) — exit code 4$/m);
    expect(stdout).toMatch(/^- blocked skipped — requires broken, which did not pass$/m);
  });

  it('is silent when everything passed and stdout is not a TTY', async () => {
    const { code, stdout, stderr } = await check('parallel.yaml');
    expect([code, stdout, stderr]).toEqual([0, '', '']);
  });

  it('--error-exit-code sets the failure code; usage errors exit 2', async () => {
    expect((await check('statuses.yaml', ['--error-exit-code', '7'])).code).toBe(7);
    const bad = await check('statuses.yaml', ['--error-exit-code', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('fanout: --error-exit-code must be an integer from 1 to 255, received "x"\n');
  });
});

describe('fanout check: logs', () => {
  it('writes <log-dir>/<run-id>/<check>.log with mode 0600 and points latest at the newest run', async () => {
    const T = tempDir();
    const logDir = join(T, 'logs');
    const first = parseReport((await runCli(['check', '-c', fixture('statuses.yaml'), '--log-dir', logDir, '--json'], { env: { T } })).stdout);
    const second = parseReport((await runCli(['check', '-c', fixture('statuses.yaml'), '--log-dir', logDir, '--json'], { env: { T } })).stdout);
    expect(first.run_id).not.toBe(second.run_id);
    const log = join(logDir, second.run_id, 'broken.log');
    expect(readFileSync(log, 'utf8')).toContain('line 1\nline 2\n');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(existsSync(join(logDir, first.run_id, 'broken.log'))).toBe(true);
    expect(lstatSync(join(logDir, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(logDir, 'latest'))).toBe(second.run_id);
    expect(byId(second).broken?.log_file).toBe(log);
    const saved = JSON.parse(readFileSync(join(logDir, second.run_id, 'report.json'), 'utf8')) as { run_id: string };
    expect(saved.run_id).toBe(second.run_id);
  });
});

describe('fanout check: logs of many checks', () => {
  it('every check of a run has its complete log, mode 0600, silent ones included, and the journal has every record', async () => {
    const T = tempDir();
    const logDir = join(T, 'logs');
    const config = join(T, 'many.yaml');
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    // Even checks are silent; odd ones print on both streams, one of them late (after a silent while).
    const run = (i: number) => (i % 2 === 0 ? 'true' : i === 39 ? 'sleep 0.05; echo out-39; echo err-39 >&2' : `echo out-${i}; echo err-${i} >&2`);
    writeFileSync(config, `version: "1"\nchecks:\n${ids.map((id, i) => `  - id: ${id}\n    run: "${run(i)}"\n`).join('')}`);
    const result = await runCli(['check', '-c', config, '--log-dir', logDir, '-p', '3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    for (const [i, id] of ids.entries()) {
      const log = join(logDir, report.run_id, `${id}.log`);
      expect(byId(report)[id]?.log_file).toBe(log);
      expect(statSync(log).mode & 0o777).toBe(0o600);
      const text = readFileSync(log, 'utf8');
      if (i % 2 === 0) expect(text).toBe('');
      else expect(text).toBe(`out-${i}\nerr-${i}\n`); // the log is the check's stdout and stderr: the order they were written
      // The report's output is read back from the log: the same lines, the same order.
      expect(byId(report)[id]?.output_tail).toEqual(i % 2 === 0 ? [] : [`out-${i}`, `err-${i}`]);
      expect(byId(report)[id]?.output_bytes).toBe(text.length);
    }
    const records = readJournal(join(logDir, report.run_id)) ?? [];
    for (const kind of ['check:start', 'check:spawn', 'check:end']) expect(records.filter((r) => r.t === kind)).toHaveLength(ids.length);
    expect(records.at(-1)?.t).toBe('run:end');
  });

  it('SIGINT in the middle of a check: its log holds what it printed, mode 0600', async () => {
    const T = tempDir();
    const logDir = join(T, 'logs');
    const config = join(T, 'slow.yaml');
    writeFileSync(config, `version: "1"\nchecks:\n  - id: slow\n    run: echo started; echo $$ > "$T/slow.pid"; sleep 30\n  - id: quiet\n    run: sleep 30\n`);
    const { child, done } = startCli(['check', '-c', config, '--log-dir', logDir, '--json'], { env: { T } });
    await waitForFiles([join(T, 'slow.pid')]);
    child.kill('SIGINT');
    const result = await done;
    expect(result.signal).toBe('SIGINT');
    const report = parseReport(result.stdout);
    expect(byId(report).slow?.status).toBe('cancelled');
    const slow = join(logDir, report.run_id, 'slow.log');
    expect(readFileSync(slow, 'utf8')).toBe('started\n');
    expect(statSync(slow).mode & 0o777).toBe(0o600);
    const quiet = join(logDir, report.run_id, 'quiet.log');
    expect(readFileSync(quiet, 'utf8')).toBe('');
    expect(statSync(quiet).mode & 0o777).toBe(0o600);
  });
});

describe('fanout check: leftovers', () => {
  /** A check's command (one YAML string): GNU timeout left in the background, in a process group of its own. */
  const leaving = (what: string) => JSON.stringify(leaveBehind(what, '$T/leftover').join('\n'));
  const leftover = (T: string) => {
    const [pid, startTime] = readFileSync(join(T, 'leftover'), 'utf8').trim().split(' ');
    return { pid: Number(pid), startTime: startTime! };
  };
  const cleanUp = (T: string) => {
    if (!existsSync(join(T, 'leftover'))) return;
    // timeout leads a group of its own (its sleep is in it): the whole group goes.
    const process_ = leftover(T);
    if (isAlive(process_)) process.kill(-process_.pid, 'SIGKILL');
  };

  it('terminates what a check left running in a process group of its own before the run ends', async () => {
    const T = tempDir();
    const config = join(T, 'leftover.yaml');
    // After the shell's exit only a scan of the session finds such a process: the sweep at the end of the run.
    writeFileSync(config, `version: "1"\nchecks:\n  - id: leaves\n    run: ${leaving('sleep 300')}\n  - id: after\n    run: "true"\n    requires: [leaves]\n`);
    try {
      const result = await runCli(['check', '-c', config, '--log-dir', join(T, 'logs'), '--json'], { env: { T } });
      expect(result.code, result.stderr).toBe(0);
      expect(leftover(T).pid).toBeGreaterThan(0);
      expect(isAlive(leftover(T))).toBe(false);
    } finally {
      cleanUp(T);
    }
  });

  it('a --max-time that expires while the sweep waits does not fail a run whose checks all passed', async () => {
    const T = tempDir();
    const config = join(T, 'stubborn.yaml');
    // The leftover ignores SIGTERM: the sweep waits its whole grace (2 s), past --max-time.
    writeFileSync(config, `version: "1"\nchecks:\n  - id: leaves\n    run: ${leaving(`sh -c "trap '' TERM; sleep 300"`)}\n`);
    // The case needs --max-time to fire after the check passed and before the sweep's 2 s are over. On a loaded
    // machine the check's time varies, so --max-time is chosen again from the last run's duration until one lands.
    // An attempt counts when the check passed and --max-time is under 1.5 s past the run's duration (taken before
    // the sweep; --max-time counts from earlier still): it fired before the sweep ended. Firing before the duration
    // was taken fails the run rightly (max_time_exceeded): that attempt is tried again, later. A run that counted
    // must pass: a product marking a --max-time within the sweep as exceeded never passes this test.
    let maxTimeMs = 1000;
    let lead = 750; // how far past the run's duration the next --max-time is set: later after a too-early firing
    let tested = false;
    for (let attempt = 0; attempt < 8 && !tested; attempt++) {
      try {
        const started = performance.now();
        const result = await runCli(['check', '-c', config, '--log-dir', join(T, 'logs'), '--json', '--max-time', `${maxTimeMs}ms`], { env: { T } });
        const lived = performance.now() - started;
        const report = parseReport(result.stdout);
        const passed = byId(report).leaves?.status === 'passed';
        if (passed && maxTimeMs - report.duration_ms < 1500 && !report.max_time_exceeded) {
          expect(result.code, result.stderr).toBe(0);
          // The sweep held the run past --max-time (the leftover ignores SIGTERM): it did fire meanwhile.
          expect(lived).toBeGreaterThanOrEqual(maxTimeMs);
          expect(isAlive(leftover(T))).toBe(false);
          tested = true;
        } else {
          if (passed && report.max_time_exceeded) lead = Math.min(lead + 250, 1450);
          maxTimeMs = passed ? Math.ceil(report.duration_ms) + lead : maxTimeMs * 2;
        }
      } finally {
        cleanUp(T);
      }
    }
    expect(tested, 'no --max-time fell within the sweep').toBe(true);
  }, 120_000);
});

describe('fanout check: secrets', () => {
  it('masks values of secret-looking variables in every report, but keeps the full log', async () => {
    const env = { API_TOKEN: 'tok-0123456789' };
    const human = await check('secrets.yaml', [], env);
    expect(human.stdout).toContain('token=*** password=*** user=alice-the-user');
    expect(human.stdout).not.toContain('tok-0123456789');
    expect(human.stdout).not.toContain('hunter2hunter2');
    const json = await check('secrets.yaml', ['--json'], env);
    expect(json.stdout).not.toMatch(/tok-0123456789|hunter2hunter2/);
    const log = byId(parseReport(json.stdout)).leaky?.log_file ?? '';
    expect(readFileSync(log, 'utf8')).toContain('token=tok-0123456789');
  });
});

describe('fanout check: selection', () => {
  const ran = (stdout: string) => parseReport(stdout).checks.map((c) => c.id);

  it('ids run with what they require', async () => {
    expect(ran((await check('tagged.yaml', ['e2e', '--json'])).stdout)).toEqual(['setup', 'unit', 'e2e']);
    expect(ran((await check('tagged.yaml', ['lint', '--json'])).stdout)).toEqual(['lint']);
  });

  it('-v notes the checks pulled in as requirements', async () => {
    const { stderr } = await check('tagged.yaml', ['e2e', '-v']);
    expect(stderr).toBe('fanout: also running setup, unit: required by the selected checks\n');
  });

  it('--only runs exactly the named checks', async () => {
    const { stdout } = await check('tagged.yaml', ['--only', 'unit,lint', '--json']);
    expect(ran(stdout)).toEqual(['lint', 'unit']);
    expect(byId(parseReport(stdout)).unit?.status).toBe('passed');
  });

  it('--tags pulls in requirements; --exclude-tags never drops a required check', async () => {
    expect(ran((await check('tagged.yaml', ['--tags', 'fast', '--json'])).stdout)).toEqual(['setup', 'lint', 'unit']);
    expect(ran((await check('tagged.yaml', ['--tags', 'test', '--exclude-tags', 'slow', '--json'])).stdout)).toEqual(['setup', 'unit']);
    expect(ran((await check('tagged.yaml', ['--exclude-tags', 'test', '--json'])).stdout)).toEqual(['setup', 'lint']);
    expect(ran((await check('tagged.yaml', ['--tags', 'slow', '--tags', 'fast', '--json'])).stdout)).toEqual(['setup', 'lint', 'unit', 'e2e']);
  });

  it('an unknown id or tag is a usage error with a did-you-mean', async () => {
    const id = await check('tagged.yaml', ['unitt']);
    expect([id.code, id.stderr]).toEqual([2, 'fanout: unknown check "unitt" (did you mean "unit"?)\n']);
    const tag = await check('tagged.yaml', ['--tags', 'fats']);
    expect([tag.code, tag.stderr]).toEqual([2, 'fanout: no check has the tag "fats" (did you mean "fast"?)\n']);
  });

  it('the run alias works', async () => {
    const T = tempDir();
    const { code, stdout } = await runCli(['run', 'lint', '-c', fixture('tagged.yaml'), '--log-dir', join(T, 'l'), '--json']);
    expect(code).toBe(0);
    expect(ran(stdout)).toEqual(['lint']);
  });
});

describe('fanout check: scheduling', () => {
  it('ready scheduling starts a check as soon as what it requires passed; --schedule levels waits for the level', async () => {
    const ready = await check('levels.yaml', ['--json']);
    expect(byId(parseReport(ready.stdout)).a?.status).toBe('passed');
    const levels = await check('levels.yaml', ['--json', '--schedule', 'levels']);
    const checks = byId(parseReport(levels.stdout));
    expect(checks.a?.status).toBe('timeout');
    expect(Date.parse(checks.d?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(checks.a?.ended_at ?? ''));
    expect(levels.code).toBe(1);
  });

  it('-p 1 never runs two checks at once', async () => {
    const { stdout } = await check('parallel.yaml', ['-p', '1', '--json']);
    const spans = parseReport(stdout)
      .checks.map((c) => [Date.parse(c.started_at ?? ''), Date.parse(c.ended_at ?? '')] as const)
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? Infinity);
  });

  it('rejects a bad --parallel and a bad --schedule with exit 2', async () => {
    expect((await check('parallel.yaml', ['-p', 'many'])).stderr).toBe('fanout: --parallel must be an integer, received "many"\n');
    const schedule = await check('parallel.yaml', ['--schedule', 'fastest']);
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toContain("argument 'fastest' is invalid");
  });
});

describe('fanout check: retries and timeouts', () => {
  it('reruns a failed check up to retries times and marks a pass after retry', async () => {
    const { code, stdout } = await check('retries.yaml', ['--json']);
    expect(code).toBe(0);
    const checks = byId(parseReport(stdout));
    expect(checks.flaky).toMatchObject({ status: 'passed', attempts: 2, passed_after_retry: true });
    expect(checks['always-fails']).toMatchObject({ status: 'warned', attempts: 2, passed_after_retry: false });
    expect(checks['always-fails']?.log_file).toMatch(/always-fails\.attempt-2\.log$/);
  });

  it('shows attempts in the human report', async () => {
    const { stdout } = await check('retries.yaml', ['-v']);
    expect(stdout).toMatch(/^✓ flaky passed on attempt 2 \(/m);
    expect(stdout).toContain('  exit code 1 after 2 attempts');
    expect(stdout).toContain('(1 passed after retry)');
  });

  it('a timeout kills the group and fails the run even for a warning-severity check', async () => {
    const { code, stdout, T } = await check('timeouts.yaml', ['--json']);
    expect(code).toBe(1);
    const checks = byId(parseReport(stdout));
    expect(checks.hang).toMatchObject({ status: 'timeout', reason: 'timed out after 300ms', reason_code: 'timeout' });
    // Its suggestion is for problems it finds: a timeout says how long it ran, the limit it hit, and how to raise it.
    expect(checks.hang?.suggestion).toMatch(
      /^It ran \d.* and was stopped at its time limit \(timeout: 300ms\), before it finished: this is not a problem it found\.\nTo give it longer, raise its timeout: in check hang \(.*timeouts\.yaml:3\), e\.g\. timeout: 1s\.$/,
    );
    expect(checks.hang?.triggered_prompts).toEqual([{ id: null, content: 'It hung.' }]);
    expect(checks.quick?.status).toBe('passed');
    const { survivors } = await import('./helpers.js');
    expect(await survivors([join(T, 'hang.pid')])).toEqual([]);
  });

  it('a timed-out finding prints the timeout advice, never the suggestion or fix meant for problems found', async () => {
    const T = tempDir();
    const body = `version: "1"\nchecks:\n  - id: lint\n    run: sleep 30\n    timeout: 200ms\n    suggestion: "xo found problems"\n    fix: xo --fix\n`;
    writeFileSync(join(T, 'fanout.yaml'), body);
    const own = await runCli(['check'], { cwd: T });
    expect(own.code).toBe(1);
    expect(own.stdout).toMatch(/FAIL lint \(timeout\)\n {2}timed out after 200ms\n {2}It ran .* and was stopped at its time limit \(timeout: 200ms\)/);
    expect(own.stdout).toContain('raise its timeout: in check lint (fanout.yaml:3), e.g. timeout: 1s.');
    expect(own.stdout).not.toContain('xo found problems');
    expect(own.stdout).not.toContain('xo --fix');
    // A vibeguard.* file says what VibeGuard says, and keeps the fix as VibeGuard does.
    writeFileSync(join(T, 'vibeguard.yaml'), body);
    const vibeguard = await runCli(['check', '-c', 'vibeguard.yaml', '--json'], { cwd: T });
    // VibeGuard's JSON report, on stderr where VibeGuard prints it, then its `Error: exit code 1` line.
    const json = vibeguard.stderr.slice(0, vibeguard.stderr.lastIndexOf('}\n') + 1);
    expect(JSON.parse(json)).toMatchObject({
      checks: [{ id: 'lint', status: 'failed' }],
      violations: [{ id: 'lint', suggestion: 'Check timed out. Consider increasing the timeout value or optimizing the command.', fix: 'xo --fix' }],
    });
  });

  it('--timeout sets the timeout of checks that set none', async () => {
    const { code, stdout } = await check('sleepy.yaml', ['--timeout', '300ms', '--json']);
    expect(code).toBe(1);
    const checks = byId(parseReport(stdout));
    expect(checks.sleepy).toMatchObject({ status: 'timeout', reason: 'timed out after 300ms' });
    expect(checks.sleepy?.suggestion).toMatch(/stopped at the time limit of --timeout 300ms, .*\nTo give it longer, pass a larger --timeout, or set timeout: 1s on check sleepy \(.*sleepy\.yaml:4\)\.$/);
    expect(checks['after-sleepy']?.skip_reason).toEqual({ kind: 'blocked', blocked_by: 'sleepy' });
  });

  it('--max-time cancels what still runs and fails the run', async () => {
    const { code, stdout, T } = await check('sleepy.yaml', ['--max-time', '300ms', '--json']);
    expect(code).toBe(1);
    const report = parseReport(stdout);
    expect(report.max_time_exceeded).toBe(true);
    const checks = byId(report);
    expect(checks.sleepy?.status).toBe('cancelled');
    expect(checks.quick?.status).toBe('passed');
    expect(checks['after-sleepy']?.skip_reason).toEqual({ kind: 'max-time' });
    const { survivors } = await import('./helpers.js');
    expect(await survivors([join(T, 'sleepy.pid')])).toEqual([]);
  });

  it('rejects a bad duration with exit 2', async () => {
    const { code, stderr } = await check('sleepy.yaml', ['--timeout', 'soon']);
    expect(code).toBe(2);
    expect(stderr).toBe('fanout: --timeout must be a positive duration such as 500ms, 30s, 2m or 1h30m, received "soon"\n');
  });
});

describe('fanout check: fail-fast', () => {
  it('kills the running checks, reports the root failure first and the cancelled ones briefly', async () => {
    const { code, stdout, T } = await check('failfast.yaml', ['--fail-fast', '-p', '4']);
    expect(code).toBe(1);
    expect(stdout.startsWith('FAIL boom (error)\n  exit code 3\n  boom is broken\n')).toBe(true);
    expect(stdout).toContain('FAIL slow (cancelled)  stopped by fail-fast after boom failed\nFAIL slow-bg (cancelled)  stopped by fail-fast after boom failed\n');
    expect(stdout).toContain('FAIL after (skipped)  requires boom, which did not pass');
    expect(stdout).toContain('FAIL later (skipped)  not started: fail-fast stopped the run');
    expect(stdout).toMatch(/— fail-fast after boom\n$/);
    const { survivors } = await import('./helpers.js');
    expect(await survivors(['slow.pid', 'slow-child.pid', 'slow-bg.pid'].map((f) => join(T, f)))).toEqual([]);
  });

  it('a warning-severity failure never triggers fail-fast', async () => {
    const { code, stdout } = await check('warn-failfast.yaml', ['--fail-fast', '--json']);
    expect(code).toBe(0);
    const report = parseReport(stdout);
    expect(report.fail_fast_triggered).toBe(false);
    expect(report.checks.map((c) => c.status)).toEqual(['passed', 'warned', 'passed']);
  });

  it('records fail_fast_triggered and root_failure in the JSON report', async () => {
    const { stdout } = await check('failfast.yaml', ['--fail-fast', '-p', '4', '--json']);
    const report = parseReport(stdout);
    expect(report).toMatchObject({ fail_fast_triggered: true, root_failure: 'boom', exit_code: 1 });
    expect(byId(report).slow?.status).toBe('cancelled');
  });
});

describe('fanout check: locks', () => {
  it('never runs two checks sharing a lock at the same time', async () => {
    const { code, stdout } = await check('locks.yaml', ['-p', '4', '--json']);
    expect(code).toBe(0);
    const checks = byId(parseReport(stdout));
    expect([checks.first?.status, checks.second?.status]).toEqual(['passed', 'passed']);
    const [a, b] = [checks.first, checks.second].map((c) => [Date.parse(c?.started_at ?? ''), Date.parse(c?.ended_at ?? '')] as const);
    expect(a && b && (a[1] <= b[0] || b[1] <= a[0])).toBe(true);
  });
});

describe('fanout check: unusable output paths', () => {
  it('a --junit folder that does not exist or a log folder that cannot be made is a usage error before anything runs', async () => {
    const T = tempDir();
    const junit = await runCli(['check', '-c', fixture('parallel.yaml'), '--junit', join(T, 'missing', 'junit.xml'), '--log-dir', join(T, 'logs')]);
    expect([junit.code, junit.stderr]).toEqual([2, `fanout: --junit: the folder ${join(T, 'missing')} does not exist\n`]);
    expect(existsSync(join(T, 'logs'))).toBe(false);
    const logs = await runCli(['check', '-c', fixture('parallel.yaml'), '--log-dir', '/dev/null/logs']);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toMatch(/^fanout: cannot create the log folder in \/dev\/null\/logs: ENOTDIR/);
  });

  // Under /proc the kernel answers ENOENT to creating a folder (Node's recursive mkdir then never settles): every
  // command that makes a log folder fails at once, with the usage error of any other unusable --log-dir.
  it.runIf(existsSync('/proc/self'))('a --log-dir under /proc fails at once with exit 2, in the foreground, in the background and for a worker', async () => {
    for (const args of [
      ['check', '-c', fixture('parallel.yaml')],
      ['check', '--background', '-c', fixture('parallel.yaml')],
      ['worker', '--redis', 'redis://127.0.0.1:1', '--insecure'],
    ]) {
      const result = await runCli([...args, '--log-dir', '/proc/fanout-no-such/logs']);
      expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/^fanout: cannot create the log folder in \/proc\/fanout-no-such\/logs: ENOENT/) as unknown]);
    }
  });
});

describe('fanout check: --exclude-tags with an unknown tag', () => {
  it('runs and notes it on stderr', async () => {
    const { code, stderr, stdout } = await check('tagged.yaml', ['--exclude-tags', 'slwo', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('fanout: note: no check has the tag "slwo" (did you mean "slow"?)\n');
    expect(parseReport(stdout).checks).toHaveLength(4);
  });
});
