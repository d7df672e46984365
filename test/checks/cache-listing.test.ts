// Where the records of git's listing are (ListingIndex), and what a look for files created by a command of the run
// takes from them: the folders below a check's folders come from the records alone, never from a parse of them, and
// still hold every folder and submodule a parse would have found.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { fromLatin1, ListingIndex } from '../../src/checks/cache/listing.js';
import { settled } from '../helpers/settled.js';
import { committedRepo, git } from './git-repo.js';

const BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
/** An index entry's record of `git ls-files -z -t -v --stage`. */
const entry = (path: string, mode = '100644', tag = 'H'): string => `${tag} ${mode} ${BLOB} 0\t${path}\0`;
const listing = (...records: string[]): Buffer => Buffer.from(records.join(''), 'utf8');

describe('ListingIndex', () => {
  const raw = listing('? new/u.ts\0', '? src/new.ts\0', entry('a.ts'), entry('src/a.ts'), `C 100644 ${BLOB} 0\tsrc/a.ts\0`, entry('src/b/c.ts'), entry('src/z.ts'), entry('srcs/x.ts'));

  it('finds the records below a folder in both blocks, whole, and the paths it lists', () => {
    const index = new ListingIndex(raw);
    expect(index.ordered).toBe(true);
    expect(index.others).toBe(2);
    const text = raw.toString('latin1');
    const spans = index.spans('src/').map(([start, end]) => text.slice(start, end));
    expect(spans).toEqual(['? src/new.ts\0', `${entry('src/a.ts')}C 100644 ${BLOB} 0\tsrc/a.ts\0${entry('src/b/c.ts')}${entry('src/z.ts')}`]);
    expect(index.spans('lib/')).toEqual([]);
    expect(index.lists('src/b/c.ts')).toBe(true);
    expect(index.lists('new/u.ts')).toBe(true);
    expect(index.lists('src/b')).toBe(false);
  });

  it('is not ordered when a block is out of byte order, an untracked file follows an entry, or a record is malformed', () => {
    expect(new ListingIndex(listing(entry('b.ts'), entry('a.ts'))).ordered).toBe(false);
    expect(new ListingIndex(listing('? b.ts\0', '? a.ts\0')).ordered).toBe(false);
    expect(new ListingIndex(listing(entry('a.ts'), '? b.ts\0')).ordered).toBe(false);
    expect(new ListingIndex(listing(entry('a.ts'), '\0', entry('b.ts'))).ordered).toBe(false);
    expect(new ListingIndex(listing('H 100644 no-tab-here\0')).ordered).toBe(false);
    expect(new ListingIndex(listing('X\0')).ordered).toBe(false);
    // The last record without its NUL is still a record.
    const index = new ListingIndex(Buffer.from(entry('a.ts').slice(0, -1)));
    expect(index.ordered).toBe(true);
    expect(index.lists('a.ts')).toBe(true);
  });

  it('names every folder below a prefix by one file of each, every listed folder, and the submodules', () => {
    const index = new ListingIndex(
      listing(
        '? src/vendor/\0',
        entry('src/a.ts'),
        entry('src/b.ts'),
        entry('src/deep/er/c.ts'),
        entry('src/deep/er/d.ts'),
        entry('src/e.ts'),
        entry('src/mod', '160000'),
        // Listed again as modified: not another entry.
        `C 160000 ${BLOB} 0\tsrc/mod\0`,
        entry('src/x/y.ts'),
        entry('top.ts'),
      ),
    );
    expect(index.ordered).toBe(true);
    const { names, gitlinks } = index.shape('src/');
    expect(names).toContain('src/vendor/');
    expect(names).toContain('src/deep/er/c.ts');
    expect(names).toContain('src/x/y.ts');
    expect(names).not.toContain('src/deep/er/d.ts');
    expect(names.some((name) => name === 'src/a.ts' || name === 'src/b.ts')).toBe(true);
    expect(names).not.toContain('top.ts');
    expect(gitlinks).toEqual(['src/mod']);
  });

  it('holds paths as latin1 text of their bytes: a prefix and a path that are not ASCII are found', () => {
    const index = new ListingIndex(listing(entry('dé/ü.ts'), entry('z.ts')));
    expect(index.ordered).toBe(true);
    expect(index.lists('dé/ü.ts')).toBe(true);
    expect(index.spans('dé/')).toHaveLength(1);
    expect(index.shape('dé/').names.map(fromLatin1)).toEqual(['dé/ü.ts']);
  });
});


/** A repository of `files` committed (`logs/` ignored), settled past the racy margin (its index too: a rule over what git lists). */
async function repo(files: Record<string, string>): Promise<string> {
  const dir = committedRepo(files);
  await settled(join(dir, '.gitignore'));
  await settled(join(dir, '.git/index'));
  return dir;
}

describe('the look for files created by a command of the run', () => {
  it('reads the folders from the records without parsing them, and still finds a file created in one', async () => {
    const dir = await repo({ 'src/a.ts': 'a\n', 'src/deep/er/b.ts': 'b\n', 'lib/l.ts': 'l\n' });
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    await tree.start();
    await tree.rulesTaken();
    tree.disturbed();
    const parse = vi.spyOn(tree as unknown as { parseListing: (text: string) => string[] }, 'parseListing');
    expect(await tree.created(['src/**'])).toEqual([]);
    // Nothing moved: a hit needs no file of the check's records, and none was parsed for it.
    expect(parse).not.toHaveBeenCalled();
    writeFileSync(join(dir, 'src/deep/er/new.ts'), 'new\n');
    expect(await tree.created(['src/**'])).toEqual(['src/deep/er/new.ts']);
  });

  it('does not look into a submodule below the folders: what its checkout holds is not listed', async () => {
    const inner = await repo({ 'x.ts': 'one\n' });
    const dir = await repo({ 'src/a.ts': 'ok\n' });
    git(dir, 'submodule', 'add', '-q', inner, 'src/sub');
    git(dir, 'commit', '-qm', 'sub');
    for (const path of ['src/sub/x.ts', 'src/sub', 'src', '.gitmodules', '.git/index']) await settled(join(dir, path));
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    await tree.start();
    await tree.rulesTaken();
    tree.disturbed();
    const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
    // A file made inside the submodule's checkout moves its folder, which is not one the listing looks into.
    writeFileSync(join(dir, 'src/sub/made.ts'), 'made\n');
    expect(await tree.created(['src/**'])).toEqual([]);
    expect(lists).not.toHaveBeenCalled();
  });
});
