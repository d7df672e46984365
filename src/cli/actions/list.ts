// `fanout list` and `fanout tags`. For a vibeguard.* config both print what VibeGuard prints (`tags`: one tag a line,
// nothing else, so `$(fanout tags)` works as `$(vibeguard tags)` does), `--json` included: VibeGuard's --json is global
// and these commands print their text with it, which scripts written for VibeGuard read.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseDuration } from '../../common/duration.js';
import type { ResolvedCheck, ResolvedConfig } from '../../config/index.js';
import { loadForCommand, printNotes } from '../load-config.js';
import { planChecks } from '../../checks/index.js';
import type { CommonOptions } from '../options.js';
import { isAsync } from '../../checks/index.js';
import { styleFor } from '../style.js';
import { formatDuration } from '../../common/duration.js';
import { jsonText, print, printErr, printJson, printJsonText } from '../terminal.js';
import { goDuration } from './vibeguard-output.js';

/** Options of `fanout list`. */
export interface ListOptions extends CommonOptions {
  /** `--tags`: only the checks having any of these tags. @default [] (every check) */
  tags?: readonly string[] | undefined;
  /** `--exclude-tags`: leave out the checks having any of these tags. @default [] */
  excludeTags?: readonly string[] | undefined;
  /** `--changed [REF]`: the checks `fanout check --changed` would run with the same tags (true: HEAD). */
  changed?: string | true | undefined;
}

/** A check's timeout as a run enforces it: timers count whole milliseconds, so a fraction is rounded up. */
function timeoutOf(check: ResolvedCheck): number | null {
  return check.timeoutMs === null ? null : Math.ceil(check.timeoutMs);
}

function timeoutText(check: ResolvedCheck): string {
  const ms = timeoutOf(check);
  return ms === null ? 'none' : formatDuration(ms);
}

/** The machine-readable description of a check, as `list --json` prints it. */
export function describeCheck(check: ResolvedCheck) {
  return {
    id: check.id,
    run: check.run,
    severity: check.severity,
    tags: check.tags,
    requires: check.requires,
    timeout_ms: timeoutOf(check),
    async: isAsync(check),
    retries: check.retries,
    cwd: check.cwd,
    grok: check.grok,
    assert: check.assert ?? null,
    file: check.file ?? null,
    suggestion: check.suggestion ?? null,
    fix: check.fix ?? null,
    lock: check.lock ?? null,
    files: check.files,
    line: check.line,
  };
}

function listJson(config: ResolvedConfig): string {
  const body = {
    config_file: config.file,
    checks: config.checks.map(describeCheck),
    prompts: config.prompts.map((p) => ({ id: p.id, description: p.description ?? null, tags: p.tags })),
  };
  return `${jsonText(body, 2)}\n`;
}

/** The checks `--tags` and `--exclude-tags` keep (VibeGuard's filter: any tag matches; requirements are not pulled in). */
function filterChecks(checks: readonly ResolvedCheck[], options: ListOptions): ResolvedCheck[] {
  const tags = options.tags ?? [];
  const excluded = options.excludeTags ?? [];
  return checks.filter((check) => (tags.length === 0 || check.tags.some((tag) => tags.includes(tag))) && !check.tags.some((tag) => excluded.includes(tag)));
}

/**
 * The timeouts the file wrote as negative durations (no timeout), by check id: the resolved check keeps only `null`,
 * and VibeGuard's listing shows the duration as written.
 */
function negativeTimeouts(config: ResolvedConfig): Map<string, number> {
  const found = new Map<string, number>();
  if (!config.checks.some((check) => check.timeoutMs === null)) return found;
  try {
    const doc = parse(readFileSync(config.file, 'utf8')) as { checks?: Array<{ id?: unknown; timeout?: unknown }> } | null;
    for (const check of doc?.checks ?? []) {
      const ms = typeof check.timeout === 'string' ? parseDuration(check.timeout) : null;
      if (typeof check.id === 'string' && ms !== null && ms < 0) found.set(check.id, ms);
    }
  } catch {
    // Changed since it was loaded: the listing says `none` for what it cannot read back.
  }
  return found;
}

