// The input files of cacheable checks: the config folder's files listed once per run (git's view of them when it is
// a repository: tracked files and untracked ones that are not ignored; else a walk), matched against each check's
// `inputs`, and their contents hashed — through a stat cache, as git's index does, so a file whose size, times, inode
// and mode are unchanged since it was last hashed is not read again.
import { execFile } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { constants, fstatSync, lstatSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { globRegExp } from '../../common/glob.js';
import { FanoutError } from '../../common/errors.js';
import { followSignal } from '../../common/signals.js';
import { O_NOFOLLOW, O_NONBLOCK, ownedByUser, replaceFileSync } from '../../common/safe-file.js';
import { buildIdentity, CACHE_FORMAT, type InputDigest } from './key.js';
import { HASH_CHUNK, hashFiles, hashOpened, type HashJob } from './hash.js';
import { fromLatin1, ListingIndex } from './listing.js';

/**
 * A check's input whose name is not valid UTF-8: decoded, the name no longer names the file (each bad byte became
 * U+FFFD), so its content cannot be looked at. The check runs without the cache rather than count it absent.
 */
export class InputNameError extends FanoutError {
  declare readonly code: 'ERR_INPUT_NAME';
  /** The name as decoded (U+FFFD for each byte that is not UTF-8), relative to the config's folder. */
  readonly path: string;

  constructor(path: string) {
    super('ERR_INPUT_NAME', `the input file name ${JSON.stringify(path)} is not valid UTF-8: its content cannot be read by that name`);
    this.path = path;
  }
}

/**
 * A check's input that git's listing names but does not tell the content of: an untracked repository inside the
 * folder (git lists the folder, not its files), or a submodule whose checkout is not the commit the index records. The
 * check runs without the cache rather than count it absent.
 */
export class OpaqueInputError extends FanoutError {
  declare readonly code: 'ERR_OPAQUE_INPUT';
  /** The folder, relative to the config's folder. */
  readonly path: string;

  constructor(path: string, why: string) {
    super('ERR_OPAQUE_INPUT', `the inputs hold ${JSON.stringify(path)}, ${why}: its content is not known`);
    this.path = path;
  }
}

/**
 * The files of a check's folders could not be listed again after a command of the run started (git failed, a folder
 * cannot be read): whether the command created an input is not known. The check runs without the cache.
 */
export class InputListingError extends FanoutError {
  declare readonly code: 'ERR_INPUT_LISTING';

  constructor(why: string, options?: { cause?: unknown }) {
    super('ERR_INPUT_LISTING', `the input files could not be listed again after a command of the run started (${why}): files it created are not known`, options);
  }
}

/** A file's identity as the stat cache compares it. */
interface FileState {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  mode: number;
}

interface StatEntry extends FileState {
  hash: string;
  /**
   * When this run hashed it (epoch ms; none for an entry of an earlier run, which was not racy when written). A file
   * changed within the racy margin before may change again without its state moving: hashed again when asked.
   */
  hashedAt?: number;
}

/** Beyond this many folders to look at, {@link InputTree.created} lists the files again rather than look at each. */
const MAX_WATCHED_FOLDERS = 4096;

/** Hashing ahead runs in slices of this many milliseconds, so that the run's events keep flowing meanwhile. */
const AHEAD_SLICE_MS = 4;
/**
 * Hashing ahead reads a file whole between two of the run's events: a larger one is left to its snapshot (hashed on a
 * worker thread with others, or alone without stalling the events for long).
 */
export const AHEAD_MAX_BYTES = 1024 * 1024;

/** The input files of one check at one moment: their digests (for the key) and states (to notice a change). */
export interface InputSnapshot {
  digests: InputDigest[];
  /** Absolute path → state when hashed. */
  states: Map<string, FileState>;
  /** Absolute paths whose content git vouched for unchanged: their states are taken only if the check runs. */
  vouched: string[];
  /** When git was asked (epoch ms): a vouched file changed since then may not be what git saw. */
  listedAt: number;
  /** Taken before a command of the run started: no file git vouched for can have changed by the run's doing. */
  quiet: boolean;
}

/**
 * What a check's inputs came to in an earlier run whose git listing was the same text where it lists the check's
 * folders (see {@link InputTree.fingerprint}): their digest (as keys hold it), and the state of each matched file git
 * did not vouch for (untracked, modified, deleted: null when it was not there). With the same records the files git
 * vouches for are the same blobs; these others are checked by their states, as the stat cache checks a file.
 */
interface Remembered {
  digest: string;
  files: Array<[path: string, state: FileState | null]>;
  /** The matched files git vouched for: each must not have changed since this run's listing was taken. */
  vouched: string[];
}

/**
 * Whether a file git vouched for may have changed since git was asked at `listedAt`: its times are not clearly older
 * (a coarse file system's whole seconds get a wider margin). Its content may then not be the blob git named.
 */
function changedSinceListing(stat: Stats, listedAt: number): boolean {
  const coarse = stat.mtimeMs % 1000 === 0 && stat.ctimeMs % 1000 === 0;
  const since = listedAt - (coarse ? RACY_MS : FINE_RACY_MS);
  return stat.mtimeMs >= since || stat.ctimeMs >= since;
}

/**
 * Whether a file that is there changed since `from` (within the file system's time resolution): false when it is not
 * there (or a name above it is a file), true when it cannot be looked at.
 */
function lstatMoved(absolute: string, from: number): boolean {
  let stat: Stats | undefined;
  try {
    stat = lstatSync(absolute, { throwIfNoEntry: false });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
  return stat !== undefined && changedSinceListing(stat, from);
}

/**
 * Whether a file that is not there now may have been there at `from`: the nearest folder above it that is there moved
 * since (an entry removed or renamed there moves it: the file's own, or a folder's between). One reached through a
 * link is looked at on both sides of it (an entry removed in the target moves the target, not the link). True when a
 * folder above cannot be looked at.
 */
function goneSince(absolute: string, from: number): boolean {
  for (let folder = dirname(absolute), below = absolute; folder !== below; below = folder, folder = dirname(folder)) {
    let stat: Stats | undefined;
    try {
      stat = lstatSync(folder, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      return true;
    }
    if (stat === undefined) continue;
    if (changedSinceListing(stat, from)) return true;
    if (stat.isSymbolicLink()) {
      try {
        return changedSinceListing(statSync(folder), from);
      } catch {
        return true;
      }
    }
    // Unmoved (a file where a folder was included: had it replaced that folder since, it would be new): nothing was
    // removed there, so the file was not there at `from` either.
    return false;
  }
  return true;
}

/**
 * Whether the rule file `absolute` may have changed since `from`: it changed (within the file system's time
 * resolution), or a link, the file it leads to now did, or it is not there and may have been then (see
 * {@link goneSince}), or it cannot be looked at.
 *
 * @param seen which file it was last seen to be, updated here when it is another now, and `clock` to tell when that
 * was seen (see `Seen`); undefined for a file whose identity is not followed (a `.gitignore` in the config's folders).
 */
function ruleFileMoved(absolute: string, from: number, seen?: { file: Seen; clock: () => number }): boolean {
  let stat: Stats | undefined;
  try {
    stat = lstatSync(absolute, { throwIfNoEntry: false });
  } catch (error) {
    // A name above it that is a file: counted as not there.
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') return true;
  }
  if (seen !== undefined) {
    const identity = identityOf(absolute, stat);
    if (identity !== seen.file.identity) {
      // Another file since it was last seen: at the latest now.
      seen.file.identity = identity;
      seen.file.switchedAt = seen.clock();
    }
    if (seen.file.switchedAt >= from) return true;
  }
  // The file a link leads to now, by its own times: where links lead is worked out when git is asked, and a link
  // switched since leads to a file that file's own watch does not cover (edited in place, it moves no link).
  if (stat?.isSymbolicLink() === true) {
    try {
      const target = statSync(absolute, { throwIfNoEntry: false });
      if (target !== undefined && changedSinceListing(target, from)) return true;
    } catch {
      return true;
    }
  }
  return stat === undefined ? goneSince(absolute, from) : changedSinceListing(stat, from);
}

/**
 * Which file a rule file was last seen to be (see `identityOf`), and the clock read once it was first seen to be
 * another (-Infinity: never): it may have become that one at any time before, so it counts as moved since any earlier
 * time.
 */
interface Seen {
  identity: string | null;
  switchedAt: number;
}

/**
 * Which file git opens at `absolute` (through links, a last one too): its device and inode, or null when there is
 * none. `stat` is its lstat, when made. Another file there, with times of its own that may be old, is another rule:
 * a link put where a folder on the way was, a folder where a link was, a target made for a link that led nowhere.
 */
function identityOf(absolute: string, stat: Stats | undefined = lstatQuiet(absolute)): string | null {
  try {
    const file = stat?.isSymbolicLink() === true ? statSync(absolute, { throwIfNoEntry: false }) : stat;
    return file === undefined ? null : `${file.dev}:${file.ino}`;
  } catch {
    return null;
  }
}

/** Whether nothing is at `absolute` (a name above it that is a file included); false when it cannot be looked at. */
function absentNow(absolute: string): boolean {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false }) === undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
}

/** The stat of `absolute` (through links), undefined when it is not there or cannot be looked at. */
function statQuiet(absolute: string): Stats | undefined {
  try {
    return statSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The lstat of `absolute`, undefined when it is not there or cannot be looked at. */
function lstatQuiet(absolute: string): Stats | undefined {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Which folder (or link, or file) a folder on the way to a check's folders is, as {@link InputTree.wayMoved} compares
 * them, and since when it is another (see `Seen`), with its change and modification times when last looked at: a
 * folder renamed away and back keeps its inode, but the renames moved its change time and not its modification time
 * (a write in it moves both; see `renamedSince`).
 */
interface WaySeen extends Seen {
  ctimeMs: number;
  mtimeMs: number;
}

/**
 * Whether a folder looked at with `then`'s times was renamed (or its mode or owner changed) since: its change time
 * moved, and its modification time did not or is older than the change time. An entry added, removed or renamed in
 * it sets both to the same time; a rename after such a write moves the change time past it; a modification time
 * ahead of the clock (an archive, a clock ahead) stays where it was through a rename.
 */
const renamedSince = (stat: Stats | undefined, then: { ctimeMs: number; mtimeMs: number }): boolean =>
  stat !== undefined && stat.ctimeMs !== then.ctimeMs && (stat.mtimeMs === then.mtimeMs || stat.ctimeMs > stat.mtimeMs);

/**
 * Which file `stat` (of `absolute`) is: device, inode and type (an inode number freed by a deletion is often given at
 * once to what is made in its place: a link where a folder was), and where a link leads. Null when there is none. A
 * folder made anew in a folder's place may get its inode number too: whatever is put below it then is new or renamed
 * there, and moves the times of the folders below, which the look compares. Not the birth time: without statx (an old
 * kernel, a container that forbids it) Node reports the change time for it, which every write moves.
 */
function wayIdentity(absolute: string, stat: Stats | undefined): string | null {
  if (stat === undefined) return null;
  const kind = stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f';
  let identity = `${stat.dev}:${stat.ino}:${kind}`;
  if (kind === 'l') {
    try {
      identity += `:${readlinkSync(absolute)}`;
    } catch {
      identity += ':?';
    }
  }
  return identity;
}

/**
 * The folders on the way to `top` (a glob list's folder, `/`-terminated) whose swap `top`'s own times do not tell: the
 * config's folder always (it is another when a folder above it was swapped), then each one above `top` — `top` renamed
 * into place moves its own times (a rename does), which the look below it compares.
 */
function wayTo(top: string): string[] {
  const way = [''];
  for (let at = top.indexOf('/'); at >= 0 && at < top.length - 1; at = top.indexOf('/', at + 1)) way.push(top.slice(0, at + 1));
  return way;
}

/** Which folder each folder on the way to a check's folders was when its key was taken ({@link InputTree.wayState}). */
export type WayState = ReadonlyMap<string, { readonly identity: string | null; readonly ctimeMs: number; readonly mtimeMs: number }>;

/**
 * git's rule files as asked ({@link InputTree.ruleFiles}), with the clock read before git was asked.
 */
interface RuleFiles {
  /**
   * The paths whose own times are looked at (not followed past the last name): the rule files, the files they lead to
   * through links, and each link on the way to a rule file (switched, it is a new link).
   */
  files: readonly string[];
  /** Those of {@link RuleFiles.files} that are, or lead to, git's configuration: one that moved may name other rule files. */
  configs: readonly string[];
  at: number;
}

/** The links on the way to `absolute`, itself included: each folder above it (and it) that is a symbolic link. */
function linksTo(absolute: string): string[] {
  const links: string[] = [];
  for (let path = absolute, parent = dirname(path); ; path = parent, parent = dirname(path)) {
    try {
      if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true) links.push(path);
    } catch {
      // Below a file, or not to be looked at: which file it is is compared as well (see `identityOf`).
    }
    if (parent === path) return links;
  }
}

/**
 * A path a configuration value names, as git reads it (`--path`): `~/` is the user's home; a relative path is below
 * `base` (undefined: none). Undefined when it cannot be told here (another user's `~name/`, git's `%(prefix)/`).
 */
function configPath(value: string, base: string | undefined): string | undefined {
  const home = process.env.HOME;
  if (value === '~' || value.startsWith('~/')) return home === undefined || home === '' ? undefined : join(home, value.slice(1));
  if (value.startsWith('~') || value.startsWith('%(prefix)/')) return undefined;
  if (isAbsolute(value)) return value;
  return base === undefined ? undefined : resolve(base, value);
}

/**
 * What `git config -z --show-origin --list` (run at the repository's `top`) says of the rule files: `read`, each file
 * git read its configuration from, those it included among them; `included`, every file an `include.path` or
 * `includeIf.*.path` names, whether its condition holds or not (it may come to hold, and a file that is empty or not
 * there yet is not among those read); `excludes`, the excludes file the configuration names (absolute, `''` none,
 * undefined when it names none); `onBranch`, whether an include depends on the branch checked out. Undefined when a
 * path cannot be told as git tells it (the rules are then unknown).
 */
function configRules(text: string, top: string): { read: string[]; included: string[]; excludes: string | undefined; onBranch: boolean } | undefined {
  const read = new Set<string>();
  const included: string[] = [];
  let excludes: string | undefined;
  let onBranch = false;
  const fields = text.split('\0');
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const origin = fields[at] as string;
    const entry = fields[at + 1] as string;
    const newline = entry.indexOf('\n');
    const key = newline < 0 ? entry : entry.slice(0, newline);
    const value = newline < 0 ? undefined : entry.slice(newline + 1);
    // git names a file it read relative to the top it works from, or absolute.
    const file = origin.startsWith('file:') ? resolve(top, origin.slice('file:'.length)) : undefined;
    if (file !== undefined) read.add(file);
    if (key === 'core.excludesfile') {
      if (value === undefined) return undefined;
      const path = value === '' ? '' : configPath(value, top);
      if (path === undefined) return undefined;
      excludes = path;
    } else if (key === 'include.path' || (key.startsWith('includeif.') && key.endsWith('.path'))) {
      if (key.startsWith('includeif.onbranch:')) onBranch = true;
      if (value === undefined || value === '') continue;
      const path = configPath(value, file === undefined ? undefined : dirname(file));
      if (path === undefined) return undefined;
      included.push(path);
    }
  }
  return { read: [...read], included, excludes, onBranch };
}

/**
 * Whether a rule file of `rules` (its configuration files alone, with `configsOnly`) may have changed since `from` (by
 * `clock`): it moved (see {@link ruleFileMoved}), or a link on the way to it did, or it became another file than
 * `seen` says since then.
 */
function rulesMoved(rules: RuleFiles, seen: ReadonlyMap<string, Seen>, clock: () => number, from: number, configsOnly: boolean): boolean {
  for (const path of configsOnly ? rules.configs : rules.files) {
    const file = seen.get(path);
    if (ruleFileMoved(path, from, file === undefined ? undefined : { file, clock })) return true;
  }
  return false;
}

/**
 * The rule files' ask beside the listing ({@link InputTree.start}), while commands of the run wait for it (see
 * {@link InputTree.rulesTaken}): settled once it answered, failed or was stopped.
 */
interface Baseline {
  settled: boolean;
  /** Resolves once settled: what a wait without a signal is. */
  done: Promise<void>;
  resolve: () => void;
  /** The waits under each signal, with the one listener each signal holds for them all (removed once settled). */
  waiting: Map<AbortSignal, { onAbort: () => void; waits: Array<{ resolve: () => void; reject: (reason: unknown) => void }> }>;
}

/** A snapshot but the hashes of its files to read (`jobs`), and where each goes (`pending`). */
interface Collected {
  snapshot: InputSnapshot;
  jobs: HashJob[];
  pending: Array<{ path: string; state: FileState; digest: InputDigest }>;
}

/** What git's index says of a tracked file that is unchanged in the working tree. */
interface Vouched {
  blob: string;
  mode: number;
}

const sameState = (a: FileState, b: FileState): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.mode === b.mode;

const stateOf = (stat: Stats): FileState => ({ size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, mode: stat.mode });

/**
 * git settings for a listing whose clean files are taken for their blobs (see InputTree.start). `core.fsmonitor=false`:
 * with a file system monitor git takes an entry the monitor does not name for unchanged without looking at the file,
 * and a monitor that missed an event (a hook that lost its watch, a watcher's queue that overflowed) would vouch for a
 * changed file; git then compares each file's stat data with its index, as in a repository without one.
 */
const GIT_COMPARES_ALL = ['-c', 'core.trustctime=true', '-c', 'core.checkStat=default', '-c', 'core.filemode=true', '-c', 'core.symlinks=true', '-c', 'core.fsmonitor=false'];

/**
 * A file changed less than this before its state was recorded may change again within the file system's time
 * resolution without its times moving: it is hashed again on the next run rather than trusted (git's "racy" files).
 */
const RACY_MS = 2000;
/** The same margin where times have sub-second resolution (the clock read may lag the file system's a little). */
const FINE_RACY_MS = 50;

/**
 * Whether a file in `state` changed too recently before `now` for its state to vouch for its content: within the file
 * system's time resolution a later write may leave size and times as they were (git's racily clean entries).
 */
function racy(state: FileState, now: number): boolean {
  const margin = state.mtimeMs % 1000 === 0 && state.ctimeMs % 1000 === 0 ? RACY_MS : FINE_RACY_MS;
  return now - state.mtimeMs < margin || now - state.ctimeMs < margin;
}

/**
 * Whether a stat cache entry holds the content of a file now in `state`. One this run made of a file changed within
 * the racy margin before it was hashed does not: a write in the same instant may have left the state as it was.
 */
function holds(known: StatEntry | undefined, state: FileState): known is StatEntry {
  return known !== undefined && sameState(known, state) && !racyHash(known);
}

/** Whether this run hashed a file changed within the racy margin before (see {@link StatEntry.hashedAt}). */
const racyHash = (entry: StatEntry): boolean => entry.hashedAt !== undefined && racy(entry, entry.hashedAt);
const isRacyHash = (entry: StatEntry | undefined): boolean => entry !== undefined && racyHash(entry);

/**
 * The environment git runs with: fanout's, but `GIT_CONFIG`, which makes `git config` read that file alone and no
 * other git command (git ls-files reads the usual files): without it, git config reads what git ls-files does. The
 * other variables that choose configuration files (`GIT_CONFIG_GLOBAL`, `GIT_CONFIG_SYSTEM`, `GIT_CONFIG_NOSYSTEM`,
 * `GIT_CONFIG_COUNT`, `GIT_CONFIG_PARAMETERS`) rule over every git command alike. Empty (fanout's own) when unset.
 */
function gitEnv(): { env?: NodeJS.ProcessEnv } {
  if (process.env.GIT_CONFIG === undefined) return {};
  const env = { ...process.env };
  delete env.GIT_CONFIG;
  return { env };
}

/**
 * Runs git and resolves its stdout (bytes), or its stderr when it fails (no git, not a repository...). Aborting
 * `signal` kills it (through its own child handle, so never another process that took its pid) and resolves as a
 * failure: a run stopped while a look waits for git leaves no git behind.
 */
function git(args: readonly string[], cwd: string, signal?: AbortSignal): Promise<{ stdout: Buffer } | { stderr: string }> {
  return new Promise((done) => {
    // GIT_CONFIG makes `git config` read that file alone, and no other git command: without it, git config reads the
    // files git ls-files does.
    const options = { cwd, encoding: 'buffer' as const, maxBuffer: 256 * 1024 * 1024, ...gitEnv(), ...(signal !== undefined ? { signal } : {}) };
    execFile('git', [...args], options, (error, stdout, stderr) => done(error === null ? { stdout } : { stderr: error.name === 'AbortError' ? 'stopped' : String(stderr) }));
  });
}

/**
 * How deep below its folder each of `globs` selects files: `src/*.ts` in `src/` alone (0), `src/*\/*.ts` in the
 * folders of `src/` too (1); Infinity for a glob with `**`, one that matches a name at any depth (`*.ts`), or one whose
 * depth is not plain from its text (braces, brackets). A folder deeper than that holds no input, and one made there
 * moves a folder within reach.
 */
function reachOf(globs: readonly string[]): Array<{ prefix: string; depth: number }> {
  const reach: Array<{ prefix: string; depth: number }> = [];
  for (const glob of globs) {
    if (glob.startsWith('!')) continue;
    const { prefix, whole } = compile(glob);
    const text = glob.replace(/^(?:\.\/)+/, '').replace(/^\//, '');
    const anchored = text.replace(/\/+$/, '').includes('/') || glob.startsWith('/');
    const rest = text.slice(prefix.length);
    const plain = anchored && !whole && !rest.endsWith('/') && !/\*\*|[{}[\]\\]/.test(rest);
    reach.push({ prefix, depth: plain ? rest.split('/').length - 1 : Infinity });
  }
  return reach;
}

/** How many folders `folder` is below `prefix` (which it starts with). */
const depthBelow = (folder: string, prefix: string): number => {
  let depth = 0;
  for (let at = folder.indexOf('/', prefix.length); at >= 0; at = folder.indexOf('/', at + 1)) depth++;
  return depth;
};

/**
 * Whether a subfolder in `folder` may hold an input of the globs `reach` tells of (or lead to their folder): then
 * `folder`'s subfolders are looked at, else its own times alone tell of a change in it.
 */
const leadsDeeper = (reach: ReadonlyArray<{ prefix: string; depth: number }>, folder: string): boolean =>
  reach.some(({ prefix, depth }) => (folder.startsWith(prefix) ? depthBelow(folder, prefix) < depth : prefix.startsWith(folder)));

/** Whether `folder` may hold an input of the globs `reach` tells of, or lead to their folder. */
const reached = (reach: ReadonlyArray<{ prefix: string; depth: number }>, folder: string): boolean =>
  reach.some(({ prefix, depth }) => (folder.startsWith(prefix) ? depthBelow(folder, prefix) <= depth : prefix.startsWith(folder)));

const toPosix = (path: string): string => (sep === '/' ? path : path.split(sep).join('/'));

const HEX = /^[0-9a-f]+$/;

/** Whether `list` is in the order `Array.prototype.sort` gives. */
function isSorted(list: readonly string[]): boolean {
  for (let at = 1; at < list.length; at++) if ((list[at - 1] as string) > (list[at] as string)) return false;
  return true;
}

/** The matcher of a list of `inputs` globs: a path counts when a glob matches it and no `!` glob does. */
export function inputMatcher(globs: readonly string[]): (path: string) => boolean {
  const include = globs.filter((glob) => !glob.startsWith('!')).map(compile);
  const exclude = globs.filter((glob) => glob.startsWith('!')).map((glob) => compile(glob.slice(1)));
  const test = (path: string) => (g: { prefix: string; re: RegExp; whole: boolean }) => path.startsWith(g.prefix) && matchesRest(g, path);
  return (path) => include.some(test(path)) && !exclude.some(test(path));
}

/** The index of the first of the sorted `list` that is not below `text` (the list's length when none). */
function firstAtOrAfter(list: readonly string[], text: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] as string) < text) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A glob's regular expression, and the folder every path it matches starts with (`src/` for `src/**\/*.ts`): most
 * paths of a tree fail that string test, far cheaper than the expression. `whole`: the glob is its folder and `**`
 * (`src/**`, `src/`): every path below the folder matches it (a name holding a line feed too), and the expression
 * need not run.
 */
function compile(glob: string): { prefix: string; re: RegExp; whole: boolean } {
  const { text, prefix } = prefixOf(glob);
  const whole = prefix !== '' && (text === `${prefix}**` || text === prefix);
  return { prefix, re: globRegExp(glob), whole };
}

/** The folder every file `glob` may select is below (see {@link compile}), without compiling it, and its text. */
function prefixOf(glob: string): { text: string; prefix: string } {
  const text = glob.replace(/^(?:\.\/)+/, '').replace(/^\//, '');
  const literal = /^[^*?[\]{}\\]*/.exec(text)?.[0] ?? '';
  // A glob without a `/` (other than a trailing one) matches a name at any depth: no prefix then.
  const anchored = text.replace(/\/+$/, '').includes('/') || glob.startsWith('/');
  return { text, prefix: anchored ? literal.slice(0, literal.lastIndexOf('/') + 1) : '' };
}

/** Whether a path starting with the glob's prefix matches it. */
const matchesRest = (g: { re: RegExp; whole: boolean }, path: string): boolean => g.whole || g.re.test(path);

/**
 * The index file of the git repository `dir` is in, found without running git: the first `.git` from `dir` up, a
 * folder (its `index`) or a linked worktree's or submodule's `gitdir:` file. Undefined when there is none or it cannot
 * be read; only a wait depends on it (see `pastRecentMoves`), never what is stored.
 */
function gitIndexOf(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const dotGit = join(at, '.git');
    try {
      const stat = lstatSync(dotGit, { throwIfNoEntry: false });
      if (stat?.isDirectory() === true) return join(dotGit, 'index');
      if (stat?.isFile() === true) return gitdirIndex(at, dotGit);
    } catch {
      return undefined;
    }
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The index named by the `gitdir:` line of the `.git` file `dotGit` in `at` (a linked worktree's, a submodule's). Opened
 * without following a link and without blocking, and read only when it is a regular file of a few hundred bytes: a
 * `.git` swapped for a FIFO or a large file after it was looked at is not read.
 */
function gitdirIndex(at: string, dotGit: string): string | undefined {
  const fd = openSync(dotGit, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 4096) return undefined;
    // Read into a buffer of that size: a file that grew since is not read whole.
    const buffer = Buffer.alloc(4096);
    const line = /^gitdir: (.+)$/m.exec(buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0)))?.[1];
    return line === undefined ? undefined : join(resolve(at, line.trim()), 'index');
  } finally {
    closeSync(fd);
  }
}

