// @ts-check
// Benchmarks of the exec layer, side by side in one run (rounds interleaved, bench/lib/harness.js):
//  1. Throughput: N × `true` at concurrency 2 and 8 through runCommand, through a bare child_process.spawn loop
//     (Node's floor: same shell, same pipes, resolve on 'close'), and through `concurrently -m C --raw`. Each
//     contender runs in a fresh node process timed from spawn to exit (concurrently is a CLI, so this is the only
//     way to time all three the same way); runCommand and the bare loop are also timed in-process.
//     Targets: runCommand >= 0.9x the bare loop, >= 1x concurrently.
//  2. Per-command latency, one `true` at a time (the figure least sensitive to other load on the machine).
//  3. Fail-fast latency: a failing command's exit → every sibling's process group dead or zombie (checked through
//     /proc), when the siblings obey SIGTERM. Target: < 50 ms (median).
//   node bench/run.js --quick exec     writes its section of docs/benchmarks.md (200 commands, 3 rounds)
//   node bench/run.js --full exec      500 commands, 7 rounds
//   BENCH_RUNS=1 BENCH_SCALE=0.1 node bench/exec.bench.js    a quick look
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../dist/index.js';
import { interleave, profile, scaled, startSuite, stat, target, timeProcess } from './lib/harness.js';

const FULL = profile() === 'full';
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? scaled(FULL ? 500 : 200));
const CONCURRENCIES = [2, 8];
const REPS = Number(process.env.BENCH_RUNS ?? (FULL ? 7 : 3));
const LATENCY_ROUNDS = scaled(FULL ? 300 : 100);
const FAIL_FAST_ROUNDS = Number(process.env.BENCH_FAILFAST_RUNS ?? scaled(FULL ? 20 : 10));
const self = fileURLToPath(import.meta.url);
const concurrentlyBin = fileURLToPath(new URL('../node_modules/.bin/concurrently', import.meta.url));

/**
 * Runs `count` jobs with at most `limit` at once.
 * @param {number} count @param {number} limit @param {() => Promise<unknown>} job
 */
async function pool(count, limit, job) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await job();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * A bare spawn of `sh -c true` with the same pipes as runCommand, resolved on 'close', output collected.
 * `detached` adds what runCommand's guarantees need from the kernel: a session of its own (setsid).
 */
function bareSpawn(detached = false) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { detached, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString() }));
  });
}

/** @type {Record<string, () => Promise<unknown>>} */
const jobs = { fanout: () => runCommand('true'), bare: () => bareSpawn() };

// Worker mode: `node exec.bench.js --worker <fanout|bare> <concurrency> <count>` runs the commands and exits.
if (process.argv[2] === '--worker') {
  const job = jobs[process.argv[3] ?? ''];
  if (job === undefined) throw new Error(`unknown worker ${process.argv[3]}`);
  await pool(Number(process.argv[5]), Number(process.argv[4]), job);
  process.exit(0);
}

/**
 * Wall time of the N jobs run `limit` at a time in this process, in ms.
 * @param {number} limit @param {() => Promise<unknown>} job
 */
async function timeInProcess(limit, job) {
  const start = performance.now();
  await pool(COMMANDS, limit, job);
  return performance.now() - start;
}

const suite = startSuite({ suite: 'exec', title: 'Exec', rounds: REPS });
// Warm-up: JIT-compile both in-process paths before anything is timed.
await pool(100, 4, () => runCommand('true'));
await pool(100, 4, () => bareSpawn());
const ownProcess = (/** @type {string} */ worker, /** @type {number} */ limit) => timeProcess(process.execPath, [self, '--worker', worker, String(limit), String(COMMANDS)], { stdio: ['ignore', 'ignore', 'pipe'] }).ms;
for (const limit of CONCURRENCIES) {
  const bareOwn = 'bare spawn loop (own process)';
  const fanoutOwn = 'runCommand (own process)';
  const bareIn = 'bare spawn loop (in-process)';
  const concurrently = `concurrently -m ${limit} --raw`;
  /** @type {Array<{ label: string; peer: string; run: () => Promise<number> | number }>} */
  const contenders = [
    { label: fanoutOwn, peer: bareOwn, run: () => ownProcess('fanout', limit) },
    { label: bareOwn, peer: "Node's floor", run: () => ownProcess('bare', limit) },
    { label: concurrently, peer: fanoutOwn, run: () => timeProcess(concurrentlyBin, ['-m', String(limit), '--raw', ...Array.from({ length: COMMANDS }, () => 'true')], { stdio: ['ignore', 'ignore', 'pipe'] }).ms },
    { label: 'runCommand (in-process)', peer: bareIn, run: () => timeInProcess(limit, () => runCommand('true')) },
    { label: bareIn, peer: "Node's floor", run: () => timeInProcess(limit, () => bareSpawn()) },
    { label: 'bare spawn loop + setsid (in-process)', peer: bareIn, run: () => timeInProcess(limit, () => bareSpawn(true)) },
  ];
  const measured = await interleave(REPS, contenders, async (c) => {
    const ms = await c.run();
    return { ms, rate: (COMMANDS / ms) * 1000 };
  });
  const median = (/** @type {string} */ label) => stat(measured.find((m) => m.item.label === label)?.samples.ms ?? []).median;
  suite.table({
    title: `${COMMANDS} × \`true\` (/bin/sh -c), concurrency ${limit}`,
    note: 'Own process: a fresh node process (or concurrently) timed from spawn to exit. In-process: the same loop timed in this process. The bare loop spawns with the same pipes as runCommand and resolves on `close`; `+ setsid` adds the session of its own that runCommand\'s guarantees need from the kernel (for attribution).',
    columns: [
      { key: 'ms', label: 'ms' },
      { key: 'rate', label: 'commands/s', better: 'higher' },
    ],
    ratios: [{ key: 'ms', label: 'speed ÷ peer (median)', invert: true }],
    textColumns: [{ key: 'target', label: 'target' }],
    rows: measured.map(({ item, samples, error }) => {
      const mine = stat(samples.ms ?? []).median;
      const text =
        item.label === fanoutOwn
          ? `${target(median(bareOwn) / mine >= 0.9, '>= 0.9× the bare loop')}; ${target(median(concurrently) / mine >= 1, `>= 1× concurrently: ${(median(concurrently) / mine).toFixed(2)}×`)}`
          : item.label === 'runCommand (in-process)'
            ? target(median(bareIn) / mine >= 0.9, '>= 0.9× the bare loop')
            : '';
      return { label: item.label, peer: item.peer, samples, text: { target: text }, ...(error === undefined ? {} : { error }) };
    }),
  });
}

