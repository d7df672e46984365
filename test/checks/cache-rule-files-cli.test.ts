// A check keyed after a command changed what git ignores — a rule file deleted, or git's configuration naming another
// excludes file — without moving any folder the check's inputs are in: the files git now lists are among its inputs,
// and a pass recorded while git ignored them is not replayed. Each test runs the same project twice on the files as
// they were ignored (the keys settle), then on a bad file git listed only once the command changed its rules: the
// cached run must agree with a run without the cache.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { checkProject, checkRunner } from './git-repo.js';

/** `d` reads src/gen/x.txt, which git ignores until `c` runs `change`; `a` runs `first`. */
function project(first: string, change: string): string {
  return checkProject(
    [
      '  - id: a',
      `    run: "${first}; sleep 0.2"`,
      '  - id: b',
      '    requires: [a]',
      '    inputs: ["src/gen/**"]',
      '    run: "sleep 0.2"',
      '  - id: c',
      '    requires: [b]',
      `    run: "${change}; sleep 0.2"`,
      '  - id: d',
      '    requires: [c]',
      '    inputs: ["src/gen/**"]',
      '    run: "grep -q ok src/gen/x.txt"',
    ],
    { 'src/gen/a.txt': 'a\n', 'src/.gitignore': '' },
  );
}

/** The cached run on the bad file agrees with one without the cache (which fails `d`), after two runs on the good one. */
async function notReplayed(dir: string, world: (x: string) => void): Promise<void> {
  await checkRunner(dir, 1, () => world('ok'))();
  expect((await checkRunner(dir, 1, () => world('ok'))())['d']?.[0]).toBe('passed');
  const cached = await checkRunner(dir, 1, () => world('bad'))();
  const fresh = await checkRunner(dir, 1, () => world('bad'))('--no-cache');
  expect(fresh['d']?.[0]).toBe('failed');
  expect(cached['d']).toEqual(fresh['d']);
}

describe('cache: a rule of git changed by a command of the run', () => {
  const excluded = (dir: string) => (x: string) => {
    writeFileSync(join(dir, '.git/info/exclude'), 'src/gen/x.txt\n');
    writeFileSync(join(dir, 'src/gen/x.txt'), x);
  };

  it('.git/info/exclude deleted after a command moved the folder (its files listed again before)', async () => {
    const dir = project('touch src/gen/t; rm src/gen/t', 'rm .git/info/exclude');
    await notReplayed(dir, excluded(dir));
  }, 120_000);

  it('.git/info/exclude deleted while no folder of the inputs moved at all', async () => {
    const dir = project('true', 'rm .git/info/exclude');
    await notReplayed(dir, excluded(dir));
  }, 120_000);

  it('the .gitignore of a folder above the inputs\' folders deleted', async () => {
    const dir = project('true', 'rm src/.gitignore');
    await notReplayed(dir, (x) => {
      writeFileSync(join(dir, 'src/.gitignore'), 'gen/x.txt\n');
      writeFileSync(join(dir, 'src/gen/x.txt'), x);
    });
  }, 120_000);

  it('core.excludesFile set to another file in .git/config', async () => {
    const dir = project('true', 'git config core.excludesFile /dev/null');
    await notReplayed(dir, (x) => {
      writeFileSync(join(dir, 'excludes'), 'src/gen/x.txt\n');
      execFileSync('git', ['config', 'core.excludesFile', join(dir, 'excludes')], { cwd: dir });
      writeFileSync(join(dir, 'src/gen/x.txt'), x);
    });
  }, 120_000);
});

describe('cache: a rule file reached another way than by its own name', () => {
  it('core.excludesFile set in a file the repository\'s configuration includes, rewritten by a command', async () => {
    const extra = join(tempDir(), 'extra.cfg');
    const dir = project('true', `git config --file ${extra} core.excludesFile /dev/null`);
    execFileSync('git', ['config', 'include.path', extra], { cwd: dir });
    await notReplayed(dir, (x) => {
      writeFileSync(join(dir, 'excludes'), 'src/gen/x.txt\n');
      writeFileSync(extra, `[core]\n\texcludesFile = ${join(dir, 'excludes')}\n`);
      writeFileSync(join(dir, 'src/gen/x.txt'), x);
    });
  }, 120_000);

  it('the excludes file reached through a folder link that a command switches to another folder', async () => {
    const rules = tempDir();
    mkdirSync(join(rules, 'v1'));
    mkdirSync(join(rules, 'v2'));
    writeFileSync(join(rules, 'v1/ignore'), 'src/gen/x.txt\n');
    writeFileSync(join(rules, 'v2/ignore'), '# nothing\n');
    const cur = join(rules, 'cur');
    const dir = project('true', `ln -sfn v2 ${join(rules, 'next')} && mv -T ${join(rules, 'next')} ${cur}`);
    execFileSync('git', ['config', 'core.excludesFile', join(cur, 'ignore')], { cwd: dir });
    await notReplayed(dir, (x) => {
      rmSync(cur, { force: true });
      symlinkSync('v1', cur);
      writeFileSync(join(dir, 'src/gen/x.txt'), x);
    });
  }, 120_000);

  it('.git/info/exclude a link that leads nowhere until a command creates its target', async () => {
    // The excludes file ignores x.txt; the target, once there, takes precedence and lists it again.
    const target = join(tempDir(), 'exclude');
    const dir = project('true', `echo '!src/gen/x.txt' > ${target}`);
    writeFileSync(join(dir, 'excludes'), 'src/gen/x.txt\n');
    execFileSync('git', ['config', 'core.excludesFile', join(dir, 'excludes')], { cwd: dir });
    rmSync(join(dir, '.git/info/exclude'), { force: true });
    symlinkSync(target, join(dir, '.git/info/exclude'));
    await notReplayed(dir, (x) => {
      rmSync(target, { force: true });
      writeFileSync(join(dir, 'src/gen/x.txt'), x);
    });
  }, 120_000);
});
