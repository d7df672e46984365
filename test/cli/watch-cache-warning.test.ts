// `fanout watch` says what the cache could not do for a run as `fanout check` does: a `fanout: warning: cache: …`
// line on stderr. Every wait is for output, never a sleep.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('fanout watch', () => {
  it('prints the cache warning of a check whose inputs match no file', async () => {
    const dir = tempDir();
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: lint\n    run: "true"\n    inputs: ["gen/**"]\n');
    const child = spawn(process.execPath, [cli, 'watch'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wake: (() => void) | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake?.()));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), wake?.()));
    const done = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => (resolve(signal), wake?.())));
    // The first run's check, and the warning its report brings (a whole line): a watch that never prints it fails
    // the test by its timeout.
    while (!stdout.includes('lint passed') || !/^fanout: warning: cache: .*\n/m.test(stderr)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`fanout watch ended: ${stderr}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    child.kill('SIGINT');
    expect(await done).toBe('SIGINT');
    const warnings = stderr.split('\n').filter((line) => line.startsWith('fanout: warning: cache: '));
    expect(warnings).toEqual(['fanout: warning: cache: inputs of lint ("gen/**") match no file (a folder reached through a link is not followed): no change is ever noticed']);
  });
});
