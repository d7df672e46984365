// @ts-check
// Concurrency core vs peers at the concurrencies of everyday code (4 and 64; bench/library.bench.js covers 10,000 and
// the other task shapes): fanout's runWithConcurrency, processParallel and parallelMap against p-limit, p-map, async
// (caolan), bluebird and a hand-written floor (N coroutines pulling indices from a shared counter), and the heap a
// lazy input costs while it streams through. Every case runs in a fresh process per round; rounds are interleaved
// (bench/lib/harness.js). Targets: runWithConcurrency and processParallel >= 0.9x the fastest peer and, up to
// concurrency 64, >= 0.5x the floor; parallelMap's heap growth on a lazy 1M-item input < 5 MB.
//   node bench/run.js --quick core         writes its section of docs/benchmarks.md (100k tasks, 7 rounds: a run of
//                                          100k immediate tasks lasts 10-30 ms, so 3 rounds let one slow or fast
//                                          round decide a median held to a 0.5x target)
//   node bench/run.js --full core          1M tasks, three task shapes, 5 rounds
//   BENCH_RUNS=3 BENCH_SIZES=100000 BENCH_LIMITS=4,64,10000 BENCH_MODES=closure node bench/core.bench.js
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { interleave, profile, scaled, startSuite, stat, target } from './lib/harness.js';

const self = fileURLToPath(import.meta.url);
const FULL = profile() === 'full';
const RUNS = Number(process.env.BENCH_RUNS ?? (FULL ? 5 : 7));
const SIZES = (process.env.BENCH_SIZES ?? String(scaled(FULL ? 1_000_000 : 100_000))).split(',').map(Number);
const LIMITS = (process.env.BENCH_LIMITS ?? '4,64').split(',').map(Number);
const MODES = (process.env.BENCH_MODES ?? (FULL ? 'immediate,setImmediate,closure' : 'immediate,closure')).split(',');
const MEMORY_N = scaled(1_000_000);
const IMPLS = (process.env.BENCH_IMPLS ?? 'floor,fanout.runWithConcurrency,fanout.processParallel,fanout.parallelMap,async,bluebird,p-map,p-limit').split(',');
const PEERS = ['async', 'bluebird', 'p-map', 'p-limit'];
/** Suffix of a row that builds its task array inside the clock (closure shape only). */
const IN_CLOCK = ', tasks built in the clock';
/** The floor's coroutines over runWithConcurrency's task array (closure shape only). */
const FLOOR_TASKS = 'floor over the task array';
/** Rows only the closure shape has: its task array costs by itself, shown both ways. */
const CLOSURE_IMPLS = IMPLS.includes('fanout.runWithConcurrency') ? [`fanout.runWithConcurrency${IN_CLOCK}`, FLOOR_TASKS] : [];

/**
 * `immediate` and `setImmediate`: one shared task function (no async frame per task, the cheapest shape);
 * `closure`: a fresh `async () => { await new Promise(setImmediate); return i }` per task, the shape users write.
 * @param {string} mode
 * @returns {(i: number) => Promise<number>}
 */
function makeWork(mode) {
  if (mode === 'immediate') return () => Promise.resolve(1);
  if (mode === 'closure') return (i) => closureTask(i)();
  return () => new Promise((resolve) => setImmediate(resolve, 1));
}

/**
 * The fresh per-task closure of the `closure` shape, as users write it for runWithConcurrency.
 * @param {number} i
 */
