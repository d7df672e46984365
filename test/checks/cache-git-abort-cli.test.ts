// A run stopped while the cache waits for git (the run's first listing, or a store listing the files again) leaves no
// git behind: the git it started is killed through its own child handle. The git here is a stand-in on PATH that,
// asked for one of these listings, writes its pid and start tick and sleeps (see stand-in-git.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../cli/helpers.js';
import { checkProject } from './git-repo.js';
import { ended, killLeftovers, sleepingGit, standInGit } from './stand-in-git.js';

afterEach(killLeftovers);

/**
 * `fanout check -p 1 --json` in `dir`, interrupted (SIGINT) once the stand-in git asked with `option` sleeps: that git
 * must be gone. Resolves with the CLI's end.
 */
async function interruptedAtGit(dir: string, option: string): ReturnType<typeof startCli>['done'] {
  const mark = join(dir, 'logs-git-pid');
  const bin = standInGit(option, mark);
  const run = startCli(['check', '-p', '1', '--json', '--log-dir', join(dir, 'logs')], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const git = await sleepingGit(mark);
  run.child.kill('SIGINT');
  expect(await ended(git)).toBe(true);
  return run.done;
}

describe.skipIf(process.platform !== 'linux')('cache: a run stopped while the cache waits for git', () => {
  it('SIGINT kills the git listing the files again: no git is left running', async () => {
    // `a` creates a file in its folder: a store after another command (its dependent's) lists the files again.
    const dir = checkProject(
      ['  - id: a', '    inputs: ["src/**"]', '    run: touch src/made.txt', '  - id: b', '    requires: [a]', '    inputs: ["lib/**"]', '    run: "true"'],
      { 'src/a.txt': 'a\n', 'lib/b.txt': 'b\n' },
    );
    // Only the listing again asks for --cached; every other call is the real git's.
    const result = await interruptedAtGit(dir, '--cached');
    expect(result.signal ?? result.code).not.toBe(0);
  }, 90_000);

  it('SIGINT during the run\'s first listing kills that git: the run ends, interrupted, and stores nothing', async () => {
    const dir = checkProject(['  - id: a', '    inputs: ["src/**"]', '    run: touch ran.txt'], { 'src/a.txt': 'a\n' });
    // Only the run's first listing asks for --stage. Before, the run waited for that git (or left it behind under
    // init once it died by the signal).
    const result = await interruptedAtGit(dir, '--stage');
    // Dies by the signal, its report out: the check stopped while its key waited (cancelled) or before the run started
    // its checks (skipped), its command never run; nothing stored from a listing that did not end, and no warning of
    // the cache (a stop is not a failure of it).
    expect(result.signal).toBe('SIGINT');
    const report = JSON.parse(result.stdout) as { interrupted: string | null; checks: Array<{ id: string; status: string }>; cache_warnings?: unknown };
    expect(report.interrupted).toBe('SIGINT');
    expect(report.checks.map((check) => check.id)).toEqual(['a']);
    expect(['cancelled', 'skipped']).toContain(report.checks[0]?.status);
    expect(report.cache_warnings).toBeUndefined();
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    const entries = join(dir, 'logs', 'cache', 'entries');
    expect(existsSync(entries) ? readdirSync(entries) : []).toEqual([]);
  }, 90_000);
});
