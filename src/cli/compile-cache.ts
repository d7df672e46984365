// Node 22.1 and later keep V8's compiled code of the CLI's modules on disk (module.enableCompileCache): every start
// after the first skips most of their compiling. Node 20 has no such cache for ES modules; there this does nothing.
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirSync } from '../common/make-dir.js';
import { privateFolderProblem } from '../common/safe-file.js';

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
    host.enableCompileCache(directory);
  } catch {
    return null;
  }
  return directory;
}
