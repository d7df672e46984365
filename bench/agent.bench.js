// @ts-check
// Feedback to a coding agent, after `npm run build`:
//   1. latency from a failing fast check's exit to its failure on fanout's stdout (`--stream`, the check:end event
//      with status failed), while a 10-minute async check runs beside it: the check writes the wall clock (ns) to a
//      file as its last act before `exit 1`; the bench notes the wall clock when the line arrives on the pipe.
//      Median of BENCH_AGENT_RUNS (default 15), target < 50 ms.
//   2. history-driven scheduling: a fixture where the config order is the worst order (four 300 ms checks listed
//      before a 1.2 s one, -p 2). The first run has no history; the second reads the first's report.json and starts
//      the long check first. Makespans as the JSON report records them; the optimum is 1.2 s.
//   node bench/run.js agent
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 15);
const HISTORY_RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 3);
const tmp = mkdtempSync(join(tmpdir(), 'fanout-agent-bench-'));

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
/** Wall clock in nanoseconds (the same clock as `date +%s%N`), with sub-millisecond resolution. */
const wallNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

// ---- 1. failure latency with a 10-minute async check running
const config = join(tmp, 'latency.yaml');
const stamp = join(tmp, 'exit.ns');
writeFileSync(
  config,
  `version: "1"
checks:
  - id: e2e
    run: sleep 600
    async: true
    timeout: 11m
  - id: unit
    run: sleep 0.2; date +%s%N > ${stamp}; exit 1
`,
);

/** One run: resolves with the latency in ms, then stops fanout (which kills the async check's group). */
function latencyOnce() {
  return new Promise((resolve, reject) => {
    rmSync(stamp, { force: true });
    const child = spawn(process.execPath, [cli, 'check', '--stream', '-c', config, '--log-dir', join(tmp, 'logs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    let done = false;
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const arrived = wallNs();
      buffer += chunk;
      let newline;
      while (!done && (newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const event = JSON.parse(line);
        if (event.type === 'check:end' && event.id === 'unit') {
          if (event.status !== 'failed') return reject(new Error(`unit ended ${event.status}`));
          done = true;
          const exited = BigInt(readFileSync(stamp, 'utf8').trim());
          child.kill('SIGTERM');
          resolve(Number(arrived - exited) / 1e6);
        }
      }
    });
    child.on('close', (code, signal) => {
      if (!done) reject(new Error(`fanout ended (${code ?? signal}) before unit's failure: ${stderr}`));
    });
  });
}

const latencies = [];
for (let i = 0; i < RUNS; i++) latencies.push(/** @type {number} */ (await latencyOnce()));
const latency = median(latencies);
console.log('| measure | median | min | max | runs | target |');
console.log('| --- | ---: | ---: | ---: | ---: | --- |');
console.log(
  `| failing check's exit → FAIL on stdout (--stream), 10-min async check running | ${latency.toFixed(1)} ms | ${Math.min(...latencies).toFixed(1)} ms | ${Math.max(...latencies).toFixed(1)} ms | ${RUNS} | < 50 ms: ${latency < 50 ? 'met' : 'MISSED'} |`,
);

// ---- 2. history-driven scheduling
const worst = join(tmp, 'worst-order.yaml');
writeFileSync(
  worst,
  `version: "1"
checks:
${['a', 'b', 'c', 'd'].map((id) => `  - id: short-${id}\n    run: sleep 0.3\n`).join('')}  - id: long
    run: sleep 1.2
`,
);
/** @param {string} logDir */
function makespan(logDir) {
  const run = spawnSync(process.execPath, [cli, 'check', '--json', '-p', '2', '-c', worst, '--log-dir', logDir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fanout exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout).duration_ms;
}
const first = [];
const second = [];
for (let i = 0; i < HISTORY_RUNS; i++) {
  const logDir = join(tmp, `history-${i}`);
  first.push(makespan(logDir));
  second.push(makespan(logDir));
}
const [m1, m2] = [median(first), median(second)];
console.log('');
console.log('| worst-order fixture, -p 2 (optimum 1200 ms) | makespan (median) | vs optimum |');
console.log('| --- | ---: | ---: |');
console.log(`| first run (no history: config order) | ${m1.toFixed(0)} ms | ${(m1 / 1200).toFixed(2)}× |`);
console.log(`| second run (durations of the first as estimates) | ${m2.toFixed(0)} ms | ${(m2 / 1200).toFixed(2)}× |`);
console.log(`| gain | ${(m1 / m2).toFixed(2)}× faster | |`);
rmSync(tmp, { recursive: true, force: true });
if (!(latency < 50) || !(m2 < m1)) process.exitCode = 1;
