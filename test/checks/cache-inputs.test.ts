// The inputs' digest a run takes through its shortcuts (remembered inputs for a listing alike, the stat cache, files
// hashed ahead, inputs taken before the first command) is the digest of the files as they are: checked against one
// made from the working tree alone, over random sequences of edits in a real git repository.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { AHEAD_MAX_BYTES, InputTree, inputMatcher } from '../../src/checks/cache/inputs.js';
import { inputsDigest, type InputDigest } from '../../src/checks/cache/key.js';
import { tempDir } from '../cli/helpers.js';

// Globs over one folder, over folders apart, and over names anywhere: the listing's records below a folder stand for
// a check's inputs in the first two, the whole listing in the last.
const GLOBS: ReadonlyArray<readonly string[]> = [['src/**'], ['src/**/*.ts', '!src/b/**'], ['*.md', 'lib/'], ['lib/**'], ['src/b/', 'lib/f.ts']];
/** Every file an edit may touch: inside and outside each check's globs. */
const NAMES = ['src/a.ts', 'src/b/c.ts', 'src/b/d.md', 'src/e.js', 'lib/f.ts', 'g.md', 'h.txt'];

type Edit =
  | { kind: 'write'; name: string; text: string }
  | { kind: 'remove'; name: string }
  | { kind: 'rename'; name: string; to: string }
  | { kind: 'chmod'; name: string; executable: boolean }
  | { kind: 'git'; args: 'add' | 'commit' | 'rm-cached' | 'checkout' }
  | { kind: 'age' };

const name = fc.constantFrom(...NAMES);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  // Short texts of few sizes: same-size rewrites are what a state must still tell apart.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), name, text: fc.constantFrom('one', 'two', 'six', 'a longer text') }) },
  fc.record({ kind: fc.constant('remove' as const), name }),
  fc.record({ kind: fc.constant('rename' as const), name, to: name }),
  fc.record({ kind: fc.constant('chmod' as const), name, executable: fc.boolean() }),
  fc.record({ kind: fc.constant('git' as const), args: fc.constantFrom('add' as const, 'commit' as const, 'rm-cached' as const, 'checkout' as const) }),
  fc.constant({ kind: 'age' as const }),
);

/** The digest of a check's inputs from the working tree alone: every file below `dir` (but .git and logs) its globs match. */
function fromScratch(dir: string, globs: readonly string[]): string {
  const matches = inputMatcher(globs);
  const digests: InputDigest[] = [];
  const visit = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        if (path !== '.git' && path !== 'logs') visit(join(folder, entry.name), `${path}/`);
      } else if (matches(path)) {
        const content = readFileSync(join(folder, entry.name));
        const hash = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
        digests.push({ path, hash, executable: (lstatSync(join(folder, entry.name)).mode & 0o100) !== 0 });
      }
    }
  };
  visit(dir, '');
  return inputsDigest(digests);
}

/** One run's digests as a run takes them: remembered for a listing alike, else matched, snapshotted (hashed ahead). */
async function viaTree(dir: string, statFile: string, ahead: boolean): Promise<string[]> {
  const tree = new InputTree(dir, join(dir, 'logs'), statFile);
  await tree.start();
  const digests: string[] = [];
  if (ahead) {
    const files = await tree.files();
    await tree.hashAhead(GLOBS.flatMap((globs) => tree.matchIn(files, globs)));
  }
  for (const globs of GLOBS) {
    const recalled = tree.recallNow(globs);
    if (recalled !== undefined) {
      digests.push(recalled);
      continue;
    }
    const paths = await tree.match(globs);
    const snapshot = tree.snapshotNow(paths) ?? (await tree.snapshot(paths));
    if (snapshot === undefined) throw new Error('an input could not be read');
    const digest = inputsDigest(snapshot.digests);
    tree.remember(globs, paths, snapshot, digest);
    digests.push(digest);
  }
  tree.save();
  return digests;
}

