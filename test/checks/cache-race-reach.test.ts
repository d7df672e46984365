// Which folders the look for a change since a check's key watches: not the log folder a first run made just before
// listing, nor folders deeper than the check's globs reach; but every folder where a file may be an input (those git
// ignores as a whole too), and every rule that decides which are.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

/** A repository of `files` (committed) and `untracked` ones (written after `before`), settled past the racy margin. */
async function repository(files: Record<string, string>, untracked: Record<string, string> = {}, before: (dir: string) => void = () => undefined): Promise<string> {
  const dir = tempDir();
  const write = (set: Record<string, string>): void => {
    for (const [name, text] of Object.entries(set)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  write(files);
  const run = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
  run('init', '-q');
  run('add', '-A');
  run('commit', '-qm', 'files');
  before(dir);
  write(untracked);
  for (const name of ['', ...Object.keys(untracked).map((name) => join(name, '..'))]) await settled(join(dir, name));
  await settled(join(dir, '.git', 'index'));
  return dir;
}

/** The tree of one run (log folder `.fanout/runs`), listed, with a command of the run started, and a check keyed. */
async function keyed(dir: string, clock?: () => number): Promise<{ tree: InputTree; since: number }> {
  const tree = new InputTree(dir, join(dir, '.fanout', 'runs'), undefined, clock);
  await tree.start();
  tree.disturbed();
  return { tree, since: (clock ?? Date.now)() };
}

describe('the log folder a first run makes', () => {
  it('does not count as a change in the folder it was made in, and a change after the listing still does', async () => {
    const dir = await repository({ 'main.ts': 'ok\n', '.gitignore': '.fanout/\n' });
    // What a first run does just before it lists: the log folder made in the config's folder.
    mkdirSync(join(dir, '.fanout', 'runs'), { recursive: true });
    // The run's clock, one millisecond after the folders moved: a key taken at once is within the racy margin of them
    // unless the listing waits it out. The later of the two: `.fanout` may be stamped a coarse clock tick after the
    // config's folder, and the listing waits out the margin of the run's clock, not of a file stamped ahead of it.
    const made = Math.max(statSync(dir).mtimeMs, statSync(join(dir, '.fanout')).mtimeMs);
    const offset = made + 1 - Date.now();
    const clock = (): number => Date.now() + offset;
    // A check's key asked for as the run starts: before the listing was taken.
    const since = clock();
    const tree = new InputTree(dir, join(dir, '.fanout', 'runs'), undefined, clock);
    await tree.start();
    tree.disturbed();
    expect(await tree.movedSince(['*.ts'], since)).toBe(false);
    expect(await tree.created(['*.ts'])).toEqual([]);
    writeFileSync(join(dir, 'new.ts'), 'new\n');
    expect(await tree.movedSince(['*.ts'], since)).toBe(true);
    expect(await tree.created(['*.ts'])).toEqual(['new.ts']);
  });
});

describe('folders git ignores as a whole', () => {
  // Whether git still ignores a folder when the check reads it depends on more than can be watched (a rule file that is
  // a link or is deleted, git's configuration and what it includes, a folder name git reads as a pathspec): a write
  // there keeps a check whose globs reach it from the store, as a write in any folder within reach does.
  it.each<[string, Record<string, string>, string, (dir: string) => void]>([
    ['by a .gitignore rule', { '.gitignore': '.fanout/\ndist/\nnode_modules/\n', 'main.ts': 'ok\n' }, 'dist', () => undefined],
    ['by a rule for a folder whose name starts with a colon', { '.gitignore': '.fanout/\ngen/\n', 'main.ts': 'ok\n' }, ':gen', () => undefined],
    ['by info/exclude, deleted meanwhile', { '.gitignore': '.fanout/\n', 'main.ts': 'ok\n' }, 'gen', (dir) => writeFileSync(join(dir, '.git/info/exclude'), 'gen/\n')],
  ])('are watched (ignored %s)', async (_, files, folder, before) => {
    const dir = await repository(files, { [`${folder}/old.js`]: 'x\n' }, before);
    const { tree, since } = await keyed(dir);
    if (existsSync(join(dir, '.git/info/exclude'))) rmSync(join(dir, '.git/info/exclude'));
    writeFileSync(join(dir, folder, 'new.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(true);
  });

  it('in a linked worktree, a file written in a folder its exclude file ignores is seen', async () => {
    const top = await repository({ '.gitignore': '.fanout/\n', 'main.ts': 'ok\n' });
    const dir = join(tempDir(), 'linked');
    execFileSync('git', ['worktree', 'add', '-q', dir], { cwd: top, stdio: 'ignore' });
    mkdirSync(join(dir, 'gen'));
    writeFileSync(join(dir, 'gen/old.txt'), 'x\n');
    // The worktree's `.git` is a file: its exclude file is the main repository's.
    const exclude = join(top, '.git/info/exclude');
    writeFileSync(exclude, 'gen/\n');
    for (const path of [dir, join(dir, 'gen'), exclude]) await settled(path);
    const { tree, since } = await keyed(dir);
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    writeFileSync(join(dir, 'gen/new.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(true);
  });

  it.each([
    ['a link (its target edited)', true],
    ['named relative to the repository\'s top, with the config in a subfolder', false],
  ])('an excludes file that is %s is watched: un-ignoring a file there counts', async (_, linked) => {
    const rules = join(tempDir(), 'ignore');
    writeFileSync(rules, 'gen/\n');
    const dir = await repository({ '.gitignore': '.fanout/\n', 'pkg/main.ts': 'ok\n' }, { 'pkg/gen/old.ts': 'x\n' }, (top) => {
      if (linked) symlinkSync(rules, join(top, 'ignore-link'));
      else writeFileSync(join(top, 'ignore-here'), 'gen/\n');
      execFileSync('git', ['config', 'core.excludesFile', linked ? join(top, 'ignore-link') : 'ignore-here'], { cwd: top });
    });
    const { tree, since } = await keyed(join(dir, 'pkg'));
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    // No folder moves: a file that was there all along is an input now.
    writeFileSync(linked ? rules : join(dir, 'ignore-here'), '\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(true);
  });

  it('a folder that only holds ignored files is watched (a new name there may not be ignored)', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\n*.js\n', 'main.ts': 'ok\n' }, { 'out/a.js': 'x\n' });
    const { tree, since } = await keyed(dir);
    writeFileSync(join(dir, 'out/b.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(true);
    expect(await tree.created(['**/*.ts'])).toEqual(['out/b.ts']);
  });
});

describe('folders deeper than the globs reach', () => {
  it('are not watched; those within reach are, and a subfolder made within reach is seen', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\n', 'src/a.ts': 'ok\n', 'src/sub/b.ts': 'ok\n', 'src/one/two/c.ts': 'ok\n', 'src/one/two/deep/d.ts': 'ok\n' });
    const { tree, since } = await keyed(dir);
    writeFileSync(join(dir, 'src/sub/new.ts'), 'x\n');
    writeFileSync(join(dir, 'src/one/two/deep/new.ts'), 'x\n');
    expect(await tree.movedSince(['src/*.ts'], since)).toBe(false);
    expect(await tree.movedSince(['src/*.ts', 'src/one/*/*.ts'], since)).toBe(false);
    // Within reach: src/sub/ for `src/*/*.ts`, src/one/two/deep/ for `src/one/**`, anything for `*.ts`.
    expect(await tree.movedSince(['src/*/*.ts'], since)).toBe(true);
    expect(await tree.movedSince(['src/one/**'], since)).toBe(true);
    expect(await tree.movedSince(['*.ts'], since)).toBe(true);
    // Braces are not read for a depth: every folder below counts.
    expect(await tree.movedSince(['src/{a,sub/b}.ts'], since)).toBe(true);
    mkdirSync(join(dir, 'src/one/made'));
    expect(await tree.movedSince(['src/one/*/*.ts'], since)).toBe(true);
  });

  it('a link made in a folder within reach is seen', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\n', 'src/a.ts': 'ok\n', 'elsewhere/x.ts': 'ok\n' });
    const { tree, since } = await keyed(dir);
    symlinkSync('../elsewhere', join(dir, 'src/linked'));
    expect(await tree.movedSince(['src/*'], since)).toBe(true);
    expect(await tree.created(['src/*'])).toEqual(['src/linked']);
  });
});
