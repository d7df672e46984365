// @ts-check
// The library against its peers with the task shapes users write, side by side, interleaved: every round runs each
// case once (a fresh process per case), so load from other work on the machine falls on all of them alike. Each row
// shows min / median over the rounds and names its peer. bench/run.js renders the result into docs/benchmarks.md:
//   node bench/run.js --quick    what the docs come from (under 10 minutes on 2 cores): smaller task counts where a
//                                slow peer takes tens of seconds a run, 3 rounds
//   node bench/run.js --full     5 rounds, 1M tasks in every pool table, graphs of 100k and 1M tasks
//   node bench/library.bench.js --quick     prints the tables only (BENCH_RUNS rounds, BENCH_SCALE sizes)
// Shapes: `shared` is one task function for every task (no async frame: the cheapest case, flattering); `closure` a
// fresh `async () => { await new Promise(setImmediate); return i }` per task; `timers` per-task closures awaiting a
// real 1 ms timer; `mixed` timers of 0-4 ms; `throwers` every 10th task throws synchronously (the run continues).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { interleave, profile, scaled, startSuite } from './lib/harness.js';

const self = fileURLToPath(import.meta.url);
const FULL = profile() === 'full';
const ROUNDS = Number(process.env.BENCH_RUNS ?? (FULL ? 5 : 3));

/** @typedef {{ ms: number; cpuMs: number; rssMb: number }} Sample */

/** One case in this process: builds its input, then times the call. Prints a JSON line. */
async function child(/** @type {string[]} */ args) {
  const [group, impl, nText, cText, shape] = args;
  const n = Number(nText);
  const c = Number(cText);
  const fanout = await import('../dist/index.js');
  if (group === 'graph') return graphCase(fanout, impl ?? '', shape ?? '', n);
  const { default: pLimit } = await import('p-limit');
  const { default: pMap } = await import('p-map');
  const { default: async } = await import('async');
  const { default: Bluebird } = await import('bluebird');
  /** @type {(i: number) => () => Promise<number>} */
  let make;
  if (shape === 'shared') {
    const work = () => Promise.resolve(1);
    make = () => work;
  } else if (shape === 'closure') {
    make = (i) => async () => {
      await new Promise(setImmediate);
      return i;
    };
  } else if (shape === 'timers' || shape === 'mixed') {
    make = (i) => async () => {
      await new Promise((resolve) => setTimeout(resolve, shape === 'timers' ? 1 : i % 5));
      return i;
    };
  } else if (shape === 'throwers') {
    make = (i) => () => {
      if (i % 10 === 0) throw new Error(`task ${i}`);
      return Promise.resolve(i);
    };
  } else throw new Error(`unknown shape ${shape}`);
  const items = Array.from({ length: n }, (_, i) => i);
  const rss0 = process.memoryUsage().rss;
  const settled = (/** @type {number} */ i) => {
    try {
      return make(i)().catch(() => -1);
    } catch {
      return Promise.resolve(-1);
    }
  };
  // Wrapping every call in a catch costs a promise per task: only the throwers shape, whose runs must continue, pays it.
  const call = shape === 'throwers' ? settled : (/** @type {number} */ i) => make(i)();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  switch (impl) {
    case 'floor': {
      // N coroutines pulling indices from a shared counter: the hand-written lower bound of scheduling.
      const results = new Array(n);
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const i = next++;
          results[i] = await call(i);
        }
      };
      await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
      break;
    }
    case 'fanout.runWithConcurrency':
      // It takes ready-made task functions: building them is part of its cost, as the others build theirs in their
      // mapper. No isFailed: the plain call.
      await fanout.runWithConcurrency({ tasks: items.map((i) => make(i)), maxConcurrency: c });
      break;
    case 'fanout.processParallel':
      await fanout.processParallel(items, (i) => make(i)(), { workers: c, failFast: false });
      break;
    case 'fanout.parallelMap':
      for await (const _ of fanout.parallelMap(items, (i) => call(i), { concurrency: c }));
      break;
    case 'bluebird':
      await Bluebird.map(items, (i) => call(i), { concurrency: c });
      break;
    case 'p-map':
      await pMap(items, (i) => make(i)(), { concurrency: c, stopOnError: false }).catch(() => undefined);
      break;
    case 'p-limit': {
      const limit = pLimit(c);
      await Promise.allSettled(items.map((i) => limit(make(i))));
      break;
    }
    case 'async':
      await async.mapLimit(items, c, async (/** @type {number} */ i) => call(i));
      break;
    default:
      throw new Error(`unknown implementation ${impl}`);
  }
  const ms = performance.now() - start;
  return { ms, cpuMs: cpuSince(cpu0), rssMb: (process.resourceUsage().maxRSS * 1024 - rss0) / 1e6 };
}

