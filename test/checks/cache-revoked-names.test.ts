// A file git's first listing vouched for, then swapped by a command and staged anew: a snapshot taken before git was
// asked again is no longer intact, whatever the file's name — `..x.txt` included (it is no path out of the folder).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

describe('InputTree: a vouched file staged anew after a swap', () => {
  it.each(['x.txt', '..x.txt'])('%s: a snapshot taken before git was asked again is not intact, nor settled', async (name) => {
    const repo = tempDir();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, stdio: 'ignore' });
    mkdirSync(join(repo, 'pkg'));
    mkdirSync(join(repo, 'stash'));
    writeFileSync(join(repo, '.gitignore'), 'stash/\nused/\n');
    writeFileSync(join(repo, 'pkg', name), 'BAD\n');
    writeFileSync(join(repo, 'stash', name), 'OK!\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'x');
    for (const path of [`stash/${name}`, `pkg/${name}`, 'stash', 'pkg', '.git/index']) await settled(join(repo, path));
    const dir = join(repo, 'pkg');
    const tree = new InputTree(dir, join(repo, 'logs'), undefined);
    await tree.start();
    tree.disturbed();
    const snapshot = await tree.snapshot(await tree.match(['*']));
    if (snapshot === undefined) throw new Error('no snapshot');
    expect(snapshot.vouched).toHaveLength(1);
    renameSync(dir, join(repo, 'used'));
    renameSync(join(repo, 'stash'), dir);
    git('add', `pkg/${name}`);
    // The folder moved: git is asked again, and names another blob for the file.
    await tree.created(['*']);
    expect(tree.intact(snapshot)).toBe(false);
    expect(tree.settle(snapshot)).toBe(false);
  });
});
