// @ts-check
// Feedback to a coding agent, after `npm run build`:
//   1. latency from a failing fast check's exit to its failure on fanout's stdout (`--stream`, the check:end event
//      with status failed), while a 10-minute async check runs beside it: the check writes the wall clock (ns) to a
//      file as its last act before `exit 1`; the bench notes the wall clock when the line arrives on the pipe.
//      BENCH_RUNS rounds (default 15, --full 25), target < 50 ms (median).
//   2. history-driven scheduling: a fixture where the config order is the worst order (four 300 ms checks listed
//      before a 1.2 s one, -p 2). The first run has no history; the second reads the first's report.json and starts
//      the long check first. Makespans as the JSON report records them; the optimum is 1.2 s. BENCH_HISTORY_RUNS
//      rounds (default 3, --full 5), each a first and a second run in a fresh log folder.
//   node bench/run.js --quick agent    writes its section of docs/benchmarks.md
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, profile, startSuite, stat, target } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const FULL = profile() === 'full';
const RUNS = Number(process.env.BENCH_RUNS ?? (FULL ? 25 : 15));
const HISTORY_RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? (FULL ? 5 : 3));
const tmp = mkdtempSync(join(tmpdir(), 'fanout-agent-bench-'));
const suite = startSuite({ suite: 'agent', title: 'Agent feedback', rounds: RUNS });
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

const [latency] = await interleave(RUNS, [{ label: "a failing check's exit → its FAIL on stdout (--stream), a 10-minute async check running" }], async () => ({
  ms: /** @type {number} */ (await latencyOnce()),
}));
const latencyMs = stat(latency?.samples.ms ?? []).median;
suite.table({
  title: 'Failure latency with a long async check running',
  note: 'The failing check writes the wall clock (ns) to a file as its last act before `exit 1`; the bench notes the wall clock when its `check:end` line arrives on the pipe from `fanout check --stream`.',
  columns: [{ key: 'ms', label: 'ms' }],
  textColumns: [{ key: 'target', label: 'target (median)' }],
  rows: [
    {
      label: latency?.item.label ?? '',
      peer: "the check's exit",
      samples: latency?.samples ?? {},
      text: { target: target(latencyMs < 50, '< 50 ms') },
      ...(latency?.error === undefined ? {} : { error: latency.error }),
    },
  ],
});

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
const first = 'first run (no history: config order)';
const history = await interleave(
  HISTORY_RUNS,
  [
    { label: first, peer: 'optimum 1200 ms' },
    { label: 'second run (the first\'s durations as estimates)', peer: first },
  ],
  // The rounds run the two in turn in one fresh log folder: the second reads the first's report.
  (_, round) => ({ ms: makespan(join(tmp, `history-${round}`)) }),
);
suite.table({
  title: 'History-driven scheduling: a worst-order fixture, -p 2 (optimum 1200 ms)',
  note: 'Four 300 ms checks listed before a 1.2 s one. Makespans as the JSON report records them (duration_ms).',
  columns: [{ key: 'ms', label: 'makespan, ms' }],
  ratios: [{ key: 'ms', label: 'speed-up (median)', invert: true }],
  textColumns: [{ key: 'optimum', label: 'median ÷ optimum' }],
  rows: history.map(({ item, samples, error }) => ({
    label: item.label,
    peer: item.peer,
    samples,
    text: { optimum: `${(stat(samples.ms ?? []).median / 1200).toFixed(2)}×` },
    ...(error === undefined ? {} : { error }),
  })),
});
suite.finish();
rmSync(tmp, { recursive: true, force: true });