/** runGraph one-shot (validation included), a compiled graph's rerun, and runWithConcurrency over as many tasks. */
async function graphCase(/** @type {typeof import('../dist/index.js')} */ fanout, /** @type {string} */ impl, /** @type {string} */ shape, /** @type {number} */ n) {
  const run = () => Promise.resolve();
  let seed = 42;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  /** @type {import('../dist/index.js').GraphTask<void>[]} */
  const tasks = [];
  // `t0`, `t1`, ... are numbered ids (validation looks them up by number); 'dag, named ids' takes the id table.
  const idOf = shape === 'dag, named ids' ? (/** @type {number} */ i) => `check-${i}-x` : (/** @type {number} */ i) => `t${i}`;
  if (impl !== 'runWithConcurrency') {
    for (let i = 0; i < n; i++) {
      /** @type {string[]} */
      const requires = [];
      if (shape === 'chain' && i > 0) requires.push(idOf(i - 1));
      if (shape.startsWith('dag')) {
        const picked = new Set();
        while (picked.size < Math.min(2, i)) picked.add(Math.floor(random() * i));
        for (const j of picked) requires.push(idOf(j));
      }
      tasks.push({ id: idOf(i), requires, run });
    }
  }
  const compiled = impl === 'compiled rerun' ? fanout.compileGraph(tasks) : undefined;
  if (compiled !== undefined) await compiled.run({ maxParallel: 4 });
  const fns = new Array(n).fill(run);
  // What was built before the clock (the task list, a warm-up run's results) is collected before it, in every case:
  // otherwise the first collections inside the timed call copy the caller's objects, or a warm-up's garbage brings a
  // full collection, and the call is charged for work that is not its own.
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  /** @type {() => void} */ (runInNewContext('gc'))();
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  if (impl === 'runWithConcurrency') await fanout.runWithConcurrency({ tasks: fns, maxConcurrency: 4, isFailed: () => false });
  else if (compiled !== undefined) {
    const result = await compiled.run({ maxParallel: 4 });
    if (result.results.length !== n) throw new Error('lost results');
  } else {
    const result = await fanout.runGraph(tasks, { maxParallel: 4 });
    if (result.results.length !== n) throw new Error('lost results');
  }
  return { ms: performance.now() - start, cpuMs: cpuSince(cpu0), rssMb: (process.resourceUsage().maxRSS * 1024 - rss0) / 1e6 };
}

/**
 * CPU time of the whole process (every thread: the GC's helpers too) since `start`, in ms. On a machine shared with
 * other work, wall time includes the waits for a CPU; CPU time mostly does not, so both are shown.
 * @param {NodeJS.CpuUsage} start
 */
