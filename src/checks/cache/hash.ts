// Content hashing of input files: in this thread for a few files, on worker threads for many (a cold tree of
// thousands of files is read and hashed on every core while the main thread keeps the run's events flowing).
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { O_NOFOLLOW } from '../../common/safe-file.js';

/** Below this many bytes (or files) to hash, workers cost more to start than they save. */
const WORKER_MIN_BYTES = 8 * 1024 * 1024;
const WORKER_MIN_FILES = 256;
/** The read buffer's size in bytes (one per thread hashing). */
export const HASH_CHUNK = 1024 * 1024;
const CHUNK = HASH_CHUNK;
/**
 * How input files are opened: without following a link, and without waiting — opening a FIFO (or a device) for
 * reading blocks until a writer comes, and no signal could stop the run meanwhile. On a regular file it changes
 * nothing; anything else is then refused by its stat.
 */
const READ_FLAGS = constants.O_RDONLY | O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/**
 * The hash of one file as git names its content: the SHA-1 of `blob <size>\0` and the bytes, so a file git already
 * knows unchanged (its index holds that name) and one fanout reads agree. A link is `link:` and the blob of the text
 * it points to (it is never followed). Opened without following a link and read to the end: undefined when it cannot
 * be read (gone, a folder now).
 */
export function hashFile(path: string, isLink: boolean, buffer: Buffer = Buffer.allocUnsafe(CHUNK)): string | undefined {
  if (isLink) return hashLink(path);
  return hashOpened(path, buffer)?.hash;
}

/** The {@link hashFile} name of the link at `path`: `link:` and the blob of the text it points to. */
function hashLink(path: string): string | undefined {
  try {
    const target = Buffer.from(readlinkSync(path));
    return `link:${createHash('sha1').update(`blob ${target.length}\0`).update(target).digest('hex')}`;
  } catch {
    return undefined;
  }
}

/**
 * The {@link hashFile} name of the regular file at `path` and its state when opened (what a stat cache records of
 * it): undefined when it is not a regular file (a link is not followed), gone, unreadable, larger than `maxBytes`
 * (then not read), or changed size while read.
 */
export function hashOpened(path: string, buffer: Buffer = Buffer.allocUnsafe(CHUNK), maxBytes = Infinity): { hash: string; stat: Stats } | undefined {
  try {
    const fd = openSync(path, READ_FLAGS);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size > maxBytes) return undefined;
      const hash = createHash('sha1').update(`blob ${stat.size}\0`);
      let total = 0;
      // A read shorter than asked for is the end of a regular file: no second read to learn it.
      for (let read = buffer.length; read === buffer.length; total += read) {
        read = readSync(fd, buffer, 0, buffer.length, null);
        if (read > 0) hash.update(buffer.subarray(0, read));
      }
      // A file that grew or shrank while read has no one content: no hash.
      return total === stat.size ? { hash: hash.digest('hex'), stat } : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

// The worker: the same function, as source (a worker evaluated from text needs no file of its own next to whichever
// bundle chunk this module ends up in).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buffer = Buffer.allocUnsafe(${CHUNK});
const flags = ${READ_FLAGS};
function hashFile(path, isLink) {
  try {
    if (isLink) {
      const target = Buffer.from(fs.readlinkSync(path));
      return 'link:' + createHash('sha1').update('blob ' + target.length + '\\0').update(target).digest('hex');
    }
    const fd = fs.openSync(path, flags);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) return null;
      const hash = createHash('sha1').update('blob ' + stat.size + '\\0');
      let total = 0;
      for (let read = buffer.length; read === buffer.length; total += read) {
        read = fs.readSync(fd, buffer, 0, buffer.length, null);
        if (read > 0) hash.update(buffer.subarray(0, read));
      }
      return total === stat.size ? hash.digest('hex') : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}
parentPort.postMessage(workerData.files.map(([path, isLink]) => hashFile(path, isLink)));
`;

/** A file to hash: absolute path, whether it is a link, and its size (to share the work out evenly). */
export interface HashJob {
  path: string;
  isLink: boolean;
  size: number;
}

/** Hashes files on `count` worker threads; each worker takes a share of about equal bytes. */
export async function hashOnWorkers(jobs: readonly HashJob[], count: number, signal: AbortSignal | undefined): Promise<Array<string | undefined>> {
  // Taken here, not imported: loading node:worker_threads costs every start, and only big input sets use it.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const order = jobs.map((job, index) => ({ job, index })).sort((a, b) => b.job.size - a.job.size);
  const shares: Array<{ bytes: number; items: typeof order }> = Array.from({ length: count }, () => ({ bytes: 0, items: [] }));
  for (const item of order) {
    // Largest first into the lightest share: within one file of even.
    const lightest = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.items.push(item);
    lightest.bytes += item.job.size;
  }
  const results: Array<string | undefined> = new Array<string | undefined>(jobs.length);
  await Promise.all(
    shares
      .filter((share) => share.items.length > 0)
      .map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { files: share.items.map(({ job }) => [job.path, job.isLink]) } });
            const stop = (): void => {
              void worker.terminate();
              const reason: unknown = signal?.reason;
              reject(reason instanceof Error ? reason : new Error('hashing aborted', { cause: reason }));
            };
            const done = (): void => {
              signal?.removeEventListener('abort', stop);
              worker.removeAllListeners();
            };
            signal?.addEventListener('abort', stop, { once: true });
            worker.once('message', (hashes: Array<string | null>) => {
              share.items.forEach(({ index }, at) => {
                results[index] = hashes[at] ?? undefined;
              });
              done();
              resolve();
            });
            worker.once('error', (error) => {
              done();
              reject(error);
            });
            worker.once('exit', (code) => {
              done();
              reject(new Error(`a hashing thread exited with code ${code} before it answered`));
            });
          }),
      ),
  );
  return results;
}

/**
 * The hashes of `jobs`, in order (undefined for a file that could not be read). Many files or bytes go to worker
 * threads, a few are hashed here; a worker that fails leaves its files to this thread.
 *
 * @example
 * ```ts
 * import { hashFiles } from './hash.js';
 * const [hash] = await hashFiles([{ path: '/repo/package.json', isLink: false, size: 512 }]);
 * ```
 */
export async function hashFiles(jobs: readonly HashJob[], options: { signal?: AbortSignal | undefined; threads?: number | undefined } = {}): Promise<Array<string | undefined>> {
  const bytes = jobs.reduce((sum, job) => sum + job.size, 0);
  const threads = options.threads ?? Math.min(4, availableParallelism());
  if (threads > 1 && jobs.length >= WORKER_MIN_FILES && bytes >= WORKER_MIN_BYTES) {
    try {
      return await hashOnWorkers(jobs, Math.min(threads, Math.ceil(jobs.length / 64)), options.signal);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      // no worker threads here (or one died): hash in this thread
    }
  }
  const buffer = Buffer.allocUnsafe(CHUNK);
  return jobs.map((job) => hashFile(job.path, job.isLink, buffer));
}