/** VibeGuard's `list` (`-v`: each check's tags, command, severity, timeout, requirements and suggestion). */
function vibeguardList(config: ResolvedConfig, checks: readonly ResolvedCheck[], verbose: boolean): string {
  const negative = verbose ? negativeTimeouts(config) : new Map<string, number>();
  let text = `Checks (${checks.length}):\n\n`;
  for (const check of checks) {
    text += `  ${check.id}\n`;
    if (!verbose) continue;
    if (check.tags.length > 0) text += `    Tags:     ${check.tags.join(', ')}\n`;
    text += `    Command:  ${check.run}\n`;
    text += `    Severity: ${check.severity}\n`;
    const timeout = check.timeoutMs ?? negative.get(check.id);
    text += `    Timeout:  ${timeout === undefined ? 'none' : goDuration(timeout)}\n`;
    if (check.requires.length > 0) text += `    Requires: ${check.requires.join(', ')}\n`;
    if (check.suggestion !== undefined && check.suggestion !== '') text += `    Suggestion: ${check.suggestion}\n`;
    text += '\n';
  }
  return text;
}

/**
 * The checks `fanout check --changed REF` would run (with the same `--tags`, `--exclude-tags` and ids): those whose
 * `files:` match what git reports changed, and what they require, in config order. Its notes (nothing matched) go
 * to stderr.
 */
export async function changedChecks(config: ResolvedConfig, changed: string | true, selection: { ids?: string[]; tags?: readonly string[] | undefined; excludeTags?: readonly string[] | undefined }): Promise<ResolvedCheck[]> {
  const plan = await planChecks({ config, changed, ids: selection.ids ?? [], tags: [...(selection.tags ?? [])], excludeTags: [...(selection.excludeTags ?? [])] });
  printNotes(plan.notes.filter((note) => note.code === 'no-changed-match' || note.code === 'unknown-exclude-tag'));
  const ids = new Set(plan.checks.map((check) => check.id));
  return config.checks.filter((check) => ids.has(check.id));
}

export async function listCommand(options: ListOptions): Promise<number> {
  const config = await loadForCommand(options);
  const checks = options.changed === undefined ? filterChecks(config.checks, options) : await changedChecks(config, options.changed, options);
  if (options.json && !config.vibeguardCompat) {
    printJsonText(listJson({ ...config, checks }));
    return 0;
  }
  if (config.vibeguardCompat) {
    print(vibeguardList(config, checks, options.verbose));
    return 0;
  }
  if (checks.length === 0) {
    if (options.changed === undefined) printErr('fanout: no check has these tags\n');
    return 0;
  }
  const style = styleFor(process.stdout, options.color);
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const check of checks) {
    const parts = [style.bold(check.id.padEnd(width)), check.severity === 'warning' ? style.yellow('warning') : 'error  '];
    if (check.tags.length > 0) parts.push(style.dim(`[${check.tags.join(', ')}]`));
    if (check.requires.length > 0) parts.push(`requires: ${check.requires.join(', ')}`);
    // The severity column is padded for the columns after it: a line that ends there has no trailing spaces.
    lines.push(parts.join('  ').trimEnd());
    if (options.verbose) {
      lines.push(`    run: ${check.run.trim().replace(/\n/g, '\n         ')}`);
      lines.push(`    timeout: ${timeoutText(check)}${isAsync(check) ? ' (background)' : ''}${check.retries > 0 ? `, retries: ${check.retries}` : ''}`);
      if (check.grok.length > 0) lines.push(`    grok: ${check.grok.join(' | ')}`);
      if (check.assert !== undefined) lines.push(`    assert: ${check.assert}`);
      if (check.suggestion !== undefined) lines.push(`    suggestion: ${check.suggestion}`);
      if (check.fix !== undefined) lines.push(`    fix: ${check.fix}`);
    }
  }
  print(`${lines.join('\n')}\n`);
  return 0;
}

export async function tagsCommand(options: CommonOptions): Promise<number> {
  const config = await loadForCommand(options);
  const tags = new Map<string, string[]>();
  for (const check of config.checks) for (const tag of check.tags) tags.set(tag, [...(tags.get(tag) ?? []), check.id]);
  const sorted = [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (options.json && !config.vibeguardCompat) {
    printJson(Object.fromEntries(sorted));
    return 0;
  }
  if (config.vibeguardCompat) {
    // VibeGuard's: each tag once, sorted, one a line; no tags, no output.
    print(sorted.map(([tag]) => `${tag}\n`).join(''));
    return 0;
  }
  if (sorted.length === 0) {
    printErr('fanout: no check has tags\n');
    return 0;
  }
  const width = Math.max(...sorted.map(([tag]) => tag.length));
  const lines = sorted.map(([tag, ids]) => (options.verbose ? `${tag.padEnd(width)}  ${ids.join(', ')}` : `${tag.padEnd(width)}  ${ids.length}`));
  print(`${lines.join('\n')}\n`);
  return 0;
}
