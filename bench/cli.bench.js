// @ts-check
// The CLI side by side with its peers, in one run (after `npm run build`):
//   1. start-up: `node -e 0`, `fanout --version`, `fanout check` on a one-check config, `concurrently --version`
//      (BENCH_STARTUP_RUNS rounds, default 11, --full 21, interleaved so machine noise hits every row alike);
//   2. 200 checks of `true` at -p 2: the fanout CLI (config from its cache, as on a rerun; and parsed every time,
//      --no-config-cache, for reference), runCommand floors (a node process running the same 200 commands through
//      runCommand at concurrency 2: default options; with log files; with the CLI's own options — directLog, an
//      environment snapshot — and fresh log files), a raw child_process.spawn loop (`shell: true`, concurrency 2),
//      and concurrently -m 2 --raw; each timed as a whole process;
//   3. bench/fixtures/reference-dag.yaml at -p 2 and -p 4: the makespan the JSON report records (duration_ms),
//      against the optimum (700 / 600 ms), and `make -j` on the same graph, generated as a Makefile in a temp dir.
//   node bench/run.js cli                  prints the tables
//   node bench/run.js --quick cli          writes its section of docs/benchmarks.md
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profile, startSuite, stat } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const concurrently = join(root, 'node_modules/.bin/concurrently');
const FULL = profile() === 'full';
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (FULL ? 21 : 11));
const BATCH_RUNS = Number(process.env.BENCH_RUNS ?? (FULL ? 7 : 5));
const DAG_RUNS = Number(process.env.BENCH_DAG_RUNS ?? (FULL ? 7 : 5));
const suite = startSuite({ suite: 'cli', title: 'CLI', rounds: BATCH_RUNS });
const tmp = mkdtempSync(join(tmpdir(), 'fanout-cli-bench-'));
const logDir = join(tmp, 'logs');

/** @param {number[]} values */
const median = (values) => stat(values).median;

// The CPU time (user + system) of each process too, through GNU time where there is one: on a loaded machine wall
// times grow with the load, CPU times much less.
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
/** @type {Map<string, number[]>} */
const cpu = new Map();

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
// After each round, one untimed `fanout check` says (FANOUT_DEBUG) whether it ran with the compiled code kept by an
// earlier run: a run without it compiles the check script and writes its code at exit, tens of milliseconds more.
let codeUsed = 0;
for (let i = 0; i < STARTUP_RUNS; i++) {
  for (const [name, file, args] of startups) {
    const { ms, status } = timed(file, args, undefined, name);
    if (status !== 0) throw new Error(`${name} exited ${status}`);
    startupTimes.get(name)?.push(ms);
  }
  const probe = spawnSync(process.execPath, [cli, 'check', '-c', one, '--log-dir', logDir], { encoding: 'utf8', cwd: tmp, env: { ...process.env, FANOUT_DEBUG: '1' } });
  if (/fanout: compiled code used/.test(probe.stderr)) codeUsed += 1;
}
const base = median(startupTimes.get('node -e 0') ?? []);
suite.table({
  title: `Start-up, ${STARTUP_RUNS} interleaved rounds`,
  note: 'Each command is a whole process, spawn to exit; `fanout check` runs a config of one `true` check.',
  columns: [
    { key: 'ms', label: 'ms' },
    { key: 'cpu', label: 'CPU ms (user + sys)' },
  ],
  ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
  textColumns: [
    { key: 'over', label: 'median over node -e 0' },
    { key: 'target', label: 'target' },
  ],
  rows: startups.map(([name]) => {
    const over = median(startupTimes.get(name) ?? []) - base;
    const target = name === 'fanout --version' ? (over <= 30 ? 'met (<= +30 ms)' : 'missed (<= +30 ms)') : name.startsWith('fanout check') ? (over <= 50 ? 'met (<= +50 ms)' : 'missed (<= +50 ms)') : '';
    return {
      label: name,
      peer: name === 'node -e 0' ? 'bare Node start-up' : 'node -e 0',
      samples: { ms: startupTimes.get(name) ?? [], cpu: cpu.get(name) ?? [] },
      text: { over: name === 'node -e 0' ? '' : `${over >= 0 ? '+' : ''}${over.toFixed(1)} ms`, target },
    };
  }),
});

suite.note(`Compiled code of the check script kept by an earlier run: used by ${codeUsed} of ${STARTUP_RUNS} untimed \`fanout check\` runs, one after each start-up round.`);

