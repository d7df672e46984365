// The watcher of `fanout watch` on a real tree: one inotify watch per folder it may enter, none for .git, the log
// folder or git-ignored folders, folders made after it started, git-ignored files never reported, nothing left once
// stopped. Every wait is for an event, never a sleep.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchTree, type TreeWatcher } from '../../src/checks/watch-tree.js';
import { tempDir } from '../cli/helpers.js';

/** The inotify watches this process holds: the lines of its inotify descriptors' fdinfo that start with `inotify`. */
function inotifyWatches(): number {
  let total = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor readdir itself used
    }
    if (target !== 'anon_inode:inotify') continue;
    total += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((line) => line.startsWith('inotify')).length;
  }
  return total;
}

/** A git repository with src/ (3 folders), a git-ignored node_modules of `modules` folders, and a log folder. */
function repository(modules: number): string {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n*.log\n');
  mkdirSync(join(dir, 'src/a/b'), { recursive: true });
  writeFileSync(join(dir, 'src/a/b/x.ts'), '1');
  mkdirSync(join(dir, '.fanout/runs/run-1'), { recursive: true });
  for (let i = 0; i < modules; i++) mkdirSync(join(dir, `node_modules/p${Math.floor(i / 20)}/d${i % 20}`), { recursive: true });
  return dir;
}

/** Starts a watcher whose batches can be awaited one by one. */
function start(root: string, signal: AbortSignal): { tree: TreeWatcher; batches: string[][]; until: (predicate: (path: string) => boolean) => Promise<string[][]> } {
  const batches: string[][] = [];
  let waiter: (() => void) | undefined;
  const tree = watchTree({
    root,
    exclude: [join(root, '.fanout/runs')],
    signal,
    onChange: (paths) => {
      batches.push(paths);
      waiter?.();
    },
    onError: (error) => {
      throw error;
    },
  });
  /** Resolves with every batch so far once one holds a path matching `predicate`. */
  const until = async (predicate: (path: string) => boolean) => {
    while (!batches.some((batch) => batch.some(predicate))) await new Promise<void>((resolve) => (waiter = resolve));
    return batches;
  };
  return { tree, batches, until };
}

describe('watchTree', () => {
  it('holds one inotify watch per folder it may enter: a git-ignored node_modules of 20,000 folders adds none, and stopping removes them all', async () => {
    const dir = repository(20_000);
    const before = inotifyWatches();
    const controller = new AbortController();
    const { tree } = start(dir, controller.signal);
    await tree.ready;
    // root, src, src/a, src/a/b, .fanout: not .git (with its own folders), not .fanout/runs, not node_modules.
    expect(tree.folders).toBe(5);
    expect(inotifyWatches() - before).toBe(5);
    controller.abort();
    expect(inotifyWatches()).toBe(before);
  }, 60_000);

  it('reports changed files, sees folders made after it started, and never reports git-ignored or log files', async () => {
    const dir = repository(10);
    const controller = new AbortController();
    const { tree, until } = start(dir, controller.signal);
    await tree.ready;
    writeFileSync(join(dir, 'src/a/b/x.ts'), '2');
    await until((path) => path.endsWith('x.ts'));

    // Created at once with a file in its deepest folder: the file may predate the folder's watch; it is reported.
    mkdirSync(join(dir, 'late/deeper/deepest'), { recursive: true });
    writeFileSync(join(dir, 'late/deeper/deepest/first.ts'), '1');
    await until((path) => path.endsWith('first.ts'));
    // And the new folders are watched from then on.
    writeFileSync(join(dir, 'late/deeper/deepest/second.ts'), '1');
    await until((path) => path.endsWith('second.ts'));

    // Ignored: a file matching *.log, a file in node_modules, a new git-ignored folder's content, the log folder.
    writeFileSync(join(dir, 'debug.log'), 'x');
    writeFileSync(join(dir, 'node_modules/p0/d0/index.js'), 'x');
    mkdirSync(join(dir, 'node_modules/fresh/lib'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/fresh/lib/a.js'), 'x');
    writeFileSync(join(dir, '.fanout/runs/run-1/a.log'), 'x');
    writeFileSync(join(dir, '.git/HEAD.lock'), 'x');
    // Written last: once it is reported, everything written before it has been seen or dropped.
    writeFileSync(join(dir, 'src/sentinel.ts'), 'x');
    const batches = await until((path) => path.endsWith('sentinel.ts'));
    const reported = batches.flat().map((path) => path.slice(dir.length + 1));
    expect(reported.filter((path) => path.includes('node_modules') || path.endsWith('.log') || path.startsWith('.git') || path.startsWith('.fanout/runs'))).toEqual([]);
    expect(reported).toEqual(expect.arrayContaining(['src/a/b/x.ts', 'late/deeper/deepest/first.ts', 'late/deeper/deepest/second.ts', 'src/sentinel.ts']));
    controller.abort();
  });

  it('reports a burst of 1,000 writes made in one go in one batch', async () => {
    const dir = repository(0);
    const controller = new AbortController();
    const { tree, batches, until } = start(dir, controller.signal);
    await tree.ready;
    for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `src/file-${i}.ts`), String(i));
    await until((path) => path.endsWith('file-999.ts'));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
    controller.abort();
  });

  it('outside a repository, still leaves out .git and the excluded folders', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git/objects'), { recursive: true });
    mkdirSync(join(dir, '.fanout/runs/x'), { recursive: true });
    mkdirSync(join(dir, 'src'));
    const controller = new AbortController();
    const { tree } = start(dir, controller.signal);
    await tree.ready;
    expect(tree.folders).toBe(3); // root, .fanout, src
    controller.abort();
    expect(tree.folders).toBe(0);
  });
});
