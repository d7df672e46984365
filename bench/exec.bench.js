// @ts-check
// Benchmarks of the exec layer, side by side in one run:
//  1. Throughput: 500 × `true` at concurrency 2 and 8 through runCommand, through a bare child_process.spawn loop
//     (Node's floor: same shell, same pipes, resolve on 'close'), and through `concurrently -m N --raw`. Each
//     contender runs in a fresh node process timed from spawn to exit (concurrently is a CLI, so this is the only
//     way to time all three the same way); runCommand and the bare loop are also timed in-process.
//  2. Fail-fast latency: a failing command's exit → every sibling's process group dead or zombie (checked through
//     /proc), when the siblings obey SIGTERM.
// Usage: npx tsdown && node bench/run.js exec   (env EXEC_BENCH_REPS=N to change the repetitions, default 7)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../dist/index.js';

const COMMANDS = 500;
const CONCURRENCIES = [2, 8];
const REPS = Number(process.env.EXEC_BENCH_REPS ?? 7);
const FAIL_FAST_ROUNDS = Number(process.env.EXEC_BENCH_FAILFAST ?? 20);
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

// Worker mode: `node exec.bench.js --worker <fanout|bare> <concurrency>` runs the 500 commands and exits.
if (process.argv[2] === '--worker') {
  const job = jobs[process.argv[3] ?? ''];
  if (job === undefined) throw new Error(`unknown worker ${process.argv[3]}`);
  await pool(COMMANDS, Number(process.argv[4]), job);
  process.exit(0);
}

/**
 * Wall time of a process from spawn to exit, in ms.
 * @param {string} file @param {string[]} args
 */
function timeProcess(file, args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${file} exited with ${code}`))));
  });
}

/**
 * Wall time of 500 jobs run `limit` at a time in this process, in ms.
 * @param {number} limit @param {() => Promise<unknown>} job
 */
async function timeInProcess(limit, job) {
  const start = performance.now();
  await pool(COMMANDS, limit, job);
  return performance.now() - start;
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? /** @type {number} */ (sorted[middle]) : (/** @type {number} */ (sorted[middle - 1]) + /** @type {number} */ (sorted[middle])) / 2;
}

/** @param {number[]} values @param {number} p */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
}

const fmt = (/** @type {number} */ n, digits = 0) => n.toFixed(digits);

console.log(`node ${process.version}, ${COMMANDS} × \`true\` (/bin/sh -c), median of ${REPS} repetitions in rotating order, load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}\n`);
// Warm-up: JIT-compile both in-process paths before anything is timed.
await pool(100, 4, () => runCommand('true'));
await pool(100, 4, () => bareSpawn());
/** @type {string[][]} */
const rows = [];
/** @type {string[]} */
const verdicts = [];
for (const limit of CONCURRENCIES) {
  /** @type {{ fanoutProc: number[], bareProc: number[], concurrently: number[], fanoutIn: number[], bareIn: number[], sessionIn: number[] }} */
  const times = { fanoutProc: [], bareProc: [], concurrently: [], fanoutIn: [], bareIn: [], sessionIn: [] };
  const concurrentlyArgs = ['-m', String(limit), '--raw', ...Array.from({ length: COMMANDS }, () => 'true')];
  /** @type {Array<[keyof typeof times, () => Promise<number>]>} */
  const contenders = [
    ['fanoutProc', () => timeProcess(process.execPath, [self, '--worker', 'fanout', String(limit)])],
    ['bareProc', () => timeProcess(process.execPath, [self, '--worker', 'bare', String(limit)])],
    ['concurrently', () => timeProcess(concurrentlyBin, concurrentlyArgs)],
    ['fanoutIn', () => timeInProcess(limit, () => runCommand('true'))],
    ['bareIn', () => timeInProcess(limit, () => bareSpawn())],
    ['sessionIn', () => timeInProcess(limit, () => bareSpawn(true))],
  ];
  for (let rep = 0; rep < REPS; rep++) {
    // Rotate the order every repetition, so no contender always runs right after the same neighbour.
    for (let i = 0; i < contenders.length; i++) {
      const [key, run] = /** @type {[keyof typeof times, () => Promise<number>]} */ (contenders[(i + rep) % contenders.length]);
      times[key].push(await run());
    }
  }
  const m = {
    fanoutProc: median(times.fanoutProc),
    bareProc: median(times.bareProc),
    concurrently: median(times.concurrently),
    fanoutIn: median(times.fanoutIn),
    bareIn: median(times.bareIn),
    sessionIn: median(times.sessionIn),
  };
  const rate = (/** @type {number} */ ms) => fmt((COMMANDS / ms) * 1000);
  const vsBareProc = m.bareProc / m.fanoutProc;
  const vsBareIn = m.bareIn / m.fanoutIn;
  const vsConcurrently = m.concurrently / m.fanoutProc;
  rows.push([`${limit}`, 'runCommand (own process)', fmt(m.fanoutProc), rate(m.fanoutProc), '1.00']);
  rows.push([`${limit}`, 'bare spawn loop (own process)', fmt(m.bareProc), rate(m.bareProc), fmt(vsBareProc, 2)]);
  rows.push([`${limit}`, `concurrently -m ${limit} --raw`, fmt(m.concurrently), rate(m.concurrently), fmt(vsConcurrently, 2)]);
  rows.push([`${limit}`, 'runCommand (in-process)', fmt(m.fanoutIn), rate(m.fanoutIn), '1.00']);
  rows.push([`${limit}`, 'bare spawn loop (in-process)', fmt(m.bareIn), rate(m.bareIn), fmt(vsBareIn, 2)]);
  rows.push([`${limit}`, 'bare spawn loop + setsid (in-process)', fmt(m.sessionIn), rate(m.sessionIn), fmt(m.sessionIn / m.fanoutIn, 2)]);
  const status = (/** @type {boolean} */ ok) => (ok ? 'met' : 'MISSED');
  verdicts.push(`concurrency ${limit}: runCommand ÷ bare loop = ${fmt(vsBareProc, 2)}× (own process), ${fmt(vsBareIn, 2)}× (in-process), target ≥ 0.90: ${status(Math.min(vsBareProc, vsBareIn) >= 0.9)}`);
  verdicts.push(`concurrency ${limit}: runCommand ÷ bare loop with its own session (the kernel work runCommand's guarantees need) = ${fmt(m.sessionIn / m.fanoutIn, 2)}× (in-process, for attribution)`);
  verdicts.push(`concurrency ${limit}: runCommand ÷ concurrently = ${fmt(vsConcurrently, 2)}×, target ≥ 1.00: ${status(vsConcurrently >= 1)}`);
}

