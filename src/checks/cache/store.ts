// The store of passed check results, under the log folder: one file per key, written to a new file of a random name
// and renamed into place (a reader sees a whole entry or none), verified when read (its own checksum, its key, its
// owner, no link on the way): a torn, planted or foreign entry is a miss, never a pass. Bounded: past its size, the
// entries used least recently go first.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirSync } from '../../common/make-dir.js';
import { ownedByUser, privateFolderProblem, readOwnJsonSync, removeOwnFolder, replaceFileSync } from '../../common/safe-file.js';
import { CACHE_FORMAT } from './key.js';

/** The cache's folder inside the log folder (run folders are pruned by their names; this one never is). */
export const CACHE_DIR = 'cache';
/** The default bound of the store's entries, in bytes. */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024;
/** An entry larger than this is not one fanout wrote (20 lines of output and a few values): not read. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
/** A temporary file older than this was left by a writer that died (kill -9): removed when the store is trimmed. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;

const KEY = /^[0-9a-f]{64}$/;
const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
const TEMPORARY_NAME = /^[0-9a-f]{64}\.json\.[0-9a-f]{16}\.tmp$/;

/** A stored result: what a hit replays. */
export interface CacheEntry {
  id: string;
  status: 'passed' | 'warned';
  exitCode: number | null;
  durationMs: number;
  attempts: number;
  extracted: Record<string, string>;
  outputTail: string[];
  outputBytes: number;
  /** Epoch milliseconds when the result was recorded (when the check that produced it ended). */
  storedAt: number;
  /** Why a warned check did not pass (its severity is warning). */
  failure?: { code: string; message: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringRecord = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every((v) => typeof v === 'string');

/** The checksum of an entry's fields, as stored beside them. */
function checksum(key: string, entry: CacheEntry): string {
  return createHash('sha256').update(JSON.stringify([CACHE_FORMAT, key, entry])).digest('hex');
}

/** The entry's fields when they have the shape fanout writes, else undefined (what a shared entry is checked with too). */
export function parseCacheEntry(value: unknown): CacheEntry | undefined {
  if (!isObject(value)) return undefined;
  const { id, status, exitCode, durationMs, attempts, extracted, outputTail, outputBytes, storedAt, failure } = value;
  if (typeof id !== 'string' || (status !== 'passed' && status !== 'warned')) return undefined;
  if (exitCode !== null && typeof exitCode !== 'number') return undefined;
  if (![durationMs, attempts, outputBytes, storedAt].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return undefined;
  if (!isStringRecord(extracted) || !Array.isArray(outputTail) || !outputTail.every((line) => typeof line === 'string')) return undefined;
  if (failure !== undefined && !(isObject(failure) && typeof failure.code === 'string' && typeof failure.message === 'string')) return undefined;
  return {
    ...(failure === undefined ? {} : { failure: failure as { code: string; message: string } }),
    id,
    status,
    exitCode: exitCode,
    durationMs: durationMs as number,
    attempts: attempts as number,
    extracted,
    outputTail: outputTail,
    outputBytes: outputBytes as number,
    storedAt: storedAt as number,
  };
}

/** What `fanout cache info` tells. */
export interface CacheInfo {
  folder: string;
  entries: number;
  bytes: number;
  /** Epoch milliseconds of the entry used least and most recently; null without entries. */
  oldest: number | null;
  newest: number | null;
}

/** The store of one log folder. */
export class CacheStore {
  readonly folder: string;
  private readonly entries: string;
  /** The first write that failed (a full disk, a quota), and how many did: the run goes on without storing them. */
  private failed: { error: unknown; count: number } | undefined;

  constructor(logDir: string) {
    this.folder = join(logDir, CACHE_DIR);
    this.entries = join(this.folder, 'entries');
  }

  /**
   * Why the store's folder may not be used, or undefined when it may: a real folder of this user that neither its
   * group nor others may write to (whoever can write there decides which checks pass). Made, mode 0700, when
   * `create` and missing.
   */
  problem(create: boolean): string | undefined {
    for (const folder of [this.folder, this.entries]) {
      let exists = true;
      try {
        lstatSync(folder);
      } catch {
        exists = false;
      }
      if (!exists) {
        if (!create) return 'it does not exist';
        try {
          if (folder === this.folder) makeDirSync(join(this.folder, '..'), 0o700);
          mkdirSync(folder, { mode: 0o700 });
        } catch {
          // made meanwhile (checked below), or the log folder is not writable
        }
      }
      const problem = privateFolderProblem(folder);
      if (problem !== undefined) return `${folder}: ${problem}`;
    }
    return undefined;
  }

  private file(key: string): string {
    if (!KEY.test(key)) throw new TypeError(`key: expected 64 hex digits, got ${JSON.stringify(key)}`);
    return join(this.entries, `${key}.json`);
  }

  /** The entry stored under `key`, or undefined: none, or one that is torn, malformed, foreign, or for another key. */
  read(key: string, now = Date.now()): CacheEntry | undefined {
    const file = this.file(key);
    const data = readOwnJsonSync(file, MAX_ENTRY_BYTES);
    if (!isObject(data) || data.format !== CACHE_FORMAT || data.key !== key) return undefined;
    const entry = parseCacheEntry(data.entry);
    if (entry === undefined || data.sum !== checksum(key, entry)) return undefined;
    try {
      // Used now: the last to go when the store is trimmed.
      const seconds = now / 1000;
      utimesSync(file, seconds, seconds);
    } catch {
      // removed meanwhile: the entry read is whole all the same
    }
    return entry;
  }

  /** Stores `entry` under `key` (replacing any). False when it could not be written (a full disk...). */
  write(key: string, entry: CacheEntry): boolean {
    // The fields in the order a read rebuilds them, so the checksum is over the same text both ways.
    const canonical = parseCacheEntry(JSON.parse(JSON.stringify(entry)));
    if (canonical === undefined) return false;
    const data = { format: CACHE_FORMAT, key, sum: checksum(key, canonical), entry: canonical };
    try {
      replaceFileSync(this.file(key), JSON.stringify(data));
      return true;
    } catch (error) {
      if (this.failed === undefined) this.failed = { error, count: 1 };
      else this.failed.count++;
      return false;
    }
  }

  /** The first write that failed since the store was opened (a full disk...), and how many failed; undefined: none. */
  writeFailure(): { error: unknown; count: number } | undefined {
    return this.failed === undefined ? undefined : { ...this.failed };
  }

  /** The entries' files with their sizes and last use, and temporary files left behind. */
  private scan(): { entries: Array<{ path: string; bytes: number; used: number }>; temporaries: Array<{ path: string; used: number }> } {
    const entries: Array<{ path: string; bytes: number; used: number }> = [];
    const temporaries: Array<{ path: string; used: number }> = [];
    let names: string[];
    try {
      names = readdirSync(this.entries);
    } catch {
      return { entries, temporaries };
    }
    for (const name of names) {
      const entry = ENTRY_NAME.test(name);
      if (!entry && !TEMPORARY_NAME.test(name)) continue;
      const path = join(this.entries, name);
      try {
        const stat = lstatSync(path);
        if (!stat.isFile() || !ownedByUser(stat)) continue;
        if (entry) entries.push({ path, bytes: stat.size, used: stat.mtimeMs });
        else temporaries.push({ path, used: stat.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    return { entries, temporaries };
  }

  /**
   * Removes the entries used least recently until the store holds at most `maxBytes` (then a tenth less, so a run
   * adding a few entries does not trim again), and temporary files a dead writer left. Returns how many went.
   */
  trim(maxBytes: number, now = Date.now()): number {
    const { entries, temporaries } = this.scan();
    let removed = 0;
    const remove = (path: string): void => {
      try {
        unlinkSync(path);
        removed++;
      } catch {
        // removed meanwhile by another run
      }
    };
    for (const temporary of temporaries) if (now - temporary.used > STALE_TEMPORARY_MS) remove(temporary.path);
    let bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    if (bytes <= maxBytes) return removed;
    const target = Math.floor(maxBytes * 0.9);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (bytes <= target) break;
      remove(entry.path);
      bytes -= entry.bytes;
    }
    return removed;
  }

  /** How many entries the store holds, their bytes, and when the oldest and newest were used. */
  info(): CacheInfo {
    const { entries } = this.scan();
    const used = entries.map((entry) => entry.used);
    return {
      folder: this.folder,
      entries: entries.length,
      bytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
      // Folded, not spread: a store of many entries would pass more arguments than a call takes.
      oldest: used.length === 0 ? null : used.reduce((a, b) => Math.min(a, b)),
      newest: used.length === 0 ? null : used.reduce((a, b) => Math.max(a, b)),
    };
  }

  /**
   * Deletes the store: its folder and everything in it, never following a link (a folder that is a link, or someone
   * else's, is refused with an error). Returns false when there was nothing to delete.
   */
  clean(): boolean {
    try {
      lstatSync(this.folder);
    } catch {
      return false;
    }
    removeOwnFolder(this.folder);
    return true;
  }
}

/**
 * What the cache of passed checks of a log folder holds: its entries, their bytes, and when the least and most
 * recently used were last used.
 *
 * @example
 * ```ts
 * import { cacheInfo } from 'fanout/checks';
 * const { entries, bytes } = cacheInfo('.fanout/runs');
 * ```
 */
export function cacheInfo(logDir: string): CacheInfo {
  return new CacheStore(logDir).info();
}

/**
 * Deletes the cache of passed checks of a log folder (entries and stat cache): every cacheable check runs on the
 * next run. Never follows a link; a cache folder that is a link or someone else's is refused with an error. Returns
 * false when there was no cache.
 *
 * @example
 * ```ts
 * import { cleanCache } from 'fanout/checks';
 * cleanCache('.fanout/runs'); // true
 * ```
 */
export function cleanCache(logDir: string): boolean {
  return new CacheStore(logDir).clean();
}
