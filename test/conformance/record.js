// Records the real VibeGuard binary's outcome of every conformance case as goldens (test/fixtures/conformance/goldens).
//
//   VIBEGUARD_BIN=/path/to/vibeguard node test/conformance/record.js [category]
//
// The goldens are committed; `npm test` compares fanout with them and never needs the binary.
import { existsSync, writeFileSync } from 'node:fs';
import { goldenFile, loadCases, runCase } from './harness.js';

const binary = process.env.VIBEGUARD_BIN ?? '';
if (binary === '' || !existsSync(binary)) {
  console.error(`set VIBEGUARD_BIN to the path of the real VibeGuard binary (now: ${binary || 'unset'})`);
  process.exit(2);
}
const only = process.argv[2];
const cases = loadCases().filter((c) => only === undefined || c.category === only);
/** @type {Map<string, Record<string, unknown>>} */
const byCategory = new Map();
let index = 0;
async function next() {
  for (let c = cases[index++]; c !== undefined; c = cases[index++]) {
    const outcomes = [];
    for (const args of c.runs) outcomes.push(await runCase(c, args, { command: binary }));
    const golden = byCategory.get(c.category) ?? {};
    golden[c.id] = outcomes;
    byCategory.set(c.category, golden);
  }
}
await Promise.all([next(), next(), next(), next()]);
for (const [category, golden] of byCategory) {
  const sorted = Object.fromEntries(cases.filter((c) => c.category === category).map((c) => [c.id, golden[c.id]]));
  writeFileSync(goldenFile(category), `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`${category}: ${Object.keys(sorted).length} cases recorded`);
}
