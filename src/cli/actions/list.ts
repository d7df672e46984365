// `fanout list` and `fanout tags`.
import type { ResolvedCheck, ResolvedConfig } from '../../config/types.js';
import { loadForCommand } from '../load-config.js';
import type { CommonOptions } from '../options.js';
import { isAsync } from '../../checks/session.js';
import { styleFor } from '../style.js';
import { formatDuration } from '../../shared/duration.js';
import { jsonText, print, printErr, printJson, printJsonText } from '../terminal.js';

function timeoutText(check: ResolvedCheck): string {
  return check.timeoutMs === null ? 'none' : formatDuration(check.timeoutMs);
}

/** The machine-readable description of a check, as `list --json` prints it. */
export function describeCheck(check: ResolvedCheck) {
  return {
    id: check.id,
    run: check.run,
    severity: check.severity,
    tags: check.tags,
    requires: check.requires,
    timeout_ms: check.timeoutMs,
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

export async function listCommand(options: CommonOptions): Promise<number> {
  const config = await loadForCommand(options);
  if (options.json) {
    printJsonText(listJson(config));
    return 0;
  }
  const style = styleFor(process.stdout, options.color);
  const width = Math.max(...config.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const check of config.checks) {
    const parts = [style.bold(check.id.padEnd(width)), check.severity === 'warning' ? style.yellow('warning') : 'error  '];
    if (check.tags.length > 0) parts.push(style.dim(`[${check.tags.join(', ')}]`));
    if (check.requires.length > 0) parts.push(`requires: ${check.requires.join(', ')}`);
    lines.push(parts.join('  '));
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
  if (options.json) {
    printJson(Object.fromEntries(sorted));
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
