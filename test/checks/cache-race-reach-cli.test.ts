// Two checks with no requirement between them running at once (-p 2), from the command line (the built CLI): a
// writes somewhere while b runs, at moments FIFOs fix (b says when it has started, a says when it has written). b's
// pass is stored only when nothing a wrote can be one of b's inputs: writes where b's globs cannot reach (a folder
// deeper than the globs go) do not keep it from the cache, nor does the log folder a first run makes; a write that may
// be an input (in a folder git ignores as a whole too, a folder un-ignored meanwhile, a new subfolder, a link) does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

const GATES = ['gate-started', 'gate-written'];

interface Setup {
  /** The files of the repository (committed), relative to its top. */
  files: Record<string, string>;
  /** Files made after the commit (untracked: ignored ones, say). */
  untracked?: Record<string, string>;
  /** The config's folder below the repository's top ('' for the top). */
  at?: string;
  /** What a runs once b has started (in the config's folder). */
  write: string;
  /** b's test, run once a has written (alone, at once, when the FIFOs are gone). */
  test: string;
  /** b's `inputs`. */
  inputs: string[];
}

/** A repository as `setup` says, with a and b in a config, and the FIFOs that make a write while b runs. */
function project(setup: Setup): { top: string; dir: string } {
  const top = tempDir();
  const dir = join(top, setup.at ?? '');
  git(top, 'init', '-q');
  const write = (files: Record<string, string>): void => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(top, name, '..'), { recursive: true });
      writeFileSync(join(top, name), text);
    }
  };
  write(setup.files);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'fanout.yaml'),
    [
      'checks:',
      '  - id: a',
      `    run: ${JSON.stringify(`cat gate-started >/dev/null || exit 1; ${setup.write}; echo written > gate-written`)}`,
      '  - id: b',
      `    run: ${JSON.stringify(`if [ -p gate-started ]; then echo started > gate-started; cat gate-written >/dev/null; fi; ${setup.test}`)}`,
      `    inputs: ${JSON.stringify(setup.inputs)}`,
      '',
    ].join('\n'),
  );
  git(top, 'add', '-A');
  git(top, 'commit', '-qm', 'x');
  write(setup.untracked ?? {});
  return { top, dir };
}

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

async function check(dir: string, ...args: string[]): Promise<Report> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  return JSON.parse(result.stdout) as Report;
}

/**
 * A run of a alone, the FIFOs not there yet (a fails at once): the log folder is made, long before the run that
 * races, so that only what a writes meanwhile can keep b's pass from the store.
 */
async function logFolderMade(dir: string): Promise<void> {
  const run = await check(dir, 'a');
  expect(run.checks.map((entry) => [entry.id, entry.status])).toEqual([['a', 'failed']]);
}

/** a and b side by side, a writing while b runs: both pass; then the FIFOs go, so that b runs alone next time. */
async function raceRunPasses(dir: string): Promise<void> {
  execFileSync('mkfifo', GATES.map((gate) => join(dir, gate)));
  const run = await check(dir, '-p', '2');
  expect(run.checks.map((entry) => [entry.id, entry.status])).toEqual([
    ['a', 'passed'],
    ['b', 'passed'],
  ]);
  for (const gate of GATES) rmSync(join(dir, gate));
}

/** b on its own: replayed when the race run stored its pass. */
async function b(dir: string): Promise<{ status: string | undefined; cached: unknown }> {
  const entry = (await check(dir, 'b')).checks[0];
  return { status: entry?.status, cached: entry?.cached };
}

describe('fanout check -p 2: writes beside a check that its inputs cannot reach', () => {
  it('stores the pass of a check keyed while the first run of a fresh clone made its log folder', async () => {
    // `*.ts` matches at any depth: the config's folder is watched, and making `.fanout/` there moved it just before
    // the listing. a writes nothing; it only runs beside b.
    const { dir } = project({ files: { '.gitignore': 'gate*\n', 'main.ts': 'ok\n' }, write: 'true', test: 'test -e main.ts', inputs: ['*.ts', 'package.json'] });
    await raceRunPasses(dir);
    expect(await b(dir)).toEqual({ status: 'passed', cached: true });
  });

  // Whether git still ignores such a folder when b reads it depends on more than fanout can watch (rule files that are
  // links or deleted, git's configuration): a write there costs b its store, as a write in any folder within reach.
  it('does not store the pass of a check whose inputs reach every folder while the other writes into folders git ignores as a whole', async () => {
    const { dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\ndist/\nnode_modules/\n', 'main.ts': 'ok\n', 'lib/util.ts': 'ok\n' },
      untracked: { 'dist/old.js': 'old\n', 'node_modules/.cache/old': 'old\n', 'node_modules/pkg/index.js': 'x\n' },
      write: 'echo new > dist/new.ts; mkdir -p dist/sub/deeper; echo new > dist/sub/deeper/x.ts; echo new > node_modules/.cache/state; mkdir node_modules/new; echo x > node_modules/new/a.ts',
      test: 'test -e main.ts',
      inputs: ['**/*.ts'],
    });
    await logFolderMade(dir);
    await raceRunPasses(dir);
    expect(await b(dir)).toEqual({ status: 'passed', cached: undefined });
  });

  it('stores the pass of a check whose globs do not reach as deep as the folders the other writes into', async () => {
    const { dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\n', 'src/a.ts': 'ok\n', 'src/sub/keep.ts': 'ok\n', 'src/one/two/keep.ts': 'ok\n', 'src/one/two/deeper/keep.ts': 'ok\n' },
      // `src/*.ts` reads src/ alone, `src/one/*/*.ts` src/one/ and the folders in it: a writes below those.
      write: 'echo new > src/sub/new.ts; mkdir src/sub/made; echo new > src/sub/made/x.ts; echo x > src/one/two/deeper/x.ts; mkdir src/one/two/deeper/more',
      test: 'test -e src/a.ts',
      inputs: ['src/*.ts', 'src/one/*/*.ts'],
    });
    await logFolderMade(dir);
    await raceRunPasses(dir);
    expect(await b(dir)).toEqual({ status: 'passed', cached: true });
  });
});

