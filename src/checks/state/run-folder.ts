// A run folder, <log-dir>/<run-id>/: made by fanout exclusively (never an existing folder), mode 0700, with a marker
// file saying fanout made it. Pruning deletes only folders that are still exactly that: a folder of the log dir that
// is a link, another user's, open to others or without the marker is left alone whatever its name.
import { closeSync, lstatSync, mkdirSync, openSync, unlink as unlinkWithCallback } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CREATE_EXCLUSIVE, ownedByUser, privateFolderProblem, removeOwnFolder } from '../../common/safe-file.js';

/** The marker file of a run folder fanout made. */
export const RUN_MARKER = '.fanout-run';

/**
 * @internal Makes the run folder `dir` (its parent must exist): exclusively, so a folder or link planted under the run's name
 * fails it instead of receiving its files, then its marker.
 */
export function createRunFolder(dir: string): void {
  mkdirSync(dir, { mode: 0o700 });
  closeSync(openSync(join(dir, RUN_MARKER), CREATE_EXCLUSIVE, 0o600));
}

/** Why `dir` is not a run folder fanout made for this user, or undefined when it is one. */
export function runFolderProblem(dir: string): string | undefined {
  const problem = privateFolderProblem(dir);
  if (problem !== undefined) return problem;
  try {
    const marker = lstatSync(join(dir, RUN_MARKER));
    if (!marker.isFile() || !ownedByUser(marker)) return `its ${RUN_MARKER} is not a file of this user`;
  } catch {
    return `it has no ${RUN_MARKER} marker: fanout did not make it`;
  }
  return undefined;
}

/** Whether `dir` is a run folder fanout made for this user (see {@link runFolderProblem}). */
export const isRunFolder = (dir: string): boolean => runFolderProblem(dir) === undefined;

/**
 * Deletes the run folder `dir` on the thread pool, as removeOwnFolder does (a real folder of this user, listed as it
 * was checked, nothing followed; a folder inside goes the same way), its marker last: a removal cut short (kill -9)
 * leaves a folder still marked as a run of fanout's, which a later pruning finishes, never an unmarked one that no
 * pruning would take. Rejects when `dir` is not such a folder or an entry cannot be removed.
 */
export async function removeRunFolder(dir: string): Promise<void> {
  const before = await lstat(dir);
  if (!before.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a folder (or a link to one), ${dir}`), { code: 'ENOTDIR', path: dir });
  if (!ownedByUser(before)) throw Object.assign(new Error(`EPERM: a folder of another user, ${dir}`), { code: 'EPERM', path: dir });
  const entries = await readdir(dir, { withFileTypes: true });
  // The entries listed are those of the folder just checked, not of something put in its place meanwhile.
  const after = await lstat(dir);
  if (!after.isDirectory() || after.ino !== before.ino || after.dev !== before.dev) {
    throw Object.assign(new Error(`EAGAIN: the folder changed while being listed, ${dir}`), { code: 'EAGAIN', path: dir });
  }
  const marker = entries.find((entry) => entry.name === RUN_MARKER && !entry.isDirectory());
  // First, as nothing is pending then if one refuses: a folder someone put inside (rare), synchronously, same checks.
  for (const entry of entries) if (entry.isDirectory()) removeOwnFolder(join(dir, entry.name));
  await unlinkAll(entries.filter((entry) => entry !== marker && !entry.isDirectory()).map((entry) => join(dir, entry.name)));
  if (marker !== undefined) await unlink(join(dir, marker.name));
  await rmdir(dir);
}

/**
 * Unlinks every file of `paths` at once on the thread pool; rejects with the first failure once all are done. With
 * callbacks, not a promise per file: a run folder holds a log per check, and the pruning of one of a few hundred
 * checks runs while the next run's checks do.
 */
function unlinkAll(paths: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = paths.length;
    let failure: NodeJS.ErrnoException | undefined;
    if (left === 0) resolve();
    for (const path of paths) {
      unlinkWithCallback(path, (error) => {
        failure ??= error ?? undefined;
        if (--left === 0) {
          if (failure === undefined) resolve();
          else reject(failure);
        }
      });
    }
  });
}
