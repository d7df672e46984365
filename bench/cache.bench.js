// @ts-check
// The cache of passed checks (after `npm run build`), on a generated git repository of 5,000 files (50 MB, every one
// staged) and 20 checks of `sleep 0.2` at fanout's default parallelism, each with inputs over a twentieth of the tree. Cases, in interleaved
// rounds (bench/lib/harness.js), each a whole `fanout check` process, spawn to exit:
//   1. `node -e 0`, the reference, and `fanout check` of one `true` check (what fanout costs without the cache);
//   2. cold runs: the same checks without inputs, against the checks with inputs and no cache nor stat cache (both
//      deleted before the run), in the git repository (git's index names the staged files' contents) and with git
//      out of reach (GIT_DIR names nothing: every one of the 50 MB is read and hashed). Target: hashing adds <= 5% of
//      the run's wall time;
//   3. rerun with nothing changed: every check a hit. Target: <= node -e 0 + 120 ms;
//   4. rerun after one file changed: only the check whose inputs hold it runs. Target: <= node -e 0 + 50 ms + 200 ms.
//      Twice: the same file edited again (git lists it as modified every time: its listing stays alike), and another
//      file git listed as unchanged edited each round (git's listing differs from the last run's).
// The CPU time (user + system, the process and its children) of each run too, through GNU time where there is one:
// on a loaded machine wall times grow with the load, CPU times much less.
// The measurements start once the generated repository is written to disk (sync): a run's end flushes its journal,
// and a flush behind 50 MB of fresh writes measures the disk's backlog, not fanout.
//   node bench/run.js --quick cache       writes its section of docs/benchmarks.md
//   node bench/cache.bench.js --quick     prints the table only
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, profile, scaled, startSuite, stat } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 9 : 4));
const FILES = scaled(5000);
const FILE_BYTES = 10 * 1024;
const FOLDERS = 100;
const CHECKS = 20;
const CHECK_MS = 200;
const suite = startSuite({ suite: 'cache', title: 'Cache of passed checks', rounds: RUNS });

