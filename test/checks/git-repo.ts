// A git repository for the cache's tests of git's listing: files committed, the log folder `logs/` ignored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../cli/helpers.js';

/** Runs git in `dir` with a committer set (and local submodules allowed), its output ignored. */
export const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', '-c', 'protocol.file.allow=always', ...args], { cwd: dir, stdio: 'ignore' });
};

/** A new repository with `files` committed (and `logs/` ignored). */
export function committedRepo(files: Record<string, string>): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), 'logs/\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}