/**
 * The files of a config's folder that inputs may name, and the stat cache of their hashes. One per run and folder:
 * it lists the folder once, however many checks match against it.
 */
export class InputTree {
  /**
   * git's listing (undefined: not a repository, or no git), asked once; undefined again once a signal stopped it (see
   * {@link InputTree.start}): a stopped listing is neither a listing nor "no git", and is not kept.
   */
  private output: Promise<Buffer | undefined> | undefined;
  /**
   * git's listing once it answered; {@link InputTree.answered}: whether it has (undefined then means no git). A listing
   * stopped before it answered leaves both as they were: nothing reads it as the folder to walk.
   */
  private raw: Buffer | undefined;
  private answered = false;
  /** Where the listing's records are (built when first needed); null when it is not in the order ranges rely on. */
  private index: ListingIndex | null | undefined;
  /** The SHA-1 of this build's name and the whole listing (made when first needed). */
  private outputHash: string | undefined;
  /** {@link InputTree.fingerprint} by glob list (as JSON). */
  private readonly fingerprints = new Map<string, string | undefined>();
  /** Inputs remembered by glob list (as JSON), with the fingerprint they are valid for. */
  private remembered = new Map<string, Remembered & { globs: readonly string[]; listing: string; whole: string }>();
  /** Every candidate file, once listed whole. */
  private names: string[] | undefined;
  /** The candidate files below a folder, by folder, from its records alone. */
  private readonly below = new Map<string, string[]>();
  /** The whole listing once made: what the stat cache keeps entries for. */
  private listed: ReadonlySet<string> | undefined;
  /** Listed names that are not valid UTF-8 (as decoded): their files cannot be opened by them. */
  private readonly undecodable = new Set<string>();
  /** The glob lists (as JSON) the config's checks use, when known: remembered inputs of others are not written back. */
  private used: ReadonlySet<string> | undefined;
  /** Glob lists (as JSON) that selected no file this run: see {@link InputTree.unmatched}. */
  private readonly empty = new Set<string>();
  /**
   * Files git vouched for in the run's listing that a later listing (asked once a command of the run changed their
   * folders) no longer calls unchanged: their content may not be the blob the first listing named (a folder of other
   * files renamed into place, whose times may be older than the listing). Relative, and absolute as snapshots hold them.
   */
  private readonly revoked = new Set<string>();
  private readonly revokedAbsolute = new Set<string>();
  /**
   * What the last listing asked again called clean, `<mode> <blob>` by path (undefined before one was asked): a file
   * the run's listing vouched for keeps git's word only while it is still clean there with the same mode and blob —
   * a command may have staged another file in its place (`git add`) or untracked it (`git rm --cached`).
   */
  private relistClean: Map<string, string> | undefined;
  /** Submodules (gitlinks) of the index: a modified one is not vouched for, and its content is not known. */
  private readonly gitlinks = new Set<string>();
  /** Tracked files git reports unchanged: their content is the blob its index names. */
  private readonly vouched = new Map<string, Vouched>();
  private listedAt = 0;
  /**
   * No command of this run has started yet. Until one does, nothing this run did can have changed a file since git
   * was asked, and a change by anything else (an editor, an agent) since then is no different from one just after the
   * check was looked up: a hit replays the result for the files as git listed them. From then on a file git vouched
   * for is stat'ed against the time git was asked before it counts (a check earlier in the run may have edited it).
   */
  private quiet = true;
  /** How many commands of this run have started: inputs taken before the last one may have been edited since. */
  private started = 0;
  /** The folders below a glob list's folders that {@link InputTree.created} looks at, with their subfolders, by folder list (as JSON). */
  private readonly trees = new Map<string, Map<string, Set<string>>>();
  /**
   * Subfolders read from disk this run, by folder (their entries are known while the folder does not move): shared by
   * every glob list's tree, so that a check whose folders are below another's sees what that one's look found.
   */
  private readonly readFolders = new Map<string, readonly string[]>();
  /** The last listing again by git ({@link InputTree.created}): its files, and the clock read before git was asked. */
  private relisted: { at: number; names: string[] } | undefined;
  /** git's rule files outside the config's folder ({@link InputTree.ruleFiles}), with the clock read before git was asked. */
  private rules: Promise<RuleFiles | undefined> | undefined;
  /** Which file each rule file is, asked beside the listing: what {@link InputTree.rulesTaken} waits for. */
  private baseline: Baseline | undefined;
  /**
   * Which file each rule file (as named) was when first asked this run, and since when it is another (see `Seen`):
   * a later ask (a configuration changed) does not forget that another file took its place.
   */
  private readonly seen = new Map<string, Seen>();
  /**
   * Which folder each folder on the way to a glob list's folders is (relative, `/`-terminated, `''` for the config's
   * folder; by lstat: a link is another file than the folder it leads to), and since when it is another (see `Seen`):
   * taken beside the listing for the glob lists the config's checks use, else when first looked at.
   */
  private readonly seenFolders = new Map<string, WaySeen>();
  /**
   * The `.gitignore` files (relative) of the folders above the config's checks' folders that were not there beside the
   * listing, before any command of the run started.
   */
  private readonly absentRules = new Set<string>();
  /**
   * For each caller's signal while a git it started runs: the signal every such git is given, linked to it by one
   * listener (many looks wait for git at once: a listener each on the run's signal would pass Node's bound).
   */
  private readonly linked = new Map<AbortSignal, { controller: AbortController; unlink: () => void; users: number }>();
  /** Folders the walk could not read (left out of the listing). */
  private readonly unreadable = new Set<string>();
  private stats: Map<string, StatEntry> | undefined;
  private dirty = false;
  /** Files to hash ahead ({@link InputTree.hashAhead}), the next one's index, and the pending slice. */
  private ahead: string[] = [];
  private aheadAt = 0;
  private aheadTimer: NodeJS.Immediate | undefined;
  private aheadDone: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Files a snapshot is hashing now: not hashed ahead meanwhile. */
  private readonly claimed = new Set<string>();
  private buffer: Buffer | undefined;
  /** Relative paths of the log folder and `.git`, `/`-terminated: never inputs. */
  private readonly excluded: string[];
  /** The folder with a trailing separator: a listed path (normalised, relative) appended makes it absolute. */
  private readonly prefix: string;
  /** The config's folder and the folders between it and the log folder (absolute): see {@link InputTree.pastRecentMoves}. */
  private readonly logParents: string[];
  /** Where the stat cache is kept, once named (see the constructor's `statFile`). */
  private statPath: string | (() => string) | undefined;