function closureTask(i) {
  return async () => {
    await new Promise(setImmediate);
    return i;
  };
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
  // Inputs are built before the clock starts: the table measures scheduling, not array construction. The input of
  // runWithConcurrency is its task array: one shared function, or in the closure shape the fresh async closure per
  // task (`items.map((i) => async () => ...)`), built before the clock like the items of the other rows. The
  // `, tasks built in the clock` rows build that array inside the clock instead (what a caller who builds it and
  // calls at once pays), and the `floor over the task array` row runs the floor's coroutines over the same array.
  const items = Array.from({ length: n }, (_, i) => i);
  const inClock = impl.endsWith(IN_CLOCK);
  const tasks =
    mode !== 'closure' ? new Array(n).fill(work) : inClock ? undefined : impl.startsWith('fanout.runWithConcurrency') || impl === FLOOR_TASKS ? items.map(closureTask) : undefined;
  // What was built before the clock (the items, runWithConcurrency's task array) is collected before it in every row,
  // as the library bench's graph rows do: otherwise the first scavenges inside the clock copy and promote it, and the
  // row handed the biggest input (a closure per task, about 100 bytes each, against 8 bytes an item) is charged for
  // tenuring it, not for scheduling. The in-clock row builds its array after this, so it still pays that in full.
  /** @type {() => void} */ (globalThis.gc)();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  switch (inClock ? impl.slice(0, -IN_CLOCK.length) : impl) {
    case FLOOR_TASKS: {
      const array = /** @type {Array<() => Promise<number>>} */ (tasks);
      let next = 0;
      const worker = async () => {
        while (next < n) await /** @type {() => Promise<number>} */ (array[next++])();
      };
      await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
      break;
    }
    case 'floor': {
      let next = 0;
      const worker = async () => {
        while (next < n) await work(next++);
      };
      await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
      break;
    }
    case 'fanout.runWithConcurrency': {
      await fanout.runWithConcurrency({ tasks: tasks ?? items.map(closureTask), maxConcurrency: c });
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

/**
 * Heap growth while a lazy 1M-item input streams through at concurrency 64, sampled after a forced GC mid-run.
 * @param {string} impl
 */
async function runMemoryCase(impl) {
  const gc = /** @type {() => void} */ (globalThis.gc);
  const n = MEMORY_N;
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
  const suite = startSuite({ suite: 'core', title: 'Core', rounds: RUNS });
  const modeText = {
    immediate:
      'one shared `() => Promise.resolve(1)` for every task (no async frame per task: the cheapest shape). In a short run much of the cost is V8 compiling the hot loops, on other threads: the CPU column counts every thread',
    setImmediate: 'one shared function returning a promise resolved by setImmediate',
    closure: 'a fresh `async () => { await new Promise(setImmediate); return i }` per task (the shape users write)',
  };
  for (const mode of MODES) {
    for (const n of SIZES) {
      for (const c of LIMITS) {
        const impls = mode === 'closure' ? [...IMPLS, ...CLOSURE_IMPLS] : IMPLS;
        const measured = await interleave(RUNS, impls, (impl) => {
          const res = child(['throughput', impl, String(n), String(c), mode]);
          if ('error' in res) throw new Error(res.error);
          return { rate: n / res.ms / 1000, ms: res.ms, cpuMs: res.cpuMs, rssMb: res.peakRssMb };
        });
        const median = (/** @type {string} */ impl) => stat(measured.find((m) => m.item === impl && m.error === undefined)?.samples.ms ?? []).median;
        // The fastest peer by median time: the one each fanout row is held to.
        const bestPeer = PEERS.filter((p) => IMPLS.includes(p) && !Number.isNaN(median(p))).sort((a, b) => median(a) - median(b))[0];
        const floorMs = median('floor');
        suite.table({
          title: `${mode}: ${n.toLocaleString('en')} tasks, concurrency ${c.toLocaleString('en')}`,
          note: `Each task is ${modeText[/** @type {keyof typeof modeText} */ (mode)] ?? mode}. Items are built before the clock${
            mode === 'closure'
              ? ", and so is runWithConcurrency's input, its array of those closures (the other rows create each closure as they call it). The row with the array built in the clock shows the other way round, as a caller who builds the array and calls at once pays it, and is held to the peer target too: there the first scavenges copy the young closures and promote them, a cost of building the array just before the call"
              : ''
          }. What was built before the clock is collected before it, in every row: the clock holds no tenuring of its input. Peak RSS growth counts the input too (in the closure shape, runWithConcurrency's array of closures: about 100 bytes a task).`,
          columns: [
            { key: 'rate', label: 'M tasks/s', better: 'higher' },
            { key: 'ms', label: 'ms' },
            { key: 'cpuMs', label: 'CPU ms' },
            { key: 'rssMb', label: 'peak RSS growth, MB' },
          ],
          ratios: [{ key: 'ms', label: 'speed ÷ peer (median)', invert: true }],
          textColumns: [{ key: 'target', label: 'target' }],
          rows: measured.map(({ item, samples, error }) => {
            const fanout = item.startsWith('fanout.');
            const peer = item === 'floor' ? 'hand-written coroutine pool' : fanout ? (bestPeer ?? 'floor') : 'floor';
            const ms = stat(samples.ms ?? []).median;
            let text = '';
            if (item.endsWith(IN_CLOCK) && bestPeer !== undefined) {
              // Held to the peer target too: a caller who writes `run(items.map((i) => async () => ...))` pays this
              // row's cost (the peers create their closures inside the clock as well).
              text = `${target(median(bestPeer) / ms >= 0.9, '>= 0.9× the fastest peer')} (the task array built in the clock: ${(floorMs / ms).toFixed(2)}× the floor)`;
            } else if (fanout && item !== 'fanout.parallelMap' && bestPeer !== undefined) {
              const vsPeer = median(bestPeer) / ms;
              const vsFloor = floorMs / ms;
              text = c > 64 ? target(vsPeer >= 0.9, '>= 0.9× the fastest peer') : target(vsPeer >= 0.9 && vsFloor >= 0.5, `>= 0.9× the fastest peer, >= 0.5× the floor: ${vsFloor.toFixed(2)}×`);
            }
            return { label: item, peer, samples, text: { target: text }, ...(error === undefined ? {} : { error }) };
          }),
        });
      }
    }
  }
  const memory = await interleave(Math.min(RUNS, 3), ['fanout.parallelMap', 'fanout.processParallel', 'p-map'], (impl) => {
    const res = child(['memory', impl]);
    if ('error' in res) throw new Error(res.error);
    return { heapMb: res.heapMb };
  });
  suite.table({
    title: `Heap growth for a lazy ${MEMORY_N.toLocaleString('en')}-item input at concurrency 64`,
    note: 'The heap in use after a forced GC halfway through the run, over the heap before it. parallelMap and processParallel pull from a generator; p-map takes an array (it has no lazy input), built inside the measure.',
    columns: [{ key: 'heapMb', label: 'heap growth, MB' }],
    textColumns: [{ key: 'target', label: 'target' }],
    rows: memory.map(({ item, samples, error }) => ({
      label: item,
      peer: item === 'p-map' ? 'an array of the items' : 'p-map',
      samples,
      text: { target: item === 'fanout.parallelMap' ? target(stat(samples.heapMb ?? []).median < 5, '< 5 MB') : '' },
      ...(error === undefined ? {} : { error }),
    })),
  });
  suite.finish();
}
