// Node 22.1 and later keep V8's compiled code of the CLI's modules on disk (module.enableCompileCache): every start
// after the first skips most of their compiling. Node 20 has no such cache for ES modules; the code `fanout check`
// runs is also built as a classic script (see runCachedScript), whose compiled code V8 gives and takes on any Node.
import { closeSync, fstatSync, lstatSync, lutimesSync, openSync, readdirSync, readFileSync, realpathSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDirSync } from '../common/make-dir.js';
import { openOwnFileSync, privateFolderProblem, replaceFileSync } from '../common/safe-file.js';

/** What `node:module` offers for the cache; `enableCompileCache` is absent before Node 22.1. */
export interface CompileCacheHost {
  enableCompileCache?: ((directory?: string) => unknown) | undefined;
}

/**
 * The folder of the CLI's compile cache: `$XDG_CACHE_HOME/fanout/compile-cache`, else `~/.cache/fanout/compile-cache`
 * (POSIX paths) — a folder of the user's own, never a shared temporary folder where another user could plant compiled code. Null
 * when neither variable holds an absolute path.
 */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const base = (path: string) => path.replace(/\/+$/, '');
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg.startsWith('/')) return `${base(xdg)}/fanout/compile-cache`;
  const home = env.HOME;
  return home !== undefined && home.startsWith('/') ? `${base(home)}/.cache/fanout/compile-cache` : null;
}

/** Whether a folder on the way to the cache belongs to this user or to root, the only owners trusted with one. */
const trusted = (stat: Stats, me: number) => stat.uid === me || stat.uid === 0;

/**
 * Why another user could put something else in the place of `path` (a folder) through a folder above it, or undefined
 * when no one can: each folder above, up to the root, must be this user's or root's and writable by no one else —
 * unless it is sticky (as /tmp), where only an entry's owner may rename or remove it, and then the entry in it on the
 * way must be this user's or root's. A link on the way is judged as an entry (its mode says nothing); where it leads is
 * judged by walking the real path too. One lstat a folder: this runs at every start of the CLI.
 */
function aboveProblem(path: string, me: number): string | undefined {
  let below = lstatSync(path);
  for (let folder = dirname(path), last = path; folder !== last; last = folder, folder = dirname(folder)) {
    const stat = lstatSync(folder);
    if (!trusted(stat, me)) return `${folder} belongs to another user (uid ${stat.uid})`;
    if (!stat.isSymbolicLink() && (stat.mode & 0o022) !== 0) {
      if ((stat.mode & 0o1000) === 0) return `others may write to ${folder} (mode ${(stat.mode & 0o777).toString(8)})`;
      if (!trusted(below, me)) return `${last} belongs to another user (uid ${below.uid}) in the shared folder ${folder}`;
    }
    below = stat;
  }
  return undefined;
}

/**
 * Turns Node's on-disk compile cache on for this process, where Node has one (22.1 and later) and the user did not
 * choose otherwise: NODE_DISABLE_COMPILE_CACHE keeps it off, NODE_COMPILE_CACHE (a folder of the user's choosing)
 * has Node turn it on itself. The folder is made private (mode 0700) and used only while it is a real folder of this
 * user that no one else may write to, below folders no one else may change (see aboveProblem): code another user
 * planted there, or in a folder put in its place, would run as this one (XDG_CACHE_HOME may well name a folder under
 * /tmp). Never throws: a cache that cannot be used only means compiling as before.
 *
 * @param env @default process.env
 * @param host @default `node:module`
 * @returns the folder it asked Node to use, or null when it asked for nothing
 * @example
 * ```ts
 * import { enableCompileCache } from './compile-cache.js';
 *
 * enableCompileCache(); // before the CLI's modules are imported
 * ```
 */
export function enableCompileCache(env: Readonly<Record<string, string | undefined>> = process.env, host: CompileCacheHost = process.getBuiltinModule('node:module') as CompileCacheHost): string | null {
  if (typeof host.enableCompileCache !== 'function' || env.NODE_DISABLE_COMPILE_CACHE !== undefined || env.NODE_COMPILE_CACHE !== undefined) return null;
  const directory = usableCacheDir(env);
  if (directory === null) return null;
  try {
    host.enableCompileCache(directory);
  } catch {
    return null;
  }
  return directory;
}

