// Hits decided before the run's first command starts, from the command line (the built CLI): a check without
// requirements replays its pass for the files as they were when the run started, whatever a command of the run writes
// before its turn; a check whose requirement runs is keyed once it is done. Neither ever replays a pass for content it
// did not pass on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

/** A committed repository of `files` and fanout.yaml (the log folder, FIFOs and flags ignored). */
async function project(yaml: string, files: Record<string, string>): Promise<string> {
  const dir = tempDir();
  git(dir, 'init', '-q');
  for (const [name, text] of Object.entries({ ...files, 'fanout.yaml': yaml, '.gitignore': '.fanout/\ngate*\n*.on\n' })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  // Past the racy margin: a file git vouches for that changed just before a check's key is looked at again.
  await settled(join(dir, 'src/a.ts'));
  return dir;
}

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

async function check(dir: string, ...args: string[]): Promise<Record<string, { status: string; cached?: unknown }>> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  const report = JSON.parse(result.stdout) as Report;
  return Object.fromEntries(report.checks.map((entry) => [entry.id, { status: entry.status, ...(entry.cached === undefined ? {} : { cached: entry.cached }) }]));
}

describe('fanout check: hits decided before the first command', () => {
  it('a check without requirements replays its pass for the files as the run found them; the file a check wrote before its turn counts next run', async () => {
    // -p 2: w and c start first (both keyed with b before either command starts); b's turn comes once one of them
    // ended, and c ends only once w wrote BAD into b's input (the FIFO orders them).
    const yaml = [
      'checks:',
      '  - id: w',
      `    run: ${JSON.stringify('if [ -p gate ]; then echo BAD > src/a.ts; echo x > gate; fi')}`,
      '    inputs: [w.txt]',
      '  - id: c',
      `    run: ${JSON.stringify('if [ -p gate ]; then cat gate >/dev/null; fi')}`,
      '    inputs: [c.txt]',
      '  - id: b',
      `    run: ${JSON.stringify('! grep -q BAD src/a.ts')}`,
      '    inputs: ["src/**"]',
      '',
    ].join('\n');
    const dir = await project(yaml, { 'src/a.ts': 'ok\n', 'w.txt': 'w\n', 'c.txt': 'c\n' });
    expect(await check(dir, 'b')).toEqual({ b: { status: 'passed' } });
    execFileSync('mkfifo', [join(dir, 'gate')]);
    const second = await check(dir, '-p', '2');
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('BAD\n');
    expect(second).toEqual({ w: { status: 'passed' }, c: { status: 'passed' }, b: { status: 'passed', cached: true } });
    rmSync(join(dir, 'gate'));
    // src/a.ts says BAD when this run starts: b runs, and fails.
    expect(await check(dir, 'b')).toEqual({ b: { status: 'failed' } });
  });

  it('a check whose requirement runs again with the same key is keyed once it is done: no pass for the file it wrote', async () => {
    // g (a hit while its input is unchanged) writes BAD into b's input when g.on exists. Its stored pass removed, it
    // runs again under the same key: b's key names g's result as before, and src/a.ts as git listed it.
    const yaml = [
      'checks:',
      '  - id: g',
      `    run: ${JSON.stringify('if [ -f g.on ]; then echo BAD > src/a.ts; fi')}`,
      '    inputs: [g.txt]',
      '  - id: b',
      `    run: ${JSON.stringify('! grep -q BAD src/a.ts')}`,
      '    inputs: ["src/**"]',
      '    requires: [g]',
      '',
    ].join('\n');
    const dir = await project(yaml, { 'src/a.ts': 'ok\n', 'g.txt': 'g\n' });
    expect(await check(dir)).toEqual({ g: { status: 'passed' }, b: { status: 'passed' } });
    expect(await check(dir)).toEqual({ g: { status: 'passed', cached: true }, b: { status: 'passed', cached: true } });
    const entries = join(dir, '.fanout/runs/cache/entries');
    const ofG = readdirSync(entries).filter((name) => (JSON.parse(readFileSync(join(entries, name), 'utf8')) as { entry: { id: string } }).entry.id === 'g');
    expect(ofG).toHaveLength(1);
    rmSync(join(entries, ofG[0] as string));
    writeFileSync(join(dir, 'g.on'), '');
    expect(await check(dir)).toEqual({ g: { status: 'passed' }, b: { status: 'failed' } });
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('BAD\n');
  });
});
