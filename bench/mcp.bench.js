// @ts-check
// `fanout mcp`, after `npm run build`: the round trip of a run_checks call on a run of trivial checks (three `true`),
// from the SDK client's call to its answer, over a real stdio transport to one server started once. Every call
// starts an ordinary background run, handed to the spare supervisor the server started ahead of time (so no process
// starts during the call), waits for its end and reads its journal. Calls are BENCH_MCP_GAP_MS apart (default
// 1000: an agent reads and edits between calls), which gives the next spare time to load. For scale, the start-up
// of `node -e 0` and of `fanout --version` (the floor of any process of the bin) on the same machine.
// The round trip is split by the times the run's journal records: call -> run:start (the supervisor's start-up and
// config), run:start -> run:end (the checks), run:end -> answer (the server's poll of the journal, the reply).
// Rounds are interleaved (bench/lib/harness.js): BENCH_RUNS (default 10, --full 20); target: run_checks <= 100 ms
// (median) on a cached run.
//   node bench/run.js --quick mcp     writes its section of docs/benchmarks.md
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { interleave, profile, startSuite, stat, target, timeProcess } from './lib/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 20 : 10));
const GAP_MS = Number(process.env.BENCH_MCP_GAP_MS ?? 1000);
const tmp = mkdtempSync(join(tmpdir(), 'fanout-mcp-bench-'));

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

const suite = startSuite({ suite: 'mcp', title: 'MCP', rounds: RUNS });
try {
  const env = Object.fromEntries(Object.entries(process.env).filter((entry) => entry[1] !== undefined));
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], cwd: tmp, stderr: 'ignore', env: /** @type {Record<string, string>} */ (env) });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  const call = async () => {
    // An agent reads an answer and edits before it calls again: the gap lets the server's next spare get ready.
    await new Promise((done) => setTimeout(done, GAP_MS));
    const called = Date.now();
    const begun = performance.now();
    const result = await client.callTool({ name: 'run_checks', arguments: {} });
    const took = performance.now() - begun;
    const answered = Date.now();
    const view = /** @type {{ phase?: string; exit_code?: number; run_id?: string }} */ (result.structuredContent ?? {});
    if (result.isError || view.phase !== 'ended' || view.exit_code !== 0) throw new Error(`run_checks: ${JSON.stringify(result)}`);
    const events = readFileSync(join(tmp, '.fanout/runs', view.run_id ?? '', 'journal.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => /** @type {{ type?: string; time?: string }} */ (JSON.parse(line)));
    const at = (/** @type {string} */ type) => Date.parse(events.find((event) => event.type === type)?.time ?? '');
    return { ms: took, start: at('run:start') - called, run: at('run:end') - at('run:start'), answer: answered - at('run:end') };
  };
  await call(); // the first call also loads the server's modules
  const node = 'node -e 0 (process start)';
  const version = 'fanout --version (process start)';
  const measured = await interleave(
    RUNS,
    [
      { label: node, peer: 'bare Node start-up', run: () => ({ ms: timeProcess(process.execPath, ['-e', '0']).ms }) },
      { label: version, peer: node, run: () => ({ ms: timeProcess(process.execPath, [cli, '--version'], { cwd: tmp }).ms }) },
      { label: 'run_checks round trip', peer: version, run: call },
    ],
    (c) => c.run(),
  );
  await client.close();
  const trip = measured[2];
  const tripMs = stat(trip?.samples.ms ?? []).median;
  /** @param {{ label: string; peer: string }} item @param {number[]} ms @param {string | undefined} error */
  const row = (item, ms, error, text = '') => ({ label: item.label, peer: item.peer, samples: { ms }, text: { target: text }, ...(error === undefined ? {} : { error }) });
  suite.table({
    title: `\`run_checks\` over stdio on a run of three \`true\` checks, calls ${GAP_MS} ms apart`,
    note: "One server started once, an SDK client over a real stdio transport; each call starts an ordinary background run, handed to the spare supervisor the server started ahead of time. The parts of the round trip are read from the times the run's journal records (millisecond clock). The process starts are for scale.",
    columns: [{ key: 'ms', label: 'ms' }],
    ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
    textColumns: [{ key: 'target', label: 'target (median)' }],
    rows: [
      ...measured.map(({ item, samples, error }) => row(item, samples.ms ?? [], error, item === trip?.item ? target(tripMs <= 100, '<= 100 ms') : '')),
      row({ label: 'part: call → run:start (supervisor start-up, config)', peer: 'run_checks round trip (a part of it)' }, trip?.samples.start ?? [], trip?.error),
      row({ label: 'part: run:start → run:end (the checks)', peer: 'run_checks round trip (a part of it)' }, trip?.samples.run ?? [], trip?.error),
      row({ label: "part: run:end → answer (the server's poll of the journal, the reply)", peer: 'run_checks round trip (a part of it)' }, trip?.samples.answer ?? [], trip?.error),
    ],
  });
  suite.finish();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
