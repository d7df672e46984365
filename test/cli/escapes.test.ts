/* eslint-disable no-control-regex -- the point of these tests is terminal escape codes */
// A check's output (and a config's text) with terminal escape sequences in it — a clipboard write (OSC 52), a
// screen clear, a C1 CSI, BEL, a raw carriage return, a DCS string — reaches no terminal raw, in any output of
// fanout; the JSON outputs keep every value as it was, escaped.
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture, hasScript, onTerminal, parseReport, runCli, tempDir, type CliResult } from './helpers.js';

const CONFIG = fixture('escapes.yaml');
/** The value grok takes from the check's output, as the check printed it. */
const RAW = '<\x1b]52;c;ZWNobyBwd25lZA==\x07|\x1b[2J|\u009b2J|\x07|\rX|\x1bP1$qm\x1b\\>';
/** The same, as fanout prints it for people. */
const SHOWN = '<||||X|>';
/** Any control character but tab and newline: C0 (ESC, BEL, CR included), DEL, C1. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function expectClean(text: string): void {
  expect(text).not.toMatch(CONTROL);
}

function expectFinding(text: string): void {
  expect(text).toContain(`assert failed: n > 5 (n = 1, v = ${SHOWN})`);
  expect(text).toContain(`The value was ${SHOWN}.`);
  expect(text).toContain(`Fix: echo ${SHOWN}`);
  expect(text).toContain('Look  here'); // the triggered prompt, its OSC 52 gone
}

describe('escape sequences from checks and configs', () => {
  it.each([[[]], [['--no-color']], [['--no-color', '-v']], [['-v']]])('the human report %j holds none, nor stderr', async (flags) => {
    const { code, stdout, stderr } = await runCli(['check', '-c', CONFIG, '--log-dir', join(tempDir(), 'logs'), ...flags], { env: { TERM: 'xterm-256color' } });
    expect(code).toBe(1);
    expectFinding(stdout);
    expectClean(stdout);
    expectClean(stderr);
  });

  it('--json and --stream keep the raw values, escaped (C1 too)', async () => {
    const logDir = join(tempDir(), 'logs');
    const json = await runCli(['check', '-c', CONFIG, '--log-dir', logDir, '--json']);
    expectClean(json.stdout);
    expect(json.stdout).toContain('\\u009b2J');
    const check = parseReport(json.stdout).checks[0] as unknown as { extracted: Record<string, string>; suggestion: string; fix: string; reason: string; triggered_prompts: Array<{ content: string }> };
    expect(check.extracted.v).toBe(RAW);
    expect(check.suggestion).toBe(`The value was ${RAW}.`);
    expect(check.fix).toBe(`echo ${RAW} \x1b[2J`);
    expect(check.reason).toContain(RAW);
    expect(check.triggered_prompts[0]?.content).toBe('Look \x1b]52;c;ZWNobyBwd25lZA==\x07 here');

    const stream = await runCli(['check', '-c', CONFIG, '--log-dir', logDir, '--stream']);
    expectClean(stream.stdout);
    const end = JSON.parse(stream.stdout.trimEnd().split('\n').at(-1) ?? '') as { report: { checks: Array<{ extracted: Record<string, string> }> } };
    expect(end.report.checks[0]?.extracted.v).toBe(RAW);
  });

  it('fanout hook claude blocks with a clean stderr', async () => {
    const dir = tempDir();
    copyFileSync(CONFIG, join(dir, 'fanout.yaml'));
    const child = spawn(process.execPath, [cli, 'hook', 'claude'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(JSON.stringify({ hook_event_name: 'Stop', cwd: dir, stop_hook_active: false }));
    const result = await new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    expect(result.code).toBe(2);
    expectFinding(result.stderr);
    expectClean(result.stderr);
    expectClean(result.stdout);
  });

  it('status, wait, list -v, prompt and a quoted argument hold none', async () => {
    const logDir = join(tempDir(), 'logs');
    await runCli(['check', '-c', CONFIG, '--log-dir', logDir]);
    const outputs: CliResult[] = [
      await runCli(['status', '--log-dir', logDir]),
      await runCli(['wait', '--log-dir', logDir]),
      await runCli(['list', '-v', '-c', CONFIG]),
      await runCli(['prompt', '-c', CONFIG]),
      await runCli(['prompt', 'hostile-prompt', '-c', CONFIG]),
      await runCli(['check', '-c', CONFIG, '--log-dir', logDir, '--only', '\x1b]0;title\x07x']),
      await runCli(['\x1b[2Jnot-a-command']),
    ];
    for (const { stdout, stderr } of outputs) {
      expectClean(stdout);
      expectClean(stderr);
    }
    const [status, wait, list, prompts, prompt, only, unknown] = outputs;
    expect(status?.stdout).toMatch(/hostile {2}failed \d+ms — assert failed: n > 5 \(n = 1, v = <\|\|\|\|X\|>\)/);
    expectFinding(wait?.stdout ?? '');
    expect(list?.stdout).toContain('fix: echo {{.v}} \n');
    expect(prompts?.stdout).toContain('A prompt  with a screen clear');
    expect(prompt?.stdout).toBe('Look  here\n');
    expect(only?.stderr).toContain('unknown check "x"');
    expect(unknown?.stderr).toContain("unknown command 'not-a-command'");
  });

  it('fanout logs copies the log unchanged to a pipe', async () => {
    const logDir = join(tempDir(), 'logs');
    const run = parseReport((await runCli(['check', '-c', CONFIG, '--log-dir', logDir, '--json'])).stdout);
    const { stdout } = await runCli(['logs', 'latest', 'hostile', '--log-dir', logDir]);
    expect(stdout).toBe(readFileSync(join(logDir, run.run_id, 'hostile.log'), 'utf8'));
    expect(stdout).toContain(RAW);
  });

  describe.skipIf(!hasScript)('on a terminal (script)', () => {
    // What fanout itself writes on a terminal: the colours of its styles, the live view's redraw (carriage return,
    // cursor up, clear to the end of the screen), and the terminal's own CR before each LF.
    const OWN = /\x1b\[(?:1|2|22|31|32|33|39)m|\r?\x1b\[\d+A\x1b\[J|\r(?=\n)/g;

    it('with colour, only fanout’s own escape codes appear', async () => {
      const out = await onTerminal(['check', '-c', CONFIG, '--log-dir', join(tempDir(), 'logs'), '-v']);
      expect(out).toContain('\x1b[31m'); // colour is on
      expectClean(out.replace(OWN, ''));
      expectFinding(out.replace(OWN, ''));
    });

    it('with --no-color, no colour either', async () => {
      const out = await onTerminal(['check', '-c', CONFIG, '--log-dir', join(tempDir(), 'logs'), '-v', '--no-color']);
      expect(out).not.toMatch(/\x1b\[\d*m/);
      expectClean(out.replace(OWN, ''));
    });

    it('fanout logs strips the log', async () => {
      const logDir = join(tempDir(), 'logs');
      await runCli(['check', '-c', CONFIG, '--log-dir', logDir]);
      const out = await onTerminal(['logs', 'latest', 'hostile', '--log-dir', logDir]);
      expect(out).toBe(`n=1 v=${SHOWN}\r\n`);
    });
  });
});
