// The CLI tests run the built dist/ (as users do): after an edit of src/, `npx vitest run` on its own would test the
// previous build. This tells whether dist/ is older than what it is built from.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the build reads: the sources and the build's own configuration. */
const INPUTS = ['src', 'tsdown.config.ts', 'package.json'];
/** What every build writes (its entry points; `clean` empties dist/ first): the oldest of them dates the build. */
const OUTPUTS = ['dist/index.js', 'dist/cli.js', 'dist/batch-worker.js'];

/**
 * Why dist/ under `root` is out of date — an output missing, or the newest input file, newer than the build — or
 * undefined when it is up to date.
 */
export function staleBuild(root: string): string | undefined {
  let built = Infinity;
  for (const output of OUTPUTS) {
    try {
      built = Math.min(built, statSync(join(root, output)).mtimeMs);
    } catch {
      return `${output} is missing`;
    }
  }
  let newest: { file: string; mtimeMs: number } | undefined;
  const visit = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if (stat !== undefined && (newest === undefined || stat.mtimeMs > newest.mtimeMs)) newest = { file: path, mtimeMs: stat.mtimeMs };
  };
  for (const input of INPUTS) visit(join(root, input));
  if (newest === undefined || newest.mtimeMs <= built) return undefined;
  return `${relative(root, newest.file)} is newer than the build`;
}