/**
 * The compile-cache folder ({@link compileCacheDir}), made private (mode 0700), when it is a real folder of this
 * user that no one else may write to, below folders no one else may change (see aboveProblem): code another user
 * planted there, or in a folder put in its place, would run as this one (XDG_CACHE_HOME may well name a folder under
 * /tmp). Null otherwise; never throws.
 */
function usableCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const directory = compileCacheDir(env);
  if (directory === null) return null;
  try {
    makeDirSync(directory, 0o700);
    if (privateFolderProblem(directory) !== undefined) return null;
    // Where there are no user ids (Windows), the mode bits say nothing about who may write.
    const me = process.getuid?.();
    if (me !== undefined) {
      if (aboveProblem(directory, me) !== undefined) return null;
      const real = realpathSync.native(directory);
      if (real !== directory && aboveProblem(real, me) !== undefined) return null;
    }
  } catch {
    return null;
  }
  return directory;
}

/** The largest compiled code read back: V8's for the check script is a few hundred kilobytes. */
const MAX_CODE_CACHE_BYTES = 64 * 1024 * 1024;

/** The bytes of `path` when it is a regular file of this user of at most {@link MAX_CODE_CACHE_BYTES}. */
function readOwnBytes(path: string): Buffer | undefined {
  const fd = openOwnFileSync(path);
  if (fd === undefined) return undefined;
  try {
    return fstatSync(fd).size > MAX_CODE_CACHE_BYTES ? undefined : readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** How {@link runCachedScript} runs a script; the build writes the call. */
export interface CachedScript {
  /** The script's file: the body of a function, in ASCII (the build escapes every other character). */
  file: URL;
  /** A digest of the script's text at build time, which names its compiled code in the cache. */
  key: string;
  /** The names the body uses for what the module it was built from imported, in the order of `values`. */
  names: readonly string[];
  values: readonly unknown[];
}

/**
 * The header of a file of compiled code: V8 checks only a header of its own and the length of the text, so a file
 * whose bytes were changed (a disk error, a hand edit) would be run as it is — V8 then crashes the process, at every
 * start — and a same-length edit of the script (a hotfix) would run the old code. The header holds the identity of
 * the script file read (device, inode, size, modification and change times in nanoseconds: any write to the file or
 * a file put in its place changes the change time, which no one can set back) and a checksum of the compiled code;
 * the code is given to V8 only when both match. Neither costs a module load: node:crypto and node:zlib each take
 * 1.5–2.5 ms to load, more than the checksum is worth.
 */
const MAGIC = 'fanoutv8';
const TEXT_ID_BYTES = 40;
/** magic, the format, who wrote the file, two spare bytes, the code's checksum and length, the text's identity. */
const HEADER_BYTES = MAGIC.length + 4 + 8 + TEXT_ID_BYTES;
const FORMAT = 2;
/** The writer byte: a run that compiled what a `fanout check` run compiles, or anything else (help, a failed load). */
const BY_CHECK_RUN = 1;
const BY_OTHER = 0;

/**
 * FNV-1a over 32-bit little-endian words, as WebAssembly: `h(length)` sums the first `length` bytes of memory `m`.
 * A JavaScript loop takes about 2 ms over the 270 KB of compiled code in a fresh process (it runs interpreted), this
 * well under one. Any single changed word changes the sum (each step is a bijection of the running sum).
 */
const CHECKSUM_WASM = '0061736d0100000001060160017f017f03020100050301000107090201680000016d02000a36013401027f41c5bbf28878210202400340200120004f0d01200220012802007341938380086c2102200141046a21010c000b0b20020b';

/** The part of WebAssembly {@link checksum} uses (the TypeScript library of this project has no DOM types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { m: { buffer: ArrayBuffer; grow(pages: number): number }; h: (length: number) => number } };
}

/** The checksum of `bytes`; undefined where WebAssembly is off (`--jitless`): no cache then. */
function checksum(bytes: Uint8Array): number | undefined {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const { exports } = new wasm.Instance(new wasm.Module(Buffer.from(CHECKSUM_WASM, 'hex')));
    const memory = exports.m;
    const length = (bytes.length + 3) & ~3;
    const pages = Math.ceil(length / 65_536) - memory.buffer.byteLength / 65_536;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer).set(bytes); // the rest of the last word stays zero
    return exports.h(length) >>> 0;
  } catch {
    return undefined;
  }
}

