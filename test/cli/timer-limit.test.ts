// Durations beyond the longest Node timer (2^31 - 1 ms, ~24.8 days) through the built CLI: --max-time and --budget
// beyond it are no limit (an overflowed timer fired after 1 ms), --debounce beyond it is a usage error, and a
// fractional --timeout or `timeout:` is rounded up to whole milliseconds.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, parseReport, projectWith, runCli, startCli, type CliResult } from './helpers.js';

describe('durations beyond the timers\' limit', () => {
  it('check --max-time 600h on a short check: the check passes, nothing is cancelled', async () => {
    const dir = projectWith('checks:\n  - id: slow\n    run: sleep 0.3\n');
    const { code, stdout, stderr } = await runCli(['check', '-c', join(dir, 'fanout.yaml'), '--log-dir', join(dir, 'logs'), '--max-time', '600h', '--json'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(parseReport(stdout).checks.map((check) => [check.id, check.status])).toEqual([['slow', 'passed']]);
  });

  it('check --timeout 1500us and `timeout: 2500us` are rounded up: the checks time out at 2 and 3 ms, no internal error', async () => {
    // `sleep 1` outlives both timeouts: each check times out, and its reason says the rounded limit.
    const dir = projectWith('checks:\n  - id: own\n    run: sleep 1\n    timeout: 2500us\n  - id: quick\n    run: sleep 1\n');
    const outcomes = [];
    for (const [id, extra] of [['own', []], ['quick', ['--timeout', '1500us']]] as const) {
      const { stdout } = await runCli(['check', id, '-c', join(dir, 'fanout.yaml'), '--log-dir', join(dir, 'logs'), '--json', ...extra], { cwd: dir });
      outcomes.push(...parseReport(stdout).checks.map((check) => [check.id, check.status, check.reason]));
    }
    expect(outcomes).toEqual([
      ['own', 'timeout', 'timed out after 3ms'],
      ['quick', 'timeout', 'timed out after 2ms'],
    ]);
  });

  it('hook claude --budget 600h: the run is not cut short, the failing check blocks', async () => {
    const dir = projectWith('checks:\n  - id: slow\n    run: sleep 0.3; echo broken; exit 3\n');
    const child = spawn(process.execPath, [cli, 'hook', 'claude', '--budget', '600h'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(JSON.stringify({ session_id: 's', cwd: dir, hook_event_name: 'Stop', stop_hook_active: false }));
    const result = await new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    expect(result.stdout).not.toContain('time budget');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('slow');
  });

  it('watch --debounce beyond the limit is a usage error', async () => {
    const dir = projectWith('checks:\n  - id: a\n    run: "true"\n');
    // A watch that took the value would run until stopped: the test's end stops it.
    const { child, done } = startCli(['watch', '-c', join(dir, 'fanout.yaml'), '--debounce', '600h'], { cwd: dir });
    const result = await Promise.race([done, new Promise<undefined>((resolve) => setTimeout(resolve, 30_000, undefined))]);
    if (result === undefined) child.kill('SIGKILL');
    const { code, stderr } = result ?? (await done);
    expect(code).toBe(2);
    expect(stderr).toContain('--debounce must be at most 2147483647ms (about 24.8 days), received "600h"');
  });
});
