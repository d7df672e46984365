// A run stopped while the cache waits for git (a store listing the files again) leaves no git behind: the git it
// started is killed through its own child handle. The git here is a stand-in on PATH that, asked to list the files
// again, writes its pid and start tick and sleeps; the process is then known by both, never by its pid alone.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempDir, waitForFiles } from '../cli/helpers.js';
import { isAlive } from '../exec/proc.js';
import { checkProject } from './git-repo.js';

/** Whether the process `pid` that started at tick `start` is still there (not a later one that took its pid). */
const stillThere = (pid: number, start: string): boolean => isAlive({ pid, startTime: start });

/** Processes a test left behind, killed once it ends when they are still the same process. */
const leftovers: Array<{ pid: number; start: string }> = [];

afterEach(() => {
  for (const { pid, start } of leftovers.splice(0)) {
    if (stillThere(pid, start)) process.kill(pid, 'SIGKILL');
  }
});

describe.skipIf(process.platform !== 'linux')('cache: a run stopped while a store waits for git', () => {
  it('SIGINT kills the git listing the files again: no git is left running', async () => {
    // `a` creates a file in its folder: a store after another command (its dependent's) lists the files again.
    const dir = checkProject(
      ['  - id: a', '    inputs: ["src/**"]', '    run: touch src/made.txt', '  - id: b', '    requires: [a]', '    inputs: ["lib/**"]', '    run: "true"'],
      { 'src/a.txt': 'a\n', 'lib/b.txt': 'b\n' },
    );
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const mark = join(dir, 'logs-git-pid');
    // Only the listing again asks for --cached; every other call is the real git's.
    writeFileSync(
      join(bin, 'git'),
      [
        '#!/bin/sh',
        'case " $* " in',
        `  *" --cached "*) echo "$$ $(cut -d' ' -f22 /proc/$$/stat)" > "${mark}.tmp"; mv "${mark}.tmp" "${mark}"; exec sleep 300 ;;`,
        'esac',
        `exec "${realGit}" "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'git'), 0o755);
    const run = startCli(['check', '-p', '1', '--json', '--log-dir', join(dir, 'logs')], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    await waitForFiles([mark], 60_000);
    const [pidText, start] = readFileSync(mark, 'utf8').trim().split(' ');
    const pid = Number(pidText);
    expect(start).toBeDefined();
    leftovers.push({ pid, start: start as string });
    // The stand-in is the process waited for (not yet stopped).
    expect(stillThere(pid, start as string)).toBe(true);
    run.child.kill('SIGINT');
    // Signalled by fanout as the run stops; a busy machine may take a moment to end it. Unkilled, it sleeps 300 s (and
    // the run waits for it): the bound only keeps a failure from taking that long.
    for (let tries = 0; tries < 500 && stillThere(pid, start as string); tries++) await new Promise((done) => setTimeout(done, 20));
    const gone = !stillThere(pid, start as string);
    // Ended at once after a failure: the run is then freed by the clean-up, and the report is not awaited.
    if (!gone) process.kill(pid, 'SIGKILL');
    expect(gone).toBe(true);
    const result = await run.done;
    expect(result.signal ?? result.code).not.toBe(0);
  }, 90_000);
});