const tmp = mkdtempSync(join(tmpdir(), 'fanout-cache-bench-'));
const repo = join(tmp, 'repo');
mkdirSync(repo);
for (let folder = 0; folder < FOLDERS; folder++) mkdirSync(join(repo, `d${folder}`));
for (let file = 0; file < FILES; file++) writeFileSync(join(repo, `d${file % FOLDERS}`, `f${file}.txt`), Buffer.alloc(FILE_BYTES, `file ${file} `));
const perCheck = FOLDERS / CHECKS;
/** @param {number} i @param {boolean} inputs */
const check = (i, inputs) =>
  `  - id: c${i}\n    run: sleep ${CHECK_MS / 1000}\n` + (inputs ? `    inputs: [${Array.from({ length: perCheck }, (_, k) => `d${i * perCheck + k}/**`).join(', ')}]\n` : '');
writeFileSync(join(repo, 'cached.yaml'), `checks:\n${Array.from({ length: CHECKS }, (_, i) => check(i, true)).join('')}`);
writeFileSync(join(repo, 'plain.yaml'), `checks:\n${Array.from({ length: CHECKS }, (_, i) => check(i, false)).join('')}`);
writeFileSync(join(repo, 'one.yaml'), 'checks:\n  - id: one\n    run: "true"\n');
writeFileSync(join(repo, '.gitignore'), '.fanout/\n');
execFileSync('git', ['init', '-q'], { cwd: repo });
execFileSync('git', ['add', '-A'], { cwd: repo });
// The 50 MB just written (and git's objects, and what the suites before this one left: the watch suite removes
// 20,000 folders) are still being written back: a run's end flushes its journal (fdatasync), which then waits for part
// of that. Measured from a settled disk, as a user's rerun finds it.
spawnSync('sync');

const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
const cacheDir = join(repo, '.fanout/runs/cache');
const noGit = { GIT_DIR: join(tmp, 'no-repository') };

/**
 * One whole process: wall and CPU milliseconds, and how many checks ran (were not hits) when it printed a report.
 * @param {string[]} args @param {Record<string, string>} [env]
 */
function timed(args, env = {}) {
  const [command, argv] = gnuTime ? ['/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...args]] : [process.execPath, args];
  const start = process.hrtime.bigint();
  const run = spawnSync(command, argv, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr}`);
  const used = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  const cpu = used === null ? Number.NaN : (Number(used[1]) + Number(used[2])) * 1000;
  const ran = run.stdout.startsWith('{') ? JSON.parse(run.stdout).checks.filter((/** @type {{ cached?: boolean }} */ c) => c.cached !== true).length : Number.NaN;
  return { ms, cpu, ran };
}
const fanout = (/** @type {string} */ config, /** @type {Record<string, string>} */ env = {}) => timed([cli, 'check', '-c', config, '--json'], env);

const NODE = 'node -e 0';
const FLOOR = 'fanout check, one check of true';
const PLAIN = 'cold, the checks without inputs';
const COLD_GIT = 'cold, with inputs: git repository, no cache';
const COLD_HASH = 'cold, with inputs: no git (every file hashed), no cache';
const WARM = 'rerun, nothing changed';
const ONE = 'rerun, one file changed';
const EDIT = 'rerun, one file changed that git listed unchanged';

/** @type {Array<{ name: string; peer: string; ran?: number; run: (round: number) => { ms: number; cpu: number; ran: number } }>} */
const cases = [
  { name: NODE, peer: 'bare Node start-up', run: () => timed(['-e', '0']) },
  { name: FLOOR, peer: NODE, run: () => fanout('one.yaml') },
  { name: PLAIN, peer: `${CHECKS} × ${CHECK_MS} ms, default parallelism`, run: () => fanout('plain.yaml') },
  {
    name: COLD_HASH,
    peer: PLAIN,
    ran: CHECKS,
    run: () => {
      rmSync(cacheDir, { recursive: true, force: true });
      return fanout('cached.yaml', noGit);
    },
  },
  {
    name: COLD_GIT,
    peer: PLAIN,
    ran: CHECKS,
    run: () => {
      rmSync(cacheDir, { recursive: true, force: true });
      return fanout('cached.yaml');
    },
  },
  { name: WARM, peer: NODE, ran: 0, run: () => fanout('cached.yaml') },
  {
    name: ONE,
    peer: NODE,
    ran: 1,
    run: (round) => {
      writeFileSync(join(repo, 'd0', 'f0.txt'), `changed in round ${round} at ${Date.now()}`);
      return fanout('cached.yaml');
    },
  },
  {
    name: EDIT,
    peer: NODE,
    ran: 1,
    run: (round) => {
      // d0 holds every hundredth file: f100, f200... each edited in one round only.
      writeFileSync(join(repo, 'd0', `f${FOLDERS * (round + 1)}.txt`), `changed in round ${round} at ${Date.now()}`);
      return fanout('cached.yaml');
    },
  },
];

const measured = await interleave(RUNS, cases, (item, round) => {
  const { ms, cpu, ran } = item.run(round);
  // A case that ran other checks than it should measures something else: failed, not a figure.
  if (item.ran !== undefined && ran !== item.ran) throw new Error(`${ran} checks ran, expected ${item.ran}`);
  return { ms, cpu };
});
rmSync(tmp, { recursive: true, force: true });

const byName = new Map(measured.map((entry) => [entry.item.name, entry]));
const median = (/** @type {string} */ name, key = 'ms') => stat(byName.get(name)?.samples[key] ?? []).median;
const least = (/** @type {string} */ name, key = 'ms') => stat(byName.get(name)?.samples[key] ?? []).min;
const signed = (/** @type {number} */ ms) => `${ms >= 0 ? '+' : ''}${ms.toFixed(0)} ms`;
const verdict = (/** @type {boolean} */ met, /** @type {string} */ target) => `${met ? 'met' : 'missed'} (${target})`;

/** @type {Record<string, { over: string; target: string }>} */
const text = {};
for (const name of [COLD_HASH, COLD_GIT]) {
  const share = (cold = median(name), plain = median(PLAIN)) => ((cold - plain) / cold) * 100;
  const cpu = median(name, 'cpu') - median(PLAIN, 'cpu');
  text[name] = {
    over: `hashing and keys add ${share().toFixed(1)}% of the wall time (${signed(median(name) - median(PLAIN))}; best rounds ${share(least(name), least(PLAIN)).toFixed(1)}%), CPU ${signed(cpu)}`,
    target: verdict(share() <= 5, '<= 5% of the wall time'),
  };
}
{
  const over = median(WARM) - median(NODE);
  text[WARM] = {
    over: `node -e 0 ${signed(over)} (best rounds ${signed(least(WARM) - least(NODE))}), CPU ${signed(median(WARM, 'cpu') - median(NODE, 'cpu'))}`,
    target: verdict(over <= 120, '<= node -e 0 + 120 ms'),
  };
  for (const name of [ONE, EDIT]) {
    const beyond = median(name) - median(NODE) - CHECK_MS;
    text[name] = {
      over: `node -e 0 ${signed(beyond)} + the check's ${CHECK_MS} ms (best rounds ${signed(least(name) - least(NODE) - CHECK_MS)}), CPU ${signed(median(name, 'cpu') - median(NODE, 'cpu'))}`,
      target: verdict(beyond <= 50, `<= node -e 0 + 50 ms + ${CHECK_MS} ms`),
    };
  }
  text[FLOOR] = { over: `node -e 0 ${signed(median(FLOOR) - median(NODE))}, CPU ${signed(median(FLOOR, 'cpu') - median(NODE, 'cpu'))}`, target: '' };
}

suite.table({
  title: `${FILES.toLocaleString('en')} files (${((FILES * FILE_BYTES) / 2 ** 20).toFixed(0)} MB), ${CHECKS} checks of sleep ${CHECK_MS / 1000} at fanout's default parallelism (the usable CPUs: ${availableParallelism()} here), ${RUNS} interleaved rounds`,
  note:
    'Each row is a whole `fanout check --json` process, spawn to exit; CPU is user + system of the process and its children (GNU time). ' +
    'A cold run deletes the cache and the stat cache first; in the git repository git\'s index names the contents of the staged files, without git every file is read and hashed. ' +
    'Measured from a settled disk (sync after the repository is generated). The rerun rows check that no check ran, and exactly one, or they fail. Targets are judged on the medians; on a loaded machine (see the load average) read the CPU column beside the wall times.',
  columns: [
    { key: 'ms', label: 'wall ms' },
    { key: 'cpu', label: 'CPU ms (user + sys)' },
  ],
  textColumns: [
    { key: 'over', label: 'against the peer (medians)' },
    { key: 'target', label: 'target' },
  ],
  rows: measured.map(({ item, samples, error }) => ({
    label: item.name,
    peer: item.peer,
    samples,
    ...(text[item.name] === undefined ? {} : { text: text[item.name] }),
    ...(error === undefined ? {} : { error }),
  })),
});
suite.finish();