  /**
   * @param dir the config's folder: globs are relative to it.
   * @param logDir the log folder (never an input).
   * @param statFile where the stat cache is kept, or a function that names it, called when the stat cache is first
   *   read (naming it may load node:crypto, which can then wait until git is listing), or undefined for none.
   * @param clock the time the listing is taken at (epoch ms), for tests.
   */
  constructor(
    readonly dir: string,
    logDir: string,
    statFile: string | (() => string) | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    this.statPath = statFile;
    const log = toPosix(relative(dir, resolve(logDir)));
    const inside = log !== '' && !log.startsWith('..');
    this.excluded = ['.git/', ...(inside ? [`${log}/`] : [])];
    this.prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
    // The config's folder and those between it and the log folder: the run made the log folder just before listing
    // when it was missing (a first run), moving them.
    this.logParents = [dir];
    if (inside) for (let at = log.indexOf('/'); at > 0; at = log.indexOf('/', at + 1)) this.logParents.push(join(dir, log.slice(0, at)));
  }

  /**
   * Waits, at most {@link FINE_RACY_MS}, until no folder of {@link InputTree.logParents} changed within that margin
   * before the clock reads. A first run makes the log folder (`.fanout/`) in the config's folder moments before it
   * lists the files: the config's folder then looks as if it moved when the first checks are keyed, and a check
   * keyed while another ran beside it would not be stored (see {@link InputTree.foldersMoved}). Past the margin, the
   * folder's times are clearly older than the listing: a later change shows. A coarse file system's whole seconds
   * are not waited for (its margin is seconds): its checks miss as before. git's index is waited for the same way: it
   * is one of the rule files a check's folders are watched by, and `git add -A && fanout check` (an agent's habit)
   * writes it moments before the listing.
   */
  private async pastRecentMoves(): Promise<void> {
    let latest = -Infinity;
    const index = gitIndexOf(this.dir);
    // The folder of the index too: a rule file not there (config.worktree) counts by it (git takes its lock there).
    for (const folder of index === undefined ? this.logParents : [...this.logParents, index, dirname(index)]) {
      let stat: Stats | undefined;
      try {
        stat = lstatSync(folder, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (stat === undefined || (stat.mtimeMs % 1000 === 0 && stat.ctimeMs % 1000 === 0)) continue;
      latest = Math.max(latest, stat.mtimeMs, stat.ctimeMs);
    }
    // A timer may fire a fraction of a millisecond early by this clock: looked at again, a few times at most. A time
    // further ahead (a file stamped in the future) is not waited for beyond the margin.
    const until = Math.min(latest + FINE_RACY_MS + 1, this.clock() + FINE_RACY_MS + 1);
    // Each timer at most the margin: a clock stepped back meanwhile (NTP at boot, a resumed VM) must not stretch it.
    for (let tries = 0, wait = until - this.clock(); wait > 0 && tries < 4; tries++, wait = until - this.clock()) {
      await new Promise((done) => setTimeout(done, Math.min(Math.ceil(wait), FINE_RACY_MS + 1)));
    }
  }

  /**
   * The absolute path of a listed file. Listed paths are normalised already (git's, or the walk's own): appended to
   * the folder, not joined — path.join normalises every one again, a few microseconds each, and a snapshot takes
   * thousands.
   */
  private absolute(path: string): string {
    return sep === '/' ? `${this.prefix}${path}` : join(this.dir, path);
  }

  /** The absolute path of a listed folder (`/`-terminated, `''` for the config's folder), without its `/`: a link is not followed. */
  private folderPath(folder: string): string {
    return folder === '' ? this.dir : this.absolute(folder.slice(0, -1));
  }

  /**
   * Starts asking git for the listing (at most once while it is not stopped): it runs while the run prepares.
   * Aborting `signal` (the run's) kills that git and rejects with the signal's reason; the listing is then not kept,
   * nor taken as "no git" (the folder is not walked for it): the next call asks git again under its own signal, at
   * once rejected when that one was aborted too (no git started). A call while the listing is asked waits for it:
   * only the signal of the call that began it stops it. Its rule files are asked beside it (see
   * {@link InputTree.ruleFiles}): it resolves without waiting for them (a hit needs them not), a command of the run
   * waits for them ({@link InputTree.rulesTaken}).
   */
  start(signal?: AbortSignal): Promise<Buffer | undefined> {
    if (this.output !== undefined) return this.output;
    const baseline = this.newBaseline();
    /** The rule files' ask, once made: a stop before it settles the baseline (nothing to wait for). */
    let rules: Promise<unknown> | undefined;
    const asked = (async () => {
      // Stopped already, or while waiting: no git is started.
      signal?.throwIfAborted();
      await this.pastRecentMoves();
      signal?.throwIfAborted();
      this.listedAt = this.clock();
      // The log folder left out by git too: a run adds files there, and the listing of the next run would differ.
      const logs = this.excluded.slice(1).map((folder) => `:(exclude,literal)${folder.slice(0, -1)}`);
      // `-v`: files marked assume-unchanged get lower-case tags, so that they are not vouched for (see parseListing).
      // A file git calls unchanged is taken for the blob its index names: git compares every stat field it keeps
      // here, whatever the repository's settings say. Without ctime (core.trustctime=false) or with only mtime's
      // seconds and the size (core.checkStat=minimal), a same-size rewrite with its time set back is "unchanged";
      // without the file mode (core.filemode=false), a file made executable or not keeps the index's mode, which
      // keys hold; with links checked out as files (core.symlinks=false), a file holding a link's text is the link's
      // blob. Settings given here win over the repository's and the environment's.
      const args = [...GIT_COMPARES_ALL, 'ls-files', '-z', '-t', '-v', '--stage', '--modified', '--others', '--exclude-standard'];
      // The signal reaches git through one listener, removed once git ended (see gitStoppedBy).
      const listing = this.gitStoppedBy([...args, '--', '.', ...logs], signal);
      // Which file each rule file is, taken beside the listing (spawned after it: the listing is not delayed): the
      // baseline later looks compare with. No command of the run starts before it is taken (see rulesTaken), so it is
      // which file each was when git read them for the listing. A failure is the look's to meet (it asks the same
      // promise); not waited for here: a rerun where every check is a hit needs it not.
      rules = this.ruleFiles(signal).catch(() => undefined);
      void rules.then(() => this.settleBaseline(baseline));
      // Which folder each one on the way to the checks' folders is, while git lists: no command started yet.
      try {
        if (this.used !== undefined) {
          for (const key of this.used) {
            for (const top of this.folders(JSON.parse(key) as string[]) ?? ['']) {
              // The .gitignore of each folder above it that is not there (see foldersMoved), each folder once.
              for (const folder of wayTo(top)) if (!this.seenFolders.has(folder) && absentNow(this.absolute(`${folder}.gitignore`))) this.absentRules.add(`${folder}.gitignore`);
              this.wayMoved(top, Infinity);
            }
          }
        }
      } catch {
        // Not recorded: a folder is then first seen at its first look, and counts by its times (see wayMoved).
      }
      // A git too old for pathspec magic is asked again without it: its listing is filtered here all the same.
      let answer = await listing;
      signal?.throwIfAborted();
      if ('stderr' in answer && logs.length > 0 && /pathspec|magic/i.test(answer.stderr)) {
        answer = await this.gitStoppedBy(args, signal);
        // A listing that ended as the signal aborted counts as stopped all the same: the run is over.
        signal?.throwIfAborted();
      }
      const output = 'stdout' in answer ? answer.stdout : undefined;
      this.raw = output;
      this.answered = true;
      return output;
    })();
    this.output = asked;
    // Forgotten before any caller hears of the stop (this handler is the first): the next call asks again.
    asked.catch(() => {
      if (this.output === asked) this.output = undefined;
      // Stopped before the rule files were asked: none is, and a command waiting is let go (the run is over).
      if (rules === undefined) this.settleBaseline(baseline);
    });
    return asked;
  }

  /** A baseline asked from now on (see {@link InputTree.rulesTaken}). */
  private newBaseline(): Baseline {
    let resolve = (): void => undefined;
    const done = new Promise<void>((settled) => (resolve = settled));
    const baseline: Baseline = { settled: false, done, resolve, waiting: new Map() };
    this.baseline = baseline;
    return baseline;
  }

  /** Settles `baseline` (taken, failed or stopped): the commands waiting for it may start, and its listeners go. */
  private settleBaseline(baseline: Baseline): void {
    if (baseline.settled) return;
    baseline.settled = true;
    for (const [signal, { onAbort, waits }] of baseline.waiting) {
      signal.removeEventListener('abort', onAbort);
      for (const wait of waits) wait.resolve();
    }
    baseline.waiting.clear();
    baseline.resolve();
  }

  /**
   * Resolves once which file each of git's rule files is has been taken beside the listing, or that ask failed or was
   * stopped (a later look then asks again, and what it first sees counts as changed: a listing again, never a stale
   * pass); at once when no listing was started, or it was taken already. A command of the run must not start before:
   * one that changed which file a rule file is (a folder link on the way switched, a folder renamed) between git's
   * read of them for the listing and that look would leave the baseline naming the new file, with old times, and the
   * change unseen. Rejects with `signal`'s reason once it aborts first; `signal` holds one listener however many wait
   * under it, removed once the ask settled or it aborted.
   */
  rulesTaken(signal?: AbortSignal): Promise<void> {
    const baseline = this.baseline;
    if (baseline === undefined || baseline.settled) return Promise.resolve();
    if (signal === undefined) return baseline.done;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the contract is to reject with signal.reason as given
    if (signal.aborted) return Promise.reject(signal.reason);
    let group = baseline.waiting.get(signal);
    if (group === undefined) {
      const waits: Array<{ resolve: () => void; reject: (reason: unknown) => void }> = [];
      const onAbort = (): void => {
        baseline.waiting.delete(signal);
        for (const wait of waits) wait.reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      group = { onAbort, waits };
      baseline.waiting.set(signal, group);
    }
    const { waits } = group;
    return new Promise<void>((resolve, reject) => waits.push({ resolve, reject }));
  }

  /** Every candidate file, relative and `/`-separated, sorted. */
  async files(): Promise<string[]> {
    await this.start();
    return this.allNames();
  }

  /** {@link InputTree.files} once git answered ({@link InputTree.start} resolved). */
  private allNames(): string[] {
    // Not known yet, or stopped: never the walk that stands for "no git".
    if (!this.answered) throw new Error('the listing is not known yet: await start() first');
    if (this.names === undefined) {
      this.names = this.keep(this.raw === undefined ? this.walk() : this.parseListing(this.decode(this.raw)));
      this.listed = new Set(this.names);
    }
    return this.names;
  }

  /** The names of the whole listing (made now when it was not). */
  private wholeListing(): ReadonlySet<string> {
    this.allNames();
    return this.listed ?? new Set();
  }

  /** The names that may be inputs (not in the log folder nor `.git`), sorted. */
  private keep(names: string[]): string[] {
    const kept = names.filter((name) => !this.excluded.some((prefix) => name.startsWith(prefix) || (name.length + 1 === prefix.length && prefix.startsWith(name))));
    // git lists in byte order, mostly what a sort here gives: a pass to check is far cheaper than a sort.
    return isSorted(kept) ? kept : kept.sort();
  }

  /** Where the listing's records are, when git answered and its listing is in the order ranges rely on. */
  private records(): ListingIndex | undefined {
    if (this.raw === undefined) return undefined;
    this.index ??= ((index) => (index.ordered ? index : null))(new ListingIndex(this.raw));
    return this.index ?? undefined;
  }

  /**
   * The folders every file `globs` may select is below (`src/` for `src/**\/*.ts`), none below another; undefined when
   * a glob may select a file anywhere (`*.md`): then the whole listing counts.
   */
  private folders(globs: readonly string[]): string[] | undefined {
    const prefixes = [...new Set(globs.filter((glob) => !glob.startsWith('!')).map((glob) => prefixOf(glob).prefix))].sort();
    if (prefixes.length === 0 || prefixes.includes('')) return undefined;
    // Sorted: a folder below another comes right after it (or after one below it, which is dropped too).
    const kept: string[] = [];
    for (const prefix of prefixes) if (kept.length === 0 || !prefix.startsWith(kept.at(-1) as string)) kept.push(prefix);
    return kept;
  }

  /**
   * What the listing says of the files `globs` may select, as a short string: the SHA-1 of this build's name and the
   * records whose paths are below the globs' folders (the whole listing when a glob may select a file anywhere, or
   * when the listing is not in git's usual order). Two listings with the same fingerprint for a glob list name the
   * same candidate files, the same blobs for those git vouches for, and the same ones as untracked or modified:
   * remembered inputs of one hold for the other. Undefined without git.
   */
  fingerprint(globs: readonly string[]): string | undefined {
    const key = JSON.stringify(globs);
    if (this.fingerprints.has(key)) return this.fingerprints.get(key);
    let print: string | undefined;
    const { raw } = this;
    if (raw !== undefined) {
      const index = this.records();
      const folders = index === undefined ? undefined : this.folders(globs);
      if (index === undefined || folders === undefined) print = `whole:${this.wholeHash(raw)}`;
      else {
        // With this build's name: another build may match globs differently.
        const hash = createHash('sha1').update(buildIdentity());
        for (const folder of folders) {
          const spans = index.spans(folder);
          hash.update(`\0${folder}\0${spans.length}`);
          for (const [start, end] of spans) hash.update(`\0${end - start}\0`).update(raw.subarray(start, end));
        }
        print = `below:${hash.digest('hex')}`;
      }
    }
    this.fingerprints.set(key, print);
    return print;
  }

  /** The SHA-1 of this build's name and the whole listing: remembered inputs of the same one hold without a look at their records. */
  private wholeHash(raw: Buffer): string {
    // With this build's name: another build may match globs differently.
    this.outputHash ??= createHash('sha1').update(buildIdentity()).update('\0').update(raw).digest('hex');
    return this.outputHash;
  }

  /** The candidate files `globs` may select, sorted: those below the globs' folders, or every one. */
  private candidates(globs: readonly string[]): string[] {
    const index = this.names === undefined ? this.records() : undefined;
    const folders = index === undefined ? undefined : this.folders(globs);
    if (index === undefined || folders === undefined || this.raw === undefined) return this.allNames();
    const { raw } = this;
    const names: string[] = [];
    for (const folder of folders) {
      let found = this.below.get(folder);
      if (found === undefined) {
        // Whole records of both blocks: every record of a path is there (its entry, its `C` record, its stages).
        const text = index
          .spans(folder)
          .map(([start, end]) => this.decode(raw.subarray(start, end)))
          .join('\0');
        found = this.keep(this.parseListing(text));
        this.below.set(folder, found);
      }
      // One at a time: a spread of a big folder's names would pass more arguments than a call takes.
      for (const name of found) names.push(name);
    }
    return folders.length === 1 || isSorted(names) ? names : names.sort();
  }

  /**
   * git's view when the folder is in a repository, from one `git ls-files`: the index (mode, blob, path of each
   * tracked file, tagged `H`; `S` when skip-worktree, lower-case when assume-unchanged), the files that differ from it
   * (modified, deleted: tagged `C`) and those untracked and not ignored (`?`). A tracked `H` file that does not differ
   * is unchanged, its content the blob the index names: it needs no stat and no read here (git compared it with the
   * index, racy timestamps included). git does not compare the others: they are hashed from the working tree.
   *
   * The names of `git ls-files -z -t -v --stage --modified --others` output (or whole records of it), recording the
   * tracked files git vouches for. Parsed by offsets rather than split into arrays: a rerun of a large tree parses
   * thousands of records.
   */
  private parseListing(listing: string): string[] {
    const changed = new Set<string>();
    const others: string[] = [];
    const index: string[] = [];
    const clean: Array<Vouched | undefined> = [];
    for (let at = 0; at < listing.length; ) {
      let end = listing.indexOf('\0', at);
      if (end < 0) end = listing.length;
      const tag = listing.charCodeAt(at);
      const record = at + 2 <= end && listing.charCodeAt(at + 1) === 32 ? tag : 0;
      if (record === 63 /* ? */) others.push(listing.slice(at + 2, end));
      else if (record === 67 /* C */ || record === 82 /* R */ || record === 75 /* K */) {
        // Modified, removed or to be killed: listed again beside its index entry, which is not vouched for.
        const tab = listing.indexOf('\t', at);
        changed.add(tab < 0 || tab > end ? listing.slice(at + 2, end) : listing.slice(tab + 1, end));
      } else if (record !== 0) {
        // `<tag> <mode> <blob> <stage>\t<path>`; a conflict lists a path once per stage: not vouched for.
        const tab = listing.indexOf('\t', at);
        if (tab > 0 && tab < end) {
          const modeEnd = listing.indexOf(' ', at + 2);
          const blobEnd = modeEnd < 0 ? -1 : listing.indexOf(' ', modeEnd + 1);
          if (blobEnd > 0 && blobEnd < tab) {
            const mode = listing.slice(at + 2, modeEnd);
            const stage = listing.slice(blobEnd + 1, tab);
            const blob = listing.slice(modeEnd + 1, blobEnd);
            const path = listing.slice(tab + 1, end);
            // A submodule counts by the commit the index records (`gitlink:<sha>` in the digest), vouched for while
            // its checkout is that commit (else git lists it as modified); the files inside it are not inputs.
            if (mode === '160000') this.gitlinks.add(path);
            index.push(path);
            // Only `H`: git compares no other entry with the working tree (`S` skip-worktree, lower-case
            // assume-unchanged), and `--modified` never reports them: their files are hashed as they are.
            clean.push(tag === 72 /* H */ && stage === '0' && blob.length === 40 && HEX.test(blob) ? { blob, mode: Number.parseInt(mode, 8) } : undefined);
          }
        }
      }
      at = end + 1;
    }
    const seen = new Set<string>();
    const names: string[] = [];
    for (const [at, path] of index.entries()) {
      const vouched = clean[at];
      if (!seen.has(path)) names.push(path);
      else this.vouched.delete(path); // a conflict: more than one stage
      if (vouched !== undefined && !changed.has(path) && !seen.has(path)) this.vouched.set(path, vouched);
      seen.add(path);
    }
    for (const path of changed) if (!seen.has(path)) names.push(path);
    for (const path of others) if (!seen.has(path)) names.push(path);
    return names;
  }

  /**
   * Records of the listing as text, noting the paths that are not valid UTF-8 (see {@link InputNameError}): a rare
   * case, looked for only when the bytes are not valid UTF-8 as a whole.
   */
  private decode(bytes: Buffer): string {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    for (const record of bytes.toString('latin1').split('\0')) {
      const path = record.startsWith('? ') ? record.slice(2) : record.slice(record.indexOf('\t') + 1);
      const raw = Buffer.from(path, 'latin1');
      if (!isUtf8(raw)) this.undecodable.add(raw.toString('utf8'));
    }
    return bytes.toString('utf8');
  }

  /** Outside a git repository: every file below the folder, links not followed. */
  private walk(): string[] {
    const found: string[] = [];
    this.visit(this.dir, '', found, false);
    return found;
  }

  /**
   * Adds the files below the folder at `path` (named `prefix`, relative) to `found`. A folder that cannot be read is
   * left out (`strict`: one the run's listing could read is an {@link InputListingError}).
   */
  private visit(path: string, prefix: string, found: string[], strict: boolean): void {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      if (!strict) this.unreadable.add(prefix);
      else if (!this.unreadable.has(prefix)) throw new InputListingError(`the folder ${JSON.stringify(prefix)} cannot be read`, { cause: error });
      return;
    }
    for (const entry of entries) {
      const bytes = entry.name;
      const name = `${prefix}${bytes.toString('utf8')}`;
      if (!isUtf8(bytes)) {
        // Not to be opened by its decoded name (a folder not to be walked): listed, so that a check matching it knows.
        this.undecodable.add(name);
        found.push(name);
      } else if (entry.isDirectory()) {
        if (!this.excluded.includes(`${name}/`)) this.visit(join(path, bytes.toString('utf8')), `${name}/`, found, strict);
      } else found.push(name);
    }
  }

  /**
   * The files `globs` select, in order. The listing is sorted, so a glob's folder prefix bounds the slice of it the
   * glob can match: a check's inputs cost the files under its folders, not the whole tree's.
   */
  async match(globs: readonly string[]): Promise<string[]> {
    await this.start();
    return this.matchNow(globs);
  }

  /**
   * {@link InputTree.match} once git answered ({@link InputTree.start} resolved): the records below the globs' folders
   * are parsed, not the whole listing (unless a glob may select a file anywhere).
   */
  matchNow(globs: readonly string[]): string[] {
    if (!this.answered) throw new Error('the listing is not known yet: await start() first');
    const paths = this.matchIn(this.candidates(globs), globs);
    if (paths.length > 0) return paths;
    const opaque = this.repositoryAbove(globs);
    if (opaque !== undefined) return [opaque];
    this.empty.add(JSON.stringify(globs));
    return paths;
  }

  /**
   * The untracked repository (listed as a folder, `vendor/`) a glob's folder is inside, when the listing names one:
   * git lists no file below it, yet it may hold files the glob selects (its snapshot then keeps the check from the
   * cache, with the reason). Undefined when there is none, or a `!` glob excludes it.
   */
  private repositoryAbove(globs: readonly string[]): string | undefined {
    for (const glob of globs) {
      if (glob.startsWith('!')) continue;
      const { prefix } = prefixOf(glob);
      for (let end = prefix.indexOf('/'); end >= 0 && end < prefix.length - 1; end = prefix.indexOf('/', end + 1)) {
        const folder = prefix.slice(0, end + 1);
        if (this.lists(folder) && this.matchIn([folder], ['**', ...globs.filter((other) => other.startsWith('!'))]).length > 0) return folder;
      }
    }
    return undefined;
  }

  /**
   * The glob lists that selected no file at all this run (matched, or recalled as selecting none), each once: a
   * mistyped glob, or one through a linked folder (links are not followed), would keep its check from ever noticing
   * a change. The run warns of them.
   */
  unmatched(): Array<readonly string[]> {
    return [...this.empty].map((key) => JSON.parse(key) as string[]);
  }

  /**
   * The candidate files below the folders of `globs` (every one when a glob may select a file anywhere) that are there
   * now but not in this run's listing, sorted: files a command of the run created. None before a command started (the
   * listing stands for the files then), nor while no folder below the globs' folders moved since the run listed them
   * (see {@link InputTree.foldersMoved}): only then are the files listed again (`git ls-files`, else a walk of those
   * folders).
   *
   * @throws {InputListingError} when the files cannot be listed again (or `signal` stopped git): what the check's
   * folders hold is not known. Rejects with `signal`'s reason when the run's listing was stopped ({@link InputTree.start}).
   */
  async created(globs: readonly string[], signal?: AbortSignal): Promise<string[]> {
    await this.start(signal);
    if (this.quiet) return [];
    const folders = this.folders(globs) ?? [''];
    const rules = await this.ruleFiles(signal);
    if (!this.foldersMoved(globs, folders, rules)) return [];
    // Listed again for each check that asks while its folders move: a command still running may create more files
    // meanwhile. While none of them (nor a rule file over them) moved since an earlier listing again began, within
    // the file system's time resolution, no entry was added or removed there since: that listing's files below them
    // are those of now, and git is not asked again (a chain of requirements looks at the same folders many times).
    const last = this.relisted;
    let all: string[];
    if (this.raw === undefined) all = this.keep(folders.flatMap((folder) => this.walkAgain(folder)));
    else if (last !== undefined && !this.foldersMoved(globs, folders, rules, last.at)) all = last.names;
    else {
      // Read before git is asked: a change while it lists is then one since.
      const at = this.clock();
      all = await this.listAgain(signal);
      if (this.relisted === undefined || this.relisted.at <= at) this.relisted = { at, names: all };
    }
    const below: string[] = [];
    for (const folder of folders) {
      for (let at = firstAtOrAfter(all, folder); at < all.length && (all[at] as string).startsWith(folder); at++) below.push(all[at] as string);
    }
    const known = new Set(this.candidates(globs));
    return below.filter((name) => !known.has(name));
  }

  /**
   * What else rules over which files git lists (absolute paths): its exclude file and index (a linked worktree's or a
   * submodule's `.git` is a file: they are elsewhere), the user's excludes file, git's configuration files (they name
   * the excludes file: every file git read it from, includes too, every file an include names, and the places git
   * looks for one that are empty now), the `.gitignore` of each folder from the repository's top down to above the
   * config's folder, and what each leads to through links. None without git. Asked of git once (beside the listing), and again once a
   * configuration file changed since (the excludes file it names may be another now). Undefined when unknown (git
   * failed, or `signal` stopped it: a later look asks again): every look then lists again.
   */
  private async ruleFiles(signal?: AbortSignal): Promise<RuleFiles | undefined> {
    let asked = this.rules;
    if (asked === undefined) {
      const at = this.clock();
      asked = this.rules = this.askRuleFiles(signal).then((files) => (files === undefined ? undefined : { ...files, at }));
    }
    const rules = await asked;
    if (rules === undefined) {
      // Not kept: a look with a live signal asks again.
      if (this.rules === asked) this.rules = undefined;
      return undefined;
    }
    if (rulesMoved(rules, this.seen, this.clock, rules.at, true)) {
      if (this.rules === asked) this.rules = undefined;
      // Asked once more at most for this look: its answer is then as new as the configuration it read.
      return await (this.rules ??= (() => {
        const at = this.clock();
        return this.askRuleFiles(signal).then((files) => (files === undefined ? undefined : { ...files, at }));
      })());
    }
    return rules;
  }

  /** Asks git for {@link InputTree.ruleFiles}: the files, the configuration files among them, and which files they are. */
  private async askRuleFiles(signal?: AbortSignal): Promise<Omit<RuleFiles, 'at'> | undefined> {
    if (this.answered && this.raw === undefined) return { files: [], configs: [] };
    // The configuration as git reads it, each entry with the file it came from (included ones too): the excludes file
    // it names is among them, so one git tells both.
    const [paths, read] = await Promise.all([
      this.gitStoppedBy(['rev-parse', '--show-toplevel', '--git-path', 'info/exclude', '--git-path', 'index', '--git-path', 'config', '--git-path', 'config.worktree', '--git-path', 'HEAD'], signal),
      this.gitStoppedBy(['config', '-z', '--show-origin', '--list'], signal),
    ]);
    // Stopped: an answer cut short is not the configuration.
    if (signal?.aborted === true) return undefined;
    // Unknown: every look lists again.
    if (!('stdout' in paths) || !('stdout' in read)) return undefined;
    const [answer, exclude, index, config, worktreeConfig, head] = paths.stdout.toString('utf8').split('\n');
    if (answer === undefined || exclude === undefined || index === undefined || config === undefined || worktreeConfig === undefined || head === undefined) return undefined;
    // git names the top by its real path, and works from there.
    const top = resolve(answer);
    const said = configRules(read.stdout.toString('utf8'), top);
    if (said === undefined) return undefined;
    const named = [resolve(this.dir, exclude), resolve(this.dir, index)];
    const env = process.env;
    const home = env.XDG_CONFIG_HOME || join(env.HOME ?? '', '.config');
    // Every file git may read its configuration from (one more than it reads costs a listing again, one less a stale
    // pass): those it read, those an include names, and the places it looks that are empty or not there now (the
    // repository's, the worktree's, the user's, both places, and the system's).
    const configs = new Set([...said.read, ...said.included, resolve(this.dir, config), resolve(this.dir, worktreeConfig)]);
    if (env.GIT_CONFIG_GLOBAL !== undefined && env.GIT_CONFIG_GLOBAL !== '') configs.add(resolve(this.dir, env.GIT_CONFIG_GLOBAL));
    else for (const file of [join(env.HOME ?? '', '.gitconfig'), join(home, 'git', 'config')]) configs.add(file);
    if (env.GIT_CONFIG_SYSTEM !== undefined && env.GIT_CONFIG_SYSTEM !== '') configs.add(resolve(this.dir, env.GIT_CONFIG_SYSTEM));
    configs.add('/etc/gitconfig');
    // An include on the branch checked out: a checkout brings another file into force.
    if (said.onBranch) configs.add(resolve(this.dir, head));
    const user = said.excludes ?? join(home, 'git', 'ignore');
    if (user !== '') named.push(user);
    // git names the top by its real path: the config's folder too, to walk up to it.
    let folder: string;
    try {
      folder = realpathSync(this.dir);
    } catch {
      return undefined;
    }
    for (let parent = dirname(folder); folder !== top && parent !== folder && (parent === top || parent.startsWith(`${top}${sep}`)); folder = parent, parent = dirname(folder)) {
      named.push(join(parent, '.gitignore'));
    }
    // Where each leads (dotfiles managers link ~/.config/git/ignore, or ~/.config/git itself): the file it leads to is
    // watched too (an edit there moves no link), and so is each link on the way (switched to another folder, it is a
    // new link). Which file each is is compared at every look besides, with what it was when first asked (beside the
    // listing): a link made where a folder was, a folder where a link was, a folder on the way renamed, or a target
    // made for a link that led nowhere, moves nothing watched.
    const files = new Set<string>();
    const configFiles = new Set<string>();
    for (const [file, isConfig] of [...named.map((name) => [name, false] as const), ...[...configs].map((name) => [name, true] as const)]) {
      const identity = identityOf(file);
      // First seen before any command of the run started (beside the listing: commands wait for it, see rulesTaken):
      // nothing the run did can have made it another file since git read it for the listing. First seen once one
      // started (the ask beside the listing failed, or a changed configuration names it): it may have become this
      // file since the listing, so it counts as switched now.
      if (!this.seen.has(file)) this.seen.set(file, { identity, switchedAt: this.quiet ? -Infinity : this.clock() });
      const watched = [file, ...linksTo(file)];
      let lead: string | undefined;
      try {
        lead = identity === null ? undefined : realpathSync.native(file);
      } catch {
        // Gone since: its identity tells.
      }
      if (lead !== undefined && lead !== file) watched.push(lead);
      for (const path of watched) {
        files.add(path);
        if (isConfig) configFiles.add(path);
      }
    }
    return { files: [...files], configs: [...configFiles] };
  }

  /**
   * Whether an entry may have been added or removed below the folders of `globs` (or an ignore file over them
   * changed) since `since` (epoch ms, by the clock the listing was taken with), within the file system's time
   * resolution: a file a command created and deleted meanwhile is no longer there to be listed, but it moved its
   * folder. True when a folder cannot be looked at. Rejects with `signal`'s reason when the run's listing was stopped
   * ({@link InputTree.start}). The folders above the globs' folders count against `way`, when given (see
   * {@link InputTree.wayState}): one seen switched while the key was taken was listed again for it.
   */
  async movedSince(globs: readonly string[], since: number, signal?: AbortSignal, way?: WayState): Promise<boolean> {
    await this.start(signal);
    // A change before the listing is in it (git was asked after the clock was read): a key asked for while the listing
    // was being taken is made of the files as they were then.
    return this.foldersMoved(globs, this.folders(globs) ?? [''], await this.ruleFiles(signal), Math.max(since, this.listedAt), way);
  }

  /**
   * Which folder each folder on the way to the folders of `globs` is now (see `wayMoved`), for
   * {@link InputTree.movedSince}: taken just before a check's key looks for files created in its folders, it tells
   * whether one became another (or was renamed away and back) since the files its key names were known.
   */
  wayState(globs: readonly string[]): WayState {
    const state = new Map<string, { identity: string | null; ctimeMs: number; mtimeMs: number }>();
    for (const top of this.folders(globs) ?? ['']) {
      for (const folder of wayTo(top)) {
        if (state.has(folder)) continue;
        // Before any command of the run started: as recorded beside the listing (nothing of the run's doing changed
        // it since; a change by anything else shows when the store compares).
        const seen = this.quiet ? this.seenFolders.get(folder) : undefined;
        if (seen !== undefined) {
          state.set(folder, { identity: seen.identity, ctimeMs: seen.ctimeMs, mtimeMs: seen.mtimeMs });
          continue;
        }
        const absolute = this.folderPath(folder);
        const stat = folder === '' ? statQuiet(absolute) : lstatQuiet(absolute);
        state.set(folder, { identity: wayIdentity(absolute, stat), ctimeMs: stat?.ctimeMs ?? 0, mtimeMs: stat?.mtimeMs ?? 0 });
      }
    }
    return state;
  }

  /** Whether a folder of `way` (see {@link InputTree.wayState}) is another now, or was renamed since. */
  private wayChanged(way: WayState): boolean {
    for (const [folder, then] of way) {
      const absolute = this.folderPath(folder);
      const stat = folder === '' ? statQuiet(absolute) : lstatQuiet(absolute);
      if (wayIdentity(absolute, stat) !== then.identity) return true;
      if (renamedSince(stat, then)) return true;
    }
    return false;
  }

  /**
   * Whether an entry may have been added below `folders` since the run listed the files: a folder there (or one of the
   * git ignore files that rule over them) changed since the listing, or within the file system's time resolution
   * before it (its times are not clearly older: a change in the same instant as the listing may or may not be in it),
   * or cannot be looked at. A folder's times move when an entry is added to it, removed or renamed, so a file created
   * anywhere below moves the folder it is in (a new folder moves its parent). The folders looked at are those the
   * listing holds files in and, where a folder's link count says it has subfolders the listing does not show (empty,
   * or holding only ignored files), those read from the folder itself once per run. A file replaced in place moves no
   * folder: it was listed, and is looked at as every listed input is. Left out: folders deeper than the globs reach
   * (`src/*.ts` looks at `src/` alone: a subfolder made in it moves it). A folder git ignores as a whole is looked at
   * too: whether git still ignores it depends on more than fanout can watch (a rule file changed keeping its inode
   * and times), and a file a command writes there may be an input by the time the check reads it. A rule file that is not there counts by the folder it would be in (see `goneSince`):
   * deleted, it moved that folder.
   */
  private foldersMoved(globs: readonly string[], folders: readonly string[], rulesAbove: RuleFiles | undefined, since?: number, way?: WayState): boolean {
    const tree = this.folderTree(globs, folders);
    const reach = reachOf(globs);
    const from = since ?? this.listedAt;
    const moved = (path: string, absolute = this.absolute(path)): boolean => ruleFileMoved(absolute, from);
    // git's ignore files above the folders and in them: a command that edits one may make an ignored file count.
    const rules = this.raw !== undefined;
    const above = new Set<string>(['.gitignore']);
    if (rules) {
      if (rulesAbove === undefined || rulesMoved(rulesAbove, this.seen, this.clock, from, false)) return true;
      for (const folder of folders) for (let at = folder.indexOf('/'); at >= 0 && at < folder.length - 1; at = folder.indexOf('/', at + 1)) above.add(`${folder.slice(0, at + 1)}.gitignore`);
      for (const rule of above) {
        // Not there beside the listing, nor now, and every listing of the run is the first one: no rule of it counted
        // in any listing a key was taken from, nor counts now (one made and deleted meanwhile hid only files made
        // meanwhile, which moved the check's own folders). Its folder's times, moved by any write there (a build's
        // output), are then not looked at. Once the files were listed again, one may have counted in that listing.
        if (this.absentRules.has(rule) && this.relisted === undefined && absentNow(this.absolute(rule))) continue;
        if (moved(rule)) return true;
      }
    }
    if (way !== undefined ? this.wayChanged(way) : folders.some((top) => this.wayMoved(top, from))) return true;
    let looked = 0;
    for (const top of folders) {
      const stack = [top];
      while (stack.length > 0) {
        const folder = stack.pop() as string;
        // Too many folders to look at cheaply: listed again instead.
        if (++looked > MAX_WATCHED_FOLDERS) return true;
        let stat: Stats | undefined;
        try {
          stat = lstatSync(this.folderPath(folder), { throwIfNoEntry: false });
        } catch (error) {
          // Below a name that is a file now (top only: a folder below one that moved was looked at before it).
          if (folder === top && (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
          return true;
        }
        // A folder of the globs that is not there holds nothing created; one below it that is gone moved its parent.
        if (stat === undefined) {
          if (folder === top) continue;
          return true;
        }
        // A folder of the globs that is a file now (a link, not followed): nothing can be below it, yet git's listing
        // may name files there — a folder replaced by a link to another: listed again, git takes its word back.
        if (!stat.isDirectory() && folder === top) {
          if (changedSinceListing(stat, from)) return true;
          continue;
        }
        if (!stat.isDirectory() || changedSinceListing(stat, from)) return true;
        // One in the folder itself that is not there: a deletion since moved the folder, looked at just above.
        if (rules && folder !== '' && lstatMoved(this.absolute(`${folder}.gitignore`), from)) return true;
        // As deep as the globs reach (`src/*.ts`: `src/` alone): a file below cannot be an input, and a subfolder
        // made here moves this folder.
        if (!leadsDeeper(reach, folder)) continue;
        let children = tree.get(folder);
        if (children === undefined) tree.set(folder, (children = new Set()));
        // Subfolders the listing does not show: read once per run (the folder did not move, so its entries are still
        // those), whichever glob list's look read them. One that moved since the listing (not since `since`) may hold
        // subfolders made since: read now.
        const stale = since !== undefined && changedSinceListing(stat, this.listedAt);
        let read = stale ? undefined : this.readFolders.get(folder);
        if (read === undefined && (stale || stat.nlink - 2 !== children.size)) {
          try {
            read = readdirSync(this.folderPath(folder), { withFileTypes: true })
              .filter((entry) => entry.isDirectory())
              .map((entry) => `${folder}${entry.name}/`);
          } catch {
            return true;
          }
          if (!stale) this.readFolders.set(folder, read);
        }
        // Those of a folder that moved are not kept in the tree either: it holds what the folder held at the listing.
        if (!stale) for (const child of read ?? []) children.add(child);
        for (const child of stale ? (read ?? []) : children) {
          // Never inputs, or opaque (a repository git does not look into, a submodule): nothing below them is listed.
          if (this.excluded.includes(child) || this.opaque(child) || !reached(reach, child)) continue;
          stack.push(child);
        }
      }
    }
    return false;
  }

  /**
   * Whether a folder on the way to `top` (the config's folder and each one between) may be another folder than
   * when it was first seen this run, since `from`: one renamed into the place of a folder above a check's folders
   * (`mv src old && mv new src` for inputs `src/lib/**`) brings files git never compared, with times of their own that
   * may be older than the listing, and the folders below it did not move — theirs are not the times that changed. Told
   * by which file each is (see `wayIdentity`), and by a change time that moved while the modification time did not
   * since the last look (renamed away and back: the same inode, see `renamedSince`): a write into a folder on the way
   * (a build's output beside the check's folders) moves both, and is not a change. Not told: a folder renamed away and
   * back and written in between two looks. The first look at a folder records it (`from` Infinity: only that). Taken beside the listing for the glob lists of
   * the config's checks (see {@link InputTree.useOnly}); a folder first seen once a command of the run started counts
   * as switched when its times are not older than the listing (a folder renamed into place has its times moved by the
   * rename; a write in it moves them too: a listing again, never a stale pass).
   */
  private wayMoved(top: string, from: number): boolean {
    for (const folder of wayTo(top)) {
      // Recording only: each folder once (checks share the folders above theirs).
      if (from === Infinity && this.seenFolders.has(folder)) continue;
      // The config's folder through links (the run works there); below it, a link in a folder's place is another file.
      const absolute = this.folderPath(folder);
      const stat = folder === '' ? statQuiet(absolute) : lstatQuiet(absolute);
      const identity = wayIdentity(absolute, stat);
      const ctimeMs = stat?.ctimeMs ?? 0;
      const mtimeMs = stat?.mtimeMs ?? 0;
      let seen = this.seenFolders.get(folder);
      if (seen === undefined) {
        // First seen once a command started (its glob list was not known beside the listing): one renamed into place
        // since has times since (a rename moves the folder renamed); a folder not there brings nothing.
        const since = !this.quiet && stat !== undefined && changedSinceListing(stat, this.listedAt);
        this.seenFolders.set(folder, (seen = { identity, ctimeMs, mtimeMs, switchedAt: since ? this.clock() : -Infinity }));
      } else if (seen.identity !== identity || renamedSince(stat, seen)) {
        // Another file, or the same folder renamed (away and back, perhaps) since it was last looked at: at the
        // latest now.
        seen.identity = identity;
        seen.ctimeMs = ctimeMs;
        seen.mtimeMs = mtimeMs;
        seen.switchedAt = this.clock();
      } else {
        seen.ctimeMs = ctimeMs;
        seen.mtimeMs = mtimeMs;
      }
      if (seen.switchedAt >= from) return true;
    }
    return false;
  }

  /**
   * The folders below each of `folders` the listing holds files in, each with its subfolders (`/`-terminated,
   * relative), made once per glob list.
   */
  private folderTree(globs: readonly string[], folders: readonly string[]): Map<string, Set<string>> {
    const key = JSON.stringify(folders);
    let tree = this.trees.get(key);
    if (tree !== undefined) return tree;
    tree = new Map();
    for (const folder of folders) tree.set(folder, new Set());
    const names = this.folderNames(globs, folders);
    for (const top of folders) {
      // The names are sorted: those below a folder are one run of them.
      for (let index = firstAtOrAfter(names, top); index < names.length && (names[index] as string).startsWith(top); index++) {
        const name = names[index] as string;
        let parent = top;
        for (let at = name.indexOf('/', top.length); at >= 0 && at < name.length - 1; at = name.indexOf('/', at + 1)) {
          const child = name.slice(0, at + 1);
          let children = tree.get(parent);
          if (children === undefined) tree.set(parent, (children = new Set()));
          children.add(child);
          if (!tree.has(child)) tree.set(child, new Set());
          parent = child;
        }
        // A listed folder (a repository git does not look into): a subfolder, not looked into.
        if (name.endsWith('/')) tree.get(parent)?.add(name);
      }
    }
    this.trees.set(key, tree);
    return tree;
  }

  /**
   * Names that tell which folders below `folders` the listing holds files in, sorted: from the records alone while
   * they are in git's order (a file of each folder, none parsed: a hit after a command started looks at folders, not
   * at files; the submodules among them noted as a parse notes them), else the candidates.
   */
  private folderNames(globs: readonly string[], folders: readonly string[]): string[] {
    const index = this.names === undefined ? this.records() : undefined;
    if (index === undefined) return this.candidates(globs);
    const names: string[] = [];
    for (const folder of folders) {
      const { names: found, gitlinks } = index.shape(folder);
      for (const name of found) names.push(fromLatin1(name));
      for (const link of gitlinks) this.gitlinks.add(fromLatin1(link));
    }
    return this.keep(names);
  }

  /** Whether a listed folder's content is not listed: a repository git does not look into (`src/lib/`), or a submodule. */
  private opaque(folder: string): boolean {
    return this.gitlinks.has(folder.slice(0, -1)) || (this.raw !== undefined && this.lists(folder));
  }

  /**
   * Runs git (see `git`) with `signal` reaching it through {@link InputTree.linked}: the caller's signal holds one
   * listener however many gits wait on it, removed once the last of them ended.
   */
  private async gitStoppedBy(args: readonly string[], signal: AbortSignal | undefined): Promise<{ stdout: Buffer } | { stderr: string }> {
    if (signal === undefined) return git(args, this.dir);
    let link = this.linked.get(signal);
    if (link === undefined) {
      const controller = new AbortController();
      // Ours, one listener per git running (each removes its own when git ends): as many as looks wait at once.
      setMaxListeners(0, controller.signal);
      link = { controller, unlink: followSignal(signal, controller), users: 0 };
      this.linked.set(signal, link);
    }
    link.users++;
    try {
      return await git(args, this.dir, link.controller.signal);
    } finally {
      if (--link.users === 0) {
        link.unlink();
        this.linked.delete(signal);
      }
    }
  }

  /** The candidate files now, sorted: names only (what git says of a file it listed already is the run's listing's to say). */
  private async listAgain(signal?: AbortSignal): Promise<string[]> {
    // As the run's listing is asked: git compares the tracked files with its index again, so that a file it vouched
    // for then and does not now (changed, gone, or another file renamed into its folder's place) loses its word.
    // `--cached`: every index entry, deleted ones included, as the run's listing names them.
    const answer = await this.gitStoppedBy([...GIT_COMPARES_ALL, 'ls-files', '-z', '-t', '-v', '--stage', '--cached', '--modified', '--others', '--exclude-standard', '--', '.'], signal);
    if ('stderr' in answer) throw new InputListingError(`git ls-files failed: ${answer.stderr.trim()}`);
    // Read by offsets, as the run's listing is (see parseListing): a large tree lists many thousand records.
    const text = this.decode(answer.stdout);
    const names = new Set<string>();
    const clean = new Map<string, string>();
    const unclean = new Set<string>();
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf('\0', at);
      if (end < 0) end = text.length;
      const tag = text.charCodeAt(at);
      if (end - at >= 3 && text.charCodeAt(at + 1) === 32) {
        const tab = tag === 63 /* ? */ ? -1 : text.indexOf('\t', at);
        const name = tab < 0 || tab > end ? text.slice(at + 2, end) : text.slice(tab + 1, end);
        names.add(name);
        if (tag !== 63 /* ? */) {
          // `H` with stage 0 only, as the run's listing vouches (see parseListing); anything else takes it back.
          if (tag === 72 /* H */ && tab > 0 && tab < end && text.charCodeAt(tab - 1) === 48 /* 0 */ && text.charCodeAt(tab - 2) === 32 && !unclean.has(name)) {
            clean.set(name, text.slice(at + 2, tab - 2));
          } else {
            unclean.add(name);
            clean.delete(name);
          }
        }
      }
      at = end + 1;
    }
    // Clean in an earlier listing asked again and not now (or otherwise): changed meanwhile, whatever it is now.
    if (this.relistClean !== undefined) for (const [name, said] of this.relistClean) if (clean.get(name) !== said) unclean.add(name);
    this.relistClean = clean;
    for (const name of unclean) {
      this.revoked.add(name);
      this.revokedAbsolute.add(this.absolute(name));
    }
    return this.keep([...names]);
  }

  /**
   * Whether git's word on `path` (relative) was taken back by a listing asked again: not clean there, or clean with
   * another mode or blob than the run's listing vouched for (see `revoked`, `relistClean`).
   */
  private revokedPath(path: string): boolean {
    if (this.relistClean === undefined) return false;
    if (this.revoked.has(path)) return true;
    const vouched = this.vouched.get(path);
    return vouched !== undefined && this.relistClean.get(path) !== `${vouched.mode.toString(8).padStart(6, '0')} ${vouched.blob}`;
  }

  /** {@link InputTree.revokedPath} of a file by its absolute path, as snapshots hold them. */
  private revokedAt(absolute: string): boolean {
    if (this.relistClean === undefined) return false;
    if (this.revokedAbsolute.has(absolute)) return true;
    // Snapshots name their files `prefix + path` (see absolute): anything else is not the tree's.
    if (!absolute.startsWith(this.prefix)) return false;
    const path = absolute.slice(this.prefix.length);
    return this.revokedPath(sep === '/' ? path : path.split(sep).join('/'));
  }

  /**
   * The files below `folder` now (relative, `/`-separated), walked again without git.
   *
   * @throws {InputListingError} when a folder cannot be read that the run's listing could.
   */
  private walkAgain(folder: string): string[] {
    const found: string[] = [];
    let stat: Stats | undefined;
    try {
      stat = lstatSync(this.folderPath(folder), { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return found;
      throw new InputListingError(`${JSON.stringify(folder)} cannot be looked at`, { cause: error });
    }
    if (stat?.isDirectory() !== true) return found;
    this.visit(this.folderPath(folder), folder, found, true);
    return found;
  }

  /** {@link InputTree.match} with `created` ({@link InputTree.created}) among the candidates. */
  matchWith(globs: readonly string[], created: readonly string[]): string[] {
    if (created.length === 0) return this.matchNow(globs);
    return this.matchIn([...this.candidates(globs), ...created].sort(), globs);
  }

  /** {@link InputTree.match} in the listing {@link InputTree.files} gave. */
  matchIn(files: readonly string[], globs: readonly string[]): string[] {
    const include = globs.filter((glob) => !glob.startsWith('!')).map(compile);
    const exclude = globs.filter((glob) => glob.startsWith('!')).map((glob) => compile(glob.slice(1)));
    const excluded = (path: string): boolean => exclude.some((g) => path.startsWith(g.prefix) && matchesRest(g, path));
    const picked: number[] = [];
    // One glob (or globs over disjoint folders, in order) picks indices in order and once: no set, no sort.
    const seen = include.length > 1 ? new Uint8Array(files.length) : undefined;
    let ordered = true;
    for (const g of include) {
      for (let index = firstAtOrAfter(files, g.prefix); index < files.length; index++) {
        const path = files[index] as string;
        if (!path.startsWith(g.prefix)) break;
        if (seen !== undefined && seen[index] === 1) continue;
        // An untracked repository inside the folder is listed as a folder (`src/lib/`): any file below it may be one
        // the glob selects, so it is picked (its snapshot then keeps the check from the cache) unless excluded.
        if ((!path.endsWith('/') && !matchesRest(g, path)) || excluded(path)) continue;
        if (seen !== undefined) seen[index] = 1;
        if (picked.length > 0 && (picked.at(-1) as number) > index) ordered = false;
        picked.push(index);
      }
    }
    if (!ordered) picked.sort((a, b) => a - b);
    return picked.map((index) => files[index] as string);
  }

  /** Where the stat cache is kept, named on first use. */
  private get statFile(): string | undefined {
    if (typeof this.statPath === 'function') this.statPath = this.statPath();
    return this.statPath;
  }

  /**
   * Reads the stat cache now rather than when the listing is first used: called while git lists, it takes work (and
   * the load of node:crypto that naming the file may need) off the way from git's answer to the first command.
   */
  readStats(): void {
    this.loadStats();
  }

  private loadStats(): Map<string, StatEntry> {
    if (this.stats !== undefined) return this.stats;
    this.stats = new Map();
    if (this.statFile === undefined) return this.stats;
    try {
      const fd = openSync(this.statFile, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      let text: string;
      try {
        const stat = fstatSync(fd);
        // Someone else's stat cache could claim any hash for a file: not read.
        if (!stat.isFile() || !ownedByUser(stat)) return this.stats;
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
      const data = JSON.parse(text) as { format?: unknown; dir?: unknown; entries?: unknown; remembered?: unknown };
      if (data.format !== CACHE_FORMAT || data.dir !== this.dir || !Array.isArray(data.entries)) return this.stats;
      if (Array.isArray(data.remembered)) this.readRemembered(data.remembered as unknown[]);
      for (const item of data.entries as unknown[]) {
        if (!Array.isArray(item) || item.length !== 7) continue;
        const [path, size, mtimeMs, ctimeMs, ino, mode, hash] = item as unknown[];
        if (typeof path !== 'string' || typeof hash !== 'string' || ![size, mtimeMs, ctimeMs, ino, mode].every((n) => typeof n === 'number')) continue;
        this.stats.set(path, { size, mtimeMs, ctimeMs, ino, mode, hash } as StatEntry);
      }
    } catch {
      // none yet, or unreadable: every file is hashed
    }
    return this.stats;
  }

  /** Takes the remembered inputs of a stat cache file, leaving out any of the wrong shape or with a glob that does not compile. */
  private readRemembered(items: readonly unknown[]): void {
    const isNumber = (n: unknown): n is number => typeof n === 'number';
    for (const item of items) {
      if (!Array.isArray(item) || item.length !== 6) continue;
      const [key, digest, files, vouched, listing, whole] = item as unknown[];
      if (typeof key !== 'string' || typeof digest !== 'string' || typeof listing !== 'string' || typeof whole !== 'string' || !Array.isArray(files) || !Array.isArray(vouched)) continue;
      if (!vouched.every((path): path is string => typeof path === 'string')) continue;
      let globs: unknown;
      try {
        globs = JSON.parse(key);
      } catch {
        continue;
      }
      if (!Array.isArray(globs) || !globs.every((glob): glob is string => typeof glob === 'string')) continue;
      // A planted file may name globs that do not compile: matched later (its fingerprint, at every save), they would
      // make every run fail.
      try {
        for (const glob of globs) compile(glob.startsWith('!') ? glob.slice(1) : glob);
      } catch {
        continue;
      }
      const read: Remembered['files'] = [];
      for (const file of files as unknown[]) {
        if (!Array.isArray(file)) break;
        const [path, size, mtimeMs, ctimeMs, ino, mode] = file as unknown[];
        if (typeof path !== 'string') break;
        if (file.length === 1) read.push([path, null]);
        else if (file.length === 6 && isNumber(size) && isNumber(mtimeMs) && isNumber(ctimeMs) && isNumber(ino) && isNumber(mode)) read.push([path, { size, mtimeMs, ctimeMs, ino, mode }]);
        else break;
      }
      if (read.length === files.length) this.remembered.set(key, { globs, digest, files: read, vouched, listing, whole });
    }
  }

  /**
   * The {@link inputsDigest} of the files `globs` select, without listing, matching nor hashing them, when an earlier
   * run remembered it for a listing with the same {@link InputTree.fingerprint} for them as git's now (the same
   * records below the globs' folders), and none of the files git does not vouch for changed since
   * (same size, times, inode and mode; still absent when absent). Undefined otherwise: then the inputs are matched and
   * snapshotted.
   */
  async recall(globs: readonly string[]): Promise<string | undefined> {
    await this.start();
    return this.recallNow(globs);
  }

  /** {@link InputTree.recall} once the listing is known ({@link InputTree.start} resolved): undefined before. */
  recallNow(globs: readonly string[]): string | undefined {
    if (!this.answered || this.raw === undefined) return undefined;
    this.loadStats();
    const remembered = this.remembered.get(JSON.stringify(globs));
    if (remembered === undefined || !this.holdsFor(remembered)) return undefined;
    for (const [path, state] of remembered.files) {
      let stat: Stats | undefined;
      try {
        stat = lstatSync(this.absolute(path), { throwIfNoEntry: false });
      } catch {
        return undefined;
      }
      if (state === null ? stat !== undefined : stat === undefined || !sameState(stateOf(stat), state)) return undefined;
    }
    // The same listing vouches for the same blobs only as the files were when git was asked: once a command of the
    // run started, one edited since (by a check that ran before this one) may hold other content.
    for (const path of this.quiet ? [] : remembered.vouched) {
      if (this.revokedPath(path)) return undefined;
      let stat: Stats | undefined;
      try {
        stat = lstatSync(this.absolute(path), { throwIfNoEntry: false });
      } catch {
        return undefined;
      }
      if (stat === undefined || changedSinceListing(stat, this.listedAt)) return undefined;
    }
    if (remembered.files.length === 0 && remembered.vouched.length === 0) this.empty.add(JSON.stringify(globs));
    return remembered.digest;
  }

  /**
   * Whether remembered inputs hold for this run's listing: it is the very listing they were last found to hold for, or
   * it has the same records below their globs' folders (the same {@link InputTree.fingerprint}).
   */
  private holdsFor(remembered: { globs: readonly string[]; listing: string; whole: string }): boolean {
    if (this.raw === undefined) return false;
    return remembered.whole === this.wholeHash(this.raw) || remembered.listing === this.fingerprint(remembered.globs);
  }

  /**
   * Remembers what the files `globs` select came to (`paths`, as {@link InputTree.snapshot} took them), for the next
   * runs whose git listing has the same {@link InputTree.fingerprint} for them. Call before the snapshot is settled.
   */
  remember(globs: readonly string[], paths: readonly string[], snapshot: InputSnapshot, digest: string): void {
    const listing = this.fingerprint(globs);
    if (listing === undefined || this.raw === undefined) return;
    this.loadStats();
    const files: Remembered['files'] = [];
    const vouched: string[] = [];
    for (const path of paths) {
      // One whose vouching a later listing took back was hashed: remembered by its state, as any other.
      if (this.vouched.has(path) && !this.revokedPath(path)) vouched.push(path);
      else files.push([path, snapshot.states.get(this.absolute(path)) ?? null]);
    }
    this.remembered.set(JSON.stringify(globs), { globs: [...globs], digest, files, vouched, listing, whole: this.wholeHash(this.raw) });
    this.dirty = true;
  }

  /**
   * The digests of `paths` (relative) and their states. A file that vanished or cannot be read makes the snapshot
   * undefined: the check then runs and its result is not stored.
   *
   * @throws {InputNameError} when a name of `paths` is not valid UTF-8.
   */
  async snapshot(paths: readonly string[], signal?: AbortSignal): Promise<InputSnapshot | undefined> {
    const { snapshot, jobs, pending } = this.collect(paths);
    if (jobs.length > 0) {
      const stats = this.loadStats();
      for (const { path } of pending) this.claimed.add(path);
      let hashes: Array<string | undefined>;
      try {
        hashes = await hashFiles(jobs, { signal });
      } finally {
        for (const { path } of pending) this.claimed.delete(path);
      }
      const hashedAt = Date.now();
      for (const [index, { path, state, digest }] of pending.entries()) {
        const hash = hashes[index];
        if (hash === undefined) return undefined;
        digest.hash = hash;
        stats.set(path, { ...state, hash, hashedAt });
        this.dirty = true;
      }
    }
    return snapshot;
  }

  /** {@link InputTree.snapshot} when no file of `paths` needs reading (git or the stat cache knows each): else undefined. */
  snapshotNow(paths: readonly string[]): InputSnapshot | undefined {
    return this.collect(paths, true)?.snapshot;
  }

  /**
   * A snapshot of `paths` but the hashes of the files to read (`jobs`, and where each goes in `pending`); with
   * `unread`, undefined at the first file to read.
   */
  private collect(paths: readonly string[], unread: true): Collected | undefined;
  private collect(paths: readonly string[]): Collected;
  private collect(paths: readonly string[], unread = false): Collected | undefined {
    const stats = this.loadStats();
    const digests: InputDigest[] = [];
    const states = new Map<string, FileState>();
    const jobs: HashJob[] = [];
    const pending: Array<{ path: string; state: FileState; digest: InputDigest }> = [];
    const vouched: string[] = [];
    for (const path of paths) {
      if (path.endsWith('/')) {
        if (unread) return undefined;
        throw new OpaqueInputError(path, 'a repository git does not look into (commit it as a submodule, or ignore it)');
      }
      const absolute = this.absolute(path);
      const clean = this.revokedPath(path) ? undefined : this.vouched.get(path);
      // Two undecodable names may decode alike: not even a blob git vouched for stands for one of them.
      if (this.undecodable.size > 0 && this.undecodable.has(path)) {
        if (unread) return undefined;
        throw new InputNameError(path);
      }
      if (clean !== undefined) {
        const type = clean.mode & 0o170000;
        const hash = type === 0o120000 ? `link:${clean.blob}` : type === 0o160000 ? `gitlink:${clean.blob}` : clean.blob;
        digests.push({ path, hash, executable: (clean.mode & 0o100) !== 0 });
        vouched.push(absolute);
        continue;
      }
      let stat: Stats;
      try {
        stat = lstatSync(absolute);
      } catch {
        continue; // listed by git but deleted: not an input any more
      }
      if (stat.isDirectory()) {
        // A file replaced by a folder is gone (the folder's files are listed apart); a modified submodule is not.
        if (!this.gitlinks.has(path)) continue;
        if (unread) return undefined;
        throw new OpaqueInputError(path, 'a submodule whose checkout is not the commit the index records');
      }
      const state = stateOf(stat);
      states.set(absolute, state);
      const known = stats.get(path);
      const digest: InputDigest = { path, hash: '', executable: (stat.mode & 0o100) !== 0 };
      digests.push(digest);
      if (holds(known, state)) digest.hash = known.hash;
      else {
        if (unread) return undefined;
        jobs.push({ path: absolute, isLink: stat.isSymbolicLink(), size: stat.size });
        pending.push({ path, state, digest });
      }
    }
    return { snapshot: { digests, states, vouched, listedAt: this.listedAt, quiet: this.quiet }, jobs, pending };
  }

  /**
   * Hashes the files of `paths` that git does not vouch for and the stat cache does not know, in the background (in
   * this thread, a slice at a time between the run's events), into the stat cache: while the first checks run, the
   * inputs of the next ones get hashed, and their snapshots find them known. A file changed after it was hashed is
   * hashed again by its snapshot (its state moved).
   */
  hashAhead(paths: readonly string[]): Promise<void> {
    // One at a time: a spread of a big folder's paths would pass more arguments than a call takes.
    for (const path of paths) this.ahead.push(path);
    if (this.aheadTimer === undefined && this.aheadAt < this.ahead.length) this.aheadTimer = setImmediate(this.aheadStep);
    if (this.aheadDone === undefined) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.aheadDone = { promise, resolve };
    }
    const { promise } = this.aheadDone;
    if (this.aheadTimer === undefined) this.stopAhead();
    return promise;
  }

  /** Stops hashing ahead (the run is over): what {@link InputTree.hashAhead} returned resolves. */
  stopAhead(): void {
    if (this.aheadTimer !== undefined) clearImmediate(this.aheadTimer);
    this.aheadTimer = undefined;
    this.ahead = [];
    this.aheadAt = 0;
    this.aheadDone?.resolve();
    this.aheadDone = undefined;
  }

  private readonly aheadStep = (): void => {
    this.aheadTimer = undefined;
    const stats = this.loadStats();
    const until = performance.now() + AHEAD_SLICE_MS;
    while (this.aheadAt < this.ahead.length && performance.now() < until) {
      const path = this.ahead[this.aheadAt++] as string;
      const known = stats.get(path);
      // Hashed by this run already (by a snapshot): its own snapshot looks at its state.
      if (this.vouched.has(path) || this.claimed.has(path) || (known?.hashedAt !== undefined && !racyHash(known))) continue;
      if (known !== undefined) {
        try {
          const stat = lstatSync(this.absolute(path));
          if (holds(known, stateOf(stat)) || stat.size > AHEAD_MAX_BYTES) continue;
        } catch {
          continue; // gone: its snapshot says so
        }
      }
      // Else opened without a stat first: the state taken on the open file is that of the content read (a link, not
      // opened, is left to its snapshot).
      this.buffer ??= Buffer.allocUnsafe(HASH_CHUNK);
      const hashed = hashOpened(this.absolute(path), this.buffer, AHEAD_MAX_BYTES);
      if (hashed === undefined) continue;
      stats.set(path, { ...stateOf(hashed.stat), hash: hashed.hash, hashedAt: Date.now() });
      this.dirty = true;
    }
    if (this.aheadAt < this.ahead.length) {
      this.aheadTimer = setImmediate(this.aheadStep);
      return;
    }
    this.stopAhead();
    // Written now, while the checks run, rather than at the end of the run: then only what changed since is written.
    this.save();
  };

  /** Whether no command of this run has started yet (see `quiet`): what is taken now may need another look later. */
  get undisturbed(): boolean {
    return this.quiet;
  }

  /** A command of this run is about to start: from now on files git vouched for may change (see `quiet`). */
  disturbed(): void {
    this.quiet = false;
    this.started++;
  }

  /** How many commands of this run have started so far ({@link InputTree.disturbed} calls). */
  get starts(): number {
    return this.started;
  }

  /**
   * Takes the states of the files git vouched for, before the check runs. False when one changed since git was asked
   * (or is gone): the check's result may not belong to the content its key names, so it is not stored.
   */
  settle(snapshot: InputSnapshot): boolean {
    for (const path of snapshot.vouched) {
      if (this.revokedAt(path)) return false;
      try {
        const stat = lstatSync(path);
        if (changedSinceListing(stat, snapshot.listedAt)) return false;
        snapshot.states.set(path, stateOf(stat));
      } catch {
        return false;
      }
    }
    snapshot.vouched = [];
    return true;
  }

  /**
   * Whether no file git vouched for in `snapshot` changed since git was asked (none is gone): only then is a stored
   * result under the snapshot's key a result for the files as they are now. True without a look for a snapshot taken
   * before a command of the run started (see `quiet`). When it looked and they are intact, their states are taken as
   * {@link InputTree.settle} takes them (it then has nothing left to look at): a change from then on is one
   * {@link InputTree.unchanged} sees.
   */
  vouchedIntact(snapshot: InputSnapshot): boolean {
    if (snapshot.quiet || snapshot.vouched.length === 0) return true;
    const states: Array<[string, FileState]> = [];
    for (const path of snapshot.vouched) {
      if (this.revokedAt(path)) return false;
      try {
        const stat = lstatSync(path);
        if (changedSinceListing(stat, snapshot.listedAt)) return false;
        states.push([path, stateOf(stat)]);
      } catch {
        return false;
      }
    }
    for (const [path, state] of states) snapshot.states.set(path, state);
    snapshot.vouched = [];
    return true;
  }

  /**
   * Whether every file of the snapshot is still as it was when hashed and none git vouched for (states not taken) has
   * changed since git was asked, whenever the snapshot was taken: what a key computed from it names still holds.
   * `looked` keeps the stats taken (absolute path → stats, undefined when gone) for other snapshots of the same look.
   */
  intact(snapshot: InputSnapshot, looked: Map<string, Stats | undefined> = new Map()): boolean {
    // `looked`: the stats already taken for this look (the snapshots of a chain of requirements share their files).
    const stat = (path: string): Stats | undefined => {
      if (looked.has(path)) return looked.get(path);
      let found: Stats | undefined;
      try {
        found = lstatSync(path, { throwIfNoEntry: false });
      } catch {
        found = undefined;
      }
      looked.set(path, found);
      return found;
    };
    for (const path of snapshot.vouched) {
      if (this.revokedAt(path)) return false;
      const found = stat(path);
      if (found === undefined || changedSinceListing(found, snapshot.listedAt)) return false;
    }
    for (const [path, state] of snapshot.states) {
      const found = stat(path);
      if (found === undefined || !sameState(stateOf(found), state)) return false;
    }
    return true;
  }

  /** Whether every file of the snapshot is still as it was when hashed (same size, times, inode and mode). */
  unchanged(snapshot: InputSnapshot): boolean {
    for (const [path, state] of snapshot.states) {
      try {
        if (!sameState(stateOf(lstatSync(path)), state)) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the listing of this run names `path` (true when that is not known: git did not answer yet). Without the
   * whole listing made, its records tell, or the walk when there is no git.
   */
  private lists(path: string): boolean {
    if (this.listed !== undefined) return this.listed.has(path);
    if (!this.answered) return true;
    const index = this.records();
    if (index === undefined) return this.wholeListing().has(path);
    return index.lists(path) && !this.excluded.some((prefix) => path.startsWith(prefix));
  }

  /**
   * The glob lists the config's checks use: remembered inputs of any other (a check removed, its inputs edited) are
   * dropped when the stat cache is written, and it is written for that alone.
   */
  useOnly(globLists: Iterable<readonly string[]>): void {
    this.used = new Set(Array.from(globLists, (globs) => JSON.stringify(globs)));
  }

  /** Whether remembered inputs are kept for a glob list no check of the config uses (see {@link InputTree.useOnly}). */
  private unused(key: string): boolean {
    return this.used !== undefined && !this.used.has(key);
  }

  /** Writes the stat cache back when it learned something, leaving out files changed too recently to trust. */
  save(now = Date.now()): void {
    const stale = [...this.remembered.keys()].some((key) => this.unused(key));
    if ((!this.dirty && !stale) || this.stats === undefined || this.statFile === undefined) return;
    const entries: unknown[] = [];
    for (const [path, entry] of this.stats) {
      // A file gone from the folder (or now vouched for by git) is forgotten: the stat cache does not grow forever.
      if (!this.lists(path) || this.vouched.has(path)) continue;
      // Nor one hashed within the racy margin of the file's change: a write in that instant may not have moved its state.
      if (racy(entry, now) || racyHash(entry)) continue;
      entries.push([path, entry.size, entry.mtimeMs, entry.ctimeMs, entry.ino, entry.mode, entry.hash]);
    }
    // Remembered inputs that hold for the listing of this run only; one holding a file changed too recently is not kept.
    const remembered: unknown[] = [];
    for (const [key, entry] of this.remembered) {
      const { digest, files, vouched, listing } = entry;
      if (this.raw === undefined || this.unused(key) || !this.holdsFor(entry)) continue;
      if (files.some(([path, state]) => state !== null && (racy(state, now) || isRacyHash(this.stats?.get(path))))) continue;
      const stored = files.map(([path, state]) => (state === null ? [path] : [path, state.size, state.mtimeMs, state.ctimeMs, state.ino, state.mode]));
      remembered.push([key, digest, stored, vouched, listing, this.wholeHash(this.raw)]);
    }
    try {
      replaceFileSync(this.statFile, JSON.stringify({ format: CACHE_FORMAT, dir: this.dir, entries, ...(remembered.length > 0 ? { remembered } : {}) }));
      this.dirty = false;
    } catch {
      // a full disk, a folder gone: the next run hashes again
    }
  }
}

/** The file name of the stat cache of a config folder, inside the cache folder. */
export function statFileName(dir: string): string {
  return `stat-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.json`;
}
