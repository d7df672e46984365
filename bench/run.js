// @ts-check
// Runs the benchmarks: `node bench/run.js` runs every bench/*.bench.js in turn; `node bench/run.js core graph`
// runs only those; `--quick` / `--full` (see below) also regenerate docs/benchmarks.md. Each bench file spawns its
// own per-case processes, so suites never share a heap.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// --quick: the library suite only, writing docs/benchmarks.md (what the docs come from). --full: every suite, the
// library suite in its long form, also writing the docs.
const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
const wanted = quick ? ['library'] : process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const suiteArgs = quick || full ? [full ? '--full' : '--quick', '--write'] : [];
const suites = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.js'))
  .map((name) => name.slice(0, -'.bench.js'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
if (suites.length === 0) {
  console.error(`no benchmark suite matches ${wanted.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const suite of suites) {
  console.log(`\n## ${suite}\n`);
  const run = spawnSync(process.execPath, ['--expose-gc', `${dir}${suite}.bench.js`, ...(suite === 'library' ? suiteArgs : [])], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
