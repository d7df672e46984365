// The human reporter replaying recorded runs (a real `fanout check --stream` each, see replay.ts): the text it prints
// is exactly what `fanout check` prints for the same run — early findings, -v lines, findings, summary, colours.
import { describe, expect, it } from 'vitest';
import type { RunEvent, RunReport } from '../../../src/checks/events.js';
import { createHumanReporter, type HumanReporterOptions } from '../../../src/cli/reporters/human.js';
import { styleFor } from '../../../src/cli/style.js';
import { terminalText } from '../../../src/cli/terminal.js';
import { recorded, replay, reportOf } from './replay.js';

const plain = styleFor({ isTTY: false }, undefined);

/** What the reporter prints for the recorded run `name`, as it reaches the terminal. */
async function printed(name: string, options: Partial<HumanReporterOptions> = {}, report?: RunReport): Promise<string> {
  let text = '';
  const events = recorded(name);
  await replay(createHumanReporter({ write: (chunk) => (text += terminalText(chunk)), style: plain, ...options }), events, report ?? reportOf(events));
  return text;
}

/** The run's log folder, as the recorded report names it. */
const logs = (name: string) => reportOf(recorded(name)).log_dir;

describe('createHumanReporter', () => {
  it('prints a fast finding at once while an async check runs, then names it in one line', async () => {
    const log = logs('early');
    const early = [
      'FAIL lint (error)',
      '  exit code 1',
      '  Run the linter with --fix.',
      '  Fix: npm run lint -- --fix',
      '  Output (last 1 line):',
      '  │ src/a.ts:1 missing semicolon',
      `  Log: ${log}/lint.log`,
      '  (still running: e2e)',
      '',
      '',
    ].join('\n');
    const final = [
      'FAIL e2e (error)',
      '  exit code 1',
      '  Run the E2E suite locally.',
      '  Output (last 1 line):',
      '  │ 3 scenarios failed',
      `  Log: ${log}/e2e.log`,
      '',
      'FAIL lint (error)  — shown above, while the async checks ran',
      '',
      '✗ 2 failed, 1 passed in 2.16s',
      '',
    ].join('\n');
    expect(await printed('early')).toBe(early + final);
    const verbose = ['✗ lint failed (155ms) — exit code 1', '✓ types passed (100ms)', '✗ e2e failed (2.03s) — exit code 1', ''].join('\n');
    expect(await printed('early', { verbose: true })).toBe(early + verbose + final);
  });

  it('puts the fail-fast root first and names it in the summary, in colour on a terminal', async () => {
    const log = logs('fail-fast');
    const tty = styleFor({ isTTY: true }, undefined);
    expect(await printed('fail-fast', { style: tty, verbose: true })).toBe(
      [
        '\x1b[33m⚠\x1b[39m warn \x1b[33mwarned\x1b[39m (25ms) \x1b[2m— exit code 1\x1b[22m',
        '\x1b[31m✗\x1b[39m boom \x1b[31mfailed\x1b[39m (540ms) \x1b[2m— exit code 3\x1b[22m',
        '\x1b[33m-\x1b[39m after \x1b[33mskipped\x1b[39m \x1b[2m— requires boom, which did not pass\x1b[22m',
        '\x1b[33m⊘\x1b[39m slow \x1b[33mcancelled\x1b[39m (532ms) \x1b[2m— stopped by fail-fast after boom failed\x1b[22m',
        '\x1b[31m\x1b[1mFAIL boom (error)\x1b[22m\x1b[39m',
        '  exit code 3',
        '  boom is broken',
        '\x1b[2m  Output (last 1 line):\x1b[22m',
        '  \x1b[2m│\x1b[22m boom failed',
        `  Log: ${log}/boom.log`,
        '',
        '\x1b[33m\x1b[1mFAIL warn (warning)\x1b[22m\x1b[39m',
        '  exit code 1',
        '\x1b[2m  Output (last 1 line):\x1b[22m',
        '  \x1b[2m│\x1b[22m a warning',
        `  Log: ${log}/warn.log`,
        '',
        '\x1b[33mFAIL slow (cancelled)\x1b[39m  \x1b[2mstopped by fail-fast after boom failed\x1b[22m',
        '\x1b[33mFAIL after (skipped)\x1b[39m  \x1b[2mrequires boom, which did not pass\x1b[22m',
        '',
        '\x1b[31m✗\x1b[39m 1 failed, 1 warned, 1 cancelled, 1 skipped in 599ms — fail-fast after boom',
        '',
      ].join('\n'),
    );
  });

  it('names --max-time in the summary, with its duration when the action gives it', async () => {
    const findings = ['FAIL sleepy (cancelled)  stopped by --max-time', 'FAIL after-sleepy (skipped)  not started: --max-time reached', ''];
    expect(await printed('max-time', { maxTimeMs: 1000 })).toBe([...findings, '✗ 1 cancelled, 1 skipped, 1 passed in 1.02s — --max-time 1s reached', ''].join('\n'));
    expect(await printed('max-time')).toBe([...findings, '✗ 1 cancelled, 1 skipped, 1 passed in 1.02s — --max-time reached', ''].join('\n'));
  });

  it('names the signal or the infrastructure failure that stopped a run', async () => {
    const report = reportOf(recorded('max-time'));
    const interrupted = { ...report, max_time_exceeded: false, interrupted: 'SIGINT', exit_code: 130 };
    expect((await printed('max-time', {}, interrupted)).split('\n').at(-2)).toBe('✗ 1 cancelled, 1 skipped, 1 passed in 1.02s — interrupted by SIGINT, partial report');
    const stopped = { ...report, max_time_exceeded: false, infrastructure_error: 'Redis connection lost', exit_code: 75 };
    expect((await printed('max-time', {}, stopped)).split('\n').at(-2)).toBe('✗ 1 cancelled, 1 skipped, 1 passed in 1.02s — stopped: Redis connection lost');
  });

  it('prints the prompts a passing check triggered, and the retries in the summary', async () => {
    const final = ['PASS docs', '  Triggered prompts:', '  --- inline ---', '  Docs built: remember the changelog.', '', '✓ 3 passed in 120ms (1 passed after retry)', ''].join('\n');
    expect(await printed('passing')).toBe(final);
    expect(await printed('passing', { verbose: true })).toBe(['✓ build passed (59ms)', '✓ docs passed (58ms)', '✓ flaky passed on attempt 2 (92ms)', final].join('\n'));
  });

  it('is silent on success without prompts, but for the summary on a terminal', async () => {
    const events = recorded('passing').map((event): RunEvent => {
      if (event.type === 'check:end') return { ...event, check: { ...event.check, triggered_prompts: [] } };
      if (event.type === 'run:end') return { ...event, report: { ...event.report, checks: event.report.checks.map((check) => ({ ...check, triggered_prompts: [] })) } };
      return event;
    });
    const run = async (summaryOnSuccess: boolean) => {
      let text = '';
      await replay(createHumanReporter({ write: (chunk) => (text += chunk), style: plain, summaryOnSuccess }), events);
      return text;
    };
    expect(await run(false)).toBe('');
    expect(await run(true)).toBe('✓ 3 passed in 120ms (1 passed after retry)\n');
  });

  it('prints every finding shape of the statuses run', async () => {
    const log = logs('statuses');
    expect(await printed('statuses')).toBe(
      [
        'FAIL low-coverage (warning)',
        '  assert failed: coverage >= 80 (coverage = 42)',
        '  Coverage is 42%, need 80%.',
        '  Fix: npm test -- --coverage',
        '  Output (last 1 line):',
        '  │ coverage: 42%',
        `  Log: ${log}/low-coverage.log`,
        '  Triggered prompts:',
        '  --- coverage-help ---',
        '  Write tests for the least covered module.',
        '',
        'FAIL broken (error)',
        '  exit code 4',
        '  Broken: see the output.',
        '  Output (last 20 lines):',
        ...Array.from({ length: 20 }, (_, i) => `  │ line ${i + 11}`),
        `  Log: ${log}/broken.log`,
        '  Triggered prompts:',
        '  --- inline ---',
        '  Look at line 30 first.',
        '',
        'FAIL missing-value (warning)',
        '  assert "v > 1": "v" has no value: grok did not extract it',
        '  The value was {{.v}}; raise it above 1. [no value for {{.v}}]',
        '  Output (last 1 line):',
        '  │ nothing to see',
        `  Log: ${log}/missing-value.log`,
        '',
        'FAIL blocked (skipped)  requires broken, which did not pass',
        '',
        '✗ 1 failed, 2 warned, 1 skipped, 2 passed in 514ms',
        '',
      ].join('\n'),
    );
  });

  it('with report: false (the report goes out as --json or --stream) prints only the -v lines', async () => {
    expect(await printed('early', { report: false })).toBe('');
    expect(await printed('early', { report: false, verbose: true })).toBe(['✗ lint failed (155ms) — exit code 1', '✓ types passed (100ms)', '✗ e2e failed (2.03s) — exit code 1', ''].join('\n'));
  });

  it('hands every piece of text to the writer it was given, never to the process', async () => {
    const writes: string[] = [];
    const stdout = process.stdout.write.bind(process.stdout);
    let leaked = 0;
    process.stdout.write = ((...args: Parameters<typeof stdout>) => {
      leaked++;
      return stdout(...args);
    }) as typeof process.stdout.write;
    try {
      await replay(createHumanReporter({ write: (text) => writes.push(text), style: plain, verbose: true }), recorded('early'));
    } finally {
      process.stdout.write = stdout;
    }
    expect(leaked).toBe(0);
    // The early finding, three -v lines, the final report.
    expect(writes).toHaveLength(5);
  });
});