describe('fanout check -p 2: writes beside a check that may be among its inputs', () => {
  // b passes only when the file a creates is there: stored, its pass would be replayed for the files it was keyed
  // with, once that file is gone.
  async function notReplayed(dir: string, undo: () => void): Promise<void> {
    await logFolderMade(dir);
    await raceRunPasses(dir);
    undo();
    expect(await b(dir)).toEqual({ status: 'failed', cached: undefined });
  }

  it('a file created in a folder ignored as a whole that the other un-ignored by editing .gitignore', async () => {
    const { top, dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\ngen/\n', 'main.ts': 'ok\n' },
      untracked: { 'gen/old.txt': 'old\n' },
      // Rewritten in place: the config's folder does not move, gen/ does (but was ignored as a whole when listed).
      write: "printf '.fanout/\\ngate*\\n' > .gitignore; echo new > gen/new.ts",
      test: 'test -e gen/new.ts',
      inputs: ['**/*.ts'],
    });
    await notReplayed(dir, () => {
      rmSync(join(dir, 'gen/new.ts'));
      git(top, 'checkout', '--', '.gitignore');
    });
  });

  it('a file created in a folder ignored by info/exclude that a new .gitignore above the config re-includes', async () => {
    const { top, dir } = project({
      files: { 'pkg/.gitignore': '.fanout/\ngate*\n', 'pkg/main.ts': 'ok\n' },
      untracked: { 'pkg/gen/old.txt': 'old\n', '.git/info/exclude': 'gen/\n' },
      at: 'pkg',
      // A .gitignore in the repository's top, where there was none: it outranks info/exclude.
      write: "printf '!gen/\\n' > ../.gitignore; echo new > gen/new.ts",
      test: 'test -e gen/new.ts',
      inputs: ['**/*.ts'],
    });
    await notReplayed(dir, () => {
      rmSync(join(dir, 'gen/new.ts'));
      rmSync(join(top, '.gitignore'));
    });
  });

  it('a file created in a folder ignored by info/exclude that the other edits, in a linked worktree', async () => {
    // The worktree's `.git` is a file: its exclude file is the main repository's, its index its own.
    const { top } = project({
      files: { '.gitignore': '.fanout/\ngate*\n', 'main.ts': 'ok\n' },
      write: "printf '' > \"$(git rev-parse --git-path info/exclude)\"; echo new > gen/new.ts",
      test: 'test -e gen/new.ts',
      inputs: ['**/*.ts'],
    });
    const dir = join(tempDir(), 'linked');
    git(top, 'worktree', 'add', '-q', dir);
    mkdirSync(join(dir, 'gen'));
    writeFileSync(join(dir, 'gen/old.txt'), 'old\n');
    writeFileSync(join(top, '.git/info/exclude'), 'gen/\n');
    await notReplayed(dir, () => {
      rmSync(join(dir, 'gen/new.ts'));
      writeFileSync(join(top, '.git/info/exclude'), 'gen/\n');
    });
  });

  it('a file created in a subfolder made meanwhile, at the depth the globs reach', async () => {
    const { dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\n', 'src/a.ts': 'ok\n', 'src/old/b.ts': 'ok\n' },
      write: 'mkdir src/new; echo new > src/new/x.ts',
      test: 'test -e src/new/x.ts',
      inputs: ['src/*/*.ts'],
    });
    await notReplayed(dir, () => rmSync(join(dir, 'src/new'), { recursive: true }));
  });

  it('a link to a folder created among its inputs', async () => {
    const { dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\n', 'src/a.ts': 'ok\n', 'elsewhere/x.ts': 'ok\n' },
      write: 'ln -s ../elsewhere src/linked',
      test: 'test -e src/linked/x.ts',
      inputs: ['src/**'],
    });
    await notReplayed(dir, () => rmSync(join(dir, 'src/linked')));
  });

  it('a file created in an ignored folder linked from a folder it reads', async () => {
    // dist/ is ignored as a whole; src/out is a link to it, which git lists (it is not followed): a file created in
    // dist/ is no input, and the pass is stored; the link itself, made meanwhile, would not be.
    const { dir } = project({
      files: { '.gitignore': '.fanout/\ngate*\ndist/\n', 'src/a.ts': 'ok\n' },
      untracked: { 'dist/old.js': 'old\n' },
      write: 'echo new > dist/new.ts; ln -s ../dist src/out',
      test: 'test -e src/out/new.ts',
      inputs: ['src/**'],
    });
    await notReplayed(dir, () => rmSync(join(dir, 'src/out')));
  });
});
