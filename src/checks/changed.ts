// `fanout check --changed [REF]`: the files git reports changed, and the checks whose `files:` match them.
import { execFileSync } from 'node:child_process';
import { relative, resolve, sep } from 'node:path';
import type { ResolvedCheck } from '../config/types.js';
import { messageOf } from '../common/errors.js';
import { UsageError } from './errors.js';
import { matchesAny } from '../common/glob.js';

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim().split('\n')[0] : messageOf(error);
    throw new UsageError(`--changed: git ${args.join(' ')} failed: ${detail}`, 'ERR_USAGE', { cause: error });
  }
}

/**
 * Absolute paths of the files changed in the working tree against `ref` (default HEAD): modified, added, deleted,
 * renamed (both names), staged or not, plus untracked files that are not ignored.
 */
export function changedFiles(cwd: string, ref = 'HEAD'): string[] {
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  if (ref.startsWith('-')) throw new UsageError(`--changed: "${ref}" is not a git revision`);
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top);
  const diff = git(['diff', '--name-only', '--no-renames', '-z', ref, '--'], top);
  const untracked = git(['ls-files', '--others', '--exclude-standard', '-z'], top);
  const names = new Set([...diff.split('\0'), ...untracked.split('\0')].filter((name) => name !== ''));
  return [...names].map((name) => resolve(top, name));
}

/** A path as a `files:` glob sees it: relative to the config's folder, with `/` separators. */
export function globPath(path: string, root: string): string {
  return relative(root, path).split(sep).join('/');
}

/** The checks having `files:` that match any of the paths (relative to `root`, the config's folder). */
export function checksTouching(checks: readonly ResolvedCheck[], paths: readonly string[], root: string): ResolvedCheck[] {
  const relativePaths = paths.map((path) => globPath(path, root));
  return checks.filter((check) => check.files.length > 0 && relativePaths.some((path) => matchesAny(path, check.files)));
}
