// @ts-check
// CPU-bound work on worker threads vs the main thread, side by side in one run: the same function over 10,000 items,
// (1) a plain loop on the main thread (the floor of single-threaded work), (2) processParallel on the main thread,
// (3) one thread task per item (processParallel over pool.run), (4) the same pool fed batches of items by hand (one
// task per batch), (5) processParallel(items, pool.processor): the call users write, automatic batching,
// (6) processParallel(items, pool.batchProcessor), (7) processParallel(items, workerModuleUrl): the one-line form,
// automatic batching, a pool created and closed inside each call (thread start-up included in its time). Rounds are
// interleaved (bench/lib/harness.js); each is timed in this process after a warm-up; rows 3-6 use pools already
// started (start-up reported apart). Target: the automatic rows >= 0.9x per core of the plain loop (1.8x on 2 cores).
//   node bench/run.js --quick threads     writes its section of docs/benchmarks.md
//   BENCH_ITEMS=10000 BENCH_WORK=20000 BENCH_RUNS=5 node bench/threads.bench.js
// This file is also the worker module: in a worker thread it only exports the function. The harness and the other
// modules only the main thread needs are imported in main(), so each thread that the last row starts loads what a
// worker module of its own would (the function), not the harness: its start-up in the time is the pool's.
import { isMainThread } from 'node:worker_threads';

const WORK = Number(process.env.BENCH_WORK ?? 20_000); // inner iterations per item (~0.1 ms here)

/**
 * The CPU-bound function: an integer hash mixed WORK times. Deterministic, allocation-free.
 * @param {number} item @returns {number}
 */
export function hashItem(item) {
  let h = item | 0;
  for (let i = 0; i < WORK; i++) {
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39) + i;
  }
  return h >>> 0;
}

/** Worker entry: one item. @param {number} item */
export default function work(item) {
  return hashItem(item);
}

/** Worker entry: a batch of items. @param {number[]} items */
export function workBatch(items) {
  return items.map(hashItem);
}

/**
 * CPU time of the calling thread (Linux: /proc/thread-self/stat, 10 ms ticks), NaN elsewhere. Node 20 has no
 * per-thread CPU clock, and event-loop utilisation counts time spent waiting for a core as busy.
 * @param {typeof import('node:fs').readFileSync} readFileSync
 */