/** The identity of the open file `fd` (see HEADER_BYTES' note). */
function textIdentity(fd: number): Buffer {
  const stat = fstatSync(fd, { bigint: true });
  const id = Buffer.alloc(TEXT_ID_BYTES);
  [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].forEach((value, index) => id.writeBigUInt64LE(BigInt.asUintN(64, value), index * 8));
  return id;
}

/** The compiled code in `file` and who wrote it, when its header matches the text read and the code itself. */
function validCode(file: Buffer, textId: Buffer): { code: Buffer; writer: number } | undefined {
  if (file.length <= HEADER_BYTES || file.toString('latin1', 0, MAGIC.length) !== MAGIC || file[MAGIC.length] !== FORMAT) return undefined;
  const at = MAGIC.length + 4;
  if (!file.subarray(at + 8, HEADER_BYTES).equals(textId)) return undefined;
  const code = file.subarray(HEADER_BYTES);
  if (file.readUInt32LE(at + 4) !== code.length || file.readUInt32LE(at) !== checksum(code)) return undefined;
  return { code, writer: file[MAGIC.length + 1] ?? BY_OTHER };
}

/** The file of `code` compiled from the text of identity `textId`, by a run of `writer`; undefined without a checksum. */
function codeFile(code: Buffer, textId: Buffer, writer: number): Buffer | undefined {
  const sum = checksum(code);
  if (sum === undefined) return undefined;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 'latin1');
  header[MAGIC.length] = FORMAT;
  header[MAGIC.length + 1] = writer;
  header.writeUInt32LE(sum, MAGIC.length + 4);
  header.writeUInt32LE(code.length, MAGIC.length + 8);
  textId.copy(header, MAGIC.length + 12);
  return Buffer.concat([header, code]);
}

/** What {@link runCachedScript} did with the compiled code, once the process exits. */
let codeUse: { used: boolean; written: boolean } | undefined;

/**
 * Whether V8 took the compiled code read from the cache, and whether the exit wrote it again: set by the exit
 * handler of {@link runCachedScript}, so read by an exit handler registered after the script ran. Undefined when no
 * script ran with a usable cache folder.
 *
 * @example
 * ```ts
 * import { compiledCodeUse } from './compile-cache.js';
 *
 * process.once('exit', () => console.log(compiledCodeUse()));
 * ```
 */
export function compiledCodeUse(): { used: boolean; written: boolean } | undefined {
  return codeUse;
}

/** 64-bit FNV-1a of a text's UTF-16 units, as 12 hex digits: a name, not a secret. */
function shortHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < text.length; index += 1) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(index))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0').slice(0, 12);
}

/**
 * A name for the flags Node was started with, empty when there are none: V8 refuses code compiled under other flags,
 * so runs that alternate between flags keep one file each instead of writing the one file at every run.
 * (`v8.cachedDataVersionTag()` says the same, but loading `node:v8` costs about 1.5 ms at every start.)
 */
function flagsTag(env: Readonly<Record<string, string | undefined>>): string {
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join('\0');
  return flags === '' ? '' : `-${shortHash(flags)}`;
}

/**
 * A name for the place of the script's file: the code kept is tied to that very file (its header names the file's
 * device, inode and times), so two installs of one version (a global one and a project's, two checkouts) that shared
 * one file would each find the other's code, refuse it, and write theirs at every run. A rebuild in place keeps the
 * name (its code is written again once).
 */
