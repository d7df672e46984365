/**
 * Sharding a check graph across CI machines (`--shard i/n`): which shard owns each check, and what a shard runs.
 * Part of the checks engine (a run selects its shard with it); exported from fanout/distributed, beside merge-reports.
 */
import { assertInteger, invalidArgument } from '../common/arguments.js';

/** A check as sharding sees it. */
export interface ShardCheck {
  id: string;
  requires?: readonly string[];
}

/** One shard's part of a graph. */
export interface ShardPlan {
  /** Checks this shard owns and reports, in input order. */
  owned: string[];
  /** Checks this shard runs: its own plus everything they require, transitively, in input order. */
  run: string[];
  /** Checks it runs only because its own require them; not reported (their owner shard reports them). */
  support: string[];
}

/** Array.isArray without the narrowing to any[] of readonly arrays. */
const isArray = (value: unknown): boolean => Array.isArray(value);

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across runs, machines and Node versions. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The shard (1-based) that owns a check: FNV-1a of its id, mod `total`, plus one. Depends on the id alone, so adding
 * or removing other checks never moves a check to another shard.
 *
 * @example
 * ```ts
 * import { shardOf } from 'fanout/distributed';
 * const shard = shardOf('unit-tests', 3); // 1, 2 or 3 — the same on every machine
 * ```
 */
export function shardOf(id: string, total: number): number {
  return (fnv1a(id) % total) + 1;
}

/**
 * Parses `--shard i/n` (1-based, like Playwright's and Jest's): `'2/3'` → `{ index: 2, total: 3 }`.
 *
 * @example
 * ```ts
 * import { parseShard } from 'fanout/distributed';
 * parseShard('2/3'); // { index: 2, total: 3 }
 * ```
 */
export function parseShard(text: string): { index: number; total: number } {
  const match = typeof text === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text) : null;
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (match === null || total < 1 || index < 1 || index > total) throw invalidArgument('shard', 'i/n with 1 <= i <= n (e.g. "2/3")', text);
  return { index, total };
}

/**
 * Splits a check graph into `total` shards and returns shard `index`'s part (1-based). Each check is owned by
 * exactly one shard (by {@link shardOf}); a shard also runs, without reporting them, the checks its own checks
 * require, transitively (so a check with a heavy requirement costs that requirement on its shard too).
 *
 * Requirements naming unknown checks are ignored here (config validation reports them).
 *
 * @example
 * ```ts
 * import { shardChecks } from 'fanout/distributed';
 * const checks = [{ id: 'build' }, { id: 'test', requires: ['build'] }, { id: 'lint' }];
 * const plan = shardChecks(checks, 1, 2);
 * console.log(plan.owned, plan.support); // e.g. ['test'] ['build']
 * ```
 */
export function shardChecks(checks: readonly ShardCheck[], index: number, total: number): ShardPlan {
  if (!isArray(checks)) throw invalidArgument('checks', 'an array of { id, requires? }', checks);
  assertInteger('total', total, 1);
  assertInteger('index', index, 1);
  if (index > total) throw invalidArgument('index', `an integer from 1 to total (${total})`, index);
  const byId = new Map<string, ShardCheck>();
  for (const check of checks) {
    if (typeof check !== 'object' || check === null || typeof check.id !== 'string') throw invalidArgument('checks[]', 'an object with a string id', check);
    byId.set(check.id, check);
  }
  const owned = new Set<string>();
  const run = new Set<string>();
  const stack: string[] = [];
  for (const check of checks) {
    if (shardOf(check.id, total) !== index) continue;
    owned.add(check.id);
    stack.push(check.id);
  }
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (run.has(id)) continue;
    run.add(id);
    for (const required of byId.get(id)?.requires ?? []) if (byId.has(required) && !run.has(required)) stack.push(required);
  }
  const inOrder = (set: Set<string>): string[] => {
    const seen = new Set<string>();
    const list: string[] = [];
    for (const { id } of checks) {
      if (set.has(id) && !seen.has(id)) list.push(id);
      seen.add(id);
    }
    return list;
  };
  const runList = inOrder(run);
  return { owned: inOrder(owned), run: runList, support: runList.filter((id) => !owned.has(id)) };
}
