// A command of the run that renames a folder of old files into a check's folder and then stages them (or untracks
// them): the listing asked again compares the files with the index as it is NOW. A file it calls unchanged against
// another blob than the run's listing vouched for, or no longer tracks, still holds other content than that blob.
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

describe('fanout check: a folder renamed into a check\'s place, then the index changed by the same command', () => {
  it.each([
    ['staged (the index names the new blob)', 'git add src/x.txt'],
    ['untracked (the index no longer names it)', 'git rm -q --cached src/x.txt'],
  ])('%s: the check\'s pass is not stored for the committed content', async (_how, index) => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n.stash/\n.used/\nswap\n');
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, '.stash'));
    writeFileSync(join(dir, 'src/x.txt'), 'BAD\n');
    writeFileSync(join(dir, '.stash/x.txt'), 'OK!\n');
    const past = new Date(Date.now() - 60_000);
    for (const file of ['src/x.txt', '.stash/x.txt', '.stash']) utimesSync(join(dir, file), past, past);
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
        '  - id: a',
        `    run: ${JSON.stringify(`if [ -e swap ]; then rm swap; mv src .used && mv .stash src && ${index}; fi`)}`,
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
    // Back to the committed content (BAD), index and all: b never passed on it.
    git(dir, 'reset', '-q', '--hard');
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
  });
});