// ---- per-command latency, one at a time (least sensitive to other load on the machine) ---------------------

const bare = 'bare spawn';
const latency = await interleave(
  LATENCY_ROUNDS,
  [
    { label: 'runCommand', peer: bare, run: () => runCommand('true') },
    { label: bare, peer: "Node's floor", run: () => bareSpawn() },
    { label: 'bare spawn + setsid', peer: bare, run: () => bareSpawn(true) },
  ],
  async (c) => {
    const start = performance.now();
    await c.run();
    return { ms: performance.now() - start };
  },
);
const bareMs = stat(latency.find((l) => l.item.label === bare)?.samples.ms ?? []).median;
suite.table({
  title: `Per-command latency: \`true\` one at a time, ${LATENCY_ROUNDS} interleaved rounds`,
  columns: [{ key: 'ms', label: 'ms' }],
  ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
  textColumns: [{ key: 'over', label: 'median over the bare spawn' }],
  rows: latency.map(({ item, samples, error }) => ({
    label: item.label,
    peer: item.peer,
    samples,
    text: { over: item.label === bare ? '' : `${((stat(samples.ms ?? []).median - bareMs) * 1000).toFixed(0)} µs` },
    ...(error === undefined ? {} : { error }),
  })),
});

// ---- fail-fast latency --------------------------------------------------------------------------------------

/** Pids of session `sid` that are alive (not zombies), from /proc. @param {Set<number>} sids */
function liveInSessions(sids) {
  let live = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (sids.has(Number(fields[3])) && fields[0] !== 'Z') live++;
  }
  return live;
}

const SIBLINGS = ['sleep 30', 'sleep 30', 'sleep 30 & sleep 31 & wait', 'sh -c "sleep 30; true"; true', 'sleep 30', 'sleep 30 & wait', 'sleep 30'];
let leaks = 0;
const [failFast] = await interleave(FAIL_FAST_ROUNDS, ['fail-fast'], async () => {
  const controller = new AbortController();
  /** @type {Set<number>} */
  const sids = new Set();
  const siblings = SIBLINGS.map((command) =>
    runCommand(`echo $$; ${command}`, {
      signal: controller.signal,
      onOutput: (chunk) => sids.add(Number.parseInt(chunk, 10)),
    }),
  );
  // The failing command prints its exit time (epoch ns) as its very last act.
  const failing = await runCommand('sleep 0.2; date +%s%N; exit 1');
  const abortedAt = performance.timeOrigin + performance.now();
  controller.abort();
  await Promise.all(siblings);
  const goneAt = performance.timeOrigin + performance.now();
  if (liveInSessions(sids) > 0 || sids.size !== SIBLINGS.length) leaks++;
  const exitAt = Number(BigInt(failing.output.trim()) / 1000n) / 1000;
  return { exit: goneAt - exitAt, abort: goneAt - abortedAt };
});
const exitMs = stat(failFast?.samples.exit ?? []).median;
suite.table({
  title: `Fail-fast latency: ${SIBLINGS.length} siblings obeying SIGTERM (some with background children), ${FAIL_FAST_ROUNDS} rounds`,
  note: `Rounds with a live sibling process after settling (must be 0): ${leaks}.`,
  columns: [{ key: 'ms', label: 'ms' }],
  textColumns: [{ key: 'target', label: 'target (median)' }],
  rows: [
    { label: 'failing exit → all sibling groups gone', peer: "the failing command's exit", samples: { ms: failFast?.samples.exit ?? [] }, text: { target: target(exitMs < 50, '< 50 ms') } },
    { label: 'abort → all sibling groups gone', peer: 'the abort', samples: { ms: failFast?.samples.abort ?? [] } },
  ].map((row) => (failFast?.error === undefined ? row : { ...row, error: failFast.error })),
});
suite.finish();