function placeTag(path: string): string {
  // 32-bit FNV-1a, no BigInt: this runs at every start. Two places whose names collide share one file, whose header
  // still refuses the other's code: never the wrong code.
  let hash = 0x811c9dc5;
  for (let index = 0; index < path.length; index += 1) hash = Math.imul(hash ^ path.charCodeAt(index), 0x01000193);
  return `-at${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/** Whether this process ran a `fanout check` to its report (see {@link noteCheckRunDone}). */
let checkRunDone = false;

/**
 * Says that this process ran `fanout check` to its report: the compiled code then holds the functions such a run
 * compiles, and is the one worth keeping. A cache written by a run that compiled less (`fanout check --help`, a
 * config that failed to load) is written again, once, at the exit of such a run.
 *
 * @example
 * ```ts
 * import { noteCheckRunDone } from './compile-cache.js';
 *
 * noteCheckRunDone();
 * ```
 */
export function noteCheckRunDone(): void {
  checkRunDone = true;
}

/** The files of compiled code this CLI writes (see runCachedScript), and the temporary ones of a write cut short. */
const CODE_FILE = /^[0-9a-f]{24}-v\d+\.\d+\.\d+-[a-z0-9]+(?:-[0-9a-f]{12})?(?:-at[0-9a-f]{8})?\.v8$/;
const TEMPORARY_CODE_FILE = /^[0-9a-f]{24}-v\d+\.\d+\.\d+-[a-z0-9]+(?:-[0-9a-f]{12})?(?:-at[0-9a-f]{8})?\.v8\.[0-9a-f]{16}\.tmp$/;
/** Code kept by another build, Node or set of flags, not used for this long: most likely never used again. */
const UNUSED_CODE_MS = 30 * 24 * 60 * 60 * 1000;
/** A temporary file this old is what a killed write left. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;
/**
 * Files kept of one build, Node and set of flags, one per place of the script (see placeTag), newest first: installs in
 * fresh folders (CI's, npx's, copies) would otherwise leave one each for {@link UNUSED_CODE_MS}.
 */
const MAX_PLACES = 8;
/** A file used is marked used (its time set) when it was last written this long ago, so that pruning keeps it. */
const MARK_USED_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Sets the time of the file `path` (code just used) when it was written more than {@link MARK_USED_MS} ago: pruning
 * judges a file by its time, and code in use for a month would otherwise look unused. Never throws.
 */
function markUsed(path: string): void {
  try {
    const now = Date.now();
    if (now - lstatSync(path).mtimeMs > MARK_USED_MS) lutimesSync(path, now / 1000, now / 1000);
  } catch {
    // gone, or not ours to touch: compiled again at worst
  }
}

/**
 * Removes the files of compiled code in `folder` (named as this CLI names them, other than `current`) not written for
 * {@link UNUSED_CODE_MS}, and temporary ones older than {@link STALE_TEMPORARY_MS}: each upgrade would otherwise leave
 * a few hundred kilobytes behind for good. Only regular files of this user (lstat: a link is never followed, nor
 * removed); the folder is private, so what was judged is what is removed. Never throws.
 */
function pruneCodeFiles(folder: string, current: string): void {
  try {
    const now = Date.now();
    const me = process.getuid?.();
    // The files kept of each build, Node and set of flags (the name without its place), with their times.
    const places = new Map<string, Array<{ path: string; mtimeMs: number; ino: number }>>();
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const code = CODE_FILE.test(name);
      const limit = code ? UNUSED_CODE_MS : TEMPORARY_CODE_FILE.test(name) ? STALE_TEMPORARY_MS : undefined;
      if (limit === undefined) continue;
      try {
        const stat = lstatSync(path);
        if (!stat.isFile() || (me !== undefined && stat.uid !== me)) continue;
        if (path !== current && now - stat.mtimeMs > limit) unlinkSync(path);
        else if (code) {
          const group = name.replace(/-at[0-9a-f]{8}\.v8$/, '.v8');
          let kept = places.get(group);
          if (kept === undefined) places.set(group, (kept = []));
          // The current file counts as the newest: it was just written.
          kept.push({ path, mtimeMs: path === current ? Infinity : stat.mtimeMs, ino: stat.ino });
        }
      } catch {
        // gone already
      }
    }
    for (const kept of places.values()) {
      if (kept.length <= MAX_PLACES) continue;
      kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
      for (const { path, mtimeMs, ino } of kept.slice(MAX_PLACES)) {
        try {
          // The file judged, not one another run wrote at that name since.
          const again = lstatSync(path);
          if (again.ino === ino && again.mtimeMs === mtimeMs) unlinkSync(path);
        } catch {
          // gone already
        }
      }
    }
  } catch {
    // an unreadable folder: nothing removed
  }
}

/**
 * Runs a classic script, a function body (strict mode) that returns what its module exports, with V8's compiled code
 * of it from the compile-cache folder where there is one, and returns that. Node 20 keeps no compiled code of ES
 * modules, and compiling the code `fanout check` runs is a good part of its start; a script's compiled code V8 gives
 * (`createCachedData`) and takes back (`cachedData`) on any Node. One file is kept for each build, Node, set of flags
 * and place of the script (see placeTag). The code is given to V8 only when the file's header
 * matches the text read now and the code itself (a digest of each), and is kept once the process exits, so that it
 * holds the functions the run compiled too: when none was usable or V8 refused it (another V8, other flags), and once
 * more when a `fanout check` run ({@link noteCheckRunDone}) finds code kept by a run that compiled less; a write
 * removes the code of other builds unused for 30 days and keeps at most 8 places of one build (see pruneCodeFiles). A process ended by a signal keeps nothing. The folder is used only as {@link enableCompileCache} uses it (the code read there
 * runs as this user); NODE_DISABLE_COMPILE_CACHE keeps it unused. Never fails because of the cache: a folder or a file
 * that cannot be used only means compiling. {@link compiledCodeUse} tells, once the process exits, what it did.
 *
 * @param env @default process.env
 * @returns what the script returns
 * @example
 * ```ts
 * import { runCachedScript } from './compile-cache.js';
 *
 * const exports = runCachedScript({ file: new URL('./check.script.js', import.meta.url), key: 'k1', names: ['version'], values: ['1.0.0'] });
 * ```
 */
export function runCachedScript(script: CachedScript, env: Readonly<Record<string, string | undefined>> = process.env): unknown {
  const { Script } = process.getBuiltinModule('node:vm');
  const path = fileURLToPath(script.file);
  const fd = openSync(path, 'r');
  let text: Buffer;
  let textId: Buffer;
  try {
    textId = textIdentity(fd);
    text = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  // On the body's first line: the lines of an error's stack are those of the file.
  const source = `(function (${script.names.join(', ')}) {"use strict";${text.toString('latin1')}\n})`;
  const folder = env.NODE_DISABLE_COMPILE_CACHE === undefined ? usableCacheDir(env) : null;
  const cacheFile = folder === null ? undefined : join(folder, `${script.key}-${process.version}-${process.arch}${flagsTag(env)}${placeTag(path)}.v8`);
  const bytes = cacheFile === undefined ? undefined : readOwnBytes(cacheFile);
  const found = bytes === undefined ? undefined : validCode(bytes, textId);
  const compiled = new Script(source, { filename: path, ...(found === undefined ? {} : { cachedData: found.code }) });
  const used = found !== undefined && compiled.cachedDataRejected !== true;
  if (cacheFile !== undefined) {
    process.once('exit', () => {
      const writer = checkRunDone ? BY_CHECK_RUN : BY_OTHER;
      const write = !used || (writer === BY_CHECK_RUN && found.writer !== BY_CHECK_RUN);
      codeUse = { used, written: write };
      if (!write) {
        markUsed(cacheFile);
        return;
      }
      try {
        const file = codeFile(compiled.createCachedData(), textId, writer);
        if (file !== undefined) replaceFileSync(cacheFile, file, 0o600, true);
      } catch {
        // a full disk: compiled again next time
      }
      pruneCodeFiles(dirname(cacheFile), cacheFile);
    });
  }
  return (compiled.runInThisContext() as (...values: readonly unknown[]) => unknown)(...script.values);
}
