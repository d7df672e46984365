// The inputs of cached checks where git's listing does not tell the whole story: files git does not compare with the
// working tree, names that are not UTF-8 or hold a line feed. Each must count by its content as it is, or keep the
// check from being stored, never be taken as unchanged.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputNameError, InputTree, OpaqueInputError } from '../../src/checks/cache/inputs.js';
import { inputsDigest } from '../../src/checks/cache/key.js';
import { tempDir } from '../cli/helpers.js';
import { committedRepo, git } from './git-repo.js';

const repo = committedRepo;

/** What one run takes for `globs`: the matched paths and their digest (undefined: the check is not stored). */
async function take(dir: string, globs: readonly string[]): Promise<{ paths: string[]; digest: string | undefined }> {
  const tree = new InputTree(dir, join(dir, 'logs'), undefined);
  const paths = await tree.match(globs);
  const snapshot = await tree.snapshot(paths);
  return { paths, digest: snapshot === undefined ? undefined : inputsDigest(snapshot.digests) };
}

describe('inputs git does not compare', () => {
  for (const flag of ['--skip-worktree', '--assume-unchanged']) {
    it(`a tracked file marked ${flag} counts by its content in the working tree`, async () => {
      const dir = repo({ 'src/a.ts': 'ok\n' });
      git(dir, 'update-index', flag, 'src/a.ts');
      const before = await take(dir, ['src/**']);
      writeFileSync(join(dir, 'src/a.ts'), 'BAD\n');
      const after = await take(dir, ['src/**']);
      expect(after.paths).toEqual(['src/a.ts']);
      expect(after.digest).toBeDefined();
      expect(after.digest).not.toBe(before.digest);
    });
  }
});

describe('repositories inside the folder', () => {
  it('a submodule counts by the commit the index records; a checkout of another commit keeps the check from the cache', async () => {
    const inner = repo({ 'x.ts': 'one\n' });
    const dir = repo({ 'src/a.ts': 'ok\n' });
    git(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'src/sub');
    git(dir, 'commit', '-qm', 'sub');
    const before = await take(dir, ['src/**']);
    expect(before.paths).toEqual(['src/a.ts', 'src/sub']);
    const sub = join(dir, 'src/sub');
    writeFileSync(join(sub, 'x.ts'), 'two\n');
    git(sub, 'commit', '-qam', 'bump');
    await expect(take(dir, ['src/**'])).rejects.toThrow(OpaqueInputError);
    // Files below other folders are not concerned.
    expect((await take(dir, ['src/a.ts'])).digest).toBeDefined();
    git(dir, 'add', 'src/sub');
    const bumped = await take(dir, ['src/**']);
    expect(bumped.digest).toBeDefined();
    expect(bumped.digest).not.toBe(before.digest);
  });

  it('an untracked repository git lists as a folder keeps a check whose globs may select below it from the cache', async () => {
    const dir = repo({ 'src/a.ts': 'ok\n' });
    const nested = join(dir, 'src/nested');
    mkdirSync(nested);
    git(nested, 'init', '-q');
    writeFileSync(join(nested, 'x.ts'), 'ok\n');
    for (const globs of [['src/**'], ['src/**/*.ts'], ['*.ts']]) await expect(take(dir, globs)).rejects.toThrow(OpaqueInputError);
    expect((await take(dir, ['src/**', '!src/nested/**'])).paths).toEqual(['src/a.ts']);
    expect((await take(dir, ['lib/**'])).paths).toEqual([]);
  });
});

describe('input names', () => {
  it('a name holding a line feed is matched by `**`, `*` and a bare name glob, and its content counts', async () => {
    const dir = repo({ 'src/ok.ts': 'ok\n' });
    mkdirSync(join(dir, 'src/odd\ndir'));
    writeFileSync(join(dir, 'src/odd\ndir/x.ts'), 'ok\n');
    writeFileSync(join(dir, 'src/a\nb.ts'), 'ok\n');
    const expected = ['src/a\nb.ts', 'src/odd\ndir/x.ts', 'src/ok.ts'];
    for (const globs of [['src/**'], ['src/'], ['src/**/*.ts'], ['*.ts']]) expect((await take(dir, globs)).paths).toEqual(expected);
    expect((await take(dir, ['src/*'])).paths).toEqual(['src/a\nb.ts', 'src/ok.ts']);
    const before = await take(dir, ['src/**']);
    writeFileSync(join(dir, 'src/a\nb.ts'), 'BAD\n');
    expect((await take(dir, ['src/**'])).digest).not.toBe(before.digest);
  });
});

describe('input names that are not UTF-8', () => {
  const odd = Buffer.from('src/\xff.ts', 'latin1');
  for (const how of ['untracked', 'committed', 'without git'] as const) {
    it(`keep the check from the cache rather than count the file absent (${how})`, async () => {
      const dir = how === 'committed' ? tempDir() : repo({ 'src/ok.ts': 'ok\n' });
      if (how === 'without git') rmSync(join(dir, '.git'), { recursive: true });
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), odd]), 'ok\n');
      if (how === 'committed') {
        git(dir, 'init', '-q');
        git(dir, 'add', '-A');
        git(dir, 'commit', '-qm', 'x');
      }
      const tree = new InputTree(dir, join(dir, 'logs'), undefined);
      const paths = await tree.match(['src/**']);
      expect(paths).toContain('src/\uFFFD.ts');
      expect(tree.snapshotNow(paths)).toBeUndefined();
      await expect(tree.snapshot(paths)).rejects.toThrow(InputNameError);
      // A check over other files is not concerned.
      expect(await tree.snapshot(paths.filter((path) => !path.includes('\uFFFD')))).toBeDefined();
    });
  }
});
