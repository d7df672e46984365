/**
 * Files that fanout writes and deletes in folders it does not fully control (a log dir, a cache, a workspace):
 * created under random names, exclusively and never through a symbolic link, then renamed into place; and folders
 * deleted only when they are real folders of this user, without ever following a link.
 */
import { randomBytes } from './random.js';
import { closeSync, constants, fdatasyncSync, fstatSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { open, rename, lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** O_NOFOLLOW where the platform has it (not on Windows, which has no such links to plant for this user). */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;
/** O_NONBLOCK where the platform has it: opening a FIFO planted where a file is read must not wait for a writer. */
export const O_NONBLOCK: number = constants.O_NONBLOCK ?? 0;
/** Reading a file fanout wrote for itself: never through a link, never waiting on a FIFO or a device. */
const READ_OWN: number = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
/** Creating a new file, never an existing one nor one a planted link points at. */
export const CREATE_EXCLUSIVE: number = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

const uid = (): number | undefined => process.getuid?.();

/** Whether a file (from lstat or fstat) belongs to this user (always true where there are no user ids). */
export function ownedByUser(stat: Stats): boolean {
  const me = uid();
  return me === undefined || stat.uid === me;
}

/**
 * The JSON in `path` when it is a regular file of this user (opened without following a link) of at most `maxBytes`;
 * undefined for anything else — missing, a link, someone else's file, too big, unreadable or not JSON. What fanout
 * stored for itself is trusted only that way: a planted file is a miss, never an answer.
 *
 * @param maxBytes The largest file read. @default Infinity
 * @example
 * ```ts
 * import { readOwnJsonSync } from './safe-file.js';
 * const entry = readOwnJsonSync('.fanout/runs/cache/entries/0f3a.json', 4 * 1024 * 1024); // unknown | undefined
 * ```
 */
export function readOwnJsonSync(path: string, maxBytes = Number.POSITIVE_INFINITY): unknown {
  const text = readOwnFileSync(path, maxBytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Opens `path` for reading when it is a regular file of this user, or returns undefined (missing, a link, a FIFO, a
 * device, a folder, someone else's file, unreadable). It never follows a link nor waits: a FIFO planted in a folder
 * fanout reads at every start would otherwise block the process in `open`, where no signal handler runs. The caller
 * closes the descriptor.
 *
 * @example
 * ```ts
 * import { closeSync } from 'node:fs';
 * import { openOwnFileSync } from './safe-file.js';
 * const fd = openOwnFileSync('.fanout/runs/latest/journal.ndjson');
 * if (fd !== undefined) closeSync(fd);
 * ```
 */
export function openOwnFileSync(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_OWN);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && ownedByUser(stat)) return fd;
  } catch {
    // unreadable: not one
  }
  closeSync(fd);
  return undefined;
}

/**
 * The text of `path` (UTF-8) when it is a regular file of this user of at most `maxBytes` (see
 * {@link openOwnFileSync}); undefined for anything else.
 *
 * @param maxBytes The largest file read. @default Infinity
 * @example
 * ```ts
 * import { readOwnFileSync } from './safe-file.js';
 * const journal = readOwnFileSync('.fanout/runs/latest/journal.ndjson'); // string | undefined
 * ```
 */
export function readOwnFileSync(path: string, maxBytes = Number.POSITIVE_INFINITY): string | undefined {
  const fd = openOwnFileSync(path);
  if (fd === undefined) return undefined;
  try {
    if (fstatSync(fd).size > maxBytes) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The asynchronous form of {@link readOwnFileSync}: a FIFO there would otherwise hold a thread of the pool, and the
 * process open, for good.
 *
 * @param maxBytes The largest file read. @default Infinity
 * @example
 * ```ts
 * import { readOwnFile } from './safe-file.js';
 * const report = await readOwnFile('.fanout/runs/latest/report.json'); // string | undefined
 * ```
 */
export async function readOwnFile(path: string, maxBytes = Number.POSITIVE_INFINITY): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, READ_OWN);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || !ownedByUser(stat) || stat.size > maxBytes) return undefined;
    return await handle.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Why `path` is not a private folder of this user, or undefined when it is one: a real folder (not a link to one),
 * owned by this user, that neither its group nor others may write to.
 */
export function privateFolderProblem(path: string): string | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (error) {
    return (error as Error).message;
  }
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (!stat.isDirectory()) return 'it is not a folder';
  if (!ownedByUser(stat)) return `it belongs to another user (uid ${stat.uid})`;
  // Where there are no user ids (Windows), the mode bits say nothing about who may write.
  if (uid() !== undefined && (stat.mode & 0o022) !== 0) return `others may write to it (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

const temporaryName = (target: string) => `${target}.${randomBytes(8).toString('hex')}.tmp`;

/** Removes `path` only while it is still the file `fd` has open: a file put in its place is someone else's. */
function removeOwn(path: string, fd: number | undefined): void {
  try {
    if (fd === undefined) return;
    const mine = fstatSync(fd);
    const there = lstatSync(path);
    if (there.ino === mine.ino && there.dev === mine.dev) unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}

/**
 * Writes `data` to a new file `path`, created exclusively (an existing file or a link there fails it). A write that
 * fails (a full disk...) throws after removing what it had written: no half file is left behind. Returns the file's
 * identity (its fstat). `durable` (@default false) has the data reach the disk (fdatasync) before it returns.
 *
 * @example
 * ```ts
 * import { writeNewFileSync } from './safe-file.js';
 * writeNewFileSync('/tmp/report-1.json', '{}\n');
 * ```
 */
export function writeNewFileSync(path: string, data: string | Uint8Array, mode = 0o600, durable = false): Stats {
  let fd: number | undefined;
  try {
    fd = openSync(path, CREATE_EXCLUSIVE, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    if (durable) fdatasyncSync(fd);
    return fstatSync(fd);
  } catch (error) {
    removeOwn(path, fd);
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to `target` atomically: into a new file of a random name beside it (created exclusively, never
 * through a link), then renamed over `target` (a rename replaces a link at `target`, it never writes through it).
 * A reader sees the old content or the new one. Throws the write's error (a full disk...) after removing the new file.
 * `durable` (@default false) has the data reach the disk before the rename, so a crash never leaves a name with a
 * file whose data was lost.
 *
 * @example
 * ```ts
 * import { replaceFileSync } from './safe-file.js';
 * replaceFileSync('/tmp/state.json', '{}\n');
 * ```
 */
export function replaceFileSync(target: string, data: string | Uint8Array, mode = 0o600, durable = false): void {
  const temporary = temporaryName(target);
  const written = writeNewFileSync(temporary, data, mode, durable);
  try {
    renameSync(temporary, target);
  } catch (error) {
    removeIfSame(temporary, written);
    throw error;
  }
}

/** Errors of a file system that has no hard links (FAT, some network and FUSE mounts): publish without one. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Writes `data` to a new file `path` that readers see whole or not at all, and that is never put over anything
 * (a file or a link at `path` fails it with EEXIST, as {@link writeNewFileSync} does): written into a new file of a
 * random name beside it, then linked to `path` (link(2) neither replaces nor follows what is there) and the random
 * name removed. Where the file system has no hard links, it falls back to {@link writeNewFileSync} (still exclusive,
 * no longer whole-or-nothing for readers). Throws the write's error (a full disk...) after removing what it wrote.
 *
 * @example
 * ```ts
 * import { publishNewFileSync } from './safe-file.js';
 * publishNewFileSync('/tmp/report-2.json', '{}\n');
 * ```
 */
export function publishNewFileSync(path: string, data: string | Uint8Array, mode = 0o600): void {
  const temporary = temporaryName(path);
  const written = writeNewFileSync(temporary, data, mode);
  let linked = false;
  try {
    linkSync(temporary, path);
    linked = true;
  } catch (error) {
    if (!NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) {
      removeIfSame(temporary, written);
      throw error;
    }
  }
  removeIfSame(temporary, written);
  if (!linked) writeNewFileSync(path, data, mode);
}

/** Removes `path` only while it is still the file `written` identifies (what is put in its place is someone else's). */
function removeIfSame(path: string, written: Stats): void {
  try {
    const there = lstatSync(path);
    if (there.ino === written.ino && there.dev === written.dev) unlinkSync(path);
  } catch {
    // gone already
  }
}

/** The asynchronous form of {@link replaceFileSync}. */
export async function replaceFile(target: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temporary = temporaryName(target);
  const handle = await open(temporary, CREATE_EXCLUSIVE, mode);
  try {
    await handle.writeFile(data);
    await rename(temporary, target);
  } catch (error) {
    try {
      const [mine, there] = await Promise.all([handle.stat(), lstat(temporary)]);
      if (there.ino === mine.ino && there.dev === mine.dev) await unlink(temporary);
    } catch {
      // gone already, or not ours to remove
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Deletes the folder `dir` and what it holds, without ever following a link: `dir` and every folder inside must be
 * real folders of this user (a link is removed as a link; what it points at is never touched). Throws when something
 * is not (the rest is then left in place), or when the folder was swapped while it was being listed.
 */
export function removeOwnFolder(dir: string): void {
  const before = lstatSync(dir);
  if (!before.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a folder (or a link to one), ${dir}`), { code: 'ENOTDIR', path: dir });
  if (!ownedByUser(before)) throw Object.assign(new Error(`EPERM: a folder of another user, ${dir}`), { code: 'EPERM', path: dir });
  const entries = readdirSync(dir, { withFileTypes: true });
  // The entries listed are those of the folder just checked, not of something put in its place meanwhile.
  const after = lstatSync(dir);
  if (!after.isDirectory() || after.ino !== before.ino || after.dev !== before.dev) {
    throw Object.assign(new Error(`EAGAIN: the folder changed while being listed, ${dir}`), { code: 'EAGAIN', path: dir });
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // The entry's type is that of the entry itself (a link is a link): unlink never follows one.
    if (entry.isDirectory()) removeOwnFolder(path);
    else unlinkSync(path);
  }
  rmdirSync(dir);
}