function mainThreadCpuMs(readFileSync) {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function main() {
  const { readFileSync } = await import('node:fs');
  const { availableParallelism } = await import('node:os');
  const { interleave, profile, scaled, startSuite, stat } = await import('./lib/harness.js');
  const { processParallel } = await import('../dist/index.js');
  const { createThreadPool } = await import('../dist/threads.js');
  const N = Number(process.env.BENCH_ITEMS ?? scaled(10_000));
  const RUNS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 7 : 5));
  const BATCH = Number(process.env.BENCH_BATCH ?? 100);
  const threads = availableParallelism();
  const items = Array.from({ length: N }, (_, i) => i);
  const expected = items.map(hashItem);
  /** @type {number[][]} */
  const batches = [];
  for (let i = 0; i < N; i += BATCH) batches.push(items.slice(i, i + BATCH));
  const suite = startSuite({ suite: 'threads', title: 'Threads', rounds: RUNS });

  const t0 = performance.now();
  /** @type {import('../dist/threads.js').ThreadPool<number, number>} */
  const pool = createThreadPool(new URL(import.meta.url));
  /** @type {import('../dist/threads.js').ThreadPool<number[], number[]>} */
  const batchPool = createThreadPool(new URL(import.meta.url), { exportName: 'workBatch' });
  /** @type {import('../dist/threads.js').ThreadPool<number, number>} */
  const autoPool = createThreadPool(new URL(import.meta.url));
  await Promise.all([pool.run(0), batchPool.run([0]), autoPool.run(0)]); // threads up and the module loaded
  const startupMs = performance.now() - t0;

  const floor = 'main thread, plain loop';
  /** @type {Array<{ name: string; peer: string; target?: boolean; run: () => Promise<number[]> }>} */
  const cases = [
    { name: floor, peer: 'single-threaded floor', run: () => Promise.resolve(items.map(hashItem)) },
    { name: 'main thread, processParallel', peer: floor, run: async () => (await processParallel(items, (n) => Promise.resolve(hashItem(n)))).results },
    {
      name: `${threads} threads, one thread task per item (pool.run)`,
      peer: floor,
      run: async () => (await processParallel(items, (n, { signal }) => pool.run(n, { signal }), { workers: threads * 4 })).results,
    },
    {
      name: `${threads} threads, hand-made batches of ${BATCH}`,
      peer: floor,
      run: async () => (await processParallel(batches, batchPool.processor, { workers: threads * 2 })).results.flat(),
    },
    {
      name: `${threads} threads, processParallel(items, pool.processor): automatic batches`,
      peer: floor,
      target: true,
      run: async () => (await processParallel(items, pool.processor)).results,
    },
    {
      name: `${threads} threads, processParallel(items, pool.batchProcessor): automatic batches`,
      peer: floor,
      target: true,
      run: async () => (await processParallel(items, autoPool.batchProcessor, { workers: autoPool.batchWorkers })).results,
    },
    {
      name: `${threads} threads, processParallel(items, moduleUrl): automatic batches, pool start-up in the time`,
      peer: floor,
      target: true,
      run: async () => /** @type {number[]} */ ((await processParallel(items, new URL(import.meta.url))).results),
    },
  ];
  for (const c of cases) {
    const out = await c.run(); // warm-up and correctness check
    if (out.length !== N || out.some((v, i) => v !== expected[i])) throw new Error(`${c.name}: wrong results`);
  }
  const measured = await interleave(RUNS, cases, async (c) => {
    const cpu = process.cpuUsage();
    const mainBefore = mainThreadCpuMs(readFileSync);
    const start = performance.now();
    await c.run();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    // Cores used: CPU time of the whole process (all its threads) per wall-clock time. Main thread CPU: what the
    // main thread takes from the cores the threads need.
    return { ms, rate: (N / ms) * 1000, cores: (used.user + used.system) / 1000 / ms, mainCpuMs: mainThreadCpuMs(readFileSync) - mainBefore };
  });
  await Promise.all([pool.close(), batchPool.close(), autoPool.close()]);

  const floorMs = stat(measured[0]?.samples.ms ?? []).median;
  // "Near 2x on 2 cores", read as >= 0.9x per core of the plain loop.
  const target = 0.9 * threads;
  suite.table({
    title: `CPU-bound items on worker threads: ${N.toLocaleString('en')} items of ${WORK.toLocaleString('en')} hash rounds each, ${threads} cores`,
    note: `Pool start-up (3 pools of ${threads} threads, first task done): ${startupMs.toFixed(0)} ms, not in the rows' times (only the last row starts a pool of its own per call). Main thread CPU is read from /proc/thread-self (10 ms ticks). Target of the automatic rows: at least ${target.toFixed(1)}x the plain loop (0.9x per core); on a machine whose load average is above its core count other processes take cores from the threads, so read the load in the header before the speed-ups.`,
    columns: [
      { key: 'ms', label: 'ms' },
      { key: 'rate', label: 'items/s', better: 'higher' },
      { key: 'cores', label: 'cores used', better: 'higher' },
      { key: 'mainCpuMs', label: 'main thread CPU ms' },
    ],
    ratios: [{ key: 'ms', label: 'speed-up (median)', invert: true }],
    textColumns: [{ key: 'target', label: `target >= ${target.toFixed(1)}x` }],
    rows: measured.map(({ item, samples, error }) => {
      const speedUp = floorMs / stat(samples.ms ?? []).median;
      return {
        label: item.name,
        peer: item.peer,
        samples,
        ...(item.target === true ? { text: { target: speedUp >= target ? 'met' : 'missed' } } : {}),
        ...(error === undefined ? {} : { error }),
      };
    }),
  });
  suite.finish();
}

if (isMainThread) await main();
