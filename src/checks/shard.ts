// `fanout check --shard i/n`: this machine owns a deterministic share of the checks (see shard-plan.ts),
// runs them and what they require, and reports only its own, so `fanout merge-reports` sees each check once.
import type { ResolvedCheck } from '../config/types.js';
import { parseShard, shardChecks } from './shard-plan.js';
import { UsageError } from './errors.js';
import type { CheckRecord } from './record.js';
import type { RunListener } from './session.js';

export interface ShardSelection {
  /** What this shard runs: its own checks and their requirements, in config order. */
  checks: ResolvedCheck[];
  /** Checks run only in support of this shard's own: never reported here. */
  hidden: ReadonlySet<string>;
  /** Which shard, for the report (merge-reports checks that every shard is there once). */
  shard: { index: number; total: number };
}

/** Narrows the selected checks to shard `text` (`i/n`, 1-based). */
export function selectShard(selected: readonly ResolvedCheck[], text: string): ShardSelection {
  let shard: { index: number; total: number };
  try {
    shard = parseShard(text);
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).replace(/^shard /, '--shard '), 'ERR_USAGE', { cause: error });
  }
  const plan = shardChecks(selected, shard.index, shard.total);
  const run = new Set(plan.run);
  return { checks: selected.filter((check) => run.has(check.id)), hidden: new Set(plan.support), shard };
}

/** A listener that never hears of hidden checks. */
export function withoutHidden(listener: RunListener, hidden: ReadonlySet<string>): RunListener {
  if (hidden.size === 0) return listener;
  const shown = (record: CheckRecord) => !hidden.has(record.check.id);
  return {
    onRunStart: (records) => listener.onRunStart?.(records.filter(shown)),
    onCheckStart: (record, attempt) => shown(record) && listener.onCheckStart?.(record, attempt),
    onCheckRetry: (record, attempt, previous) => shown(record) && listener.onCheckRetry?.(record, attempt, previous),
    // Every spawn, hidden checks' too: the run journal must know every process group to reap after a crash.
    onCheckSpawn: (record, attempt, pid) => listener.onCheckSpawn?.(record, attempt, pid),
    onCheckEnd: (record) => shown(record) && listener.onCheckEnd?.(record),
  };
}
