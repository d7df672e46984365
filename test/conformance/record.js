// Records the real VibeGuard binary's outcome of every conformance case as goldens (test/fixtures/conformance/goldens).
//
//   node test/conformance/record.js            uses $VIBEGUARD_BIN, else ../shared/tools/vibeguard beside the repository
//
// The goldens are committed; `npm test` compares fanout with them and never needs the binary.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenFile, loadCases, root, runCase } from './harness.js';

const binary = process.env.VIBEGUARD_BIN ?? join(root, '../shared/tools/vibeguard');
if (!existsSync(binary)) {
  console.error(`no VibeGuard binary at ${binary}: set VIBEGUARD_BIN`);
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
