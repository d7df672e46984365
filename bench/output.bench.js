// @ts-check
// The cost of a check's output to fanout: `fanout check` on one check printing 50 MB in lines of 80 characters,
// and the same 50 MB without a single newline. The output path (buffer, read-back, masking, escape stripping,
// the tail as a terminal shows it, the report) must cost the same whatever the shape: target ratio <= 1.5. Also
// reported: the longest main-thread step of each run, over the whole process and from the check's spawn on (the run
// without module loading at start-up; target <= 50 ms: signals and timers are answered meanwhile).
// Usage: npx tsdown && node bench/run.js output   (env OUTPUT_BENCH_REPS=N, default 3; OUTPUT_BENCH_MB, default 50)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPS = Number(process.env.OUTPUT_BENCH_REPS ?? 3);
const BYTES = Number(process.env.OUTPUT_BENCH_MB ?? 50) * 1024 * 1024;
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

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'fanout-output-bench-'));
/** @type {Record<string, { ms: number, loopMs: number, runLoopMs: number }>} */
const results = {};
try {
  for (const [shape, command] of Object.entries(SHAPES)) {
    const config = join(dir, 'fanout.yaml');
    writeFileSync(config, `checks:\n  - id: output\n    run: ${JSON.stringify(command)}\n    grok: 'a{3}(?P<end>a)$'\n`);
    /** @type {number[]} */
    const times = [];
    /** @type {number[]} */
    const loops = [];
    /** @type {number[]} */
    const runLoops = [];
    for (let rep = 0; rep < REPS; rep++) {
      const delayFile = join(dir, 'delay');
      const start = performance.now();
      const run = spawnSync(process.execPath, ['--import', preload, cli, 'check', '-c', config, '--log-dir', join(dir, 'logs'), '--json'], {
        env: { ...process.env, LOOP_DELAY_FILE: delayFile, API_TOKEN: 'not-a-real-secret-value' },
        maxBuffer: 64 * 1024 * 1024,
      });
      times.push(performance.now() - start);
      if (run.status !== 0) throw new Error(`fanout check exited ${run.status}: ${run.stderr.toString().slice(0, 500)}`);
      const delay = /** @type {{ whole: number, run: number }} */ (JSON.parse(readFileSync(delayFile, 'utf8')));
      loops.push(delay.whole);
      runLoops.push(delay.run);
    }
    results[shape] = { ms: median(times), loopMs: Math.max(...loops), runLoopMs: Math.max(...runLoops) };
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`| ${BYTES / 1024 / 1024} MB of output, \`fanout check\` | wall time (median of ${REPS}) | longest main-thread step, whole process | from the check's spawn on |`);
console.log('|---|---|---|---|');
for (const [shape, { ms, loopMs, runLoopMs }] of Object.entries(results)) console.log(`| ${shape} | ${ms.toFixed(0)} ms | ${loopMs.toFixed(1)} ms | ${runLoopMs.toFixed(1)} ms |`);
const ratio = (results['no newline']?.ms ?? Number.NaN) / (results['lines of 80 characters']?.ms ?? Number.NaN);
console.log(`\nno newline / lines: ${ratio.toFixed(2)} (target <= 1.5)`);
