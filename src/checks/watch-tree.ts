// The file watcher of `fanout watch`: one non-recursive fs.watch per folder of the tree, pruned as it is walked.
// Node's recursive fs.watch on Linux (Node 20) walks and watches every folder, node_modules and .git included, and
// takes no ignore list; this one never enters `.git`, the log folder or a git-ignored folder, so a node_modules of
// 20,000 folders costs no inotify watch. Folders created later are walked and watched when their creation is seen.
import { execFile } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { FanoutError, messageOf } from '../common/errors.js';

/** Options of {@link watchTree}. */
export interface WatchTreeOptions {
  /** The folder watched, with every folder below it that is not pruned. */
  root: string;
  /** Absolute folders never entered besides `.git` and the git-ignored ones (the log folder). @default [] */
  exclude?: readonly string[] | undefined;
  /**
   * Called with the absolute paths changed since the last call (files written, created, deleted or renamed, and the
   * files of a folder created after the watch began), git-ignored ones left out. Called once per batch of events the
   * watcher received together, never for an empty batch.
   */
  onChange: (paths: string[]) => void;
  /** Called when the watcher cannot go on (the system's limit of watches reached); it has closed itself. */
  onError: (error: WatchError) => void;
  /** Stops watching: every fs.watch is closed and every listener removed. */
  signal?: AbortSignal | undefined;
}

/** The tree being watched. */
export interface TreeWatcher {
  /** The folders watched now (one inotify watch each on Linux). */
  readonly folders: number;
  /** Resolves once the tree has been walked and every folder found is watched. */
  readonly ready: Promise<void>;
  /** Stops watching (as aborting `signal` does). */
  close(): void;
}

/**
 * The watcher failed: `ERR_WATCH_LIMIT` when the system refused another watch (raise
 * `fs.inotify.max_user_watches`, or git-ignore the big folders), `ERR_WATCH` otherwise.
 *
 * @example
 * ```ts
 * import { WatchError } from 'fanout/checks';
 * const error = new WatchError('ERR_WATCH_LIMIT', 'too many folders', { cause: new Error('ENOSPC') });
 * error.code; // 'ERR_WATCH_LIMIT'
 * ```
 */
export class WatchError extends FanoutError {
  declare readonly code: 'ERR_WATCH' | 'ERR_WATCH_LIMIT';
  constructor(code: 'ERR_WATCH' | 'ERR_WATCH_LIMIT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Runs git; resolves to its stdout, or undefined when it fails (not a repository, git missing). */
function git(args: string[], cwd: string, input?: string): Promise<{ code: number; stdout: string } | undefined> {
  return new Promise((done) => {
    const child = execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done(code === -1 ? undefined : { code, stdout });
    });
    child.stdin?.on('error', () => {}); // git may exit before reading all of it
    child.stdin?.end(input ?? '');
  });
}

/** The folders git ignores under `root` (absolute, no trailing separator), without entering them. */
async function ignoredFolders(root: string): Promise<Set<string>> {
  const result = await git(['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z', '--', '.'], root);
  const folders = new Set<string>();
  if (result?.code !== 0) return folders; // not in a repository: only .git and the excluded folders are left out
  for (const name of result.stdout.split('\0')) if (name.endsWith('/')) folders.add(resolve(root, name.slice(0, -1)));
  return folders;
}

