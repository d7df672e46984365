// @ts-check
// The hook's time budget, after `npm run build`: `fanout hook claude --budget B` with checks that outlast it, timed
// from the spawn of the hook process to its exit (the local bin, as an agent runs it). Target: B + 200 ms (median).
// Two cases: checks that stop on SIGTERM, and one that ignores it (SIGKILL needed); rounds interleaved
// (bench/lib/harness.js), BENCH_RUNS (default 5, --full 7).
//   node bench/run.js --quick hook     writes its section of docs/benchmarks.md
//   BENCH_HOOK_BUDGET=5s node bench/hook.bench.js    another budget (default 2s)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, profile, startSuite, stat, target } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 7 : 5));
const BUDGET = process.env.BENCH_HOOK_BUDGET ?? '2s';
const budgetMs = BUDGET.endsWith('ms') ? Number(BUDGET.slice(0, -2)) : Number(BUDGET.slice(0, -1)) * 1000;
const tmp = mkdtempSync(join(tmpdir(), 'fanout-hook-bench-'));

const cases = [
  {
    label: 'checks that stop on SIGTERM',
    yaml: `version: "1"
checks:
  - id: lint
    run: echo lint ok
  - id: types
    run: sleep 60
  - id: tests
    run: sleep 60
`,
  },
  {
    label: 'a check that ignores SIGTERM',
    yaml: `version: "1"
checks:
  - id: lint
    run: echo lint ok
  - id: stubborn
    run: trap '' TERM; sleep 60 & wait; sleep 60
`,
  },
];

/** @param {string} cwd @returns {Promise<{ ms: number; code: number | null }>} */
function hookOnce(cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'hook', 'claude', '--budget', BUDGET], { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: performance.now() - started, code }));
    child.stdin.end(JSON.stringify({ hook_event_name: 'Stop', cwd }));
  });
}

const suite = startSuite({ suite: 'hook', title: 'Hook budget', rounds: RUNS });
const limit = budgetMs + 200;
try {
  const dirs = new Map(cases.map((c) => [c.label, mkdtempSync(join(tmp, 'case-'))]));
  for (const c of cases) writeFileSync(join(dirs.get(c.label) ?? tmp, 'fanout.yaml'), c.yaml);
  const measured = await interleave(RUNS, cases, async (c) => {
    const { ms, code } = await hookOnce(dirs.get(c.label) ?? tmp);
    if (code !== 0) throw new Error(`the hook exited ${code}, expected 0 (the checks cut by the budget are pending)`);
    return { ms };
  });
  suite.table({
    title: `\`fanout hook claude --budget ${BUDGET}\` with checks that outlast the budget`,
    note: 'Spawn of the hook process to its exit, Node\'s start and the config\'s load included (the budget counts from the hook\'s start); the checks still running are stopped 150 ms before the budget (SIGTERM, SIGKILL 100 ms later).',
    columns: [{ key: 'ms', label: 'spawn to exit, ms' }],
    textColumns: [{ key: 'target', label: 'target (median)' }],
    rows: measured.map(({ item, samples, error }) => ({
      label: item.label,
      peer: `the budget, ${budgetMs} ms`,
      samples,
      text: { target: target(stat(samples.ms ?? []).median <= limit, `<= ${limit} ms`) },
      ...(error === undefined ? {} : { error }),
    })),
  });
  suite.finish();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
