// @ts-check
// Concurrency core vs peers, side by side in one run: fanout's runWithConcurrency, processParallel and parallelMap
// against p-limit, p-map, async (caolan), bluebird and a hand-written floor (N coroutines pulling indices from a
// shared counter). Every case runs in its own process; the table shows the median of BENCH_RUNS (default 7).
//   node bench/run.js core                 full matrix
//   BENCH_RUNS=3 BENCH_SIZES=100000 node bench/run.js core    quicker look
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const LIMITS = (process.env.BENCH_LIMITS ?? '4,64,10000').split(',').map(Number);
const MODES = (process.env.BENCH_MODES ?? 'immediate,setImmediate,closure').split(',');
const IMPLS = (process.env.BENCH_IMPLS ?? 'floor,fanout.runWithConcurrency,fanout.processParallel,fanout.parallelMap,async,bluebird,p-map,p-limit').split(',');
const PEERS = ['async', 'bluebird', 'p-map', 'p-limit'];

/**
 * `immediate` and `setImmediate`: one shared task function (no async frame per task, the cheapest shape);
 * `closure`: a fresh `async () => { await new Promise(setImmediate); return i }` per task, the shape users write.
 * @param {string} mode
 * @returns {(i: number) => Promise<number>}
 */
function makeWork(mode) {
  if (mode === 'immediate') return () => Promise.resolve(1);
  if (mode === 'closure') {
    const make = (/** @type {number} */ i) => async () => {
      await new Promise(setImmediate);
      return i;
    };
    return (i) => make(i)();
  }
  return () => new Promise((resolve) => setImmediate(resolve, 1));
}

/**
 * Runs one case in this process; returns elapsed ms and the process's CPU ms over the same span.
 * @param {string} impl @param {number} n @param {number} c @param {string} mode
 */
