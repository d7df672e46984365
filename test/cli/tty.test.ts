/* eslint-disable no-control-regex -- the point of these tests is terminal escape codes */
// Output on a real terminal, through a pseudo-terminal made by util-linux `script`; and never an escape code
// when the output is a pipe.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cli, fixture, hasScript, onTerminal, runCli, tempDir } from './helpers.js';

const SGR = /\x1b\[[0-9;]*m/; // colours and styles
const ESC = '\x1b';
/** A duration as fanout prints it (formatDuration), whatever the machine's speed: `85ms`, `1s`, `1.23s`, `12.3s`. */
const TIME = String.raw`\d+(?:ms|(?:\.\d+)?s)`;

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

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** A tmux server of its own in `T`, a 100x30 pane running an interactive shell, as a user types at one. */
function tmuxPane(T: string) {
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', join(T, 'tmux.sock'), '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const screen = () => tmux('capture-pane', '-p', '-t', 'run').stdout;
  return {
    tmux,
    screen,
    /** Types `fanout ARGS` with T set, and Enter. */
    run: (args: readonly string[]) => {
      expect(tmux('new-session', '-d', '-s', 'run', '-x', '100', '-y', '30', 'bash --norc --noprofile -i').status).toBe(0);
      tmux('send-keys', '-t', 'run', `T=${quote(T)} ${[process.execPath, cli, ...args].map(quote).join(' ')}`, 'Enter');
    },
    until: async (what: () => boolean) => {
      for (let waited = 0; !what(); waited += 50) {
        if (waited > 20_000) throw new Error(`timed out; the screen:\n${screen()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

describe.skipIf(!hasTmux)('on a terminal (tmux)', () => {
  it('Ctrl-C: the partial report starts on a clean line, no spinner glyph left of the live view', async () => {
    const T = tempDir();
    const { tmux, screen, run, until } = tmuxPane(T);
    try {
      // The terminal echoes ^C where the cursor is, below the live view; the view must still be erased whole.
      // Typed at an interactive shell, as a user runs it (the shell survives the Ctrl-C; the screen stays).
      run(['check', '-c', fixture('sleepy.yaml'), '--log-dir', join(T, 'logs')]);
      await until(() => existsSync(join(T, 'sleepy.pid')) && screen().includes('1 running'));
      tmux('send-keys', '-t', 'run', 'C-c');
      await until(() => screen().includes('partial report'));
      const lines = screen().split('\n');
      expect(lines.find((line) => line.includes('FAIL sleepy (cancelled)')), lines.join('\n')).toMatch(/^FAIL sleepy \(cancelled\)/);
      expect(screen()).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    } finally {
      tmux('kill-server');
    }
  });

  it('counts and names a failed check while the others still run, and erases that line with the view', async () => {
    const T = tempDir();
    const { tmux, screen, run, until } = tmuxPane(T);
    try {
      run(['check', '-c', fixture('fails-early.yaml'), '--log-dir', join(T, 'logs')]);
      await until(() => screen().includes('1 running'));
      const view = screen().split('\n');
      expect(view.find((line) => line.includes('running')), view.join('\n')).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 1\/2 done · 1 failed · 1 running · /);
      expect(view).toContain('  ✗ broken');
      writeFileSync(join(T, 'gate'), '');
      await until(() => screen().includes('1 failed, 1 passed'));
      // The view is gone, its line of failures with it: the report follows the command line.
      expect(screen()).not.toContain('✗ broken');
      expect(screen()).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
      expect(screen()).toContain('FAIL broken (error)');
    } finally {
      tmux('kill-server');
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
