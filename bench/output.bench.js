// @ts-check
// The cost of a check's output to fanout: `fanout check` on one check printing 50 MB in lines of 80 characters,
// and the same 50 MB without a single newline. The output path (buffer, read-back, masking, escape stripping,
// the tail as a terminal shows it, the report) must cost the same whatever the shape: target ratio <= 1.5. Also
// reported: the longest main-thread step of each run, over the whole process and from the check's spawn on (the run
// without module loading at start-up; target <= 50 ms: signals and timers are answered meanwhile).
// Rounds are interleaved (bench/lib/harness.js): BENCH_RUNS (default 3, --full 5).
//   node bench/run.js --quick output    writes its section of docs/benchmarks.md
//   BENCH_OUTPUT_MB=5 BENCH_RUNS=1 node bench/output.bench.js    a quick look (default 50 MB)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, profile, startSuite, stat, target, timeProcess } from './lib/harness.js';

const REPS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 5 : 3));
const MB = Number(process.env.BENCH_OUTPUT_MB ?? 50);
const BYTES = MB * 1024 * 1024;
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const preload = fileURLToPath(new URL('./fixtures/loop-delay.js', import.meta.url));
const LINE = 'a'.repeat(79);

/** Both shapes go through the same pipeline (yes | tr | head): only what tr turns the newlines into differs. */
const SHAPES = {
  // The longest step includes fanout's start-up (loading its modules): this row shows that part alone.
  'no output (start-up alone)': 'true',
  'lines of 80 characters': `yes ${LINE} | tr b c | head -c ${BYTES}`,
  'no newline': `yes ${LINE} | tr '\\n' a | head -c ${BYTES}`,
};

const dir = mkdtempSync(join(tmpdir(), 'fanout-output-bench-'));
const suite = startSuite({ suite: 'output', title: 'Output', rounds: REPS });
try {
  const shapes = Object.entries(SHAPES).map(([label, command], i) => {
    const config = join(dir, `fanout-${i}.yaml`);
    writeFileSync(config, `checks:\n  - id: output\n    run: ${JSON.stringify(command)}\n    grok: 'a{3}(?P<end>a)$'\n`);
    return { label, config };
  });
  const measured = await interleave(REPS, shapes, ({ config }) => {
    const delayFile = join(dir, 'delay');
    const { ms } = timeProcess(process.execPath, ['--import', preload, cli, 'check', '-c', config, '--log-dir', join(dir, 'logs'), '--json'], {
      env: { ...process.env, LOOP_DELAY_FILE: delayFile, API_TOKEN: 'not-a-real-secret-value' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const delay = /** @type {{ whole: number, run: number }} */ (JSON.parse(readFileSync(delayFile, 'utf8')));
    return { ms, loopMs: delay.whole, runLoopMs: delay.run };
  });
  const lines = 'lines of 80 characters';
  const median = (/** @type {string} */ label, key = 'ms') => stat(measured.find((m) => m.item.label === label)?.samples[key] ?? []).median;
  suite.table({
    title: `\`fanout check\` on one check printing ${MB} MB`,
    note: 'Both shapes go through the same pipeline (`yes | tr | head -c`): only what `tr` turns the newlines into differs; the check has a grok pattern and the environment a secret to mask. Wall time: the whole process, spawn to exit. Longest main-thread step (a step that blocks signals and timers): over the whole process (module loading at start-up included), and from the check\'s spawn on (bench/fixtures/loop-delay.js, 10 ms resolution).',
    columns: [
      { key: 'ms', label: 'wall ms' },
      { key: 'loopMs', label: 'longest step, whole process, ms' },
      { key: 'runLoopMs', label: "longest step from the check's spawn, ms" },
    ],
    ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
    textColumns: [{ key: 'target', label: 'target (ratio: medians; steps: every round)' }],
    rows: measured.map(({ item, samples, error }) => {
      const step = target(Math.max(...(samples.runLoopMs ?? [Number.NaN])) <= 50, "every step from the check's spawn <= 50 ms");
      const text = item.label === 'no newline' ? `${target(median('no newline') / median(lines) <= 1.5, '<= 1.5× lines')}; ${step}` : step;
      const peer = item.label === 'no newline' ? lines : item.label === lines ? 'no output (start-up alone)' : 'the reference: start-up and an empty check';
      return { label: item.label, peer, samples, text: { target: text }, ...(error === undefined ? {} : { error }) };
    }),
  });
  suite.finish();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
