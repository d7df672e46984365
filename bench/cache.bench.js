// @ts-check
// The cache of passed checks (after `npm run build`), on a generated git repository of 5,000 files (50 MB) and 20
// checks of `sleep 0.2`, each with inputs over a twentieth of the tree:
//   1. `node -e 0`, for reference;
//   2. cold run: no cache, no stat cache (both deleted before each run), against the same checks without inputs:
//      what listing and hashing 50 MB adds to the run's wall time (target: <= 5%);
//   3. rerun with nothing changed: every check a hit (target: <= node -e 0 + 120 ms);
//   4. rerun after one file changed: only the check whose inputs hold it runs (target: <= node -e 0 + 50 ms + 200 ms).
// Medians of BENCH_RUNS (default 7; --quick: 3), interleaved.
//   node bench/run.js cache        node bench/cache.bench.js --quick
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const quick = process.argv.includes('--quick');
const RUNS = Number(process.env.BENCH_RUNS ?? (quick ? 3 : 7));
const FILES = 5000;
const FILE_BYTES = 10 * 1024;
const FOLDERS = 100;
const CHECKS = 20;

const tmp = mkdtempSync(join(tmpdir(), 'fanout-cache-bench-'));
const repo = join(tmp, 'repo');
mkdirSync(repo);
for (let folder = 0; folder < FOLDERS; folder++) mkdirSync(join(repo, `d${folder}`));
for (let file = 0; file < FILES; file++) {
  const content = Buffer.alloc(FILE_BYTES, `file ${file} `);
  writeFileSync(join(repo, `d${file % FOLDERS}`, `f${file}.txt`), content);
}
const perCheck = FOLDERS / CHECKS;
/** @param {number} i @param {boolean} inputs */
const check = (i, inputs) =>
  `  - id: c${i}\n    run: sleep 0.2\n` + (inputs ? `    inputs: [${Array.from({ length: perCheck }, (_, k) => `d${i * perCheck + k}/**`).join(', ')}]\n` : '');
writeFileSync(join(repo, 'cached.yaml'), `checks:\n${Array.from({ length: CHECKS }, (_, i) => check(i, true)).join('')}`);
writeFileSync(join(repo, 'plain.yaml'), `checks:\n${Array.from({ length: CHECKS }, (_, i) => check(i, false)).join('')}`);
writeFileSync(join(repo, 'one.yaml'), 'checks:\n  - id: one\n    run: "true"\n');
writeFileSync(join(repo, '.gitignore'), '.fanout/\n');
execFileSync('git', ['init', '-q'], { cwd: repo });
execFileSync('git', ['add', '-A'], { cwd: repo });

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

// The CPU time (user + system) of each process too, through GNU time where there is one: on a loaded machine wall
// times grow with the load, CPU times much less.
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
const cpu = /** @type {Record<string, number[]>} */ ({});

/** @param {string} file @param {string[]} args @param {string} [label] */
function timed(file, args, label) {
  const [command, argv] = gnuTime ? ['/usr/bin/time', ['-f', 'cpu %U %S', file, ...args]] : [file, args];
  const start = process.hrtime.bigint();
  const run = spawnSync(command, argv, { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr}`);
  const used = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  if (label !== undefined && used !== null) (cpu[label] ??= []).push((Number(used[1]) + Number(used[2])) * 1000);
  return { ms, stdout: run.stdout };
}

const fanout = (/** @type {string} */ label, /** @type {string[]} */ ...args) => timed(process.execPath, [cli, ...args], label);
const cacheDir = join(repo, '.fanout/runs/cache');
/** Runs of the cached config: how many checks ran (were not hits). */
const ran = (/** @type {string} */ stdout) => JSON.parse(stdout).checks.filter((/** @type {{cached?: boolean}} */ c) => c.cached !== true).length;

const times = { floor: /** @type {number[]} */ ([]), node: /** @type {number[]} */ ([]), plain: /** @type {number[]} */ ([]), cold: /** @type {number[]} */ ([]), warm: /** @type {number[]} */ ([]), oneChanged: /** @type {number[]} */ ([]) };
const counts = { warm: /** @type {number[]} */ ([]), oneChanged: /** @type {number[]} */ ([]) };
for (let run = 0; run < RUNS; run++) {
  times.node.push(timed(process.execPath, ['-e', '0'], 'node').ms);
  times.floor.push(fanout('floor', 'check', '-c', 'one.yaml', '--json').ms);
  times.plain.push(fanout('plain', 'check', '-c', 'plain.yaml', '--json').ms);
  rmSync(cacheDir, { recursive: true, force: true });
  times.cold.push(fanout('cold', 'check', '-c', 'cached.yaml', '--json').ms);
  // The stat cache trusts no file changed in the last 2 s: the tree was just written on the first round.
  const warm = fanout('warm', 'check', '-c', 'cached.yaml', '--json');
  times.warm.push(warm.ms);
  counts.warm.push(ran(warm.stdout));
  writeFileSync(join(repo, 'd0', 'f0.txt'), `changed ${run} ${Date.now()}`);
  const one = fanout('oneChanged', 'check', '-c', 'cached.yaml', '--json');
  times.oneChanged.push(one.ms);
  counts.oneChanged.push(ran(one.stdout));
}

const node = median(times.node);
const plain = median(times.plain);
const cold = median(times.cold);
const warm = median(times.warm);
const oneChanged = median(times.oneChanged);
const cpuOf = (/** @type {string} */ label) => (cpu[label] === undefined ? '' : `${median(cpu[label]).toFixed(0)} ms`);
const minOf = (/** @type {string} */ label) => `${Math.min(...(/** @type {Record<string, number[]>} */ (times)[label] ?? [NaN])).toFixed(0)} ms`;
const row = (/** @type {string} */ name, /** @type {number} */ ms, /** @type {string} */ label, /** @type {string} */ note) => console.log(`| ${name} | ${minOf(label)} | ${ms.toFixed(0)} ms | ${cpuOf(label)} | ${note} |`);
console.log(`${FILES} files (${((FILES * FILE_BYTES) / 1024 / 1024).toFixed(0)} MB), ${CHECKS} checks of sleep 0.2 at -p 4; medians of ${RUNS}\n`);
console.log(`machine: load average ${loadavg()[0]?.toFixed(1)} over ${availableParallelism()} cores\n`);
console.log('| case | wall min | wall median | CPU median (user + sys) | |');
console.log('| --- | --- | --- | --- | --- |');
row('node -e 0', node, 'node', '');
row('fanout check, one check of true', median(times.floor), 'floor', 'what fanout costs without the cache');
row('cold, checks without inputs', plain, 'plain', '');
row('cold, checks with inputs (no cache, no stat cache)', cold, 'cold', `hashing overhead ${(((cold - plain) / cold) * 100).toFixed(1)}% (target <= 5%)`);
row('rerun, nothing changed', warm, 'warm', `node -e 0 + ${(warm - node).toFixed(0)} ms (target <= +120 ms); checks run: ${counts.warm.join(',')}`);
row('rerun, one file changed', oneChanged, 'oneChanged', `node -e 0 + ${(oneChanged - node - 200).toFixed(0)} ms + 200 ms (target <= +50 ms); checks run: ${counts.oneChanged.join(',')}`);
rmSync(tmp, { recursive: true, force: true });
