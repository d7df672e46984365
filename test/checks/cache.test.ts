// The cache of passed checks through the public engine, with real files, real git and real child processes: hits
// replay the result, any change of what the key covers runs the check again, and hostile stores never make a pass.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { runChecks, type RunEvent, type RunReport } from '../../src/checks/index.js';
import { reportErrors, tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

interface Project {
  dir: string;
  /** Lines each check appended to `ran.log` (outside every check's inputs): what actually ran. */
  ran(): string[];
}

function project(yaml: string, files: Record<string, string> = {}): Project {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const log = join(dir, 'ran.log');
  // There before the first run, as the log folder: created by the run, either moves the root folder while checks
  // over it run beside another, and their passes are not stored.
  writeFileSync(log, '');
  mkdirSync(join(dir, '.fanout', 'runs'), { recursive: true });
  return {
    dir,
    ran: () => {
      if (!existsSync(log)) return [];
      const lines = readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
      writeFileSync(log, '');
      return lines;
    },
  };
}

/**
 * Resolves once every folder below `dir` (but `.git`) changed last more than the racy margin ago: a folder changed
 * within it before a check's key may have changed while the check ran beside another, and its pass is not stored.
 */
async function settledFolders(dir: string): Promise<void> {
  await settled(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory() && entry.name !== '.git') await settledFolders(join(dir, entry.name));
}

async function run(dir: string, options: { cache?: boolean; env?: Record<string, string> } = {}): Promise<{ report: RunReport; events: RunEvent[] }> {
  await settledFolders(dir);
  const checks = runChecks({ config: 'fanout.yaml', cwd: dir, parallel: 2, ...options });
  const events: RunEvent[] = [];
  for await (const event of checks) events.push(event);
  return { report: await checks.report, events };
}

/** Makes `dir` a git repository with everything in it committed; returns a runner of git commands there. */
function committed(dir: string): (...args: string[]) => Buffer {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'one');
  return git;
}

const byId = (report: RunReport) => Object.fromEntries(report.checks.map((check) => [check.id, check]));
const cachedIds = (report: RunReport) => report.checks.filter((check) => check.cached === true).map((check) => check.id);

const chain = `checks:
  - id: build
    run: echo build >> ran.log; echo 'built 3 packages'
    inputs: ['src/**', '!src/**/*.md']
    grok: 'built %{INT:count} packages'
    assert: count >= 1
  - id: test
    run: echo test >> ran.log; echo 'tests ok'
    inputs: [test/]
    requires: [build]
  - id: docs
    run: echo docs >> ran.log
    inputs: '**/*.md'
  - id: plain
    run: echo plain >> ran.log
`;

const files = { 'src/a.ts': 'a', 'src/b.ts': 'b', 'src/readme.md': 'r', 'test/a.test.ts': 't' };

