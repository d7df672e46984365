// Files git calls unchanged are taken for the blobs its index names. These cases fix that the repository's settings
// that make git compare fewer stat fields never make a changed file one git vouches for: the check runs on what the
// file holds.
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, encoding: 'utf8' });

async function statuses(dir: string, ...args: string[]): Promise<Array<[string, string, unknown]>> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; cached?: unknown }> };
  return report.checks.map((entry) => [entry.id, entry.status, entry.cached]);
}

/**
 * A repository with `settings` whose check `b` passes on src/x.sh as committed, with every file's times set back a
 * minute before it is staged (the index is then not racy: git trusts the stats it keeps).
 */
function project(settings: ReadonlyArray<[string, string]>, run: string, content: string, mode = 0o644): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  for (const [name, value] of settings) git(dir, 'config', name, value);
  writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/x.sh'), content);
  chmodSync(join(dir, 'src/x.sh'), mode);
  writeFileSync(join(dir, 'fanout.yaml'), ['checks:', '  - id: b', `    run: ${JSON.stringify(run)}`, '    inputs: ["src/**"]', ''].join('\n'));
  const past = new Date(Date.now() - 60_000);
  for (const file of ['.gitignore', 'src/x.sh', 'fanout.yaml']) utimesSync(join(dir, file), past, past);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

/**
 * Once the clock is past the second of the file's change time (git keeps whole seconds of it: a change within the
 * same second is one it cannot see), rewrites `file` with `content` (same size) and sets its modification time back.
 */
async function rewriteKeepingTime(file: string, content: string): Promise<void> {
  const { atime, mtime, ctimeMs } = statSync(file);
  const nextSecond = (Math.floor(ctimeMs / 1000) + 1) * 1000;
  while (Date.now() < nextSecond + 10) await new Promise((resolve) => setTimeout(resolve, nextSecond + 10 - Date.now()));
  writeFileSync(file, content);
  utimesSync(file, atime, mtime);
}

/** Once the clock is past the second of the file's change time (as above), sets its mode. */
async function chmodNextSecond(file: string, mode: number): Promise<void> {
  const nextSecond = (Math.floor(statSync(file).ctimeMs / 1000) + 1) * 1000;
  while (Date.now() < nextSecond + 10) await new Promise((resolve) => setTimeout(resolve, nextSecond + 10 - Date.now()));
  chmodSync(file, mode);
}

describe('fanout check in a repository whose settings make git compare fewer stat fields', () => {
  it.each([
    ['core.trustctime=false', [['core.trustctime', 'false']] as Array<[string, string]>],
    ['core.checkStat=minimal', [['core.checkStat', 'minimal']] as Array<[string, string]>],
  ])('%s: a same-size rewrite with its time set back is not replayed', async (_name, settings) => {
    const dir = project(settings, 'grep -q OK src/x.sh', 'OK!\n');
    expect(await statuses(dir)).toEqual([['b', 'passed', undefined]]);
    await rewriteKeepingTime(join(dir, 'src/x.sh'), 'BAD\n');
    // git itself, under these settings, calls the file unchanged: the case is the one it claims to be.
    expect(git(dir, 'ls-files', '-m')).toBe('');
    expect(await statuses(dir)).toEqual([['b', 'failed', undefined]]);
  });

  it('core.filemode=false: a script that lost its executable bit is not replayed', async () => {
    const dir = project([['core.filemode', 'false']], './src/x.sh', '#!/bin/sh\nexit 0\n', 0o755);
    expect(await statuses(dir)).toEqual([['b', 'passed', undefined]]);
    await chmodNextSecond(join(dir, 'src/x.sh'), 0o644);
    expect(git(dir, 'ls-files', '-m')).toBe('');
    expect(await statuses(dir)).toEqual([['b', 'failed', undefined]]);
  });

  it('core.symlinks=false: a link checked out as a file holding its text is not replayed', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
    writeFileSync(join(dir, 'target.txt'), 'OK!\n');
    symlinkSync('target.txt', join(dir, 'link'));
    writeFileSync(join(dir, 'fanout.yaml'), ['checks:', '  - id: b', '    run: "grep -q OK link"', '    inputs: ["link", "target.txt"]', ''].join('\n'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    expect(await statuses(dir)).toEqual([['b', 'passed', undefined]]);
    git(dir, 'config', 'core.symlinks', 'false');
    rmSync(join(dir, 'link'));
    git(dir, 'checkout', 'link');
    expect(lstatSync(join(dir, 'link')).isFile()).toBe(true);
    expect(git(dir, 'ls-files', '-m')).toBe('');
    expect(await statuses(dir)).toEqual([['b', 'failed', undefined]]);
  });

  it('core.fsmonitor: a change its hook does not report is not replayed', async () => {
    // A hook (version 2) that never reports a change: once git has written its index with the hook's token, it takes
    // every entry for unchanged without looking at the files (a watcher that missed an event does the same).
    const dir = project([], 'grep -q OK src/x.sh', 'OK!\n');
    const hook = join(dir, '.git', 'fsmonitor-never');
    writeFileSync(hook, "#!/bin/sh\nprintf 'token\\0'\n", { mode: 0o755 });
    git(dir, 'config', 'core.fsmonitor', hook);
    git(dir, 'config', 'core.fsmonitorHookVersion', '2');
    git(dir, 'status', '--porcelain');
    expect(await statuses(dir)).toEqual([['b', 'passed', undefined]]);
    // Unchanged: still a hit (git compares the files with its index itself).
    expect(await statuses(dir)).toEqual([['b', 'passed', true]]);
    writeFileSync(join(dir, 'src/x.sh'), 'BAD\n');
    expect(git(dir, 'ls-files', '-m')).toBe('');
    expect(await statuses(dir)).toEqual([['b', 'failed', undefined]]);
  });

  it('a file these settings would not have changed stays a hit', async () => {
    const dir = project([['core.trustctime', 'false'], ['core.filemode', 'false']], 'grep -q OK src/x.sh', 'OK!\n');
    expect(await statuses(dir)).toEqual([['b', 'passed', undefined]]);
    expect(await statuses(dir)).toEqual([['b', 'passed', true]]);
  });
});
