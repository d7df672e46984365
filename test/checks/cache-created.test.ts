// Files a command of the run creates in a check's folders, after the run listed them: a check keyed later must count
// them. The folders' times tell whether any may have been, so that a run where none was lists nothing again; these
// tests fail if a file created mid-run is missed, is counted under a name that does not open it, or if a listing that
// failed counts as "nothing created".
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputListingError, InputNameError, InputTree } from '../../src/checks/cache/inputs.js';
import { RunCache } from '../../src/checks/cache/run-cache.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

/** A folder of `files` (`logs/` and `*.o` ignored), committed to git unless `git` is false; settled past the racy margin. */
async function folder(files: Record<string, string>, folders: string[] = [], git = true): Promise<string> {
  const dir = tempDir();
  for (const name of folders) mkdirSync(join(dir, name), { recursive: true });
  for (const [name, text] of Object.entries({ ...files, '.gitignore': 'logs/\n*.o\n' })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  if (git) {
    const run = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
    run('init', '-q');
    run('add', '-A');
    run('commit', '-qm', 'files');
  }
  // Every folder and file older than the racy margin: only what the test does after the listing moves a folder.
  await settled(join(dir, '.gitignore'));
  return dir;
}

/**
 * The tree of one run, listed (without git, the walk is made when first needed: made now), and a command of the run
 * started, once git's rule files were taken beside the listing (as the engine starts one).
 */
async function running(dir: string, clock?: () => number, used?: Array<readonly string[]>): Promise<InputTree> {
  const tree = new InputTree(dir, join(dir, 'logs'), undefined, clock);
  if (used !== undefined) tree.useOnly(used);
  await tree.start();
  if (!existsSync(join(dir, '.git'))) await tree.files();
  await tree.rulesTaken();
  tree.disturbed();
  return tree;
}

for (const git of [true, false]) {
  describe(`files created by a command of the run (${git ? 'git' : 'without git'})`, () => {
    it('a new file in a folder the run listed', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n', 'other/o.ts': 'o\n' }, [], git);
      const tree = await running(dir);
      expect(await tree.created(['src/**'])).toEqual([]);
      writeFileSync(join(dir, 'src/new.ts'), 'new\n');
      expect(await tree.created(['src/**'])).toEqual(['src/new.ts']);
      expect(tree.matchWith(['src/**'], ['src/new.ts'])).toEqual(['src/a.ts', 'src/new.ts']);
      // Another check's folders did not move.
      expect(await tree.created(['other/**'])).toEqual([]);
    });

    it('a file in new nested folders, and one in a deep folder the run listed', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n', 'src/deep/er/b.ts': 'b\n' }, [], git);
      const tree = await running(dir);
      mkdirSync(join(dir, 'src/x/y'), { recursive: true });
      writeFileSync(join(dir, 'src/x/y/gen.ts'), 'gen\n');
      writeFileSync(join(dir, 'src/deep/er/c.ts'), 'c\n');
      expect(await tree.created(['src/**/*.ts'])).toEqual(['src/deep/er/c.ts', 'src/x/y/gen.ts']);
    });

    it('a file in a folder that held no listed file: empty, or only ignored files', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n', 'src/objs/a.o': 'ignored\n' }, ['src/empty/inner'], git);
      const tree = await running(dir);
      writeFileSync(join(dir, 'src/empty/inner/e.ts'), 'e\n');
      writeFileSync(join(dir, 'src/objs/b.ts'), 'b\n');
      const created = await tree.created(['src/**']);
      expect(created).toContain('src/empty/inner/e.ts');
      expect(created).toContain('src/objs/b.ts');
      // An ignored file created is not an input (git); without git every file is.
      writeFileSync(join(dir, 'src/objs/c.o'), 'c\n');
      expect((await tree.created(['src/**'])).includes('src/objs/c.o')).toBe(!git);
    });

    it('a file created in the same instant as the listing (the folder not strictly older than it) counts', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n' }, [], git);
      // The listing's clock ahead of the file system's: the folder's change time reads as older than the listing.
      let listedAt = 0;
      const tree = await running(dir, () => (listedAt = Date.now() + 60_000));
      writeFileSync(join(dir, 'src/new.ts'), 'new\n');
      // Its modification time the listing's instant: not strictly older, so it may have changed after the listing.
      utimesSync(join(dir, 'src'), listedAt / 1000, listedAt / 1000);
      expect(await tree.created(['src/**'])).toEqual(['src/new.ts']);
    });

    it('lists nothing again while no folder of the check moved', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n', 'src/b/c.ts': 'c\n', 'lib/l.ts': 'l\n' }, ['src/empty'], git);
      const tree = await running(dir);
      const walks = vi.spyOn(tree as unknown as { walkAgain: () => string[] }, 'walkAgain');
      const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
      // A command edits a listed file in place and creates one in another check's folder: no folder of src moved.
      writeFileSync(join(dir, 'src/a.ts'), 'edited\n');
      writeFileSync(join(dir, 'lib/new.ts'), 'new\n');
      expect(await tree.created(['src/**'])).toEqual([]);
      expect(walks).not.toHaveBeenCalled();
      expect(lists).not.toHaveBeenCalled();
      expect(await tree.created(['lib/**'])).toEqual(['lib/new.ts']);
      expect(walks.mock.calls.length + lists.mock.calls.length).toBe(1);
    });

    it.each([
      ['known beside the listing (the config\'s glob lists)', true, true],
      ['known beside the listing, no .gitignore in the folder above', true, false],
      ['first seen at the look', false, true],
    ])('a write beside the check\'s folder lists nothing again; a folder renamed into the place of one above it does (%s)', async (_how, known, ignores) => {
      // First seen at the look, a write in a folder above without a .gitignore could be that file's deletion: each
      // folder holds one. Known beside the listing, one not there then and not now ruled over nothing.
      const files = { 'src/lib/a.ts': 'a\n', 'src/other/o.ts': 'o\n', 'next/lib/a.ts': 'a\n', 'next/lib/b.ts': 'b\n', ...(ignores ? { 'src/.gitignore': '\n', 'next/.gitignore': '\n' } : {}) };
      const dir = await folder(files, [], git);
      const tree = await running(dir, undefined, known ? [['src/lib/**']] : undefined);
      const walks = vi.spyOn(tree as unknown as { walkAgain: () => string[] }, 'walkAgain');
      const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
      // A build writes beside the check's folder and in the config's folder: src/ and the top move, src/lib/ does not.
      writeFileSync(join(dir, 'src/out.o'), 'built\n');
      writeFileSync(join(dir, 'build.o'), 'built\n');
      if (known) {
        expect(await tree.created(['src/lib/**'])).toEqual([]);
        expect(walks.mock.calls.length + lists.mock.calls.length).toBe(0);
      }
      // src renamed away and next (older than the listing) into its place: src/lib/ is another folder, with old times.
      renameSync(join(dir, 'src'), join(dir, 'old'));
      renameSync(join(dir, 'next'), join(dir, 'src'));
      expect(await tree.created(['src/lib/**'])).toEqual(['src/lib/b.ts']);
    });

    it.runIf(git)('git\'s index written just before the run (git add, then fanout check) is waited for, not taken for a moved rule', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n' }, [], git);
      const now = new Date();
      utimesSync(join(dir, '.git/index'), now, now);
      const tree = await running(dir);
      const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
      expect(await tree.created(['src/**'])).toEqual([]);
      expect(lists).not.toHaveBeenCalled();
      // A change of the index after the listing still counts: the check's files are listed again.
      utimesSync(join(dir, '.git/index'), new Date(), new Date());
      expect(await tree.created(['src/**'])).toEqual([]);
      expect(lists).toHaveBeenCalledTimes(1);
    });

    it('waits at most the margin at a time before listing, even when the clock steps back meanwhile', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n' }, [], git);
      // The config's folder moved just now; the clock then steps back an hour (NTP at boot, a resumed VM).
      utimesSync(dir, new Date(), new Date());
      let reads = 0;
      const base = Date.now();
      const clock = (): number => (reads++ === 0 ? base : base - 3_600_000);
      const timers = vi.spyOn(globalThis, 'setTimeout');
      try {
        const tree = new InputTree(dir, join(dir, 'logs'), undefined, clock);
        await tree.start();
        const delays = timers.mock.calls.map((call) => call[1] ?? 0);
        expect(delays.length).toBeGreaterThan(0);
        expect(delays.length).toBeLessThanOrEqual(4);
        for (const delay of delays) expect(delay).toBeLessThanOrEqual(51);
      } finally {
        timers.mockRestore();
      }
    });

    it('a file in an unlisted folder below another check\'s folder, after that check read it from disk', async () => {
      // src/sub/empty holds no listed file: the look for src/** reads src/sub from disk; src/sub/** must see it too.
      const dir = await folder({ 'src/a.ts': 'a\n', 'src/sub/f.ts': 'f\n' }, ['src/sub/empty'], git);
      const tree = await running(dir);
      expect(await tree.created(['src/**'])).toEqual([]);
      writeFileSync(join(dir, 'src/sub/empty/x.ts'), 'x\n');
      expect(await tree.created(['src/sub/**'])).toEqual(['src/sub/empty/x.ts']);
      expect(await tree.created(['src/**'])).toEqual(['src/sub/empty/x.ts']);
    });

    it('a file created and deleted since a moment moved its folder, in a folder made after the listing too', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n' }, ['src/empty'], git);
      const tree = await running(dir);
      // src/ read from disk for its unlisted subfolder, then given another one, past the racy margin.
      expect(await tree.created(['src/**'])).toEqual([]);
      mkdirSync(join(dir, 'src/made'));
      await settled(join(dir, 'src/made'));
      await settled(join(dir, 'src'));
      const since = Date.now();
      expect(await tree.movedSince(['src/**'], since)).toBe(false);
      writeFileSync(join(dir, 'src/made/t.ts'), 't\n');
      rmSync(join(dir, 'src/made/t.ts'));
      expect(await tree.movedSince(['src/**'], since)).toBe(true);
      expect(await tree.movedSince(['other/**'], since)).toBe(false);
    });

    it('a created file whose name is not UTF-8 keeps the check from the cache (InputNameError)', async () => {
      const dir = await folder({ 'src/a.ts': 'a\n' }, [], git);
      const tree = await running(dir);
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/src/`), Buffer.from([0xff]), Buffer.from('.ts')]), 'odd\n');
      const created = await tree.created(['src/**']);
      expect(created).toEqual(['src/\uFFFD.ts']);
      await expect(tree.snapshot(tree.matchWith(['src/**'], created))).rejects.toThrow(InputNameError);
    });
  });
}


/** In `folder`: `<ignoring>/ignore`, which ignores src/gen/x.ts, and `<other>/ignore`, which ignores nothing. */
function ignoreFiles(folder: string, ignoring: string, other: string): void {
  for (const [name, text] of [
    [ignoring, 'src/gen/x.ts\n'],
    [other, '# none\n'],
  ] as const) {
    mkdirSync(join(folder, name), { recursive: true });
    writeFileSync(join(folder, name, 'ignore'), text);
  }
}

/** `cur/ignore` as the excludes file, `cur` a link to `v1` (see {@link ignoreFiles}). */
function throughLink(dir: string, outside: string): void {
  ignoreFiles(outside, 'v1', 'v2');
  symlinkSync('v1', join(outside, 'cur'));
  excludesFile(dir, join(outside, 'cur/ignore'));
}

/** `cur/ignore` as the excludes file, `cur` a folder (see {@link ignoreFiles}). */
function inFolder(dir: string, outside: string): void {
  ignoreFiles(outside, 'cur', 'v2');
  excludesFile(dir, join(outside, 'cur/ignore'));
}

/** Points the link `folder/<name>` at `target` in one step (a new link renamed over it), as `ln -sfn` + `mv -T` do. */
function swapLink(folder: string, name: string, target: string): void {
  symlinkSync(target, join(folder, 'next'));
  renameSync(join(folder, 'next'), join(folder, name));
}

/** Sets `folder/cur` aside (renamed to `old`, or removed), then has `put` make another there. */
function replaceCur(folder: string, aside: 'rename' | 'remove', put: (cur: string) => void): void {
  const cur = join(folder, 'cur');
  if (aside === 'rename') renameSync(cur, join(folder, 'old'));
  else rmSync(cur);
  put(cur);
}

/** `dir/excludes`, which ignores src/gen/x.ts, named as the repository's `core.excludesFile`. */
function ignoringExcludes(dir: string): void {
  writeFileSync(join(dir, 'excludes'), 'src/gen/x.ts\n');
  excludesFile(dir, join(dir, 'excludes'));
}

/** A home folder of the test's own (HOME, XDG_CONFIG_HOME stubbed): the user's git configuration stays out. */
/** A repository holding src/gen/a.ts, and a folder outside it (for rule files git reads from elsewhere). */
async function withOutside(): Promise<{ dir: string; outside: string }> {
  return { dir: await folder({ 'src/gen/a.ts': 'a\n' }), outside: tempDir() };
}

function ownHome(): void {
  const home = tempDir();
  vi.stubEnv('HOME', home);
  vi.stubEnv('XDG_CONFIG_HOME', join(home, '.config'));
}

/** Names `file` as the repository's `core.excludesFile`. */
function excludesFile(dir: string, file: string): void {
  execFileSync('git', ['config', 'core.excludesFile', file], { cwd: dir });
}

describe('files a command of the run makes count by changing what git ignores', () => {
  /** A repository whose config folder is pkg/, with pkg/src/gen.txt there but ignored by `rule`; listed, a command started. */
  async function ignoredBelow(rule: (dir: string) => void): Promise<{ dir: string; tree: InputTree; git: (...args: string[]) => void }> {
    const dir = tempDir();
    const git = (...args: string[]) => void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    mkdirSync(join(dir, 'pkg/src'), { recursive: true });
    writeFileSync(join(dir, 'pkg/src/a.txt'), 'a\n');
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    git('add', '-A');
    git('commit', '-qm', 'files');
    rule(dir);
    writeFileSync(join(dir, 'pkg/src/gen.txt'), 'gen\n');
    await settled(join(dir, 'pkg/src/gen.txt'));
    await settled(join(dir, '.git/index'));
    const tree = await running(join(dir, 'pkg'));
    expect(tree.matchNow(['src/**'])).toEqual(['src/a.txt']);
    return { dir, tree, git };
  }

  it("the repository's .gitignore above the config's folder, edited", async () => {
    const { dir, tree } = await ignoredBelow((dir) => writeFileSync(join(dir, '.gitignore'), 'logs/\npkg/src/gen.txt\n'));
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    expect(await tree.created(['src/**'])).toEqual(['src/gen.txt']);
  });

  it("the user's excludes file (core.excludesFile), emptied", async () => {
    const excludes = join(tempDir(), 'ignore');
    const { tree } = await ignoredBelow((dir) => {
      writeFileSync(excludes, 'gen.txt\n');
      excludesFile(dir, excludes);
    });
    writeFileSync(excludes, '');
    expect(await tree.created(['src/**'])).toEqual(['src/gen.txt']);
  });

  it('the index, given the ignored file (git add -f)', async () => {
    const { tree, git } = await ignoredBelow((dir) => writeFileSync(join(dir, '.git/info/exclude'), 'gen.txt\n'));
    git('add', '-f', 'pkg/src/gen.txt');
    expect(await tree.created(['src/**'])).toEqual(['src/gen.txt']);
  });
});

describe('files created by a command of the run, listed again', () => {
  it('a listing that fails is no "nothing created": the check cannot be keyed (ERR_INPUT_LISTING)', async () => {
    const dir = await folder({ 'src/a.ts': 'a\n' });
    const tree = await running(dir);
    writeFileSync(join(dir, 'src/new.ts'), 'new\n');
    // git cannot read its index any more.
    writeFileSync(join(dir, '.git/index'), 'not an index');
    await expect(tree.created(['src/**'])).rejects.toMatchObject({ code: 'ERR_INPUT_LISTING' });
  });

  it('a check keyed then gets no key: it runs without the cache rather than be replayed', async () => {
    const dir = await folder({ 'src/a.ts': 'a\n', 'other/o.ts': 'o\n' });
    const check = (id: string, inputs: string[], requires: string[]) =>
      ({ id, run: id, env: {}, cwd: '.', grok: [], severity: 'error', retries: 0, inputs, requires, envInputs: [] }) as unknown as ResolvedCheck;
    const lint = check('lint', ['src/**'], ['gen']);
    const other = check('other', ['other/**'], []);
    const cache = new RunCache({ logDir: join(dir, 'logs'), dir, version: 'test', read: true, env: {}, checks: [lint, other] });
    expect(cache.problem()).toBeUndefined();
    // Keyed first, before a command started: the run's listing is taken.
    expect(await cache.ticket(other, null)).toBeDefined();
    await cache.beforeCommand();
    cache.starting();
    writeFileSync(join(dir, 'src/new.ts'), 'new\n');
    writeFileSync(join(dir, '.git/index'), 'not an index');
    await expect(cache.ticket(lint, null)).rejects.toBeInstanceOf(InputListingError);
  });
});

describe('files created by a command of the run, listed again once for the same folders', () => {
  it('git is asked again only when a folder (or a rule file over them) moved since it was last asked', async () => {
    const dir = await folder({ 'src/a.ts': 'a\n', 'src/x.o': 'ignored\n' });
    const tree = await running(dir);
    const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
    /** `change` made and settled past the racy margin; then the files created, looked for twice: git asked once. */
    const after = async (change: () => void, settle: string, expected: string[]): Promise<void> => {
      const before = lists.mock.calls.length;
      change();
      await settled(join(dir, settle));
      expect(await tree.created(['src/**'])).toEqual(expected);
      expect(lists).toHaveBeenCalledTimes(before + 1);
      // Nothing moved since: the same files, git not asked (another glob list of the same folder neither).
      expect(await tree.created(['src/**'])).toEqual(expected);
      // (The files below the folder: which of them the globs match is matchWith's to say.)
      expect(await tree.created(['src/*.ts'])).toEqual(expected);
      expect(lists).toHaveBeenCalledTimes(before + 1);
    };
    await after(() => writeFileSync(join(dir, 'src/new.ts'), 'new\n'), 'src', ['src/new.ts']);
    // A file made since moves its folder.
    await after(() => writeFileSync(join(dir, 'src/newer.ts'), 'newer\n'), 'src', ['src/new.ts', 'src/newer.ts']);
    // One created and deleted again since: its folder moved, the files are listed again (the one gone is not there).
    const gone = (): void => {
      writeFileSync(join(dir, 'src/gone.ts'), 'gone\n');
      rmSync(join(dir, 'src/gone.ts'));
    };
    await after(gone, 'src', ['src/new.ts', 'src/newer.ts']);
    // A subfolder made since, with a file; then a file made in it alone (it moves the subfolder only).
    const sub = (): void => {
      mkdirSync(join(dir, 'src/sub'));
      writeFileSync(join(dir, 'src/sub/s.ts'), 's\n');
    };
    await after(sub, 'src/sub', ['src/new.ts', 'src/newer.ts', 'src/sub/s.ts']);
    await after(() => writeFileSync(join(dir, 'src/sub/t.ts'), 't\n'), 'src/sub', ['src/new.ts', 'src/newer.ts', 'src/sub/s.ts', 'src/sub/t.ts']);
    // The ignore file edited in place (no folder moves): src/x.o counts from now on.
    await after(() => writeFileSync(join(dir, '.gitignore'), 'logs/\n'), '.gitignore', ['src/new.ts', 'src/newer.ts', 'src/sub/s.ts', 'src/sub/t.ts', 'src/x.o']);
  });
});

describe('files created by a command of the run, after a rule file changed without moving a folder looked at', () => {
  // Each change makes git list src/gen/x.ts, which it ignored when the run listed the files (and when it listed them
  // again after a command created and deleted a file there). None moves src/gen/: only the rule file tells.
  const cases: Array<{ name: string; ignore: (dir: string) => void; change: (dir: string) => void }> = [
    {
      name: '.git/info/exclude deleted',
      ignore: (dir) => writeFileSync(join(dir, '.git/info/exclude'), 'src/gen/x.ts\n'),
      change: (dir) => rmSync(join(dir, '.git/info/exclude')),
    },
    {
      name: '.git/info/exclude replaced by an older file renamed over it',
      ignore: (dir) => writeFileSync(join(dir, '.git/info/exclude'), 'src/gen/x.ts\n'),
      change: (dir) => {
        writeFileSync(join(dir, 'old'), '# none\n');
        utimesSync(join(dir, 'old'), new Date('2001-01-01'), new Date('2001-01-01'));
        renameSync(join(dir, 'old'), join(dir, '.git/info/exclude'));
      },
    },
    {
      name: '.git/info/exclude emptied in place, its times put back',
      ignore: (dir) => writeFileSync(join(dir, '.git/info/exclude'), 'src/gen/x.ts\n'),
      change: (dir) => {
        writeFileSync(join(dir, '.git/info/exclude'), '# none\n');
        utimesSync(join(dir, '.git/info/exclude'), new Date('2001-01-01'), new Date('2001-01-01'));
      },
    },
    {
      name: 'core.excludesFile changed in .git/config',
      ignore: (dir) => {
        ignoringExcludes(dir);
      },
      change: (dir) => execFileSync('git', ['config', 'core.excludesFile', '/dev/null'], { cwd: dir }),
    },
    {
      name: 'the .gitignore of a folder above the globs\' folders deleted',
      ignore: (dir) => writeFileSync(join(dir, 'src/.gitignore'), 'gen/x.ts\n'),
      change: (dir) => rmSync(join(dir, 'src/.gitignore')),
    },
  ];
  for (const { name, ignore, change } of cases) {
    it(name, async () => {
      const dir = await folder({ 'src/gen/a.ts': 'a\n', 'src/.gitignore': '' });
      ignore(dir);
      writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
      await settled(join(dir, 'src/gen'));
      await settled(dir);
      const tree = await running(dir);
      // A command creates and deletes a file: the folder moved since the listing, the files are listed again.
      writeFileSync(join(dir, 'src/gen/t'), '');
      rmSync(join(dir, 'src/gen/t'));
      await settled(join(dir, 'src/gen'));
      expect(await tree.created(['src/gen/**'])).toEqual([]);
      change(dir);
      await settled(join(dir, 'src'));
      expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
      expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
      // And it counts as a move since any time before the change (a key made then is not stored).
      expect(await tree.movedSince(['src/gen/**'], Date.now() - 60_000)).toBe(true);
    });
  }

  it('a rule file that was never there and still is not counts as no move', async () => {
    // The user's configuration files, absent, in a folder nothing else writes to.
    ownHome();
    const dir = await folder({ 'src/gen/a.ts': 'a\n' });
    rmSync(join(dir, '.git/info/exclude'), { force: true });
    await settled(join(dir, '.git/info'));
    await settled(dir);
    const tree = await running(dir);
    const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
    expect(await tree.created(['src/gen/**'])).toEqual([]);
    expect(lists).not.toHaveBeenCalled();
    vi.unstubAllEnvs();
  });
});

describe('files created by a command of the run, after a rule file reached another way than by its name changed', () => {
  // Each change makes git list src/gen/x.ts, which it ignored when the run listed the files; none moves src/gen/ or
  // a rule file under its own name. `outside` is a folder of the test's own, out of the repository.
  const cases: Array<{ name: string; ignore: (dir: string, outside: string) => void; change: (dir: string, outside: string) => void }> = [
    {
      name: 'core.excludesFile set in a file the configuration includes, rewritten',
      ignore: (dir, outside) => {
        writeFileSync(join(dir, 'excludes'), 'src/gen/x.ts\n');
        writeFileSync(join(outside, 'extra.cfg'), `[core]\n\texcludesFile = ${join(dir, 'excludes')}\n`);
        execFileSync('git', ['config', 'include.path', join(outside, 'extra.cfg')], { cwd: dir });
      },
      change: (dir, outside) => writeFileSync(join(outside, 'extra.cfg'), '[core]\n\texcludesFile = /dev/null\n'),
    },
    {
      name: 'a file an include names, not there when listed, created (relative to the including file)',
      ignore: (dir, outside) => {
        ignoringExcludes(dir);
        writeFileSync(join(outside, 'main.cfg'), '[include]\n\tpath = sub/extra.cfg\n');
        mkdirSync(join(outside, 'sub'));
        // After core.excludesFile: what it includes wins.
        execFileSync('git', ['config', '--add', 'include.path', join(outside, 'main.cfg')], { cwd: dir });
      },
      change: (_dir, outside) => writeFileSync(join(outside, 'sub/extra.cfg'), '[core]\n\texcludesFile = /dev/null\n'),
    },
    {
      name: 'a file an includeIf names whose condition does not hold, its condition coming to hold (the branch)',
      ignore: (dir, outside) => {
        ignoringExcludes(dir);
        writeFileSync(join(outside, 'extra.cfg'), '[core]\n\texcludesFile = /dev/null\n');
        execFileSync('git', ['config', 'includeIf.onbranch:other.path', join(outside, 'extra.cfg')], { cwd: dir });
        execFileSync('git', ['branch', 'other'], { cwd: dir });
        // There, it keeps a change in .git/ from counting as its deletion.
        writeFileSync(join(dir, '.git/config.worktree'), '');
      },
      // HEAD alone is rewritten (a checkout of the same commit may leave the index as it is).
      change: (dir) => execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/other'], { cwd: dir }),
    },
    {
      name: 'the excludes file reached through a folder link, switched to another folder',
      ignore: throughLink,
      change: (_dir, outside) => swapLink(outside, 'cur', 'v2'),
    },
    {
      name: 'the excludes file in a folder replaced by a link to another folder',
      ignore: inFolder,
      change: (_dir, outside) => replaceCur(outside, 'rename', (cur) => symlinkSync('v2', cur)),
    },
    {
      name: 'the excludes file reached through a folder link replaced by a folder',
      ignore: throughLink,
      change: (_dir, outside) => replaceCur(outside, 'remove', (cur) => renameSync(join(outside, 'v2'), cur)),
    },
    {
      name: 'the excludes file a link into a folder link, that folder link switched to another folder',
      ignore: (dir, outside) => {
        ignoreFiles(join(outside, 'store'), 'v1', 'v2');
        symlinkSync('store/v1', join(outside, 'dots'));
        symlinkSync('dots/ignore', join(outside, 'ignore'));
        excludesFile(dir, join(outside, 'ignore'));
      },
      change: (_dir, outside) => swapLink(outside, 'dots', 'store/v2'),
    },
    {
      name: 'the excludes file in a folder (no link anywhere) renamed away, another folder renamed in its place',
      ignore: inFolder,
      change: (_dir, outside) => replaceCur(outside, 'rename', (cur) => renameSync(join(outside, 'v2'), cur)),
    },
    {
      name: '.git/info/exclude a link that leads nowhere, its target created',
      ignore: (dir, outside) => {
        ignoringExcludes(dir);
        rmSync(join(dir, '.git/info/exclude'), { force: true });
        symlinkSync(join(outside, 'exclude'), join(dir, '.git/info/exclude'));
      },
      // It takes precedence over the excludes file.
      change: (_dir, outside) => writeFileSync(join(outside, 'exclude'), '!src/gen/x.ts\n'),
    },
  ];
  for (const { name, ignore, change } of cases) {
    for (const early of [false, true]) {
      it(`${name}${early ? ', before the first look' : ''}`, async () => {
        // The user's configuration in a folder nothing else writes to.
        ownHome();
        try {
          const { dir, outside } = await withOutside();
          ignore(dir, outside);
          writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
          // Written last: every rule file and link is older than the racy margin once it is.
          writeFileSync(join(outside, 'last'), '');
          await settled(join(outside, 'last'));
          expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('');
          const tree = await running(dir);
          if (!early) {
            // The rule files are known, and none moved: nothing is listed again.
            const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
            expect(await tree.created(['src/gen/**'])).toEqual([]);
            expect(lists).not.toHaveBeenCalled();
          }
          change(dir, outside);
          expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
          expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
          expect(await tree.movedSince(['src/gen/**'], Date.now() - 60_000)).toBe(true);
        } finally {
          vi.unstubAllEnvs();
        }
      });
    }
  }
});

describe('files created by a command of the run, listed again by many looks at once', () => {
  it('the signal holds one listener however many gits wait on it, none once they ended or were stopped', async () => {
    const dir = await folder({ 'src/a.ts': 'a\n' });
    const tree = await running(dir);
    writeFileSync(join(dir, 'src/new.ts'), 'new\n');
    const run = new AbortController();
    // The run's signal's abort listeners: how many now, and the most at once.
    let live = 0;
    let most = 0;
    let stopOnListen = false;
    const add = run.signal.addEventListener.bind(run.signal);
    const remove = run.signal.removeEventListener.bind(run.signal);
    vi.spyOn(run.signal, 'addEventListener').mockImplementation((...args: Parameters<AbortSignal['addEventListener']>) => {
      most = Math.max(most, ++live);
      add(...args);
      // Stopped once a git waits on it.
      if (stopOnListen) queueMicrotask(() => run.abort());
    });
    vi.spyOn(run.signal, 'removeEventListener').mockImplementation((...args: Parameters<AbortSignal['removeEventListener']>) => {
      live--;
      remove(...args);
    });
    const looks = Array.from({ length: 16 }, () => tree.created(['src/**'], run.signal));
    expect(await Promise.all(looks)).toEqual(Array.from({ length: 16 }, () => ['src/new.ts']));
    expect(most).toBe(1);
    expect(live).toBe(0);
    // Stopped while they wait: each look fails, and the listener is gone all the same.
    writeFileSync(join(dir, 'src/newer.ts'), 'newer\n');
    stopOnListen = true;
    const stopped = Array.from({ length: 16 }, () => tree.created(['src/**'], run.signal));
    for (const look of stopped) await expect(look).rejects.toBeInstanceOf(InputListingError);
    expect(run.signal.aborted).toBe(true);
    expect(most).toBe(1);
    expect(live).toBe(0);
  });
});

describe('git\'s rule files, not known after the listing (their ask stopped)', () => {
  it('a look with a signal that stopped fails; a later one asks again, and lists nothing again once it listed', async () => {
    const dir = await folder({ 'src/a.ts': 'a\n' });
    // Each read a millisecond after the one before: a file first seen counts as changed then, and not since a later read.
    let last = 0;
    const tree = new InputTree(dir, join(dir, 'logs'), undefined, () => (last = Math.max(Date.now(), last + 1)));
    const asks = vi.spyOn(tree as unknown as { askRuleFiles: () => Promise<unknown> }, 'askRuleFiles').mockResolvedValueOnce(undefined);
    await tree.start();
    await tree.rulesTaken();
    tree.disturbed();
    const stopped = new AbortController();
    stopped.abort();
    // Stopped: the rule files are not known, the files are listed again (and that is stopped too).
    await expect(tree.created(['src/**'], stopped.signal)).rejects.toBeInstanceOf(InputListingError);
    expect(await tree.created(['src/**'], new AbortController().signal)).toEqual([]);
    const asked = asks.mock.calls.length;
    expect(asked).toBeGreaterThan(1);
    // Seen first once a command started, they count as changed then: listed again once, not after.
    const lists = vi.spyOn(tree as unknown as { listAgain: () => Promise<string[]> }, 'listAgain');
    expect(await tree.created(['src/**'], new AbortController().signal)).toEqual([]);
    expect(lists).not.toHaveBeenCalled();
    expect(asks.mock.calls.length).toBe(asked);
  });
});

describe('git\'s rule files, after git\'s configuration named another excludes file', () => {
  it('the new excludes file is watched: emptied later, the file it ignored is created', async () => {
    const dir = await folder({ 'src/gen/a.ts': 'a\n' });
    writeFileSync(join(dir, 'first'), 'src/gen/x.ts\n');
    writeFileSync(join(dir, 'second'), 'src/gen/x.ts\n');
    excludesFile(dir, join(dir, 'first'));
    writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
    await settled(join(dir, 'src/gen'));
    await settled(join(dir, '.git/config'));
    const tree = await running(dir);
    // Looked at once: git's rule files are known (the first excludes file among them).
    expect(await tree.created(['src/gen/**'])).toEqual([]);
    // A command names the other excludes file (ignoring the same): the files are listed again, x.ts still ignored.
    excludesFile(dir, join(dir, 'second'));
    await settled(join(dir, '.git/config'));
    expect(await tree.created(['src/gen/**'])).toEqual([]);
    // Then one empties it in place: git lists x.ts now, and nothing but that file tells.
    writeFileSync(join(dir, 'second'), '');
    await settled(join(dir, 'second'));
    expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
    expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
  });
});

describe('git\'s rule files, a link switched to another file after a look', () => {
  it('the file it leads to now is watched: edited in place after a look listed again, the file it ignored is created', async () => {
    ownHome();
    try {
      const { dir, outside } = await withOutside();
      for (const name of ['v1', 'v2']) {
        mkdirSync(join(outside, name));
        writeFileSync(join(outside, name, 'ignore'), 'src/gen/x.ts\n');
      }
      symlinkSync('v1/ignore', join(outside, 'ignore'));
      excludesFile(dir, join(outside, 'ignore'));
      writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
      writeFileSync(join(outside, 'last'), '');
      await settled(join(outside, 'last'));
      // Each read a millisecond after the one before (a busy machine): no two looks share a millisecond.
      let last = 0;
      const tree = await running(dir, () => (last = Math.max(Date.now(), last + 1)));
      expect(await tree.created(['src/gen/**'])).toEqual([]);
      // A command switches the link (both ignore x.ts): seen by the next look, which lists again.
      symlinkSync('v2/ignore', join(outside, 'next'));
      renameSync(join(outside, 'next'), join(outside, 'ignore'));
      writeFileSync(join(outside, 'last'), '');
      await settled(join(outside, 'last'));
      expect(await tree.created(['src/gen/**'])).toEqual([]);
      writeFileSync(join(outside, 'last'), '');
      await settled(join(outside, 'last'));
      // Another empties the file the link leads to now, in place: nothing but that file tells.
      writeFileSync(join(outside, 'v2/ignore'), '# none\n');
      expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
      expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('git\'s rule files, which file each is, taken with the listing', () => {
  /** A repository whose excludes file (`outside/cur/ignore`) ignores src/gen/x.ts, and `outside/v2/ignore` that does not. */
  async function swappable(): Promise<{ dir: string; outside: string; swap: () => void }> {
    ownHome();
    const { dir, outside } = await withOutside();
    ignoreFiles(outside, 'cur', 'v2');
    excludesFile(dir, join(outside, 'cur/ignore'));
    writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
    writeFileSync(join(outside, 'last'), '');
    await settled(join(outside, 'last'));
    const swap = (): void => {
      renameSync(join(outside, 'cur'), join(outside, 'old'));
      renameSync(join(outside, 'v2'), join(outside, 'cur'));
    };
    return { dir, outside, swap };
  }

  it('first seen once a command started (the look beside the listing failed): each counts as another file since', async () => {
    try {
      const { dir, swap } = await swappable();
      const tree = new InputTree(dir, join(dir, 'logs'), undefined);
      vi.spyOn(tree as unknown as { askRuleFiles: () => Promise<unknown> }, 'askRuleFiles').mockResolvedValueOnce(undefined);
      await tree.start();
      // The ask beside the listing failed: a command does not wait for it.
      await tree.rulesTaken();
      tree.disturbed();
      // A command swaps the folder before the rule files are looked at again.
      swap();
      expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
      expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('not asked again by a first look once a command started: the baseline is that of the listing', async () => {
    try {
      const { dir, swap } = await swappable();
      const tree = await running(dir);
      const asks = vi.spyOn(tree as unknown as { askRuleFiles: () => Promise<unknown> }, 'askRuleFiles');
      swap();
      expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
      expect(asks).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('git\'s rule files, with GIT_CONFIG in the environment', () => {
  it('are those git ls-files reads (GIT_CONFIG rules over git config alone): the excludes file emptied, the file it ignored is created', async () => {
    ownHome();
    try {
      const { dir, outside } = await withOutside();
      writeFileSync(join(outside, 'excludes'), 'src/gen/x.ts\n');
      writeFileSync(join(outside, 'empty.cfg'), '');
      excludesFile(dir, join(outside, 'excludes'));
      vi.stubEnv('GIT_CONFIG', join(outside, 'empty.cfg'));
      writeFileSync(join(dir, 'src/gen/x.ts'), 'x\n');
      writeFileSync(join(outside, 'last'), '');
      await settled(join(outside, 'last'));
      expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('');
      const tree = await running(dir);
      expect(await tree.created(['src/gen/**'])).toEqual([]);
      writeFileSync(join(outside, 'excludes'), '');
      expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.ts\n');
      expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.ts']);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
