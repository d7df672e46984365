import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a, parseShard, shardChecks, shardOf, type ShardCheck } from '../../src/checks/shard-plan.js';

/** Random DAGs: check i may require only checks before it (so no cycles), ids unique. */
const graphs = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), { minLength: 0, maxLength: 40 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.tuple(...ids.map((_, i) => fc.subarray(ids.slice(0, i)))),
    ),
  )
  .map(([ids, requires]): ShardCheck[] => ids.map((id, i) => ({ id, requires: requires[i] ?? [] })));

function closure(checks: ShardCheck[], roots: string[]): Set<string> {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const required of byId.get(id)?.requires ?? []) visit(required);
  };
  roots.forEach(visit);
  return seen;
}

describe('shardChecks', () => {
  it('property: every check is owned by exactly one shard, and a shard runs every requirement of its checks', () => {
    fc.assert(
      fc.property(graphs, fc.integer({ min: 1, max: 8 }), (checks, total) => {
        const plans = Array.from({ length: total }, (_, i) => shardChecks(checks, i + 1, total));
        const owners = new Map<string, number>();
        plans.forEach((plan, i) => {
          for (const id of plan.owned) {
            expect(owners.has(id)).toBe(false);
            owners.set(id, i);
          }
          // run = owned + transitive requirements, exactly; support = run - owned; all in input order.
          expect(new Set(plan.run)).toEqual(closure(checks, plan.owned));
          expect(plan.support).toEqual(plan.run.filter((id) => !plan.owned.includes(id)));
          const order = checks.map((check) => check.id);
          expect(plan.run).toEqual(order.filter((id) => plan.run.includes(id)));
        });
        expect([...owners.keys()].sort()).toEqual(checks.map((check) => check.id).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('property: ownership depends on the id alone (adding checks never moves another one)', () => {
    fc.assert(
      fc.property(graphs, fc.stringMatching(/^[A-Z]{1,8}$/), fc.integer({ min: 1, max: 8 }), (checks, extra, total) => {
        const before = Array.from({ length: total }, (_, i) => shardChecks(checks, i + 1, total).owned);
        const after = Array.from({ length: total }, (_, i) => shardChecks([...checks, { id: extra }], i + 1, total).owned.filter((id) => id !== extra));
        expect(after).toEqual(before);
      }),
    );
  });

  it('is deterministic and spreads ids (FNV-1a)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    const ids = Array.from({ length: 1000 }, (_, i) => `check-${i}`);
    const sizes = [1, 2, 3, 4].map((shard) => ids.filter((id) => shardOf(id, 4) === shard).length);
    for (const size of sizes) expect(size).toBeGreaterThan(200);
  });

  it('a shard runs, without owning them, what its checks require', () => {
    const checks = [{ id: 'build' }, { id: 'unit', requires: ['build'] }, { id: 'e2e', requires: ['unit'] }, { id: 'lint' }];
    const owner = shardOf('e2e', 3);
    const plan = shardChecks(checks, owner, 3);
    expect(plan.run).toEqual(expect.arrayContaining(['build', 'unit', 'e2e']));
    for (const id of ['build', 'unit']) if (shardOf(id, 3) !== owner) expect(plan.support).toContain(id);
  });

  it('rejects bad arguments with a TypeError naming them', () => {
    expect(() => shardChecks([], 0, 2)).toThrow(/index must be an integer >= 1, received 0/);
    expect(() => shardChecks([], 3, 2)).toThrow(/index must be an integer from 1 to total \(2\), received 3/);
    expect(() => shardChecks('x' as never, 1, 1)).toThrow(TypeError);
    expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '']) expect(() => parseShard(bad)).toThrow(/shard must be i\/n/);
  });
});
