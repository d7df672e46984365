// @ts-check
// Runs the benchmarks: `node bench/run.js` runs every bench/*.bench.js in turn; `node bench/run.js core graph`
// runs only those. Each bench file spawns its own per-case processes, so suites never share a heap.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
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
  const run = spawnSync(process.execPath, ['--expose-gc', `${dir}${suite}.bench.js`], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
