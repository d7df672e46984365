// @ts-check
// Grok's engines: the same patterns over the same real-world outputs on V8's backtracking engine (a hand-written
// equivalent), on RE2 (`re2js`, forced), and as fanout runs them (`compileGrok`: V8 when it runs the pattern alike,
// else RE2), so the figures are what RE2's semantics and linear time cost and what the choice saves. Outputs: go test -cover, jest, pytest, eslint, golangci-lint, gosec, at a
// typical size and at 1 MB (a long log); patterns: the cases' own (test/fixtures/conformance/cases/grok.yaml).
// `FANOUT_BENCH_ROUNDS` (default 15) rounds, medians reported; each round times both engines back to back.
import { performance } from 'node:perf_hooks';
import { startSuite } from './lib/harness.js';

const ROUNDS = Number(process.env.FANOUT_BENCH_ROUNDS ?? 15);
const { compileGrok } = await import('../dist/config.js');
const { RE2JS } = await import('re2js');

/** @type {Array<{ name: string, line: (i: number) => string, tail: string, pattern: string, v8: RegExp }>} */
const outputs = [
  {
    name: 'go test -cover',
    line: (i) => `ok  \tgithub.com/acme/app/pkg${i}\t0.0${i % 10}2s\tcoverage: ${(i % 100) + 0.5}% of statements\n`,
    tail: 'total:\t\t\t(statements)\t\t73.4%\n',
    pattern: 'total:\\s+\\(statements\\)\\s+%{NUMBER:coverage}%',
    v8: /total:\s+\(statements\)\s+(?<coverage>[+-]?(?:[0-9]+(?:\.[0-9]+)?)|\.[0-9]+)%/,
  },
  {
    name: 'jest summary',
    line: (i) => `  ✓ renders component ${i} (${i % 50} ms)\n`,
    tail: 'Tests:       1 failed, 12 passed, 13 total\n',
    pattern: 'Tests:\\s+%{INT:failed} failed, %{INT:passed} passed, %{INT:total} total',
    v8: /Tests:\s+(?<failed>[+-]?[0-9]+) failed, (?<passed>[+-]?[0-9]+) passed, (?<total>[+-]?[0-9]+) total/,
  },
  {
    name: 'pytest summary',
    line: (i) => `tests/test_mod${i}.py::test_case_${i} PASSED [ ${i % 100}%]\n`,
    tail: '===== 3 failed, 45 passed, 2 skipped in 1.23s =====\n',
    pattern: '%{INT:failed} failed, %{INT:passed} passed, %{INT:skipped} skipped in %{NUMBER:secs}s',
    v8: /(?<failed>[+-]?[0-9]+) failed, (?<passed>[+-]?[0-9]+) passed, (?<skipped>[+-]?[0-9]+) skipped in (?<secs>[+-]?(?:[0-9]+(?:\.[0-9]+)?)|\.[0-9]+)s/,
  },
  {
    name: 'eslint problems',
    line: (i) => `  ${i}:${i % 80}  warning  Unexpected console statement  no-console\n`,
    tail: '✖ 5 problems (3 errors, 2 warnings)\n',
    pattern: '%{INT:problems} problems \\(%{INT:errors} errors, %{INT:warnings} warnings\\)',
    v8: /(?<problems>[+-]?[0-9]+) problems \((?<errors>[+-]?[0-9]+) errors, (?<warnings>[+-]?[0-9]+) warnings\)/,
  },
  {
    name: 'golangci-lint first issue',
    line: (i) => `level=info msg="[runner] processing file ${i}"\n`,
    tail: 'main.go:12:5: Error return value is not checked (errcheck)\n',
    pattern: '%{DATA:file}:%{INT:line}:%{INT:col}: %{GREEDYDATA:msg} \\(%{WORD:linter}\\)',
    v8: /(?<file>.*?):(?<line>[+-]?[0-9]+):(?<col>[+-]?[0-9]+): (?<msg>.*) \((?<linter>\b\w+\b)\)/,
  },
  {
    name: 'gosec issues',
    line: (i) => `[gosec] ${new Date(0).toISOString()} Checking file: /src/pkg/file${i}.go\n`,
    tail: 'Summary:\n  Files  : 12\n  Lines  : 800\n  Nosec  : 0\n  Issues : 3\n',
    pattern: 'Issues\\s*:\\s*%{INT:issues}',
    v8: /Issues\s*:\s*(?<issues>[+-]?[0-9]+)/,
  },
];

