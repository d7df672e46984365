// @ts-check
// The CLI side by side with its peers, in one run (after `npm run build`):
//   1. start-up: `node -e 0`, `fanout --version`, `fanout check` on a one-check config, `concurrently --version`
//      (median of BENCH_STARTUP_RUNS, default 21, interleaved so machine noise hits every row alike);
//   2. 200 checks of `true` at -p 2: the fanout CLI (config from its cache, as on a rerun; and parsed every time,
//      --no-config-cache, for reference), runCommand floors (a node process running the same 200 commands through
//      runCommand at concurrency 2: default options; with log files; with the CLI's own options — directLog, an
//      environment snapshot — and fresh log files), and concurrently -m 2 --raw; each timed as a whole process;
//   3. bench/fixtures/reference-dag.yaml at -p 2 and -p 4: the makespan the JSON report records (duration_ms),
//      against the optimum (700 / 600 ms), and `make -j` on the same graph, generated as a Makefile in a temp dir.
//   node bench/run.js cli
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const concurrently = join(root, 'node_modules/.bin/concurrently');
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const BATCH_RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DAG_RUNS = Number(process.env.BENCH_DAG_RUNS ?? 7);
const tmp = mkdtempSync(join(tmpdir(), 'fanout-cli-bench-'));
const logDir = join(tmp, 'logs');

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

// The CPU time (user + system) of each process too, through GNU time where there is one: on a loaded machine wall
// times grow with the load, CPU times much less.
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
/** @type {Map<string, number[]>} */
const cpu = new Map();
/** @param {string} name */
const cpuOf = (name) => (cpu.has(name) ? `${median(cpu.get(name) ?? []).toFixed(0)}` : '');

/**
 * Runs a command to its end; returns wall milliseconds and stdout (and records its CPU time under `label`).
 * @param {string} file @param {string[]} args @param {Record<string, string>} [env] @param {string} [label]
 */
