/* eslint-disable no-control-regex -- the point of these tests is terminal escape codes */
// Output on a real terminal, through a pseudo-terminal made by util-linux `script`; and never an escape code
// when the output is a pipe.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture, root, runCli, tempDir } from './helpers.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const SGR = /\x1b\[[0-9;]*m/; // colours and styles
const ESC = '\x1b';
/** A duration as fanout prints it, whatever the machine's speed: `85ms`, `1.2s`. */
const TIME = String.raw`\d+(?:ms|\.\ds)`;

/** Runs the CLI on a pseudo-terminal; resolves with everything the terminal received (stdout and stderr). */
function onTerminal(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm-256color', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}

// The view is drawn when it starts, in the turn of the event loop after a check starts or ends, and at each tick:
// what is asserted here follows from the order of those events, never from how long anything took.
describe.skipIf(!hasScript)('on a terminal (script)', () => {
  it('shows a live view with the n/m count and elapsed time, then the report in colour', async () => {
    const out = await onTerminal(['check', '-c', 'examples/fanout.yaml', '--log-dir', join(tempDir(), 'logs')]);
    expect(out).toMatch(new RegExp(`\\d/6 done · \\d running · ${TIME}`));
    expect(out).toMatch(new RegExp(` {2}build ${TIME}`)); // a running check with its elapsed time
    // Redrawn in place: the view drawn at the start is erased, and drawn again with the checks that started.
    expect(out).toMatch(/\x1b\[\d+A\x1b\[J[^\r\n]* \d\/6 done · [1-9] running/);
    expect(out).toContain('\x1b[33m\x1b[1mFAIL todo-budget (warning)');
    expect(out).toMatch(/⚠\x1b\[39m 1 warned, 5 passed in /);
  });

  it('prints a one-line summary when everything passed (silent off a terminal)', async () => {
    const out = await onTerminal(['check', '-c', fixture('parallel.yaml'), '--log-dir', join(tempDir(), 'logs')]);
    // The view is erased (however many lines it had last) just before the summary.
    expect(out.trimEnd().split('\r\n').at(-1)).toMatch(new RegExp(`^\\r?\\x1b\\[\\d+A\\x1b\\[J\\x1b\\[32m✓\\x1b\\[39m 4 passed in ${TIME}$`));
  });

  it('--no-color and NO_COLOR remove every colour', async () => {
    for (const [args, env] of [
      [['--no-color'], {}],
      [[], { NO_COLOR: '1' }],
    ] as const) {
      const out = await onTerminal(['check', '-c', 'examples/fanout.yaml', '--log-dir', join(tempDir(), 'logs'), '-v', ...args], env);
      expect(out).not.toMatch(SGR);
      expect(out).toContain('FAIL todo-budget (warning)');
      expect(out).toMatch(new RegExp(`✓ build passed \\(${TIME}\\)`));
    }
  });
});

describe('off a terminal', () => {
  it('never writes an escape code on stdout or stderr, even with -v and findings', async () => {
    const T = tempDir();
    const { stdout, stderr } = await runCli(['check', '-c', fixture('statuses.yaml'), '--log-dir', join(T, 'logs'), '-v'], { env: { T, TERM: 'xterm-256color' } });
    expect(stdout).toContain('FAIL broken (error)');
    expect(stdout).not.toContain(ESC);
    expect(stderr).not.toContain(ESC);
  });
});
