// A stand-in `git` on PATH for the tests of a run stopped while the cache waits for git: asked for one listing, it
// writes its pid and start tick and sleeps; every other call is the real git's. The process is then known by both
// (through the /proc helpers of the exec tests), never by its pid alone.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tempDir, waitForFiles } from '../cli/helpers.js';
import { isAlive, type ProcessId } from '../exec/proc.js';

/** Stand-ins a test started, killed by {@link killLeftovers} when they are still the same process. */
const leftovers: ProcessId[] = [];

/** Kills the stand-ins still there (call after each test). */
export function killLeftovers(): void {
  for (const stand of leftovers.splice(0)) if (isAlive(stand)) process.kill(stand.pid, 'SIGKILL');
}

/**
 * A folder holding a stand-in `git` that, called with `option` among its arguments, writes its pid and start tick to
 * `mark` and sleeps 300 s; every other call is the real git's.
 */
export function standInGit(option: string, mark: string): string {
  return gitWith(() => [`  *" ${option} "*) ${marks(mark)}; exec sleep 300 ;;`]);
}

/** The shell that writes the calling stand-in's pid and start tick to `mark` (through a rename: read whole or not at all). */
const marks = (mark: string): string => `echo "$$ $(cut -d' ' -f22 /proc/$$/stat)" > "${mark}.tmp"; mv "${mark}.tmp" "${mark}"`;

/**
 * A folder holding a stand-in `git`: a shell `case` over its arguments with the branches `cases` gives (it is handed
 * the real git's path), then the real git for every call no branch ended.
 */
function gitWith(cases: (realGit: string) => string[]): string {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'git'), ['#!/bin/sh', 'case " $* " in', ...cases(realGit), 'esac', `exec "${realGit}" "$@"`, ''].join('\n'));
  chmodSync(join(bin, 'git'), 0o755);
  return bin;
}

/**
 * A folder holding a stand-in `git` that, called with `option` among its arguments, writes its pid and start tick to
 * `mark` and is held until the file `gate` exists (then it is the real git); asked for the run's first listing
 * (`--stage`), it is the real git and then makes the file `listed`, when given. With `listAfterHeld`, that listing
 * starts only once `mark` exists (the held call is asked beside it): nothing waiting for the listing goes on before the
 * held call is. Every other call is the real git's.
 */
export function gatedGit(option: string, mark: string, gate: string, listed?: string, listAfterHeld = false): string {
  return gitWith((realGit) => [
    `  *" ${option} "*) ${marks(mark)}`,
    `    while [ ! -e "${gate}" ]; do sleep 0.01; done ;;`,
    ...(listed === undefined
      ? []
      : [`  *" --stage "*) ${listAfterHeld ? `while [ ! -e "${mark}" ]; do sleep 0.01; done; ` : ''}"${realGit}" "$@"; status=$?; : > "${listed}"; exit $status ;;`]),
  ]);
}

/** The stand-in that wrote `mark` (it exists), alive or not; killed after the test when still there. */
export function markedGit(mark: string): ProcessId {
  const [pid, startTime] = readFileSync(mark, 'utf8').trim().split(' ');
  expect(startTime).toBeDefined();
  const stand = { pid: Number(pid), startTime: startTime as string };
  leftovers.push(stand);
  return stand;
}

/** The stand-in that wrote `mark`, once it did (still sleeping); killed after the test when still there. */
export async function sleepingGit(mark: string): Promise<ProcessId> {
  await waitForFiles([mark], 60_000);
  const stand = markedGit(mark);
  // The stand-in is the process waited for (not yet stopped).
  expect(isAlive(stand)).toBe(true);
  return stand;
}

/**
 * Whether the stand-in ended after the run was stopped. Signalled by fanout as the run stops; a busy machine may take a
 * moment to end it. Unkilled, it sleeps 300 s (and the run waits for it, or leaves it behind): the bound only keeps a
 * failure from taking that long. Killed when still there: the run is then freed, and its end can be looked at.
 */
export async function ended(stand: ProcessId): Promise<boolean> {
  for (let tries = 0; tries < 500 && isAlive(stand); tries++) await new Promise((done) => setTimeout(done, 20));
  const gone = !isAlive(stand);
  if (!gone) process.kill(stand.pid, 'SIGKILL');
  return gone;
}