function apply(dir: string, step: Edit, inGit = true): void {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
  const path = (file: string) => join(dir, file);
  switch (step.kind) {
    case 'write':
      mkdirSync(join(path(step.name), '..'), { recursive: true });
      writeFileSync(path(step.name), step.text);
      return;
    case 'remove':
      rmSync(path(step.name), { force: true });
      return;
    case 'rename':
      if (!existsSync(path(step.name)) || step.name === step.to) return;
      mkdirSync(join(path(step.to), '..'), { recursive: true });
      renameSync(path(step.name), path(step.to));
      return;
    case 'chmod':
      if (existsSync(path(step.name))) chmodSync(path(step.name), step.executable ? 0o755 : 0o644);
      return;
    case 'git':
      if (!inGit) return;
      if (step.args === 'add') git('add', '-A');
      else if (step.args === 'commit') git('commit', '-qm', 'x', '--allow-empty');
      else if (step.args === 'rm-cached') git('rm', '-rq', '--cached', '--ignore-unmatch', 'src');
      else git('checkout', '-q', '--', '.');
      return;
    case 'age':
      // Past the racy margin: what is written now may be trusted by its state on the next run.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60);
      return;
  }
}

describe('the inputs of cached checks', () => {
  it('a run takes the same digest through its shortcuts as from the working tree alone, over random edits (git and not)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 10 }), async (inGit, ahead, edits) => {
        const dir = tempDir();
        for (const file of NAMES.slice(0, 4)) apply(dir, { kind: 'write', name: file, text: 'one' });
        if (inGit) {
          execFileSync('git', ['init', '-q'], { cwd: dir });
          writeFileSync(join(dir, '.gitignore'), 'logs/\n');
          apply(dir, { kind: 'git', args: 'add' });
          apply(dir, { kind: 'git', args: 'commit' });
        }
        const statFile = join(dir, 'logs', 'stat.json');
        mkdirSync(join(dir, 'logs'));
        // Without git the walk is the listing: GIT_DIR aims at nothing so no enclosing repository answers.
        const saved = process.env.GIT_DIR;
        if (!inGit) process.env.GIT_DIR = join(dir, 'no-repository');
        try {
          for (const step of [{ kind: 'age' } as const, ...edits]) {
            apply(dir, step, inGit);
            expect(await viaTree(dir, statFile, ahead)).toEqual(GLOBS.map((globs) => fromScratch(dir, globs)));
          }
        } finally {
          if (saved === undefined) delete process.env.GIT_DIR;
          else process.env.GIT_DIR = saved;
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it("remembered inputs hold for a listing that changed only outside their folders, and never once a record below them changed", async () => {
    const dir = tempDir();
    for (const file of ['a/x.txt', 'a/y.txt', 'b/z.txt']) apply(dir, { kind: 'write', name: file, text: 'one' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    apply(dir, { kind: 'git', args: 'add' });
    apply(dir, { kind: 'git', args: 'commit' });
    apply(dir, { kind: 'age' });
    const statFile = join(dir, 'logs', 'stat.json');
    mkdirSync(join(dir, 'logs'));
    const a = ['a/**'];
    const b = ['b/**'];
    /** One run: which glob lists were recalled, and every digest checked against the working tree's. */
    const rerun = async (): Promise<string[]> => {
      const tree = new InputTree(dir, join(dir, 'logs'), statFile);
      await tree.start();
      const recalled: string[] = [];
      for (const globs of [a, b]) {
        let digest = tree.recallNow(globs);
        if (digest !== undefined) recalled.push(globs[0] as string);
        else {
          const paths = await tree.match(globs);
          const snapshot = await tree.snapshot(paths);
          digest = inputsDigest(snapshot?.digests ?? []);
          tree.remember(globs, paths, snapshot!, digest);
        }
        expect(digest).toBe(fromScratch(dir, globs));
      }
      tree.save();
      return recalled;
    };
    expect(await rerun()).toEqual([]);
    expect(await rerun()).toEqual(['a/**', 'b/**']); // the very same listing
    // Each edit below changes git's listing; only the check whose folder holds the change takes its inputs again.
    const step = async (change: () => void, expected: string[]) => {
      change();
      apply(dir, { kind: 'age' });
      expect(await rerun()).toEqual(expected);
      expect(await rerun()).toEqual(['a/**', 'b/**']);
    };
    await step(() => writeFileSync(join(dir, 'b/new.txt'), 'untracked'), ['a/**']);
    await step(() => writeFileSync(join(dir, 'a/x.txt'), 'two'), ['b/**']); // a same-size rewrite of a tracked file
    await step(() => renameSync(join(dir, 'a/y.txt'), join(dir, 'a/w.txt')), ['b/**']);
    await step(() => renameSync(join(dir, 'b/z.txt'), join(dir, 'a/z.txt')), []); // from one folder to the other
    await step(() => apply(dir, { kind: 'git', args: 'add' }), []); // the index's blobs below both folders change
    await step(() => writeFileSync(join(dir, 'c.txt'), 'elsewhere'), ['a/**', 'b/**']);
    // `b/` names a folder `b` at any depth: the whole listing stands for its inputs, and any change of it counts.
    const anywhere = ['b/'];
    const tree = new InputTree(dir, join(dir, 'logs'), statFile);
    await tree.start();
    expect(tree.fingerprint(anywhere)).toMatch(/^whole:/);
    expect(tree.fingerprint(b)).toMatch(/^below:/);
    // An edit within the racy margin of the listing: git lists it as modified (its records differ) however fresh.
    writeFileSync(join(dir, 'a/x.txt'), 'six');
    expect(await rerun()).toEqual(['b/**']);
    // Then the same size again, at once: the records below `a/` are alike (still modified), the file's state tells.
    writeFileSync(join(dir, 'a/x.txt'), 'ten');
    expect(await rerun()).toEqual(['b/**']);
  });

  it('a file hashed ahead is not read again by its snapshot, unless it changed since or was changed too recently to trust its state', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'one');
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    // Written just now: a write in the same instant would leave its state as it is, so its hash is not trusted.
    await tree.hashAhead(['a.txt']);
    expect(tree.snapshotNow(['a.txt'])).toBeUndefined();
    apply(dir, { kind: 'age' });
    await tree.hashAhead(['a.txt']);
    expect(tree.snapshotNow(['a.txt'])?.digests).toEqual([{ path: 'a.txt', hash: createHash('sha1').update('blob 3\0one').digest('hex'), executable: false }]);
    writeFileSync(join(dir, 'a.txt'), 'two'); // the same size: its times tell
    expect(tree.snapshotNow(['a.txt'])).toBeUndefined();
    expect((await tree.snapshot(['a.txt']))?.digests[0]?.hash).toBe(createHash('sha1').update('blob 3\0two').digest('hex'));
  });

  it('hashes ahead a list of paths longer than a call takes arguments', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'one');
    apply(dir, { kind: 'age' });
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    const paths = Array.from({ length: 300_000 }, (_, index) => `gone/${index}`);
    paths.push('a.txt');
    const ahead = tree.hashAhead(paths);
    tree.stopAhead(); // the list taken is what counts, not the 300000 failed opens
    await ahead;
    await tree.hashAhead(['a.txt']);
    expect(tree.snapshotNow(['a.txt'])?.digests[0]?.hash).toBe(createHash('sha1').update('blob 3\0one').digest('hex'));
  });

  it('does not hash ahead a file larger than its bound: the events of the run would wait for all of it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(AHEAD_MAX_BYTES + 1));
    writeFileSync(join(dir, 'small.txt'), 'one');
    apply(dir, { kind: 'age' });
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    await tree.hashAhead(['big.bin', 'small.txt']);
    expect(tree.snapshotNow(['small.txt'])).toBeDefined();
    expect(tree.snapshotNow(['big.bin'])).toBeUndefined();
    // Its snapshot hashes it all the same.
    const bytes = Buffer.alloc(AHEAD_MAX_BYTES + 1);
    const blob = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    expect((await tree.snapshot(['big.bin']))?.digests[0]?.hash).toBe(blob);
  });

  it('does not save a hash taken within the racy margin of the change of its file, even once the margin passed', async () => {
    const dir = tempDir();
    const statFile = join(dir, 'stat.json');
    writeFileSync(join(dir, 'a.txt'), 'one');
    const tree = new InputTree(dir, join(dir, 'logs'), statFile);
    // Hashed 1 ms after the change whatever the load: a test process held up past the margin would hash a settled file.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Math.ceil(statSync(join(dir, 'a.txt')).mtimeMs) + 1);
    try {
      expect(await tree.snapshot(['a.txt'])).toBeDefined();
    } finally {
      clock.mockRestore();
    }
    apply(dir, { kind: 'age' }); // the file's state is no longer racy when saved: its hash still is
    tree.save();
    expect(new InputTree(dir, join(dir, 'logs'), statFile).snapshotNow(['a.txt'])).toBeUndefined();
    // Hashed again once settled: that hash is saved and trusted.
    expect(await tree.snapshot(['a.txt'])).toBeDefined();
    tree.save();
    expect(new InputTree(dir, join(dir, 'logs'), statFile).snapshotNow(['a.txt'])?.digests[0]?.hash).toBe(createHash('sha1').update('blob 3\0one').digest('hex'));
  });
  it('names a stat cache given as a function once, when it is first read, and keeps what it learns there', async () => {
    const dir = tempDir();
    const statFile = join(dir, 'stat.json');
    writeFileSync(join(dir, 'a.txt'), 'one');
    apply(dir, { kind: 'age' }); // a settled file: its hash is kept
    const named = vi.fn(() => statFile);
    const tree = new InputTree(dir, join(dir, 'logs'), named);
    // Not at construction: naming it may load node:crypto, which can wait until git lists.
    expect(named).not.toHaveBeenCalled();
    tree.readStats();
    tree.readStats();
    expect(named).toHaveBeenCalledTimes(1);
    expect(await tree.snapshot(['a.txt'])).toBeDefined();
    tree.save();
    expect(named).toHaveBeenCalledTimes(1);
    // Saved where the function named: a tree given the path itself knows the file without reading it.
    expect(new InputTree(dir, join(dir, 'logs'), statFile).snapshotNow(['a.txt'])?.digests[0]?.hash).toBe(createHash('sha1').update('blob 3\0one').digest('hex'));
  });
  it('leaves out a remembered record of the stat cache whose globs do not compile: a planted file cannot make every run fail', async () => {
    const dir = tempDir();
    apply(dir, { kind: 'write', name: 'src/a.ts', text: 'one' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    apply(dir, { kind: 'git', args: 'add' });
    apply(dir, { kind: 'git', args: 'commit' });
    mkdirSync(join(dir, 'logs'));
    const statFile = join(dir, 'logs', 'stat.json');
    const globs = ['src/**'];
    /** One run of a check over `globs`: its digest, recalled or taken, then the stat cache written back. */
    const run = async (): Promise<string> => {
      const tree = new InputTree(dir, join(dir, 'logs'), statFile);
      await tree.start();
      let digest = tree.recallNow(globs);
      if (digest === undefined) {
        const paths = await tree.match(globs);
        const snapshot = await tree.snapshot(paths);
        digest = inputsDigest(snapshot?.digests ?? []);
        tree.remember(globs, paths, snapshot!, digest);
      }
      tree.save();
      return digest;
    };
    await run();
    const data = JSON.parse(readFileSync(statFile, 'utf8')) as { remembered: unknown[] };
    for (const bad of [['src/[z-a]/x'], ['!src/[z-a]/x', 'src/**']]) data.remembered.push([JSON.stringify(bad), '0'.repeat(64), [], [], 'below:x', 'whole:x']);
    writeFileSync(statFile, JSON.stringify(data));
    writeFileSync(join(dir, 'src/b.ts'), 'two'); // the listing changes: each record's fingerprint is asked for
    apply(dir, { kind: 'age' });
    expect(await run()).toBe(fromScratch(dir, globs));
    expect(await run()).toBe(fromScratch(dir, globs));
    expect((JSON.parse(readFileSync(statFile, 'utf8')) as { remembered: Array<[string]> }).remembered.map(([key]) => key)).toEqual([JSON.stringify(globs)]);
  });
});
