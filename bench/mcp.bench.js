// @ts-check
// `fanout mcp`, after `npm run build`: the round trip of a run_checks call on a run of trivial checks (three `true`),
// from the SDK client's call to its answer, over a real stdio transport to one server started once. Every call
// starts an ordinary background run, handed to the spare supervisor the server started ahead of time (so no process
// starts during the call), waits for its end and reads its journal. Calls are BENCH_MCP_GAP_MS apart (default
// 1000: an agent reads and edits between calls), which gives the next spare time to load. For scale, the start-up
// of `node -e 0` and of `fanout --version` (the floor of any process of the bin) on the same machine.
// The round trip is split by the times the run's journal records: call -> run:start (the supervisor's start-up and
// config), run:start -> run:end (the checks), run:end -> answer (the server's poll of the journal, the reply).
// Median and p90 of BENCH_MCP_RUNS (default 15); target: run_checks <= 100 ms on a cached run.
//   node bench/run.js mcp
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_MCP_RUNS ?? 15);
const GAP_MS = Number(process.env.BENCH_MCP_GAP_MS ?? 1000);
const tmp = mkdtempSync(join(tmpdir(), 'fanout-mcp-bench-'));

/** @param {number[]} values @param {number} q */
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
};
/** @param {string} label @param {number[]} values */
const line = (label, values) => console.log(`${label.padEnd(34)} median ${quantile(values, 0.5).toFixed(1)} ms  p90 ${quantile(values, 0.9).toFixed(1)} ms  min ${Math.min(...values).toFixed(1)} ms  (${values.length} runs)`);

writeFileSync(
  join(tmp, 'fanout.yaml'),
  `version: "1"
checks:
  - id: a
    run: "true"
  - id: b
    run: "true"
  - id: c
    run: "true"
    requires: [a]
`,
);

try {
  const nodes = [];
  for (let i = 0; i < RUNS; i++) {
    const begun = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodes.push(performance.now() - begun);
  }
  const startups = [];
  for (let i = 0; i < RUNS; i++) {
    const begun = performance.now();
    const result = spawnSync(process.execPath, [cli, '--version'], { cwd: tmp });
    if (result.status !== 0) throw new Error(`fanout --version exited ${result.status}`);
    startups.push(performance.now() - begun);
  }

  const env = Object.fromEntries(Object.entries(process.env).filter((entry) => entry[1] !== undefined));
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], cwd: tmp, stderr: 'ignore', env: /** @type {Record<string, string>} */ (env) });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  const trips = [];
  /** @type {{ start: number[]; run: number[]; answer: number[] }} */
  const parts = { start: [], run: [], answer: [] };
  for (let i = 0; i <= RUNS; i++) {
    // An agent reads an answer and edits before it calls again: the gap lets the server's next spare get ready.
    await new Promise((done) => setTimeout(done, GAP_MS));
    const called = Date.now();
    const begun = performance.now();
    const result = await client.callTool({ name: 'run_checks', arguments: {} });
    const took = performance.now() - begun;
    const answered = Date.now();
    const view = /** @type {{ phase?: string; exit_code?: number; run_id?: string }} */ (result.structuredContent ?? {});
    if (result.isError || view.phase !== 'ended' || view.exit_code !== 0) throw new Error(`run_checks: ${JSON.stringify(result)}`);
    if (i === 0) continue; // the first call also loads the server's modules
    trips.push(took);
    const events = readFileSync(join(tmp, '.fanout/runs', view.run_id ?? '', 'journal.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => /** @type {{ type?: string; time?: string }} */ (JSON.parse(line)));
    const at = (/** @type {string} */ type) => Date.parse(events.find((event) => event.type === type)?.time ?? '');
    parts.start.push(at('run:start') - called);
    parts.run.push(at('run:end') - at('run:start'));
    parts.answer.push(answered - at('run:end'));
  }
  await client.close();

  line('node -e 0 (process start)', nodes);
  line('fanout --version (process start)', startups);
  line('run_checks round trip', trips);
  line('  call -> run:start', parts.start);
  line('  run:start -> run:end', parts.run);
  line('  run:end -> answer', parts.answer);
  const median = quantile(trips, 0.5);
  console.log(`target <= 100 ms: ${median <= 100 ? 'met' : 'NOT met'} (median ${median.toFixed(1)} ms)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