// ---- 2. 200 × true at -p 2
const N = 200;
const many = join(tmp, 'many.yaml');
writeFileSync(many, `version: "1"\nchecks:\n${Array.from({ length: N }, (_, i) => `  - id: t${i}\n    run: "true"\n`).join('')}`);
const floorScript = join(tmp, 'floor.mjs');
// The floor: the same 200 commands through runCommand at concurrency 2 in a bare node process, with runCommand's
// default options (the floor). The second floor also writes each command's log file, as the CLI must. The
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
// The raw node spawn loop: the same 200 commands through child_process.spawn with `shell: true` (a `/bin/sh -c`
// each, as fanout runs them) at concurrency 2, nothing else: no process group, no log file, no bookkeeping.
const rawScript = join(tmp, 'raw-spawn.mjs');
writeFileSync(
  rawScript,
  `import { spawn } from 'node:child_process';
let next = 0;
const one = () => new Promise((resolve, reject) => spawn('true', { shell: true, stdio: 'ignore' }).on('error', reject).on('exit', (code) => (code === 0 ? resolve() : reject(new Error('exit ' + code)))));
const worker = async () => { while (next < ${N}) { next++; await one(); } };
await Promise.all([worker(), worker()]);
`,
);
/** @type {Array<[string, string, string[]]>} */
const batch = [
  ['fanout check -p 2', process.execPath, [cli, 'check', '-c', many, '-p', '2', '--log-dir', logDir]],
  // The row above reads the config from the config cache after its first run, as a rerun does; this one parses it
  // every time, as the first run after an edit does (shown for reference, no target).
  ['fanout check -p 2 --no-config-cache', process.execPath, [cli, 'check', '-c', many, '-p', '2', '--log-dir', logDir, '--no-config-cache']],
  ['raw node spawn loop (shell: true, c=2)', process.execPath, [rawScript]],
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
const fanoutMs = median(batchTimes.get('fanout check -p 2') ?? []);
suite.table({
  title: `${N} checks of \`true\`, 2 at a time, ${BATCH_RUNS} interleaved rounds`,
  note: 'Each runner is a whole process, spawn to exit. The ratio is the runner\'s time over fanout\'s: fanout\'s speed relative to it (above 1: fanout is faster). The raw node spawn loop is a bare node process spawning the same commands with child_process.spawn (`shell: true`) at concurrency 2; the runCommand floors run them through runCommand at concurrency 2.',
  columns: [
    { key: 'ms', label: 'ms' },
    { key: 'rate', label: 'commands/s', better: 'higher' },
    { key: 'cpu', label: 'CPU ms (user + sys)' },
  ],
  ratios: [{ key: 'ms', label: 'median time ÷ fanout\'s' }],
  textColumns: [{ key: 'target', label: 'target' }],
  rows: batch.map(([name]) => {
    const times = batchTimes.get(name) ?? [];
    const ratio = median(times) / fanoutMs;
    const target = name.startsWith('runCommand') || name.startsWith('raw node') ? (ratio >= 0.9 ? 'met (>= 0.9×)' : 'missed (>= 0.9×)') : name.startsWith('concurrently') ? (ratio >= 1.2 ? 'met (>= 1.2×)' : 'missed (>= 1.2×)') : '';
    return {
      label: name,
      peer: name === 'fanout check -p 2' ? 'the runners below' : 'fanout check -p 2',
      samples: { ms: times, rate: times.map((ms) => N / (ms / 1000)), cpu: cpu.get(name) ?? [] },
      text: { target },
    };
  }),
});

const fanoutRun = median(runPhase.get('fanout check -p 2') ?? []);
const floorRun = median(runPhase.get('runCommand floor + log files') ?? []);
const leanRun = median(runPhase.get("runCommand floor, the CLI's options + fresh log files") ?? []);
suite.note(
  `Run phase only (no process start-up): fanout ${fanoutRun.toFixed(0)} ms (its report's duration_ms) vs the floor's loop with log files ${floorRun.toFixed(0)} ms: ${(floorRun / fanoutRun).toFixed(2)}×; vs the loop with the CLI's options and fresh log files ${leanRun.toFixed(0)} ms: ${(leanRun / fanoutRun).toFixed(2)}×`,
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
/** @type {import('./lib/harness.js').Row[]} */
const dagRows = [];
/** @type {Array<[number, number]>} */
const dagCases = [
  [2, 700],
  [4, 600],
];
for (const [parallel, optimum] of dagCases) {
  /** @param {string[]} extra */
  const makespan = (extra) => {
    const { stdout } = timed(process.execPath, [cli, 'check', '-c', dag, '-p', String(parallel), '--json', '--log-dir', logDir, ...extra]);
    return /** @type {{ duration_ms: number }} */ (JSON.parse(stdout)).duration_ms;
  };
  /** @type {number[]} */
  const ready = [];
  /** @type {number[]} */
  const levels = [];
  /** @type {number[]} */
  const make = [];
  // Interleaved: each round runs the three once.
  for (let i = 0; i < DAG_RUNS; i++) {
    ready.push(makespan([]));
    levels.push(makespan(['--schedule', 'levels']));
    make.push(timed('make', ['-s', '-f', makefile, `-j${parallel}`]).ms);
  }
  const over = ((median(ready) - optimum) / optimum) * 100;
  const optimumText = `optimum ${optimum} ms`;
  dagRows.push(
    { label: `fanout, -p ${parallel}`, peer: optimumText, samples: { ms: ready }, text: { target: `${median(ready) <= optimum * 1.05 ? 'met' : 'missed'} (+${over.toFixed(1)}%, within 5%)` } },
    { label: `fanout --schedule levels, -p ${parallel}`, peer: optimumText, samples: { ms: levels } },
    { label: `make -j${parallel} (whole process)`, peer: optimumText, samples: { ms: make } },
  );
}
suite.table({
  title: `Reference DAG makespan, ${DAG_RUNS} interleaved rounds`,
  note: 'bench/fixtures/reference-dag.yaml (sleeps of 0.1-0.3 s); fanout\'s figure is the makespan its JSON report records (duration_ms), make\'s the whole process on the same graph as a Makefile.',
  columns: [{ key: 'ms', label: 'ms' }],
  textColumns: [{ key: 'target', label: 'target' }],
  rows: dagRows,
});
suite.finish();