function cpuSince(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** @returns {Sample | { error: string }} */
function spawnCase(/** @type {string[]} */ args) {
  const out = spawnSync(process.execPath, ['--max-old-space-size=4096', self, '--case', ...args], { encoding: 'utf8' });
  if (out.status !== 0) return { error: (out.stderr || out.stdout).trim().split('\n').filter(Boolean).pop() ?? 'failed' };
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

/**
 * A table of cases measured in interleaved rounds (bench/lib/harness.js), each case in a fresh process per round.
 * @param {string} title @param {string} note @param {{ label: string; args: string[]; n: number; peer: string }[]} cases
 * @returns {Promise<import('./lib/harness.js').Table>}
 */
async function measureTable(title, note, cases) {
  const measured = await interleave(ROUNDS, cases, (entry) => {
    const res = spawnCase(entry.args);
    if ('error' in res) throw new Error(res.error);
    return { ms: res.ms, cpuMs: res.cpuMs, rssMb: res.rssMb, rate: entry.n / res.ms / 1000 };
  });
  return {
    title,
    note,
    columns: [
      { key: 'rate', label: 'M tasks/s', better: 'higher' },
      { key: 'ms', label: 'ms' },
      { key: 'cpuMs', label: 'CPU ms' },
      { key: 'rssMb', label: 'peak RSS growth, MB' },
    ],
    ratios: [
      { key: 'ms', label: 'median time ÷ peer' },
      { key: 'cpuMs', label: 'median CPU ÷ peer' },
    ],
    rows: measured.map(({ item, samples, error }) => ({ label: item.label, peer: item.peer, samples, ...(error === undefined ? {} : { error }) })),
  };
}

const POOL_IMPLS = ['fanout.runWithConcurrency', 'fanout.processParallel', 'fanout.parallelMap', 'floor', 'bluebird', 'p-map', 'p-limit', 'async'];

/** @param {string} shape @param {number} n @param {number} c */
function poolCases(shape, n, c, impls = POOL_IMPLS) {
  return impls.map((impl) => ({ label: impl, args: ['pool', impl, String(n), String(c), shape], n, peer: impl === 'floor' ? 'hand-written coroutine pool' : 'floor' }));
}

async function main() {
  const suite = startSuite({ suite: 'library', title: 'Library', rounds: ROUNDS });
  const push = (/** @type {import('./lib/harness.js').Table} */ table) => suite.table(table);
  const big = 1_000_000;
  // At 1M tasks and concurrency 10,000 the slower peers take 40-80 s a run (p-limit, p-map, async): three rounds of
  // eight of them alone exceed ten minutes, so --quick measures this shape on fewer tasks (still 30+ generations of
  // the 10,000 in flight).
  const closureN = scaled(FULL ? big : 300_000);
  push(
    await measureTable(
      `Per-task async closures awaiting setImmediate, ${closureN.toLocaleString('en')} tasks, concurrency ${scaled(10_000).toLocaleString('en')}`,
      'Each task is a fresh `async () => { await new Promise(setImmediate); return i }`. runWithConcurrency is given the array of closures, built inside the clock; the others build them in their mapper.',
      poolCases('closure', closureN, scaled(10_000)),
    ),
  );
  const sharedN = scaled(FULL ? big : 500_000);
  push(
    await measureTable(
      `Shared task function resolving at once, ${sharedN.toLocaleString('en')} tasks, concurrency 64`,
      'One `() => Promise.resolve(1)` for every task: no async frame per task (the cheapest shape; it flatters schedulers).',
      poolCases('shared', sharedN, 64),
    ),
  );
  const timerN = scaled(FULL ? 100_000 : 20_000);
  push(
    await measureTable(
      `Per-task closures awaiting a real 1 ms timer, ${timerN.toLocaleString('en')} tasks, concurrency 1,000`,
      'Timer-bound: the schedulers should all approach n / C timer periods.',
      poolCases('timers', timerN, 1000),
    ),
  );
  push(
    await measureTable(
      `Mixed durations (timers of 0-4 ms), ${timerN.toLocaleString('en')} tasks, concurrency 64`,
      'Per-task closures; unequal durations reward schedulers that refill a slot at once.',
      poolCases('mixed', timerN, 64),
    ),
  );
  const throwN = scaled(FULL ? 1_000_000 : 200_000);
  push(
    await measureTable(
      `Synchronous throwers: every 10th task throws before returning a promise, ${throwN.toLocaleString('en')} tasks, concurrency 64`,
      'The run continues past failures (processParallel failFast false, p-map stopOnError false, allSettled for p-limit, a catch for the others); runWithConcurrency is fail-fast by design and stops at the first.',
      poolCases('throwers', throwN, 64),
    ),
  );
  for (const n of (FULL ? [100_000, 1_000_000] : [100_000]).map(scaled)) {
    /** @type {{ label: string; args: string[]; n: number; peer: string }[]} */
    const cases = [{ label: 'runWithConcurrency', args: ['graph', 'runWithConcurrency', String(n), '4', 'wide'], n, peer: 'independent tasks, no graph' }];
    for (const shape of ['chain', 'wide', 'dag']) {
      cases.push({ label: `runGraph one-shot, ${shape}`, args: ['graph', 'runGraph', String(n), '4', shape], n, peer: 'runWithConcurrency' });
      cases.push({ label: `compiled rerun, ${shape}`, args: ['graph', 'compiled rerun', String(n), '4', shape], n, peer: 'runWithConcurrency' });
    }
    const named = 'dag, named ids';
    cases.push({ label: `runGraph one-shot, ${named}`, args: ['graph', 'runGraph', String(n), '4', named], n, peer: 'runWithConcurrency' });
    push(
      await measureTable(
        `Graphs of ${n.toLocaleString('en')} no-op tasks, maxParallel 4: runGraph (validation included), a compiled graph's rerun, runWithConcurrency`,
        '`chain`: each task requires the previous one; `wide`: no edges; `dag`: up to 2 random earlier tasks each (ids as fresh strings, as a config loader makes them). Ids are `t0`, `t1`, ... (numbered: validation looks them up by number); `dag, named ids` is the same DAG with ids `check-<i>-x`, which go through the id table. One-shot: `runGraph(tasks)`, validation included; compiled rerun: `compileGraph(tasks)` and one run before the clock, then `graph.run()`. Results are read (the outcome objects are built). The heap is collected before the clock in every case. The ratio column compares with runWithConcurrency over as many independent tasks (one shared no-op function).',
        cases,
      ),
    );
  }
  suite.finish();
}

if (process.argv[2] === '--case') console.log(JSON.stringify(await child(process.argv.slice(3))));
else await main();