describe('the cache of passed checks', () => {
  it('replays unchanged checks with their status, output, values and duration; a check without inputs always runs', async () => {
    const p = project(chain, files);
    const first = await run(p.dir);
    expect(first.report.exit_code).toBe(0);
    expect(p.ran().sort()).toEqual(['build', 'docs', 'plain', 'test']);
    expect(cachedIds(first.report)).toEqual([]);

    const second = await run(p.dir);
    expect(reportErrors(second.report)).toBeNull();
    expect(p.ran()).toEqual(['plain']);
    expect(cachedIds(second.report)).toEqual(['build', 'test', 'docs']);
    const [before, after] = [byId(first.report).build!, byId(second.report).build!];
    expect(after).toMatchObject({ status: 'passed', cached: true, extracted: { count: '3' }, output_tail: ['built 3 packages'], log_file: null });
    expect(after.duration_ms).toBe(before.duration_ms);
    expect(Date.parse(after.cached_at!)).toBe(Date.parse(before.ended_at!));
    // The stream says it too: the check:end of a hit, and no check:start (nothing started).
    const ends = second.events.filter((event) => event.type === 'check:end');
    expect(ends.find((event) => event.id === 'build')).toMatchObject({ status: 'passed', check: { cached: true } });
    expect(second.events.some((event) => event.type === 'check:start' && event.id === 'build')).toBe(false);
  });

  it('runs what an edit reaches: the check whose input changed and its dependents; an excluded file changes nothing', async () => {
    const p = project(chain, files);
    await run(p.dir);
    p.ran();
    writeFileSync(join(p.dir, 'src/readme.md'), 'edited'); // excluded from build, an input of docs
    await run(p.dir);
    expect(p.ran().sort()).toEqual(['docs', 'plain']);
    writeFileSync(join(p.dir, 'src/a.ts'), 'changed');
    const third = await run(p.dir);
    // test's own inputs did not change, but the result of build it requires did.
    expect(p.ran().sort()).toEqual(['build', 'plain', 'test']);
    expect(cachedIds(third.report)).toEqual(['docs']);
    // Back to the first content: the first results are hits again.
    writeFileSync(join(p.dir, 'src/a.ts'), 'a');
    await run(p.dir);
    expect(p.ran()).toEqual(['plain']);
  });

  it('a new file, a deleted file, a mode change, env_inputs and the command itself are part of the key', async () => {
    const p = project(`checks:\n  - id: a\n    run: echo a >> ran.log\n    inputs: ['src/**']\n    env_inputs: [FANOUT_TEST_FLAVOUR]\n`, files);
    const env = (flavour?: string) => ({ env: { ...(process.env as Record<string, string>), ...(flavour === undefined ? {} : { FANOUT_TEST_FLAVOUR: flavour }) } });
    const again = async (flavour?: string) => {
      await run(p.dir, env(flavour));
      return p.ran();
    };
    expect(await again()).toEqual(['a']);
    expect(await again()).toEqual([]);
    writeFileSync(join(p.dir, 'src/new.ts'), '');
    expect(await again()).toEqual(['a']);
    execFileSync('rm', [join(p.dir, 'src/new.ts')]);
    expect(await again()).toEqual([]); // the first key again
    execFileSync('chmod', ['+x', join(p.dir, 'src/b.ts')]);
    expect(await again()).toEqual(['a']);
    expect(await again('')).toEqual(['a']); // set to "" is not unset
    expect(await again('')).toEqual([]);
    expect(await again('x')).toEqual(['a']);
    writeFileSync(join(p.dir, 'fanout.yaml'), `checks:\n  - id: a\n    run: echo a >> ran.log; true\n    inputs: ['src/**']\n    env_inputs: [FANOUT_TEST_FLAVOUR]\n`);
    expect(await again('x')).toEqual(['a']);
  });

  it('never stores a failure, nor a check with cache: false; the cache: false option runs everything and still stores', async () => {
    const p = project(
      `checks:\n  - id: fails\n    run: echo fails >> ran.log; exit 1\n    inputs: [src/]\n  - id: opted-out\n    run: echo opted-out >> ran.log\n    inputs: [src/]\n    cache: false\n  - id: ok\n    run: echo ok >> ran.log\n    inputs: [src/]\n`,
      files,
    );
    await run(p.dir);
    expect(p.ran().sort()).toEqual(['fails', 'ok', 'opted-out']);
    await run(p.dir, { cache: false });
    expect(p.ran().sort()).toEqual(['fails', 'ok', 'opted-out']);
    const third = await run(p.dir);
    expect(p.ran().sort()).toEqual(['fails', 'opted-out']);
    expect(byId(third.report).fails).toMatchObject({ status: 'failed' });
    expect(byId(third.report).fails!.cached).toBeUndefined();
  });

  it('replays a warned check as warned, with its reason', async () => {
    const p = project(`checks:\n  - id: w\n    run: echo w >> ran.log; echo 'coverage 50'\n    inputs: [src/]\n    grok: 'coverage %{INT:coverage}'\n    assert: coverage >= 80\n    severity: warning\n`, files);
    const first = await run(p.dir);
    const second = await run(p.dir);
    expect(p.ran()).toEqual(['w']);
    expect(byId(second.report).w).toMatchObject({ status: 'warned', cached: true, reason: byId(first.report).w!.reason, reason_code: 'assert', extracted: { coverage: '50' } });
  });

  it('in a git repository, ignored files, .git and the log folder never count', async () => {
    const p = project(`checks:\n  - id: all\n    run: echo all >> ran.log\n    inputs: ['**']\n    cache: true\n`, { ...files, '.gitignore': 'ran.log\nbuild/\n', 'build/out.js': '1' });
    execFileSync('git', ['init', '-q'], { cwd: p.dir });
    await run(p.dir);
    expect(p.ran()).toEqual(['all']);
    writeFileSync(join(p.dir, 'build/out.js'), '2'); // ignored
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.'], { cwd: p.dir }); // .git changes
    // A file git vouches for that changed within the racy margin of git's listing may have changed after it: no hit.
    // Let the project's files (.gitignore written last) age past it.
    await settled(join(p.dir, '.gitignore'));
    await run(p.dir); // the log folder (.fanout/runs) got a new run folder and a cache meanwhile
    expect(p.ran()).toEqual([]);
    writeFileSync(join(p.dir, 'untracked.txt'), 'x'); // untracked but not ignored: counts
    await run(p.dir);
    expect(p.ran()).toEqual(['all']);
  });

  it('in a git repository, a file git knows unchanged counts as its content: staging or committing an edit is no change', async () => {
    const p = project(`checks:\n  - id: src\n    run: echo src >> ran.log\n    inputs: [src/]\n`, { ...files, '.gitignore': 'ran.log\n' });
    const git = committed(p.dir);
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    writeFileSync(join(p.dir, 'src/a.ts'), 'edited'); // modified: read and hashed here
    // A file changed within the cache's racy margin of a run is never trusted (not stored): let the edit age past it,
    // so what follows depends on git's view only, not on how fast this machine gets to the next line.
    await settled(join(p.dir, 'src/a.ts'));
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    git('add', 'src/a.ts'); // now git vouches for the same content
    await run(p.dir);
    git('commit', '-qm', 'two');
    await run(p.dir);
    expect(p.ran()).toEqual([]);
    git('rm', '-q', 'src/b.ts'); // deleted: an input less
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    rmSync(join(p.dir, 'src/a.ts')); // deleted in the working tree only (git lists it as modified): an input less
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await run(p.dir);
    expect(p.ran()).toEqual([]);
    git('checkout', '-q', 'src/a.ts'); // back as git knows it: the key of the run before the deletion
    await settled(join(p.dir, 'src/a.ts')); // just written by git: within the racy margin it is no hit
    await run(p.dir);
    expect(p.ran()).toEqual([]);
  });

  it('in a git repository, a file git vouched for that a check before this one edits is no hit, on either path', async () => {
    // `flip` edits src.txt when flip.on exists (git-ignored: the listing stays alike, src.txt is clean when git is
    // asked): after git was asked, before the dependent check's key is looked up. The rerun takes the remembered path
    // first, then the normal one.
    const yaml = `checks:
  - id: flip
    run: 'if [ -f flip.on ]; then echo no > src.txt; fi'
  - id: t
    run: echo t >> ran.log; grep -q yes src.txt
    requires: [flip]
    inputs: [src.txt]
`;
    const p = project(yaml, { 'src.txt': 'yes\n', '.gitignore': 'ran.log\nflip.on\n' });
    const git = committed(p.dir);
    await settled(join(p.dir, 'src.txt'));
    expect(byId((await run(p.dir)).report).t?.status).toBe('passed');
    expect(p.ran()).toEqual(['t']);
    const again = await run(p.dir);
    expect(cachedIds(again.report)).toEqual(['t']);
    writeFileSync(join(p.dir, 'flip.on'), '');
    const flipped = await run(p.dir);
    // The stored pass was for "yes"; the file says "no" when t's turn comes: it runs, and fails.
    expect(p.ran()).toEqual(['t']);
    expect(byId(flipped.report).t).toMatchObject({ status: 'failed' });
    expect(byId(flipped.report).t?.cached).not.toBe(true);
    // Back as git knows it, aged past the margin: the listing-alike path and the normal path are hits again.
    rmSync(join(p.dir, 'flip.on'));
    git('checkout', '-q', 'src.txt');
    await settled(join(p.dir, 'src.txt'));
    await run(p.dir);
    await run(p.dir);
    expect(cachedIds((await run(p.dir)).report)).toEqual(['t']);
  });

  it('in a git repository, before a command of the run starts, a file git vouches for counts as listed however new its times, on either path', async () => {
    const yaml = `checks:\n  - id: t\n    run: echo t >> ran.log; grep -q yes src.txt\n    inputs: [src.txt]\n`;
    const p = project(yaml, { 'src.txt': 'yes\n', '.gitignore': 'ran.log\n' });
    committed(p.dir);
    await settled(join(p.dir, 'src.txt'));
    await run(p.dir);
    expect(p.ran()).toEqual(['t']);
    // Rewritten with the same text and times a minute ahead: git compares the content and vouches for it; nothing of
    // the run can have changed it since (no command started), so its times are not held against it.
    const ahead = () => {
      writeFileSync(join(p.dir, 'src.txt'), 'yes\n');
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(p.dir, 'src.txt'), later, later);
    };
    ahead();
    expect(cachedIds((await run(p.dir)).report)).toEqual(['t']); // the listing as the last run's: remembered inputs
    writeFileSync(join(p.dir, 'other.txt'), 'untracked'); // another listing: the inputs are matched again
    ahead();
    expect(cachedIds((await run(p.dir)).report)).toEqual(['t']);
    expect(p.ran()).toEqual([]);
  });

  it('in a git repository, the checks without requirements are keyed before the first command starts: a file a check running first edits is no stale hit, on either path', async () => {
    // One check at a time: `flip` (its input, untracked, rewritten before each run: it always runs; the longest, it
    // goes first, its key taken with t's) runs before `t` is looked up, and edits t's input when flip.on exists; git
    // vouched for that file when the run listed it.
    const yaml = `checks:\n  - id: flip\n    run: echo flip >> ran.log; sleep 0.3; if [ -f flip.on ]; then echo no > src.txt; fi\n    inputs: [new.txt]\n  - id: t\n    run: echo t >> ran.log; grep -q yes src.txt\n    inputs: [src.txt]\n`;
    const p = project(yaml, { 'src.txt': 'yes\n', '.gitignore': 'ran.log\nflip.on\n.fanout/\n' });
    const git = committed(p.dir);
    let runs = 0;
    const serial = async () => {
      writeFileSync(join(p.dir, 'new.txt'), String(runs++));
      const checks = runChecks({ config: 'fanout.yaml', cwd: p.dir, parallel: 1 });
      for await (const _ of checks);
      return byId(await checks.report);
    };
    await settled(join(p.dir, 'src.txt'));
    await serial();
    expect((await serial()).t?.cached).toBe(true); // remembers the inputs for this listing
    p.ran();
    // The same listing (flip.on is ignored): remembered inputs, taken before flip's command edited src.txt.
    writeFileSync(join(p.dir, 'flip.on'), '');
    let t = (await serial()).t;
    expect(t?.cached).toBeUndefined();
    expect(t?.status).toBe('failed');
    expect(p.ran()).toEqual(['flip', 't']);
    // Another listing each time (a new untracked file): the inputs matched and snapshotted before flip's command.
    git('checkout', '-q', 'src.txt');
    rmSync(join(p.dir, 'flip.on'));
    writeFileSync(join(p.dir, 'other1.txt'), '1');
    await settled(join(p.dir, 'src.txt'));
    await settled(join(p.dir, 'other1.txt'));
    expect((await serial()).t?.status).toBe('passed'); // a hit: src.txt as stored
    writeFileSync(join(p.dir, 'other2.txt'), '2');
    writeFileSync(join(p.dir, 'flip.on'), '');
    t = (await serial()).t;
    expect(t?.cached).toBeUndefined();
    expect(t?.status).toBe('failed');
    expect(p.ran()).toEqual(['flip', 'flip', 't']);
  });

  it('in a git repository, a rerun whose listing git gives alike still sees each edit of a file git does not vouch for', async () => {
    const p = project(`checks:\n  - id: src\n    run: echo src >> ran.log\n    inputs: [src/]\n`, { ...files, '.gitignore': 'ran.log\n' });
    committed(p.dir);
    const untracked = join(p.dir, 'src/new.ts');
    const tracked = join(p.dir, 'src/a.ts');
    /** Writes a file and lets it age past the racy margin, so the run after it trusts what it records. */
    const edit = async (path: string, text: string) => {
      writeFileSync(path, text);
      await settled(path);
    };
    const remembered = () => {
      const folder = join(p.dir, '.fanout/runs/cache');
      const file = readdirSync(folder).find((name) => name.startsWith('stat-'));
      return file === undefined ? [] : ((JSON.parse(readFileSync(join(folder, file), 'utf8')) as { remembered?: unknown[] }).remembered ?? []);
    };
    await edit(untracked, 'one');
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    expect(remembered()).toHaveLength(1); // the next run takes the inputs' digest from here
    await run(p.dir);
    expect(p.ran()).toEqual([]);
    // Each edit below leaves git's listing as it was (the same untracked name, the same modified or deleted entry).
    await edit(untracked, 'two!');
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await edit(untracked, 'tw0!'); // the same size
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await run(p.dir);
    expect(p.ran()).toEqual([]);
    await edit(tracked, 'edited once');
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await edit(tracked, 'edited twice');
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    rmSync(tracked);
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await run(p.dir);
    expect(p.ran()).toEqual([]);
    await edit(tracked, 'back, but not as git knows it');
    await run(p.dir);
    expect(p.ran()).toEqual(['src']);
    await run(p.dir);
    expect(p.ran()).toEqual([]);
  });

  it("a file changed within the racy margin of the stat cache's writing is not vouched for by its state (git's racily clean rule)", async () => {
    const { InputTree } = await import('../../src/checks/cache/inputs.js');
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.ts'), 'one');
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    execFileSync('git', ['init', '-q'], { cwd: dir }); // src/a.ts untracked: its state is what tells an edit
    const statFile = join(dir, 'stat.json');
    const saved = async (now: (changed: number) => number) => {
      const tree = new InputTree(dir, join(dir, 'logs'), statFile);
      const paths = await tree.match(['src/']);
      const snapshot = await tree.snapshot(paths);
      tree.remember(['src/'], paths, snapshot!, 'digest');
      const { mtimeMs, ctimeMs } = statSync(join(dir, 'src/a.ts'));
      tree.save(now(Math.max(mtimeMs, ctimeMs)));
      const data = JSON.parse(readFileSync(statFile, 'utf8')) as { entries: unknown[][]; remembered?: unknown[] };
      return { entries: data.entries.map((entry) => entry[0]), remembered: data.remembered?.length ?? 0 };
    };
    // Written in the same instant as the file: a write after it may leave size and times as they are. Neither the
    // file's hash nor the inputs' digest is kept, and the next run reads the file again.
    expect(await saved((changed) => changed + 1)).toEqual({ entries: [], remembered: 0 });
    // Past the margin (50 ms where times have sub-second resolution, 2 s where they are whole seconds), and hashed
    // past it too (a hash taken within it is never kept): kept.
    await settled(join(dir, 'src/a.ts'));
    expect(await saved((changed) => changed + 2001)).toEqual({ entries: ['src/a.ts'], remembered: 1 });
  });

  it('takes the inputs of the first checks together whatever their number; a failure there leaves each to its turn, reported', async () => {
    const yaml = `checks:\n  - id: r\n    run: echo r >> ran.log\n    inputs: [r.txt]\n  - id: d\n    run: echo d >> ran.log\n    inputs: [src/]\n    requires: [r]\n`;
    const p = project(yaml, { 'r.txt': 'r', 'src/a.ts': 'a' });
    await settled(join(p.dir, 'src/a.ts'));
    // A folder of more files than a call takes arguments, as the listing matches it.
    const many = Array.from({ length: 300_000 }, (_, index) => `src/gone-${index}`);
    const matchIn = Object.getOwnPropertyDescriptor(InputTree.prototype, 'matchIn')?.value as (files: readonly string[], globs: readonly string[]) => string[];
    const big = vi.spyOn(InputTree.prototype, 'matchIn').mockImplementation(function (this: InputTree, files, globs) {
      return globs[0] === 'src/' ? many : matchIn.call(this, files, globs);
    });
    try {
      const { report } = await run(p.dir);
      expect(reportErrors(report)).toBeNull();
      expect(report.write_errors).toBeUndefined();
      expect(p.ran()).toEqual(['r', 'd']);
      expect(cachedIds((await run(p.dir)).report)).toEqual(['r', 'd']);
    } finally {
      big.mockRestore();
    }
    writeFileSync(join(p.dir, 'r.txt'), 'r2');
    await settled(join(p.dir, 'r.txt'));
    const failing = vi.spyOn(InputTree.prototype, 'hashAhead').mockImplementation(() => {
      throw new Error('planted failure');
    });
    try {
      const { report } = await run(p.dir);
      // A warning of the cache's own, not a file that could not be written.
      expect(report.write_errors).toBeUndefined();
      expect(report.cache_warnings).toEqual([{ kind: 'inputs-taken-late', checks: [], message: expect.stringContaining('planted failure') as string }]);
      expect(p.ran()).toEqual(['r', 'd']);
      // Each check took its inputs at its turn: its pass was stored.
      expect(cachedIds((await run(p.dir)).report)).toEqual(['r', 'd']);
    } finally {
      failing.mockRestore();
    }
    // Four runs over 300,000 names (each looked at on disk): minutes on a loaded machine, not a bound on anything.
  }, 240_000);

  it("reports a check whose key could not be computed: it runs without the cache, neither replayed nor stored", async () => {
    // `d` has a requirement: its inputs are taken at its turn, not with the first checks'.
    const yaml = `checks:\n  - id: r\n    run: echo r >> ran.log\n    inputs: [r.txt]\n  - id: d\n    run: echo d >> ran.log\n    inputs: [src/]\n    requires: [r]\n`;
    const p = project(yaml, { 'r.txt': 'r', 'src/a.ts': 'a' });
    await settled(join(p.dir, 'src/a.ts'));
    await run(p.dir);
    expect(cachedIds((await run(p.dir)).report)).toEqual(['r', 'd']);
    p.ran();
    const match = Object.getOwnPropertyDescriptor(InputTree.prototype, 'matchWith')?.value as (globs: readonly string[], created: readonly string[]) => string[];
    const failing = vi.spyOn(InputTree.prototype, 'matchWith').mockImplementation(function (this: InputTree, globs, created) {
      if (globs[0] === 'src/') throw new RangeError('planted key failure');
      return match.call(this, globs, created);
    });
    // Its remembered inputs would make it a hit without a match: an edit of an input makes them useless.
    writeFileSync(join(p.dir, 'src/a.ts'), 'b');
    await settled(join(p.dir, 'src/a.ts'));
    try {
      const { report } = await run(p.dir);
      expect(byId(report).d).toMatchObject({ status: 'passed' });
      expect(byId(report).d?.cached).toBeUndefined();
      expect(report.write_errors).toBeUndefined();
      expect(report.cache_warnings).toEqual([{ kind: 'uncached', checks: ['d'], message: 'd runs uncached: RangeError: planted key failure' }]);
      expect(p.ran()).toEqual(['d']);
    } finally {
      failing.mockRestore();
    }
    // Not stored: it runs again, and only now is its pass stored.
    const next = await run(p.dir);
    expect(next.report.write_errors).toBeUndefined();
    expect(next.report.cache_warnings).toBeUndefined();
    expect(p.ran()).toEqual(['d']);
    expect(cachedIds((await run(p.dir)).report)).toEqual(['r', 'd']);
  });

  it('does not store a pass when an input changed while the check ran', async () => {
    // The content is put back before the check ends: the key would be the same, but what the check saw was not.
    const p = project(`checks:\n  - id: edits\n    run: echo edits >> ran.log; cp src/a.ts a.bak; echo more >> src/a.ts; cp a.bak src/a.ts\n    inputs: [src/]\n`, files);
    await run(p.dir);
    await run(p.dir);
    expect(p.ran()).toEqual(['edits', 'edits']);
  });

  describe('hostile stores', () => {
    const one = `checks:\n  - id: a\n    run: echo a >> ran.log\n    inputs: [src/]\n`;
    const entriesOf = (dir: string) => join(dir, '.fanout/runs/cache/entries');
    const entryFiles = (dir: string) => readdirSync(entriesOf(dir)).filter((name) => name.endsWith('.json')).map((name) => join(entriesOf(dir), name));

    it('a torn, edited or foreign-keyed entry is a miss, never a pass', async () => {
      const p = project(one, files);
      await run(p.dir);
      const [entry] = entryFiles(p.dir);
      const text = readFileSync(entry!, 'utf8');
      truncateSync(entry!, Math.floor(text.length / 2)); // a torn write
      await run(p.dir);
      expect(p.ran()).toEqual(['a', 'a']);
      // A planted entry that claims a pass with forged fields: the checksum does not verify.
      writeFileSync(entry!, text.replace('"status":"passed"', '"status":"passed","attempts":1').replace(/"sum":"[0-9a-f]+"/, `"sum":"${'0'.repeat(64)}"`));
      await run(p.dir);
      expect(p.ran()).toEqual(['a']);
      // A whole entry of another key, copied under this key's name.
      const [current] = entryFiles(p.dir);
      const other = JSON.parse(readFileSync(current!, 'utf8')) as { key: string };
      writeFileSync(current!, JSON.stringify({ ...other, key: 'f'.repeat(64) }));
      await run(p.dir);
      expect(p.ran()).toEqual(['a']);
    });

    it('an entry that is a link is not followed', async () => {
      const p = project(one, files);
      await run(p.dir);
      const [entry] = entryFiles(p.dir);
      const elsewhere = join(tempDir(), 'entry.json');
      writeFileSync(elsewhere, readFileSync(entry!));
      execFileSync('rm', [entry!]);
      symlinkSync(elsewhere, entry!);
      await run(p.dir);
      expect(p.ran()).toEqual(['a', 'a']);
    });

    it('a cache folder that is a link is refused with a note, and every check runs', async () => {
      const p = project(one, files);
      mkdirSync(join(p.dir, '.fanout/runs'), { recursive: true });
      const target = tempDir();
      symlinkSync(target, join(p.dir, '.fanout/runs/cache'));
      const checks = runChecks({ config: 'fanout.yaml', cwd: p.dir });
      const prepared = await checks.prepared;
      await checks.report;
      await run(p.dir);
      expect(p.ran()).toEqual(['a', 'a']);
      expect(prepared.notes.find((note) => note.code === 'cache-refused')?.message).toMatch(/symbolic link/);
      expect(readdirSync(target)).toEqual([]);
      expect(lstatSync(join(p.dir, '.fanout/runs/cache')).isSymbolicLink()).toBe(true);
    });

    it('a cache folder others may write to is refused', async () => {
      const p = project(one, files);
      mkdirSync(join(p.dir, '.fanout/runs/cache/entries'), { recursive: true, mode: 0o777 });
      execFileSync('chmod', ['0777', join(p.dir, '.fanout/runs/cache')]);
      await run(p.dir);
      await run(p.dir);
      expect(p.ran()).toEqual(['a', 'a']);
    });

    it('the stat cache cannot vouch for a file it was not told about: an edit with the same size is seen', async () => {
      const p = project(one, files);
      await run(p.dir);
      appendFileSync(join(p.dir, 'ran.log'), '');
      writeFileSync(join(p.dir, 'src/a.ts'), 'z'); // same size, new content
      await run(p.dir);
      expect(p.ran()).toEqual(['a', 'a']);
    });
  });
});

describe('the key and the config mode', () => {
  it('a pass stored by a VibeGuard config is not replayed for the same check in fanout.yaml, nor the other way', async () => {
    const yaml = `version: "1"
checks:
  - id: count
    run: echo count >> ran.log; echo 'found 0 issues'
    inputs: ['src/**']
    grok: 'found %{INT:n} issues'
`;
    const p = project(yaml, { 'src/a.txt': 'a\n' });
    writeFileSync(join(p.dir, 'vibeguard.yaml'), yaml);
    const logDir = join(p.dir, 'logs');
    const go = async (config: string) => {
      const checks = runChecks({ config, cwd: p.dir, logDir, parallel: 1 });
      for await (const _ of checks);
      return checks.report;
    };
    expect(reportErrors(await go('vibeguard.yaml'))).toBeNull();
    expect(p.ran()).toEqual(['count']);
    const own = await go('fanout.yaml');
    expect(cachedIds(own)).toEqual([]);
    expect(p.ran()).toEqual(['count']);
    // Each mode replays its own pass.
    expect(cachedIds(await go('fanout.yaml'))).toEqual(['count']);
    expect(cachedIds(await go('vibeguard.yaml'))).toEqual(['count']);
    expect(p.ran()).toEqual([]);
  });
});

