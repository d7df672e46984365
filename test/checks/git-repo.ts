// A git repository for the cache's tests of git's listing: files committed, the log folder `logs/` ignored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../cli/helpers.js';

/** Runs git in `dir` with a committer set (and local submodules allowed), its output ignored. */
export const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', '-c', 'protocol.file.allow=always', ...args], { cwd: dir, stdio: 'ignore' });
};

/** A new repository with `files` committed (and `logs/` and each of `ignored` ignored). */
export function committedRepo(files: Record<string, string>, ignored: readonly string[] = []): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), ['logs/', ...ignored, ''].join('\n'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

/** A committed repository whose fanout.yaml holds `checks` (the lines under `checks:`), beside `files`. */
export function checkProject(checks: readonly string[], files: Record<string, string>, ignored: readonly string[] = []): string {
  return committedRepo({ ...files, 'fanout.yaml': ['checks:', ...checks, ''].join('\n') }, ignored);
}

/** Each check's status and `cached` in a report of `fanout check --json`. */
export type Statuses = Record<string, [string, unknown]>;

/** Runs `fanout check -p <parallel> --json` in `dir` (logs in `dir/logs`) and gives each check's status and `cached`. */
export function checkRunner(dir: string, parallel: number, before?: () => void): (...args: string[]) => Promise<Statuses> {
  return async (...args) => {
    before?.();
    const result = await runCli(['check', '-p', String(parallel), '--json', '--log-dir', join(dir, 'logs'), ...args], { cwd: dir });
    return statuses(result.stdout);
  };
}

/** Each check's status and `cached` in the JSON report `stdout`. */
export function statuses(stdout: string): Statuses {
  const report = JSON.parse(stdout) as { checks: Array<{ id: string; status: string; cached?: unknown }> };
  return Object.fromEntries(report.checks.map((entry) => [entry.id, [entry.status, entry.cached]]));
}
