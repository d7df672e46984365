// Two checks with no requirement between them running at once (-p 2), from the command line (the built CLI): a writes
// the inputs of b while b runs, at moments FIFOs fix (b says when it has started, a says when it has written). The
// pass of b must never be replayed for inputs b did not see.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

/**
 * A repository where a (no inputs) runs `write` once b has started, and b (inputs `src/**`) waits for it, then runs
 * `test`. Without the FIFOs (removed after the first run), b runs `test` at once, alone.
 */
function project(write: string, test: string, content = 'ok\n'): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), '.fanout/\ngate*\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), content);
  execFileSync('mkfifo', [join(dir, 'gate-started'), join(dir, 'gate-written')]);
  writeFileSync(
    join(dir, 'fanout.yaml'),
    [
      'checks:',
      '  - id: a',
      `    run: ${JSON.stringify(`cat gate-started >/dev/null; ${write}; echo written > gate-written`)}`,
      '  - id: b',
      `    run: ${JSON.stringify(`if [ -p gate-started ]; then echo started > gate-started; cat gate-written >/dev/null; fi; ${test}`)}`,
      '    inputs: ["src/**"]',
      '',
    ].join('\n'),
  );
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

async function check(dir: string, ...args: string[]): Promise<Report> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  return JSON.parse(result.stdout) as Report;
}

/** The first run, a and b side by side: both pass; then the FIFOs go, so that a later run runs b's test at once, alone. */
async function firstRunPasses(dir: string): Promise<void> {
  const first = await check(dir, '-p', '2');
  expect(first.checks.map((entry) => [entry.id, entry.status])).toEqual([
    ['a', 'passed'],
    ['b', 'passed'],
  ]);
  rmSync(join(dir, 'gate-started'));
  rmSync(join(dir, 'gate-written'));
}

describe('fanout check -p 2: a check whose inputs an independent check writes while it runs', () => {
  it('is not replayed for its inputs without the file the other created while it ran', async () => {
    // b passes only when src/new.ts exists: a creates it after b was keyed (src/a.ts alone), before b looks.
    const dir = project('echo made > src/new.ts', 'test -e src/new.ts');
    await firstRunPasses(dir);
    rmSync(join(dir, 'src/new.ts'));
    // The inputs are again what b was keyed with, but b never ran on them: it runs, and fails.
    const second = (await check(dir, 'b')).checks[0];
    expect(second?.cached).toBeUndefined();
    expect(second?.status).toBe('failed');
  });

  it('is not replayed for the content it was keyed with when the other rewrote the file before it read it', async () => {
    // b fails on src/a.ts as committed (BAD): a rewrites it (same size) after b was keyed, and b passes on that.
    const dir = project('echo OK! > src/a.ts', '! grep -q BAD src/a.ts', 'BAD\n');
    await firstRunPasses(dir);
    git(dir, 'checkout', '--', 'src/a.ts');
    const second = (await check(dir, 'b')).checks[0];
    expect(second?.cached).toBeUndefined();
    expect(second?.status).toBe('failed');
  });

  it('is not replayed when the other created a file it read and deleted it before it ended', async () => {
    // b passes only while src/tmp.ts exists: a creates it after b started, and removes it before b ends, so that the
    // files listed at b's end are those of its key.
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), '.fanout/\ngate*\n');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
    const gates = ['gate-started', 'gate-created', 'gate-read', 'gate-removed'];
    execFileSync('mkfifo', gates.map((gate) => join(dir, gate)));
    const a = 'cat gate-started >/dev/null; echo t > src/tmp.ts; echo x > gate-created; cat gate-read >/dev/null; rm src/tmp.ts; echo x > gate-removed';
    const b = 'if [ -p gate-started ]; then echo x > gate-started; cat gate-created >/dev/null; test -e src/tmp.ts; ok=$?; echo x > gate-read; cat gate-removed >/dev/null; exit $ok; fi; test -e src/tmp.ts';
    writeFileSync(join(dir, 'fanout.yaml'), ['checks:', '  - id: a', `    run: ${JSON.stringify(a)}`, '  - id: b', `    run: ${JSON.stringify(b)}`, '    inputs: ["src/**"]', ''].join('\n'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    const first = await check(dir, '-p', '2');
    expect(first.checks.map((entry) => [entry.id, entry.status])).toEqual([
      ['a', 'passed'],
      ['b', 'passed'],
    ]);
    for (const gate of gates) rmSync(join(dir, gate));
    // The same files as b's key named, but b never ran on them alone: it runs, and fails.
    const second = (await check(dir, 'b')).checks[0];
    expect(second?.cached).toBeUndefined();
    expect(second?.status).toBe('failed');
  });

  it('is stored when the other wrote nothing it reads, and replayed next time', async () => {
    const dir = project('echo made > elsewhere.txt', 'test -e src/a.ts');
    await check(dir, '-p', '2');
    rmSync(join(dir, 'gate-started'));
    rmSync(join(dir, 'gate-written'));
    const second = (await check(dir, 'b')).checks[0];
    expect(second?.status).toBe('passed');
    expect(second?.cached).toBe(true);
  });
});
