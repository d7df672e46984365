// A git repository for the cache's tests of git's listing: files committed, the log folder `logs/` ignored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

/** What {@link rewriteAndRestore} saw: the statuses of each of its runs. */
export interface RewriteRuns {
  first: Statuses;
  rewritten: Statuses;
  restored: Statuses;
  noCache: Statuses;
}

/**
 * The runs of a stale-pass test over a project whose rewriting command acts only while `b.on` exists (it rewrites
 * `src/a.ts`): a first run, a run with `b.on` (after `whileOn`), a run with `b.on` gone and `src/a.ts` restored (by
 * `restore`, default: git's committed copy), then the same run with `--no-cache`, the verdict the cache must agree with.
 */
export async function rewriteAndRestore(dir: string, check: (...args: string[]) => Promise<Statuses>, steps: { whileOn?: () => void; restore?: () => void } = {}): Promise<RewriteRuns> {
  const first = await check();
  writeFileSync(join(dir, 'b.on'), '');
  steps.whileOn?.();
  const rewritten = await check();
  rmSync(join(dir, 'b.on'));
  (steps.restore ?? (() => git(dir, 'checkout', '--', 'src/a.ts')))();
  const restored = await check();
  return { first, rewritten, restored, noCache: await check('--no-cache') };
}
