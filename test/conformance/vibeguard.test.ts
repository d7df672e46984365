// The differential conformance suite: every case under test/fixtures/conformance/cases runs under fanout (the built
// CLI) and is compared with what the real VibeGuard binary did (goldens, recorded by ./record.js), at two levels:
// - facts: exit codes, statuses, the values extracted and rendered, the problem a stopped run names (./harness.js
//   `facts`, `factsAgree`);
// - text: the same exit code, stdout, stderr and written files, byte for byte once folders and durations are
//   normalised, and VibeGuard's error printed twice (its one-problem-twice defect) counted once.
//
// test/fixtures/conformance/differences.json holds the ledger: `facts` lists each case whose facts differ, with why;
// `text` lists the cases whose text is identical. The suite fails when a case outside `facts` differs or a listed one
// now agrees, and when a case of `text` stops being identical or one outside it becomes so: the ledger moves with
// every change, and the rates printed are always the true ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDifference, facts, factsAgree, loadCases, problemsOnce, readGoldens, root, runCase, type Case, type Outcome } from './harness.js';

interface Ledger {
  facts: Record<string, string>;
  text: string[];
}

const ledgerFile = join(root, 'test/fixtures/conformance/differences.json');
const ledger = JSON.parse(readFileSync(ledgerFile, 'utf8')) as Ledger;
const textIdentical = new Set(ledger.text);
const cli = join(root, 'dist/cli.js');
const cases = loadCases();
const categories = [...new Set(cases.map((c) => c.category))];
const goldens = new Map(categories.map((category) => [category, readGoldens(category)]));
const actual = new Map<string, Outcome[]>();

/** Runs every case under fanout, four at a time. */
async function runAll(list: readonly Case[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const c = list[next++]!;
      const outcomes: Outcome[] = [];
      for (const args of c.runs) outcomes.push(await runCase(c, args, { command: process.execPath, prefix: [cli] }));
      actual.set(c.id, outcomes);
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
}

const golden = (c: Case): Outcome[] | undefined => goldens.get(c.category)?.[c.id];
// VibeGuard prints a run's error twice (one problem, twice): the issue compares those by the problem, once.
const sameText = (c: Case): boolean => JSON.stringify(actual.get(c.id)) === JSON.stringify(golden(c)?.map(problemsOnce));
const factsOf = (outcomes: readonly Outcome[] | undefined) => outcomes?.map((outcome) => facts(outcome));
const sameFacts = (c: Case): boolean => factsAgree(factsOf(actual.get(c.id)) ?? [], factsOf(golden(c)) ?? []);

describe('VibeGuard conformance', () => {
  beforeAll(() => runAll(cases), 900_000);

  for (const category of categories) {
    describe(category, () => {
      it.each(cases.filter((c) => c.category === category).map((c) => [c.id, c] as const))('%s', (id, c) => {
        expect(golden(c), `no golden recorded for ${id}: run node test/conformance/record.js`).toBeDefined();
        if (Object.hasOwn(ledger.facts, id)) {
          expect(sameFacts(c), `${id} now agrees with VibeGuard: remove it from differences.json's facts`).toBe(false);
        } else {
          expect(sameFacts(c), `${id}: fanout's facts differ from VibeGuard's: ${describeDifference(factsOf(actual.get(id)) ?? [], factsOf(golden(c)) ?? [])}`).toBe(true);
        }
        expect(sameText(c), textIdentical.has(id) ? `${id}: no longer prints what VibeGuard prints` : `${id} now prints what VibeGuard prints: add it to differences.json's text`).toBe(textIdentical.has(id));
      });
    });
  }

  it('reports the agreement rates per category', () => {
    const rows = categories.map((category) => {
      const list = cases.filter((c) => c.category === category);
      return { category, total: list.length, facts: list.filter(sameFacts).length, text: list.filter(sameText).length };
    });
    const total = { category: 'all', total: cases.length, facts: 0, text: 0 };
    for (const row of rows) {
      total.facts += row.facts;
      total.text += row.text;
    }
    const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
    const summary = [...rows, total]
      .map((r) => `${r.category}: facts ${r.facts}/${r.total} (${percent(r.facts, r.total)}), text ${r.text}/${r.total} (${percent(r.text, r.total)})`)
      .join('\n');
    if (process.env.CONFORMANCE_REPORT !== undefined) writeFileSync(process.env.CONFORMANCE_REPORT, `${summary}\n`);
    // fanout's own outcomes, to compare with the goldens by hand.
    if (process.env.CONFORMANCE_ACTUAL !== undefined) writeFileSync(process.env.CONFORMANCE_ACTUAL, JSON.stringify(Object.fromEntries(actual), null, 2));
    // CONFORMANCE_LEDGER=write rewrites the ledger from this run, keeping the reasons already written by hand.
    if (process.env.CONFORMANCE_LEDGER === 'write') {
      const next: Ledger = { facts: {}, text: cases.filter(sameText).map((c) => c.id) };
      for (const c of cases.filter((c) => !sameFacts(c))) {
        next.facts[c.id] = ledger.facts[c.id] ?? describeDifference(factsOf(actual.get(c.id)) ?? [], factsOf(golden(c)) ?? []);
      }
      writeFileSync(ledgerFile, `${JSON.stringify(next, null, 2)}\n`);
    }
    expect(total.facts).toBe(cases.length - Object.keys(ledger.facts).length);
    expect(total.text).toBe(textIdentical.size);
  });
});
