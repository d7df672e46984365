// @ts-check
// Runs the benchmarks (after `npm run build`; `npm run bench -- ...` builds first).
//   node bench/run.js                 every bench/*.bench.js in turn, printing their tables
//   node bench/run.js core graph      only those
//   node bench/run.js --quick         the suites the docs come from, at their quick sizes (under 10 minutes on 2
//                                     cores), and writes their sections of docs/benchmarks.md
//   node bench/run.js --full          every documented suite at full size (longer), writing the docs the same way
//   node bench/run.js --quick threads one documented suite: its section is replaced, the others are kept
// Each suite writes its result document (bench/lib/harness.js) to the file named by BENCH_JSON; this script renders
// the docs from those documents (bench/lib/docs.js), never from copied figures. The page is rewritten after every
// suite, so a run cut short still leaves the sections it finished.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCUMENTED, parseSections, renderFailure, renderPage, renderSection } from './lib/docs.js';
import { machine } from './lib/harness.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const docsFile = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));


const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

if (quick || full) documented(quick ? 'quick' : 'full');
else plain();

/** Every suite, or the named ones, printing only. */
function plain() {
  const suites = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.js'))
    .map((name) => name.slice(0, -'.bench.js'.length))
    .filter((name) => named.length === 0 || named.includes(name))
    .sort();
  if (suites.length === 0) {
    console.error(`no benchmark suite matches ${named.join(', ')}`);
    process.exit(2);
  }
  let failed = 0;
  for (const suite of suites) {
    console.log(`\n## ${suite}\n`);
    const run = spawnSync(process.execPath, ['--expose-gc', `${dir}${suite}.bench.js`], { stdio: 'inherit' });
    if (run.status !== 0) failed++;
  }
  process.exit(failed === 0 ? 0 : 1);
}

/** The documented suites of a profile (or the named ones), writing docs/benchmarks.md. @param {'quick' | 'full'} mode */
function documented(mode) {
  const unknown = named.filter((name) => !DOCUMENTED.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`not a documented suite: ${unknown.join(', ')} (documented: ${DOCUMENTED.map((s) => s.name).join(', ')})`);
    process.exit(2);
  }
  const suites = DOCUMENTED.filter((s) => (named.length > 0 ? named.includes(s.name) : mode === 'full' || s.quick));
  const command = `npm run bench -- --${mode}${named.length > 0 ? ` ${named.join(' ')}` : ''}`;
  const sections = parseSections(existsSync(docsFile) ? readFileSync(docsFile, 'utf8') : '');
  const order = DOCUMENTED.map((s) => s.name);
  const started = Date.now();
  const load0 = loadavg();
  const m = machine();
  const status = (/** @type {string} */ state) =>
    `Last run: \`${command}\`, ${new Date(started).toISOString()}, ${m.cpu}, ${m.cores} cores, Node ${m.node}, load average ${load0.map((l) => l.toFixed(1)).join(' ')} at start; ${state}.`;
  const tmp = mkdtempSync(join(tmpdir(), 'fanout-bench-'));
  let failed = 0;
  try {
    for (const [i, suite] of suites.entries()) {
      console.log(`\n## ${suite.name}\n`);
      const json = join(tmp, `${suite.name}.json`);
      const run = spawnSync(process.execPath, ['--expose-gc', `${dir}${suite.name}.bench.js`], {
        stdio: 'inherit',
        env: { ...process.env, BENCH_PROFILE: mode, BENCH_JSON: json },
      });
      if (run.status === 0 && existsSync(json)) {
        sections.set(suite.name, renderSection(JSON.parse(readFileSync(json, 'utf8')), command));
      } else {
        failed++;
        const why = run.status === 0 ? 'it wrote no result (BENCH_JSON)' : `exit ${run.status ?? run.signal}`;
        sections.set(suite.name, renderFailure(suite.name, suite.title, command, why));
      }
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      const state = i === suites.length - 1 ? `took ${minutes} minutes, ${loadavg().map((l) => l.toFixed(1)).join(' ')} at end` : `**still running** (${i + 1} of ${suites.length} suites, ${minutes} minutes)`;
      writeFileSync(docsFile, renderPage(sections, order, status(state)));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nwritten: docs/benchmarks.md (${((Date.now() - started) / 60_000).toFixed(1)} minutes)`);
  process.exit(failed === 0 ? 0 : 1);
}