/** Of `paths` (absolute), those git ignores; none outside a repository. One git process for all of them. */
export async function gitIgnored(root: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const result = await git(['check-ignore', '-z', '--stdin'], root, paths.map((path) => relative(root, path)).join('\0') + '\0');
  // Exit 1: none is ignored; 128: not a repository, or a path outside it.
  if (result?.code !== 0) return new Set();
  return new Set(result.stdout.split('\0').filter((name) => name !== '').map((name) => resolve(root, name)));
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * Watches `root` and every folder below it except `.git`, `exclude` and the git-ignored ones, with one non-recursive
 * fs.watch per folder. Changed paths come to `onChange` in batches; paths git ignores (a check's own build output)
 * never do. Nothing is watched once `signal` aborts or `close()` is called.
 *
 * @example
 * ```ts
 * import { watchTree } from './watch-tree.js';
 * const controller = new AbortController();
 * const watcher = watchTree({ root: process.cwd(), onChange: (paths) => console.log(paths), onError: () => controller.abort(), signal: controller.signal });
 * await watcher.ready;
 * controller.abort();
 * ```
 */
export function watchTree(options: WatchTreeOptions): TreeWatcher {
  const root = resolve(options.root);
  const exclude = (options.exclude ?? []).map((folder) => resolve(folder));
  const watchers = new Map<string, FSWatcher>();
  let ignored = new Set<string>();
  let closed = false;
  /** Paths seen since the last batch went out. */
  let pending = new Set<string>();
  let flushing: Promise<void> | undefined;

  /** True for a path in or below `.git`, an excluded folder or a git-ignored one. */
  const pruned = (path: string) => {
    if (path.split(sep).includes('.git') || exclude.some((folder) => isInside(path, folder))) return true;
    for (let at = path; isInside(at, root); at = dirname(at)) {
      if (ignored.has(at)) return true;
      if (at === root) break;
    }
    return false;
  };

  const close = () => {
    if (closed) return;
    closed = true;
    options.signal?.removeEventListener('abort', close);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };

  const fail = (error: unknown) => {
    if (closed) return;
    close();
    const limit = (error as NodeJS.ErrnoException).code === 'ENOSPC';
    options.onError(
      new WatchError(
        limit ? 'ERR_WATCH_LIMIT' : 'ERR_WATCH',
        limit ? `the system's limit of file watches is reached (${watchers.size} folders watched): raise fs.inotify.max_user_watches, or git-ignore the large folders` : `cannot watch the files: ${messageOf(error)}`,
        { cause: error },
      ),
    );
  };

  const unwatch = (folder: string) => {
    for (const [path, watcher] of watchers) {
      if (!isInside(path, folder)) continue;
      watcher.close();
      watchers.delete(path);
    }
  };

  /** Watches `folder` and walks it; with `report`, its files count as changed (they may predate its watch). */
  const add = async (folder: string, report: boolean): Promise<void> => {
    if (closed || watchers.has(folder) || pruned(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: true }, (_event, name) => seen(name === null ? folder : join(folder, name.toString())));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return; // gone, or not ours to read
      return fail(error);
    }
    // A watched folder deleted or moved away: its watch ends; the parent's event reports the change.
    watcher.on('error', () => unwatch(folder));
    watchers.set(folder, watcher);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      // Symbolic links are not followed: a link to / or to a cycle must not be walked.
      if (entry.isDirectory()) folders.push(path);
      else if (report) pending.add(path);
    }
    if (report && folders.length > 0) for (const path of await gitIgnored(root, folders)) ignored.add(path);
    await Promise.all(folders.map((path) => add(path, report)));
  };

  const seen = (path: string) => {
    if (closed) return;
    pending.add(path);
    flushing ??= flush().finally(() => {
      flushing = undefined;
      // Events that came after the batch's last look at them.
      if (pending.size > 0 && !closed) seen(root);
    });
  };

  /**
   * Sorts what came in: ignored paths dropped (and remembered), new folders watched and walked (their files join the
   * batch, sorted the same way), then one call to onChange.
   */
  const flush = async (): Promise<void> => {
    // Let the whole burst of events the loop has read come in first.
    await new Promise((done) => setImmediate(done));
    const out = new Set<string>();
    while (pending.size > 0 && !closed) {
      // `root` itself stands for "look again" (see seen()): a change of the root folder is no file of its own.
      const batch = [...pending].filter((path) => path !== root && isInside(path, root) && !pruned(path));
      pending = new Set();
      const ignoredNow = await gitIgnored(root, batch);
      for (const path of ignoredNow) ignored.add(path);
      const kept = batch.filter((path) => !ignoredNow.has(path));
      await Promise.all(
        kept.map(async (path) => {
          out.add(path);
          if (watchers.has(path)) return;
          const stats = await lstat(path).catch(() => undefined);
          if (stats === undefined) unwatch(path); // deleted or moved away: a folder's watches end with it
          else if (stats.isDirectory()) await add(path, true);
        }),
      );
    }
    if (out.size > 0 && !closed) options.onChange([...out]);
  };

  if (options.signal?.aborted) closed = true;
  else options.signal?.addEventListener('abort', close, { once: true });
  const ready = closed
    ? Promise.resolve()
    : ignoredFolders(root).then((folders) => {
        ignored = folders;
        return add(root, false);
      });
  return {
    get folders() {
      return watchers.size;
    },
    ready,
    close,
  };
}