function timed(file, args, env, label) {
  const [command, argv] = gnuTime && label !== undefined ? ['/usr/bin/time', ['-f', 'cpu %U %S', file, ...args]] : [file, args];
  const start = process.hrtime.bigint();
  const run = spawnSync(command, argv, { encoding: 'utf8', cwd: tmp, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr}`);
  const used = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  if (label !== undefined && used !== null) cpu.set(label, [...(cpu.get(label) ?? []), (Number(used[1]) + Number(used[2])) * 1000]);
  return { ms, stdout: run.stdout, status: run.status };
}

console.log(`machine: load average ${loadavg()[0]?.toFixed(1)} over ${availableParallelism()} cores at the start\n`);

// ---- 1. start-up
const one = join(tmp, 'one.yaml');
writeFileSync(one, 'version: "1"\nchecks:\n  - id: one\n    run: "true"\n');
/** @type {Array<[string, string, string[]]>} */
const startups = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['fanout --version', process.execPath, [cli, '--version']],
  ['fanout check (1 check)', process.execPath, [cli, 'check', '-c', one, '--log-dir', logDir]],
  ['concurrently --version', concurrently, ['--version']],
];
/** @type {Map<string, number[]>} */
const startupTimes = new Map(startups.map(([name]) => [name, []]));
for (let i = 0; i < STARTUP_RUNS; i++) {
  for (const [name, file, args] of startups) {
    const { ms, status } = timed(file, args, undefined, name);
    if (status !== 0) throw new Error(`${name} exited ${status}`);
    startupTimes.get(name)?.push(ms);
  }
}
const base = median(startupTimes.get('node -e 0') ?? []);
const baseMin = Math.min(...(startupTimes.get('node -e 0') ?? []));
console.log(`### Start-up (min and median of ${STARTUP_RUNS}, interleaved, ms; CPU: median user + sys)\n`);
console.log('| command | min ms | median ms | over node -e 0 (median) | CPU ms | target |');
console.log('| --- | ---: | ---: | ---: | ---: | --- |');
for (const [name] of startups) {
  const m = median(startupTimes.get(name) ?? []);
  const min = Math.min(...(startupTimes.get(name) ?? []));
  const over = m - base;
  const target = name === 'fanout --version' ? (over <= 30 ? 'met (<= +30 ms)' : 'MISSED (<= +30 ms)') : name.startsWith('fanout check') ? (over <= 50 ? 'met (<= +50 ms)' : 'MISSED (<= +50 ms)') : '';
  console.log(`| ${name} | ${min.toFixed(1)} | ${m.toFixed(1)} | ${name === 'node -e 0' ? '' : `+${over.toFixed(1)} (min +${(min - baseMin).toFixed(1)})`} | ${cpuOf(name)} | ${target} |`);
}

// ---- 2. 200 × true at -p 2
const N = 200;
const many = join(tmp, 'many.yaml');
writeFileSync(many, `version: "1"\nchecks:\n${Array.from({ length: N }, (_, i) => `  - id: t${i}\n    run: "true"\n`).join('')}`);
const floorScript = join(tmp, 'floor.mjs');
// The floor: the same 200 commands through runCommand at concurrency 2 in a bare node process, with runCommand's
// default options (the issue's floor). The second floor also writes each command's log file, as the CLI must. The
// third does what the CLI's executor does per command and nothing else: the log file as the command's stdout and
// stderr (directLog: no pipe), a frozen snapshot of the environment (extendEnv: false), and log files in a fresh
// folder per run (<log-dir>/<run-id>/<check>.log): it is the floor of the CLI's own way of running commands.
writeFileSync(
  floorScript,
  `import { runCommand } from ${JSON.stringify(join(root, 'dist/index.js'))};
import { mkdirSync } from 'node:fs';
const [logRoot, mode] = process.argv.slice(2);
const lean = mode === 'lean';
const logs = logRoot === undefined ? undefined : lean ? logRoot + '/' + process.pid + '-' + Date.now() : logRoot;
if (logs) mkdirSync(logs, { recursive: true });
const options = lean ? { directLog: true, extendEnv: false, env: Object.freeze({ ...process.env }) } : {};
let next = 0;
const start = performance.now();
const worker = async () => { while (next < ${N}) { const i = next++; const r = await runCommand('true', logs ? { ...options, logFile: logs + '/t' + i + '.log' } : options); if (r.exitCode !== 0) process.exit(1); } };
await Promise.all([worker(), worker()]);
console.log(performance.now() - start);
`,
);
/** @type {Array<[string, string, string[]]>} */
const batch = [
  ['fanout check -p 2', process.execPath, [cli, 'check', '-c', many, '-p', '2', '--log-dir', logDir]],
  // The row above reads the config from the config cache after its first run, as a rerun does; this one parses it
  // every time, as the first run after an edit does (shown for reference, no target).
  ['fanout check -p 2 --no-config-cache', process.execPath, [cli, 'check', '-c', many, '-p', '2', '--log-dir', logDir, '--no-config-cache']],
  ['runCommand floor (c=2)', process.execPath, [floorScript]],
  ['runCommand floor + log files', process.execPath, [floorScript, join(tmp, 'floor-logs')]],
  ["runCommand floor, the CLI's options + fresh log files", process.execPath, [floorScript, join(tmp, 'floor-lean'), 'lean']],
  ['concurrently -m 2 --raw', concurrently, ['-m', '2', '--raw', ...Array.from({ length: N }, () => 'true')]],
];
/** @type {Map<string, number[]>} */
const batchTimes = new Map(batch.map(([name]) => [name, []]));
/** Run phase only (no start-up): fanout's makespan from its JSON report, the floor's loop time. */
/** @type {Map<string, number[]>} */
const runPhase = new Map([
  ['fanout check -p 2', []],
  ['runCommand floor + log files', []],
  ["runCommand floor, the CLI's options + fresh log files", []],
]);
for (let i = 0; i < BATCH_RUNS; i++) {
  for (const [name, file, args] of batch) {
    const { ms, status, stdout } = timed(file, args, undefined, name);
    if (status !== 0) throw new Error(`${name} exited ${status}`);
    batchTimes.get(name)?.push(ms);
    if (name.startsWith('runCommand floor')) runPhase.get(name)?.push(Number(stdout.trim()));
  }
  const { stdout } = timed(process.execPath, [cli, 'check', '-c', many, '-p', '2', '--json', '--log-dir', logDir]);
  runPhase.get('fanout check -p 2')?.push(/** @type {{ duration_ms: number }} */ (JSON.parse(stdout)).duration_ms);
}
const rate = (/** @type {string} */ name) => N / (median(batchTimes.get(name) ?? []) / 1000);
const fanoutRate = rate('fanout check -p 2');
console.log(`\n### ${N} checks of \`true\`, 2 at a time (whole process, median of ${BATCH_RUNS})\n`);
console.log('| runner | min ms | median ms | commands/s | fanout ÷ runner | CPU ms | target |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const [name] of batch) {
  const ratio = fanoutRate / rate(name);
  const target = name.startsWith('runCommand') ? (ratio >= 0.9 ? 'met (>= 0.9×)' : 'MISSED (>= 0.9×)') : name.startsWith('concurrently') ? (ratio >= 1.2 ? 'met (>= 1.2×)' : 'MISSED (>= 1.2×)') : '';
  console.log(`| ${name} | ${Math.min(...(batchTimes.get(name) ?? [])).toFixed(0)} | ${median(batchTimes.get(name) ?? []).toFixed(0)} | ${rate(name).toFixed(0)} | ${name === 'fanout check -p 2' ? '' : `${ratio.toFixed(2)}×`} | ${cpuOf(name)} | ${target} |`);
}

const fanoutRun = median(runPhase.get('fanout check -p 2') ?? []);
const floorRun = median(runPhase.get('runCommand floor + log files') ?? []);
const leanRun = median(runPhase.get("runCommand floor, the CLI's options + fresh log files") ?? []);
console.log(
  `\nRun phase only (no process start-up): fanout ${fanoutRun.toFixed(0)} ms (its report's duration_ms) vs the floor's loop with log files ${floorRun.toFixed(0)} ms: ${(floorRun / fanoutRun).toFixed(2)}×; vs the loop with the CLI's options and fresh log files ${leanRun.toFixed(0)} ms: ${(leanRun / fanoutRun).toFixed(2)}×`,
);

// ---- 3. reference DAG makespan
const dag = process.env.BENCH_REFERENCE_DAG_YAML ?? join(root, 'bench/fixtures/reference-dag.yaml');
const makefile = join(tmp, 'Makefile');
writeFileSync(
  makefile,
  `.PHONY: all a b c d e f g h
all: h
a: ; @sleep 0.3
b: ; @sleep 0.1
c: ; @sleep 0.1
d: b ; @sleep 0.3
e: c ; @sleep 0.1
f: d e ; @sleep 0.1
g: a ; @sleep 0.1
h: f g ; @sleep 0.1
`,
);
console.log(`\n### Reference DAG makespan (median of ${DAG_RUNS}, ms)\n`);
console.log('| -p | optimum | fanout (ready) | within 5% | fanout --schedule levels | make -j |');
console.log('| ---: | ---: | ---: | --- | ---: | ---: |');
/** @type {Array<[number, number]>} */
const dagCases = [
  [2, 700],
  [4, 600],
];
for (const [parallel, optimum] of dagCases) {
  /** @param {string[]} extra */
  const makespans = (extra) =>
    Array.from({ length: DAG_RUNS }, () => {
      const { stdout } = timed(process.execPath, [cli, 'check', '-c', dag, '-p', String(parallel), '--json', '--log-dir', logDir, ...extra]);
      return /** @type {{ duration_ms: number }} */ (JSON.parse(stdout)).duration_ms;
    });
  const ready = median(makespans([]));
  const levels = median(makespans(['--schedule', 'levels']));
  const make = median(Array.from({ length: DAG_RUNS }, () => timed('make', ['-s', '-f', makefile, `-j${parallel}`]).ms));
  const within = ready <= optimum * 1.05 ? `met (+${(((ready - optimum) / optimum) * 100).toFixed(1)}%)` : `MISSED (+${(((ready - optimum) / optimum) * 100).toFixed(1)}%)`;
  console.log(`| ${parallel} | ${optimum} | ${ready.toFixed(0)} | ${within} | ${levels.toFixed(0)} | ${make.toFixed(0)} |`);
}
