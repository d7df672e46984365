// @ts-check
// The inotify watches `fanout watch` holds, against Node's recursive fs.watch, on a repository with 50 source folders
// and a git-ignored node_modules of 20,000 folders. A watch is a line starting with `inotify` in
// /proc/<pid>/fdinfo/<fd> of the process's inotify descriptor. Each contender runs in a fresh node process.
// Usage: npx tsdown && node bench/run.js watch   (Linux only; env WATCH_BENCH_MODULES=N, default 20000)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULES = Number(process.env.WATCH_BENCH_MODULES ?? 20_000);
const self = fileURLToPath(import.meta.url);

/** The inotify watches this process holds. */
function inotifyWatches() {
  let total = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target === 'anon_inode:inotify') total += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((line) => line.startsWith('inotify')).length;
  }
  return total;
}

const [mode, root] = process.argv.slice(2);
if (mode === 'fanout' && root !== undefined) {
  const { watchChecks } = await import('../dist/checks.js');
  const controller = new AbortController();
  const started = performance.now();
  await watchChecks({
    config: join(root, 'fanout.yaml'),
    cwd: root,
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type !== 'watch:ready') return;
      console.log(JSON.stringify({ mode, watches: inotifyWatches(), folders: event.folders, ready_ms: Math.round(performance.now() - started) }));
      controller.abort();
    },
  });
} else if (mode === 'recursive' && root !== undefined) {
  const started = performance.now();
  const watcher = watch(root, { recursive: true }, () => {});
  // Node 20 walks the tree after fs.watch returns: the count is read once it stops growing.
  let last = -1;
  let now = inotifyWatches();
  while (now !== last) {
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    now = inotifyWatches();
  }
  console.log(JSON.stringify({ mode, watches: now, ready_ms: Math.round(performance.now() - started - 1000) }));
  watcher.close();
} else {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-watch-bench-'));
  try {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: ok\n    run: "true"\n');
    for (let i = 0; i < 50; i++) mkdirSync(join(dir, `src/m${i}`), { recursive: true });
    for (let i = 0; i < MODULES; i++) mkdirSync(join(dir, `node_modules/p${Math.floor(i / 20)}/d${i % 20}`), { recursive: true });
    console.log(`repository: 50 source folders, a git-ignored node_modules of ${MODULES} folders`);
    for (const contender of ['fanout', 'recursive']) {
      const run = spawnSync(process.execPath, [self, contender, dir], { encoding: 'utf8', timeout: 120_000 });
      console.log(run.stdout.trim() || `${contender}: failed: ${run.stderr.trim()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
