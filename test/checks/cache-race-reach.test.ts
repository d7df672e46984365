// Which folders the look for a change since a check's key watches: not the log folder a first run made just before
// listing, nor folders git ignores as a whole, nor folders deeper than the check's globs reach; but every folder where
// a file may be an input, and every rule that decides which are.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

/** A repository of `files` (committed) and `untracked` ones, settled past the racy margin. */
async function repository(files: Record<string, string>, untracked: Record<string, string> = {}): Promise<string> {
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
    // The run's clock, one millisecond after the folder moved: a key taken at once is within the racy margin of it
    // unless the listing waits it out.
    const made = statSync(dir).mtimeMs;
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
  it('are not watched while the rules that ignore them stand', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\ndist/\nnode_modules/\n', 'main.ts': 'ok\n' }, { 'dist/old.js': 'x\n', 'node_modules/.cache/a': 'x\n' });
    const { tree, since } = await keyed(dir);
    writeFileSync(join(dir, 'dist/new.ts'), 'x\n');
    mkdirSync(join(dir, 'node_modules/.cache/deeper'));
    writeFileSync(join(dir, 'node_modules/.cache/deeper/b.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    expect(await tree.created(['**/*.ts'])).toEqual([]);
  });

  it('are watched again once a rule over them changed', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\ngen/\n', 'main.ts': 'ok\n' }, { 'gen/old.txt': 'x\n' });
    const { tree, since } = await keyed(dir);
    // Asked once, while the rules stood: its answer must not outlive them.
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
    writeFileSync(join(dir, 'gen/new.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(true);
    // Every file there now counts (the listing is taken again), the old one too.
    expect(await tree.created(['**/*.ts'])).toEqual(['gen/new.ts', 'gen/old.txt']);
  });

  it('are watched again, for a check keyed after a rule over them changed, when git was asked before it', async () => {
    const dir = await repository({ '.gitignore': '.fanout/\ngen/\n', 'main.ts': 'ok\n' }, { 'gen/old.txt': 'x\n' });
    const { tree, since } = await keyed(dir);
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    // The rule changes before the next check's key: git's answer was given before it.
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
    await settled(join(dir, '.gitignore'));
    const later = Date.now();
    writeFileSync(join(dir, 'gen/new.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], later)).toBe(true);
  });

  it('in a linked worktree, are watched again once the exclude file git names for it changed', async () => {
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
    writeFileSync(join(dir, 'gen/new.ts'), 'x\n');
    expect(await tree.movedSince(['**/*.ts'], since)).toBe(false);
    writeFileSync(exclude, '');
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
