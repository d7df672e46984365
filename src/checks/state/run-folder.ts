// A run folder, <log-dir>/<run-id>/: made by fanout exclusively (never an existing folder), mode 0700, with a marker
// file saying fanout made it. Pruning deletes only folders that are still exactly that: a folder of the log dir that
// is a link, another user's, open to others or without the marker is left alone whatever its name.
import { closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { CREATE_EXCLUSIVE, ownedByUser, privateFolderProblem } from '../../common/safe-file.js';

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
