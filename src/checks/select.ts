// Which checks a run executes: ids (with what they require), --only, --tags / --exclude-tags (with what they require).
import type { ResolvedCheck } from '../config/types.js';
import { UsageError } from './errors.js';
import type { RunNote } from './events.js';
import { didYouMean } from '../common/suggest.js';

/** Which checks to run, as `runChecks` and `fanout check` take them (each list empty for none). */
export interface Selection {
  ids: readonly string[];
  only: readonly string[];
  tags: readonly string[];
  excludeTags: readonly string[];
}

/** What {@link selectChecks} selected. */
export interface Selected {
  /** The checks to run, in config order; with `--only`, their `requires` are cut to the selected set. */
  checks: ResolvedCheck[];
  /** Ids that were not asked for but are required by a selected check (pulled in, never silently skipped). */
  pulledIn: string[];
  /**
   * A `vibeguard.*` config filtered by tags: each selected check whose requirement the filter left out, and that
   * requirement. Such a check is skipped, as VibeGuard skips it ("not in filtered set").
   */
  unmet?: ReadonlyMap<string, string>;
}

/**
 * VibeGuard's tag filter: the checks having any of `tags` (none of `excludeTags`), nothing pulled in; a check whose
 * requirement the filter left out is listed in `unmet` (its first such requirement), its `requires` cut to the set.
 */
export function selectByTagsAsVibeguard(all: readonly ResolvedCheck[], tags: readonly string[], excludeTags: readonly string[]): Selected {
  const include = new Set(tags);
  const exclude = new Set(excludeTags);
  const wanted = all.filter((check) => (include.size === 0 || check.tags.some((tag) => include.has(tag))) && !check.tags.some((tag) => exclude.has(tag)));
  const chosen = new Set(wanted.map((check) => check.id));
  const unmet = new Map<string, string>();
  for (const check of wanted) {
    const missing = check.requires.find((id) => !chosen.has(id));
    if (missing !== undefined) unmet.set(check.id, missing);
  }
  return { checks: wanted.map((check) => ({ ...check, requires: check.requires.filter((id) => chosen.has(id)) })), pulledIn: [], unmet };
}

/**
 * Resolves the selection. Unknown ids are usage errors with a did-you-mean; unknown tags in `--tags` too.
 * A tag in `--exclude-tags` that no check has is a note (in `notes`). Requirements are pulled in transitively, even when `--exclude-tags` excludes them: a check never runs without
 * what it requires, and never is skipped for a filter's sake.
 */
export function selectChecks(all: readonly ResolvedCheck[], selection: Selection, notes: RunNote[] = []): Selected {
  const byId = new Map(all.map((check) => [check.id, check]));
  const knownTags = new Set(all.flatMap((check) => check.tags));
  for (const id of [...selection.ids, ...selection.only]) {
    if (!byId.has(id)) throw new UsageError(`unknown check "${id}"${didYouMean(id, byId.keys())}`);
  }
  // A typo in --tags would silently select nothing: an error. Excluding a tag nobody has is harmless (a script shared
  // across repositories does it): a note on stderr.
  for (const tag of selection.tags) {
    if (!knownTags.has(tag)) throw new UsageError(`no check has the tag "${tag}"${didYouMean(tag, knownTags)}`);
  }
  for (const tag of selection.excludeTags) {
    if (!knownTags.has(tag)) notes.push({ code: 'unknown-exclude-tag', message: `note: no check has the tag "${tag}"${didYouMean(tag, knownTags)}` });
  }
  if (selection.only.length > 0) {
    if (selection.ids.length > 0) throw new UsageError('give check ids either as arguments or with --only, not both');
    const only = new Set(selection.only);
    const checks = all
      .filter((check) => only.has(check.id))
      .map((check) => ({ ...check, requires: check.requires.filter((id) => only.has(id)) }));
    return { checks, pulledIn: [] };
  }
  const exclude = new Set(selection.excludeTags);
  const include = new Set(selection.tags);
  const ids = new Set(selection.ids);
  const wanted = all.filter((check) => {
    if (ids.size > 0 && !ids.has(check.id)) return false;
    if (include.size > 0 && !check.tags.some((tag) => include.has(tag))) return false;
    return !check.tags.some((tag) => exclude.has(tag));
  });
  const chosen = new Set(wanted.map((check) => check.id));
  const pulledIn: string[] = [];
  const stack = [...wanted];
  for (let check = stack.pop(); check !== undefined; check = stack.pop()) {
    for (const id of check.requires) {
      if (chosen.has(id)) continue;
      const required = byId.get(id);
      if (!required) continue; // the config layer reports unknown requirements; nothing to pull
      chosen.add(id);
      pulledIn.push(id);
      stack.push(required);
    }
  }
  const pulled = new Set(pulledIn);
  return { checks: all.filter((check) => chosen.has(check.id)), pulledIn: all.filter((check) => pulled.has(check.id)).map((check) => check.id) };
}