const header = ['N', 'contender', 'median ms', 'commands/s', 'runCommand speed-up'];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
const line = (/** @type {string[]} */ cells) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log('\n(speed-up = contender time ÷ runCommand time in the same mode; > 1 means runCommand is faster)');
for (const verdict of verdicts) console.log(`- ${verdict}`);

// ---- per-command latency, one at a time (least sensitive to other load on the machine) ---------------------

{
  /** @type {{ fanout: number[], bare: number[], session: number[] }} */
  const latency = { fanout: [], bare: [], session: [] };
  for (let i = 0; i < 300; i++) {
    let start = performance.now();
    await runCommand('true');
    latency.fanout.push(performance.now() - start);
    start = performance.now();
    await bareSpawn();
    latency.bare.push(performance.now() - start);
    start = performance.now();
    await bareSpawn(true);
    latency.session.push(performance.now() - start);
  }
  console.log('\nPer-command latency, `true` one at a time, 300 interleaved rounds:');
  console.log('| contender | p10 ms | median ms | p90 ms |');
  console.log('|---|---:|---:|---:|');
  /** @type {Array<[string, number[]]>} */
  const series = [['runCommand', latency.fanout], ['bare spawn', latency.bare], ['bare spawn + setsid', latency.session]];
  for (const [name, list] of series) {
    console.log(`| ${name} | ${fmt(percentile(list, 0.1), 2)} | ${fmt(median(list), 2)} | ${fmt(percentile(list, 0.9), 2)} |`);
  }
  console.log(`- runCommand overhead over a bare spawn, median: ${fmt((median(latency.fanout) - median(latency.bare)) * 1000)} µs per command`);
}

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
/** @type {number[]} */
const latencies = [];
/** @type {number[]} */
const abortToGone = [];
let leaks = 0;
for (let round = 0; round < FAIL_FAST_ROUNDS; round++) {
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
  latencies.push(goneAt - exitAt);
  abortToGone.push(goneAt - abortedAt);
}
console.log(`\nFail-fast latency, ${FAIL_FAST_ROUNDS} rounds, ${SIBLINGS.length} siblings obeying SIGTERM (some with background children):`);
console.log(`| measure | median ms | p90 ms | max ms |`);
console.log(`|---|---:|---:|---:|`);
console.log(`| failing exit → all sibling groups gone | ${fmt(median(latencies), 1)} | ${fmt(percentile(latencies, 0.9), 1)} | ${fmt(Math.max(...latencies), 1)} |`);
console.log(`| abort → all sibling groups gone | ${fmt(median(abortToGone), 1)} | ${fmt(percentile(abortToGone, 0.9), 1)} | ${fmt(Math.max(...abortToGone), 1)} |`);
console.log(`- rounds with a live sibling process after settling (must be 0): ${leaks}`);
console.log(`- median < 50 ms: ${median(latencies) < 50 ? 'met' : 'MISSED'}`);
console.log(`\nload average at the end: ${os.loadavg().map((n) => n.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores (other work on the machine skews every figure)`);
