// @ts-check
// Config loading: `loadConfigText` (parse with `yaml` + validate + resolve + compile grok) of a generated 200-check
// config, against the peer it cannot beat — `yaml`'s parseDocument of the same text — so the figure that matters is
// what validation adds on top of parsing. `FANOUT_BASELINE_DIST=/path/to/old/dist` also measures an older build
// side by side in the same process (how the valibot rework was compared with the hand-written walker).
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';

const CHECKS = Number(process.env.FANOUT_BENCH_CHECKS ?? 200);
const ROUNDS = Number(process.env.FANOUT_BENCH_ROUNDS ?? 60);

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
console.log(`config: ${CHECKS} checks, ${text.length} bytes, ${ROUNDS} rounds (warm), loadavg ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// Each round times the parse alone and every build, back to back, so machine noise hits them alike; what validation
// adds is the per-round difference (load - parse), whose median is robust to a round that the machine disturbed.
const parses = [];
const results = loaders.map(() => /** @type {{ load: number[], added: number[] }} */ ({ load: [], added: [] }));
for (let round = 0; round < ROUNDS; round++) {
  const start = performance.now();
  parseOnce();
  const parsed = performance.now() - start;
  parses.push(parsed);
  loaders.forEach((loader, index) => {
    const begin = performance.now();
    loader.load();
    const took = performance.now() - begin;
    results[index]?.load.push(took);
    results[index]?.added.push(took - parsed);
  });
}
const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const min = (/** @type {number[]} */ values) => Math.min(...values);
console.log(`  yaml parseDocument alone      median ${median(parses).toFixed(2)} ms  min ${min(parses).toFixed(2)} ms`);
loaders.forEach((loader, index) => {
  const { load, added } = results[index] ?? { load: [], added: [] };
  console.log(
    `  loadConfigText (${loader.name.padEnd(8)})  median ${median(load).toFixed(2)} ms  min ${min(load).toFixed(2)} ms  ` +
      `validation adds (median of per-round differences) ${median(added).toFixed(2)} ms  first call ${loader.cold.toFixed(1)} ms`,
  );
});
