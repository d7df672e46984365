// @ts-check
// Config loading: `loadConfigText` (parse with `yaml` + validate + resolve + compile grok) of a generated 200-check
// config, against the peer it cannot beat — `yaml`'s parseDocument of the same text — so the figure that matters is
// what validation adds on top of parsing. `FANOUT_BASELINE_DIST=/path/to/old/dist` also measures an older build
// side by side in the same process (how the valibot rework was compared with the hand-written walker). Rounds are
// interleaved (bench/lib/harness.js): BENCH_RUNS (default 60, --full 200), each timing the parse and every build.
//   node bench/run.js --quick config     writes its section of docs/benchmarks.md
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { interleave, profile, startSuite } from './lib/harness.js';

const CHECKS = Number(process.env.FANOUT_BENCH_CHECKS ?? 200);
const ROUNDS = Number(process.env.BENCH_RUNS ?? (profile() === 'full' ? 200 : 60));

/** A config in the shape real ones have: vars, prompts, and checks using most fields. */
function generate(/** @type {number} */ count) {
  const lines = ['version: "1"', 'vars:', '  min_coverage: 80', '  packages: ./...', 'prompts:', '  - id: fix-it', '    content: Fix it.', 'checks:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - id: check-${i}`, `    run: go test {{.packages}} -run T${i}`, '    severity: warning', '    tags: [fast, go]', '    timeout: 1m30s');
    if (i > 0) lines.push(`    requires: [check-${i - 1}${i > 5 ? `, check-${i - 5}` : ''}]`);
    if (i % 2 === 0) {
      lines.push('    grok:', '      - total:.*\\(statements\\)\\s+%{NUMBER:coverage}%', '    assert: "coverage >= {{.min_coverage}}"');
      lines.push('    suggestion: "Coverage is {{.coverage}}%, need {{.min_coverage}}%"');
    }
    if (i % 3 === 0) lines.push('    env: { GOFLAGS: -count=1 }', '    retries: 1', '    on:', '      failure: [fix-it]');
  }
  return `${lines.join('\n')}\n`;
}

const text = generate(CHECKS);
/** @type {Array<{ name: string, specifier: string }>} */
const builds = [{ name: 'current', specifier: '../dist/config.js' }];
const baseline = process.env.FANOUT_BASELINE_DIST;
if (baseline) builds.unshift({ name: 'baseline', specifier: new URL(`file://${baseline}/${existsSync(`${baseline}/config.js`) ? 'config' : 'index'}.js`).href });

const loaders = [];
for (const { name, specifier } of builds) {
  /** @type {{ loadConfigText: (text: string, file: string) => { ok: boolean } }} */
  const api = await import(specifier);
  // The first call in the process: what one CLI invocation pays (cold JIT, cold grok cache).
  const start = performance.now();
  const first = api.loadConfigText(text, 'fanout.yaml');
  const cold = performance.now() - start;
  if (!first.ok) throw new Error(`${name}: the generated config does not load: ${JSON.stringify(first)}`);
  loaders.push({ name, load: () => api.loadConfigText(text, 'fanout.yaml'), cold });
}

const parseOnce = () => parseDocument(text, { lineCounter: new LineCounter(), merge: true, uniqueKeys: true });
const suite = startSuite({ suite: 'config', title: 'Config loading', rounds: ROUNDS });
const parse = '`yaml` parseDocument alone';
// Each round times the parse alone and every build, back to back, so machine noise hits them alike; what validation
// adds is the per-round difference (load - parse), whose median is robust to a round that the machine disturbed.
let parsed = Number.NaN;
const measured = await interleave(ROUNDS, [{ label: parse, peer: 'the parse every loader starts with', run: parseOnce }, ...loaders.map((l) => ({ label: `loadConfigText (${l.name} build)`, peer: parse, run: l.load }))], (c) => {
  const start = performance.now();
  c.run();
  const took = performance.now() - start;
  if (c.label === parse) {
    parsed = took;
    return { ms: took };
  }
  return { ms: took, added: took - parsed };
});
suite.table({
  title: `A generated config of ${CHECKS} checks (${Math.round(text.length / 1024)} KB), warm`,
  note: `\`loadConfigText\` parses with \`yaml\`, validates, resolves and compiles the grok patterns; "validation adds" is the median of the per-round differences from the parse. The first call in a process (cold JIT and grok cache: what one CLI invocation pays): ${loaders.map((l) => `${l.name} ${l.cold.toFixed(1)} ms`).join(', ')}.`,
  columns: [
    { key: 'ms', label: 'ms' },
    { key: 'added', label: 'validation adds, ms' },
  ],
  ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
  rows: measured.map(({ item, samples, error }) => ({ label: item.label, peer: item.peer, samples, ...(error === undefined ? {} : { error }) })),
});
suite.finish();