async function runCase(impl, n, c, mode) {
  const work = makeWork(mode);
  const fanout = await import('../dist/index.js');
  const { default: pLimit } = await import('p-limit');
  const { default: pMap } = await import('p-map');
  const { default: async } = await import('async');
  const { default: Bluebird } = await import('bluebird');
  // Inputs are built before the clock starts: the table measures scheduling, not array construction.
  const items = Array.from({ length: n }, (_, i) => i);
  // Shared shapes: one function for every task. Closures: built inside the clock (below), as the others build theirs.
  const tasks = mode === 'closure' ? undefined : new Array(n).fill(work);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  switch (impl) {
    case 'floor': {
      let next = 0;
      const worker = async () => {
        while (next < n) await work(next++);
      };
      await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
      break;
    }
    case 'fanout.runWithConcurrency': {
      await fanout.runWithConcurrency({ tasks: tasks ?? items.map((i) => () => work(i)), maxConcurrency: c });
      break;
    }
    case 'fanout.processParallel': {
      await fanout.processParallel(items, work, { workers: c });
      break;
    }
    case 'fanout.parallelMap': {
      for await (const _ of fanout.parallelMap(items, work, { concurrency: c, ordered: true }));
      break;
    }
    case 'p-limit': {
      const limit = pLimit(c);
      await Promise.all(items.map((i) => limit(() => work(i))));
      break;
    }
    case 'p-map': {
      await pMap(items, work, { concurrency: c });
      break;
    }
    case 'async': {
      await async.mapLimit(items, c, async (/** @type {number} */ i) => work(i));
      break;
    }
    case 'bluebird': {
      await Bluebird.map(items, work, { concurrency: c });
      break;
    }
    default:
      throw new Error(`unknown implementation ${impl}`);
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Heap growth while a lazy 1M-item input streams through at concurrency 64, sampled after a forced GC mid-run. */
/** @param {string} impl */
async function runMemoryCase(impl) {
  const gc = /** @type {() => void} */ (globalThis.gc);
  const n = 1_000_000;
  const half = n / 2;
  const fanout = await import('../dist/index.js');
  gc();
  const base = process.memoryUsage().heapUsed;
  let mid = 0;
  const work = (/** @type {number} */ item) => {
    if (item === half) {
      gc();
      mid = process.memoryUsage().heapUsed - base;
    }
    return Promise.resolve(item);
  };
  function* lazy() {
    for (let i = 0; i < n; i++) yield i;
  }
  if (impl === 'fanout.parallelMap') {
    for await (const _ of fanout.parallelMap(lazy(), work, { concurrency: 64 }));
  } else if (impl === 'p-map') {
    const { default: pMap } = await import('p-map');
    await pMap(Array.from({ length: n }, (_, i) => i), work, { concurrency: 64 });
  } else if (impl === 'fanout.processParallel') {
    await fanout.processParallel(lazy(), work, { workers: 64 });
  }
  return mid;
}

function median(/** @type {number[]} */ values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * @param {string[]} args
 * @returns {{ ms: number; cpuMs: number; peakRssMb: number; heapMb: number } | { error: string }} heapMb for the memory case, the rest otherwise
 */
function child(args) {
  const out = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', self, '--case', ...args], { encoding: 'utf8' });
  if (out.status !== 0) return { error: (out.stderr || out.stdout).trim().split('\n').slice(-1)[0] ?? 'failed' };
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

if (process.argv[2] === '--case') {
  const [, , , kind, impl, n, c, mode] = process.argv;
  const rss0 = process.memoryUsage().rss;
  if (kind === 'memory') {
    const mid = await runMemoryCase(impl ?? '');
    console.log(JSON.stringify({ heapMb: mid / 1e6 }));
  } else {
    const { ms, cpuMs } = await runCase(impl ?? '', Number(n), Number(c), mode ?? 'immediate');
    const peakRssMb = (process.resourceUsage().maxRSS * 1024 - rss0) / 1e6;
    console.log(JSON.stringify({ ms, cpuMs, peakRssMb }));
  }
} else {
  console.log(`runs per case: ${RUNS} (median); tasks/s in millions; CPU = median process CPU ms over the timed call (on a loaded machine wall time counts waits for a CPU); RSS = peak RSS growth in MB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let misses = 0;
  for (const mode of MODES) {
    for (const n of SIZES) {
      for (const c of LIMITS) {
        /** @type {Record<string, { rate: number; cpuMs: number; rss: number } | { error: string }>} */
        const row = {};
        for (const impl of IMPLS) {
          const samples = [];
          let error;
          for (let r = 0; r < RUNS; r++) {
            const res = child(['throughput', impl, String(n), String(c), mode]);
            if ('error' in res) {
              error = res.error;
              break;
            }
            samples.push(res);
          }
          row[impl] =
            error !== undefined
              ? { error }
              : { rate: n / median(samples.map((s) => s.ms)) / 1000, cpuMs: median(samples.map((s) => s.cpuMs)), rss: median(samples.map((s) => s.peakRssMb)) };
        }
        const rate = (/** @type {string} */ k) => { const v = row[k]; return v && 'rate' in v ? v.rate : 0; };
        const bestPeer = Math.max(...PEERS.filter((p) => IMPLS.includes(p)).map(rate));
        const floor = rate('floor');
        console.log(`\n${mode}, ${n.toLocaleString('en')} tasks, concurrency ${c}; fastest peer ${bestPeer.toFixed(2)}M/s, floor ${floor.toFixed(2)}M/s`);
        for (const impl of IMPLS) {
          const v = row[impl];
          if (v === undefined) continue;
          if ('error' in v) {
            console.log(`  ${impl.padEnd(28)} error: ${v.error}`);
            continue;
          }
          let verdict = '';
          if (impl.startsWith('fanout.') && impl !== 'fanout.parallelMap') {
            const vsPeer = bestPeer > 0 ? v.rate / bestPeer : Number.NaN;
            const vsFloor = floor > 0 ? v.rate / floor : Number.NaN;
            const okPeer = vsPeer >= 0.9;
            const okFloor = c > 64 || vsFloor >= 0.5;
            if (!okPeer || !okFloor) misses++;
            verdict = `  ${vsPeer.toFixed(2)}x peer ${okPeer ? 'ok' : 'MISSED (target 0.9x)'}, ${vsFloor.toFixed(2)}x floor${c <= 64 ? (okFloor ? ' ok' : ' MISSED (target 0.5x)') : ''}`;
          }
          console.log(`  ${impl.padEnd(28)} ${v.rate.toFixed(2).padStart(6)}M/s  CPU ${v.cpuMs.toFixed(0).padStart(6)} ms  RSS +${v.rss.toFixed(0).padStart(5)} MB${verdict}`);
        }
      }
    }
  }
  console.log('\nheap growth (forced GC, mid-run) for a lazy 1M-item input at concurrency 64; target: parallelMap < 5 MB');
  for (const impl of ['fanout.parallelMap', 'fanout.processParallel', 'p-map']) {
    const samples = [];
    for (let r = 0; r < Math.min(RUNS, 3); r++) {
      const res = child(['memory', impl]);
      if (!('error' in res)) samples.push(res.heapMb);
    }
    const mb = median(samples);
    const verdict = impl === 'fanout.parallelMap' ? (mb < 5 ? ' ok' : ' MISSED') : '';
    console.log(`  ${impl.padEnd(28)} +${mb.toFixed(1)} MB${verdict}`);
  }
  console.log(`\ntargets missed: ${misses}`);
}
