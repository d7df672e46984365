// What a run would execute, and why, without running anything: `fanout check --dry-run`, and the `--changed`
// selection of `fanout list` and `fanout graph`.
import { resolve } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { matchesAny } from '../common/glob.js';
import { changedFiles, globPath } from './changed.js';
import type { RunNote } from './events.js';
import { loadConfigCached, warningNotes } from './load.js';
import { selectForRun } from './prepare.js';
import { runLogDir, type RunChecksOptions } from './run.js';
import { isAsync } from './session.js';
import { selectShard } from './shard.js';

/** Why a check would run; a check may have several reasons. */
export type PlanReason =
  /** No selection was given: every check of the config runs. */
  | { kind: 'all' }
  /** Named as an id (`fanout check ID`). */
  | { kind: 'id' }
  /** Named with `--only` (its requirements are not pulled in). */
  | { kind: 'only' }
  /** It has these of the `--tags` asked for. */
  | { kind: 'tag'; tags: string[] }
  /** Its `files:` match these changed files (`--changed`), relative to the config's folder. */
  | { kind: 'changed'; files: string[] }
  /** It did not pass in the run `--resume` reruns. */
  | { kind: 'resume' }
  /** Not selected itself: these selected checks require it. */
  | { kind: 'required'; by: string[] }
  /** With `--shard`: run only in support of this shard's own checks (not reported by this shard). */
  | { kind: 'shard-support' };

/** A check the run would execute. */
export interface PlannedCheck {
  id: string;
  /** The command, as the shell would get it. */
  run: string;
  /** Runs in the async pool (outside `parallel`). */
  async: boolean;
  /** The checks it waits for (within the plan). */
  requires: string[];
  reasons: PlanReason[];
}

/** What {@link planChecks} resolves with. */
export interface RunPlan {
  /** The config file (absolute). */
  configFile: string;
  /** The checks the run would execute, in the config's order. */
  checks: PlannedCheck[];
  /** How many checks the config has. */
  total: number;
  /** With `changed`: the files git reports changed (relative to the config's folder); null otherwise. */
  changedFiles: string[] | null;
  /** What the run would print before its first check (warnings, pulled-in checks, an empty selection). */
  notes: RunNote[];
}

/** The options of {@link planChecks}: those of `runChecks` that choose the checks. */
export type PlanOptions = Pick<
  RunChecksOptions,
  'config' | 'ids' | 'only' | 'tags' | 'excludeTags' | 'changed' | 'resume' | 'shard' | 'asyncThreshold' | 'logDir' | 'cwd' | 'strict'
>;

/**
 * The checks `runChecks` would execute with the same options, each with why (selected by id or tag, required by
 * another, changed files matched, resumed): nothing runs, no run folder is made, nothing is written. Rejects as
 * `runChecks` would: a UsageError for an unknown id or tag, a ConfigError for a broken config.
 *
 * @example
 * ```ts
 * import { planChecks } from 'fanout/checks';
 *
 * const plan = await planChecks({ config: 'fanout.yaml', tags: ['fast'], changed: true });
 * for (const check of plan.checks) console.log(check.id, check.reasons.map((reason) => reason.kind).join(', '));
 * ```
 */
export async function planChecks(options: PlanOptions): Promise<RunPlan> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const logDir = runLogDir(options, cwd);
  const notes: RunNote[] = [];
  let config: ResolvedConfig;
  if (typeof options.config === 'string') {
    const loaded = await loadConfigCached({ config: resolve(cwd, options.config), cwd, strict: options.strict });
    config = loaded.config;
    notes.push(...loaded.notes, ...warningNotes(config, cwd));
  } else {
    config = options.config;
  }
  const changedPaths = options.changed === undefined ? undefined : changedFiles(config.dir, options.changed === true ? 'HEAD' : options.changed);
  const selection = { ids: options.ids ?? [], only: options.only ?? [], tags: options.tags ?? [], excludeTags: options.excludeTags ?? [] };
  const selected = selectForRun(config, selection, { resume: options.resume, changed: options.changed, changedPaths, asyncThresholdMs: options.asyncThreshold, logDir }, notes);
  const shardText = typeof options.shard === 'object' ? `${options.shard.index}/${options.shard.total}` : options.shard;
  const { checks, hidden } = shardText === undefined ? { checks: selected.checks, hidden: new Set<string>() } : selectShard(selected.checks, shardText);
  if (checks.length === 0) notes.push({ code: 'empty-selection', message: 'no check matches the selection' });
  if (selected.pulledIn.length > 0) notes.push({ code: 'pulled-in', message: `also running ${selected.pulledIn.join(', ')}: required by the selected checks` });

  const pulledIn = new Set(selected.pulledIn);
  const ids = new Set(selection.ids);
  const only = new Set(selection.only);
  const tags = new Set(selection.tags);
  const chosen = new Set(checks.map((check) => check.id));
  const relativeChanged = changedPaths?.map((path) => globPath(path, config.dir)).sort() ?? null;
  const planned = checks.map((check): PlannedCheck => {
    const reasons: PlanReason[] = [];
    if (hidden.has(check.id)) reasons.push({ kind: 'shard-support' });
    else if (pulledIn.has(check.id)) {
      reasons.push({ kind: 'required', by: checks.filter((other) => chosen.has(other.id) && other.requires.includes(check.id)).map((other) => other.id) });
    } else if (options.resume !== undefined) reasons.push({ kind: 'resume' });
    else if (relativeChanged !== null) reasons.push({ kind: 'changed', files: relativeChanged.filter((path) => matchesAny(path, check.files)) });
    else if (only.has(check.id)) reasons.push({ kind: 'only' });
    else {
      if (ids.has(check.id)) reasons.push({ kind: 'id' });
      const matched = check.tags.filter((tag) => tags.has(tag));
      if (matched.length > 0) reasons.push({ kind: 'tag', tags: matched });
      if (reasons.length === 0) reasons.push({ kind: 'all' });
    }
    return { id: check.id, run: check.run, async: isAsync(check), requires: check.requires.filter((id) => chosen.has(id)), reasons };
  });
  return { configFile: config.file, checks: planned, total: config.checks.length, changedFiles: relativeChanged, notes };
}
