// Shared by the cache's folder-swap cases: a committed repository whose ignored folders hold older files a check's
// command renames into place, and the statuses of a whole `fanout check` run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

/** Runs git in `dir` (output ignored). */
export function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
}

/** `[id, status, cached]` of each check of a `fanout check --json` run in `dir`. */
export async function statuses(dir: string, ...args: string[]): Promise<Array<[string, string, unknown]>> {
  const result = await runCli(['check', '--json', ...args], { cwd: dir });
  const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; cached?: unknown }> };
  return report.checks.map((entry) => [entry.id, entry.status, entry.cached]);
}

/** What {@link committedProject} makes. */
export interface SwapProject {
  /** Ignored names besides `.fanout/`. */
  ignore: readonly string[];
  /** Relative path → content (folders made as needed). */
  files: Readonly<Record<string, string>>;
  /** Paths (files or folders) whose times are set a minute back: older than any listing of the runs. */
  old: readonly string[];
  /** The lines of `fanout.yaml` below `checks:`. */
  checks: readonly string[];
}

/** A git repository holding `project`, everything committed. */
export function committedProject(project: SwapProject): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), ['.fanout/', ...project.ignore, ''].join('\n'));
  for (const [path, content] of Object.entries(project.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const past = new Date(Date.now() - 60_000);
  for (const path of project.old) utimesSync(join(dir, path), past, past);
  writeFileSync(join(dir, 'fanout.yaml'), ['checks:', ...project.checks, ''].join('\n'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

/**
 * The checks of a swap case: `a` runs `swap` while the file `swap` is there; `b` (inputs `src/**`, after `a`) passes
 * only when src/x.txt holds OK.
 */
export function swapThenGrep(swap: string): string[] {
  return ['  - id: a', `    run: ${JSON.stringify(`if [ -e swap ]; then ${swap}; fi`)}`, '  - id: b', '    run: "grep -q OK src/x.txt"', '    inputs: ["src/**"]', '    requires: [a]'];
}

/** Puts the file `swap` in `dir` and runs: `a` swaps, and `b` passes on what it swapped in (see swapThenGrep). */
export async function swappedRunPasses(dir: string): Promise<void> {
  writeFileSync(join(dir, 'swap'), '');
  expect(await statuses(dir)).toEqual([
    ['a', 'passed', undefined],
    ['b', 'passed', undefined],
  ]);
}

/**
 * Two runs of a project whose `a` renames a folder of good files into place, `b` passes on it and `c` renames a folder
 * holding the committed content (in other files, with old times) back: `b` passes in the first run and, in the
 * second, must fail — it never passed on the committed content.
 */
export async function passesThenFailsOnCommitted(dir: string): Promise<void> {
  expect(await statuses(dir)).toEqual([
    ['a', 'passed', undefined],
    ['b', 'passed', undefined],
    ['c', 'passed', undefined],
  ]);
  expect(await statuses(dir)).toEqual([
    ['a', 'passed', undefined],
    ['b', 'failed', undefined],
    ['c', 'skipped', undefined],
  ]);
}
