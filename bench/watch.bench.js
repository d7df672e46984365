// @ts-check
// The inotify watches `fanout watch` holds, against Node's recursive fs.watch, on a repository with 50 source folders
// and a git-ignored node_modules of 20,000 folders. A watch is a line starting with `inotify` in
// /proc/<pid>/fdinfo/<fd> of the process's inotify descriptor. Each contender runs in a fresh node process.
// Rounds are interleaved (bench/lib/harness.js): BENCH_RUNS (default 3, --full 5).
//   node bench/run.js --quick watch    writes its section of docs/benchmarks.md (Linux only)
//   WATCH_BENCH_MODULES=2000 BENCH_RUNS=1 node bench/watch.bench.js    a quick look (default 20,000 folders)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, profile, scaled, startSuite, timeProcess } from './lib/harness.js';

const MODULES = Number(process.env.WATCH_BENCH_MODULES ?? scaled(20_000));
const RUNS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 5 : 3));
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
  const suite = startSuite({ suite: 'watch', title: 'Watch', rounds: RUNS });
  const dir = mkdtempSync(join(tmpdir(), 'fanout-watch-bench-'));
  try {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: ok\n    run: "true"\n');
    for (let i = 0; i < 50; i++) mkdirSync(join(dir, `src/m${i}`), { recursive: true });
    for (let i = 0; i < MODULES; i++) mkdirSync(join(dir, `node_modules/p${Math.floor(i / 20)}/d${i % 20}`), { recursive: true });
    const recursive = "Node's fs.watch(root, { recursive: true })";
    const cases = [
      { mode: 'fanout', label: '`fanout watch` (watchChecks)', peer: recursive },
      { mode: 'recursive', label: recursive, peer: 'no ignore list: every folder' },
    ];
    const measured = await interleave(RUNS, cases, ({ mode }) => {
      const { stdout } = timeProcess(process.execPath, [self, mode, dir], { timeout: 120_000 });
      const { watches, ready_ms: readyMs } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      return { watches, readyMs };
    });
    suite.table({
      title: `inotify watches on a repository of 50 source folders and a git-ignored node_modules of ${MODULES.toLocaleString('en')} folders`,
      note: 'Each contender runs in a fresh node process per round. A watch is a line starting with `inotify` in /proc/<pid>/fdinfo/<fd> of the process\'s inotify descriptor; ready: from the call to `watch:ready` (fanout), or until the count stops growing (Node walks the tree after fs.watch returns: the count is read every second, and the last second is not counted).',
      columns: [
        { key: 'watches', label: 'inotify watches', digits: 0 },
        { key: 'readyMs', label: 'ready, ms' },
      ],
      // The peer's figure over fanout's (medians): how many times fewer watches, how many times sooner ready.
      ratios: [
        { key: 'watches', label: "peer's watches ÷ these", invert: true },
        { key: 'readyMs', label: "peer's time to ready ÷ this", invert: true },
      ],
      rows: measured.map(({ item, samples, error }) => ({ label: item.label, peer: item.peer, samples, ...(error === undefined ? {} : { error }) })),
    });
    suite.finish();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
