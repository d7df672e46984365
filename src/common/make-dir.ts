/**
 * `mkdir -p` that always ends. Node's `mkdir(path, { recursive: true })` never settles where the kernel answers
 * ENOENT to creating a child of a folder that exists (under /proc, for instance: `--log-dir /proc/x` hung); this
 * walks up to the deepest existing folder, then creates the missing ones one by one, so every failure is an error.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** true: a folder; false: something else; undefined: nothing there. */
type Probe = boolean | undefined;

function notFound(error: unknown): undefined {
  if (codeOf(error) !== 'ENOENT') throw error;
  return undefined;
}

/** Adds `folder` to `missing` and returns its parent, or undefined at the root; throws when `folder` is not a folder. */
function step(folder: string, probe: Probe, missing: string[]): string | undefined {
  if (probe === true) return undefined;
  if (probe === false) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${folder}'`), { code: 'ENOTDIR', path: folder });
  missing.push(folder);
  const parent = dirname(folder);
  return parent === folder ? undefined : parent;
}

function created(error: unknown): void {
  if (codeOf(error) !== 'EEXIST') throw error; // made meanwhile by someone else: fine
}

/** Creates `path` and its missing parents with `mode`; resolves once it exists as a folder. */
export async function makeDir(path: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  for (let folder: string | undefined = resolve(path); folder !== undefined; ) {
    const probe = await stat(folder).then((s) => s.isDirectory(), notFound);
    folder = step(folder, probe, missing);
  }
  for (const folder of missing.reverse()) await mkdir(folder, { mode }).catch(created);
}

/** The synchronous form of {@link makeDir}. */
export function makeDirSync(path: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let folder: string | undefined = resolve(path); folder !== undefined; ) {
    let probe: Probe;
    try {
      probe = statSync(folder).isDirectory();
    } catch (error) {
      probe = notFound(error);
    }
    folder = step(folder, probe, missing);
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode });
    } catch (error) {
      created(error);
    }
  }
}
