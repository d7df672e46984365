// @ts-check
// The package as users load it, side by side in one run: `await import()` of each fanout entry point against
// p-map's and p-limit's (fresh processes, interleaved rounds, min / median), and `fanout --version` against
// `node -e 0`. Targets: import('fanout') ≤ 2× p-map's; `fanout --version` within 30 ms of `node -e 0`.
//   node bench/run.js --quick package     writes its section of docs/benchmarks.md (BENCH_RUNS, default 15)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { interleave, profile, startSuite, stat, target, timeProcess } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 25 : 15));

/** Import time (ms) measured inside a fresh process, so process start-up is not counted. */
function importMs(/** @type {string} */ specifier) {
  const code = `const t=performance.now();await import(${JSON.stringify(specifier)});process.stdout.write(String(performance.now()-t))`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`import ${specifier} failed: ${run.stderr}`);
  return Number(run.stdout);
}

const suite = startSuite({ suite: 'package', title: 'Package', rounds });
const pMap = 'p-map';
const imports = await interleave(
  rounds,
  [
    { label: 'fanout', specifier: `${root}dist/index.js` },
    { label: 'fanout/config', specifier: `${root}dist/config.js` },
    { label: 'fanout/pipeline', specifier: `${root}dist/pipeline.js` },
    { label: 'fanout/distributed', specifier: `${root}dist/distributed.js` },
    { label: pMap, specifier: 'p-map' },
    { label: 'p-limit', specifier: 'p-limit' },
  ],
  ({ specifier }) => ({ ms: importMs(specifier) }),
);
const importMedian = (/** @type {string} */ label) => stat(imports.find((i) => i.item.label === label)?.samples.ms ?? []).median;
suite.table({
  title: '`await import()` of each entry point, in a fresh process',
  note: 'Timed inside the process (its start-up not counted).',
  columns: [{ key: 'ms', label: 'ms' }],
  ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
  textColumns: [{ key: 'target', label: 'target (median)' }],
  rows: imports.map(({ item, samples, error }) => ({
    label: item.label,
    peer: item.label === pMap ? 'the peer entry point' : pMap,
    samples,
    text: { target: item.label === 'fanout' ? target(importMedian('fanout') / importMedian(pMap) <= 2, '<= 2× p-map') : '' },
    ...(error === undefined ? {} : { error }),
  })),
});

const node = 'node -e 0';
const starts = await interleave(
  rounds,
  [
    { label: node, args: ['-e', '0'] },
    { label: 'fanout --version', args: [`${root}dist/cli.js`, '--version'] },
  ],
  ({ args }) => ({ ms: timeProcess(process.execPath, args, { cwd: root }).ms }),
);
const nodeMs = stat(starts[0]?.samples.ms ?? []).median;
suite.table({
  title: 'Start-up of the bin',
  note: 'Each a whole process, spawn to exit.',
  columns: [{ key: 'ms', label: 'ms' }],
  textColumns: [
    { key: 'over', label: 'median over node -e 0' },
    { key: 'target', label: 'target' },
  ],
  rows: starts.map(({ item, samples, error }) => {
    const over = stat(samples.ms ?? []).median - nodeMs;
    return {
      label: item.label,
      peer: item.label === node ? 'bare Node start-up' : node,
      samples,
      text: item.label === node ? {} : { over: `${over.toFixed(1)} ms`, target: target(over <= 30, '<= +30 ms') },
      ...(error === undefined ? {} : { error }),
    };
  }),
});
suite.finish();