/** @param {number[]} values */
/** @param {(i: number) => string} line @param {string} tail @param {number} bytes */
function build(line, tail, bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const text = line(i);
    parts.push(text);
    size += text.length;
  }
  return parts.join('') + tail;
}

const suite = startSuite({ suite: 'grok', title: 'Grok', rounds: ROUNDS });
/** @type {import('./lib/harness.js').Row[]} */
const rows = [];
for (const output of outputs) {
  const grok = compileGrok([output.pattern]);
  const [compiled] = grok.patterns;
  if (compiled === undefined) throw new Error('no pattern');
  const re2 = RE2JS.compile(compiled.source);
  /** @param {string} text */
  const re2Extract = (text) => {
    const matcher = re2.matcher(text);
    /** @type {Record<string, string>} */
    const values = {};
    if (matcher.find()) for (const [group, field] of compiled.groups) {
      const value = matcher.group(group);
      if (value) values[field] = value;
    }
    return values;
  };
  for (const bytes of [4 * 1024, 1024 * 1024]) {
    const text = build(output.line, output.tail, bytes);
    const v8Times = [];
    const re2Times = [];
    const fanoutTimes = [];
    /** @type {Record<string, string>} */
    let v8Values = {};
    /** @type {Record<string, string>} */
    let re2Values = {};
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      const match = output.v8.exec(text);
      v8Values = Object.fromEntries(Object.entries(match?.groups ?? {}).filter(([, v]) => v !== undefined && v !== ''));
      v8Times.push(performance.now() - start);
      start = performance.now();
      re2Values = re2Extract(text);
      re2Times.push(performance.now() - start);
      start = performance.now();
      const fanoutValues = grok.extract(text);
      fanoutTimes.push(performance.now() - start);
      if (JSON.stringify(fanoutValues) !== JSON.stringify(re2Values)) throw new Error(`${output.name}: fanout and RE2 disagree`);
    }
    const size = bytes < 1024 * 1024 ? `${Math.round(text.length / 1024)} KB` : `${(text.length / (1024 * 1024)).toFixed(1)} MB`;
    const same = JSON.stringify(v8Values) === JSON.stringify(re2Values);
    const engine = compiled.v8 === undefined ? 'RE2' : 'V8';
    const v8Label = `${output.name}, ${size}: V8`;
    rows.push(
      { label: v8Label, peer: 'a hand-written V8 regexp', samples: { ms: v8Times } },
      { label: `${output.name}, ${size}: RE2 (re2js)`, peer: v8Label, samples: { ms: re2Times }, text: { same: same ? 'yes' : `no: ${JSON.stringify(v8Values)} vs ${JSON.stringify(re2Values)}` } },
      { label: `${output.name}, ${size}: fanout (${engine})`, peer: v8Label, samples: { ms: fanoutTimes } },
    );
  }
}
suite.table({
  title: 'Grok engines over real-world outputs',
  note: 'Each round times the three back to back on the same text: V8 (a hand-written equivalent of the pattern), RE2 (re2js, forced), and fanout (`compileGrok`, which picks V8 when it runs the pattern alike, else RE2).',
  columns: [{ key: 'ms', label: 'ms' }],
  ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
  textColumns: [{ key: 'same', label: 'same values as V8' }],
  rows,
});
// The pattern V8 cannot bound: `(a+)+$` over 30 bytes of `a` and one `b` (V8 backtracks 2^30 steps; RE2 is linear).
const evil = compileGrok(['(?P<run>(a+)+$)']);
const evilText = `${'a'.repeat(100_000)}b`;
const start = performance.now();
evil.extract(evilText);
suite.note(`\`(a+)+$\` over 100 KB of "a" then "b": fanout (RE2) ${(performance.now() - start).toFixed(1)} ms, one run (V8 does not finish: 30 bytes already take seconds).`);
suite.finish();
