// A check's folder replaced by a link to an older folder by a command of the run: git's word on the files the run
// listed there ("unchanged: the committed blob") no longer holds, and the check's pass is not stored for the blob.
// And the other way: a command changing a requirement's folder outside its globs (sed -i) takes back nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

async function statuses(dir: string, ...args: string[]): Promise<Array<[string, string, unknown]>> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; cached?: unknown }> };
  return report.checks.map((entry) => [entry.id, entry.status, entry.cached]);
}

describe('fanout check: git vouches for files it never compared', () => {
  it('a check folder replaced by a link to an older folder: the pass is not stored for the committed blob', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n.good/\n.used/\nswap\n');
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, '.good'));
    writeFileSync(join(dir, 'src/x.txt'), 'BAD\n');
    writeFileSync(join(dir, '.good/x.txt'), 'OK!\n');
    const past = new Date(Date.now() - 60_000);
    for (const file of ['src/x.txt', '.good/x.txt', '.good', 'src']) utimesSync(join(dir, file), past, past);
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
        '  - id: a',
        `    run: ${JSON.stringify('if [ -e swap ]; then mv src .used && ln -s .good src; fi')}`,
        '  - id: b',
        '    run: "grep -q OK src/x.txt"',
        '    inputs: ["src/**"]',
        '    requires: [a]',
        '',
      ].join('\n'),
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    writeFileSync(join(dir, 'swap'), '');
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'passed', undefined],
    ]);
    // The committed tree again, as git compared it: b never passed on it.
    execFileSync('sh', ['-c', 'rm src swap && mv .used src'], { cwd: dir });
    expect(await statuses(dir, '--no-cache')).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
  });

  it('a command that renames a file over another in a requirement\'s folder (sed -i), none its globs select: a dependent still hits', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'src/notes.md'), 'notes\n');
    writeFileSync(join(dir, 'other/y.txt'), 'y\n');
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
        '  - id: r',
        '    run: "true"',
        '    inputs: ["src/**/*.ts"]',
        '  - id: x',
        `    run: ${JSON.stringify("sed -i 's/notes/notes/' src/notes.md")}`,
        '    requires: [r]',
        '  - id: d',
        '    run: "true"',
        '    inputs: ["other/**"]',
        '    requires: [r, x]',
        '',
      ].join('\n'),
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    expect(await statuses(dir)).toEqual([
      ['r', 'passed', undefined],
      ['x', 'passed', undefined],
      ['d', 'passed', undefined],
    ]);
    expect(await statuses(dir)).toEqual([
      ['r', 'passed', true],
      ['x', 'passed', undefined],
      ['d', 'passed', true],
    ]);
  });
});
