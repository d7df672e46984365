// @ts-check
// The package as users load it, side by side in one run: `await import()` of each fanout entry point against
// p-map's and p-limit's (fresh processes, alternating order, min / median of the rounds), and `fanout --version`
// against `node -e 0`. Targets: import('fanout') ≤ 2× p-map's; `fanout --version` within 30 ms of `node -e 0`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_RUNS ?? 15);

/** Wall time (ms) of one fresh `node` running `args`, measured around the spawn. */
function spawnMs(/** @type {string[]} */ args) {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(run.status)}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Import time (ms) measured inside a fresh process, so process start-up is not counted. */
function importMs(/** @type {string} */ specifier) {
  const code = `const t=performance.now();await import(${JSON.stringify(specifier)});process.stdout.write(String(performance.now()-t))`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`import ${specifier} failed: ${run.stderr}`);
  return Number(run.stdout);
}

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const min = (/** @type {number[]} */ xs) => Math.min(...xs);

/** Runs every contender once per round, in an order that alternates between rounds. */
function alternate(/** @type {Record<string, () => number>} */ contenders) {
  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const names = Object.keys(contenders);
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) times[name]?.push(contenders[name]?.() ?? NaN);
  }
  return times;
}

const imports = alternate({
  fanout: () => importMs(`${root}dist/index.js`),
  'fanout/config': () => importMs(`${root}dist/config.js`),
  'fanout/pipeline': () => importMs(`${root}dist/pipeline.js`),
  'fanout/distributed': () => importMs(`${root}dist/distributed.js`),
  'p-map': () => importMs('p-map'),
  'p-limit': () => importMs('p-limit'),
});
const pMap = median(imports['p-map'] ?? []);
console.log(`| import (fresh process, ${rounds} rounds) | min ms | median ms | ÷ p-map |`);
console.log('| --- | --- | --- | --- |');
for (const [name, times] of Object.entries(imports)) console.log(`| ${name} | ${min(times).toFixed(1)} | ${median(times).toFixed(1)} | ${(median(times) / pMap).toFixed(2)}× |`);
const fanoutRatio = median(imports.fanout ?? []) / pMap;
console.log(`\nimport('fanout') ÷ import('p-map'): ${fanoutRatio.toFixed(2)}× (target ≤ 2×): ${fanoutRatio <= 2 ? 'met' : 'MISSED'}`);

const starts = alternate({
  'node -e 0': () => spawnMs(['-e', '0']),
  'fanout --version': () => spawnMs([`${root}dist/cli.js`, '--version']),
});
const overhead = median(starts['fanout --version'] ?? []) - median(starts['node -e 0'] ?? []);
console.log(`\n| start-up (${rounds} rounds) | min ms | median ms |`);
console.log('| --- | --- | --- |');
for (const [name, times] of Object.entries(starts)) console.log(`| ${name} | ${min(times).toFixed(1)} | ${median(times).toFixed(1)} |`);
console.log(`\nfanout --version − node -e 0: ${overhead.toFixed(1)} ms (target ≤ 30 ms): ${overhead <= 30 ? 'met' : 'MISSED'}`);
