// `fanout check --dry-run`: the checks a run would execute and why, without running any.
import { planChecks, type PlanReason, type RunPlan } from '../../checks/run-entry.js';
import type { ResolvedConfig } from '../../config/index.js';
import { displayPath } from '../../common/text.js';
import { printNotes } from '../load-config.js';
import { styleFor } from '../style.js';
import { print, printJson } from '../terminal.js';

/** The flags of `fanout check` a dry run reads: those that choose the checks, and the output's. */
/** The flags of `check` that choose its checks: what a run and its dry run read alike. */
export interface SelectionFlags {
  only: string[];
  tags: string[];
  excludeTags: string[];
  changed?: string | true | undefined;
  resume?: string | true | undefined;
  shard?: string | undefined;
  asyncThresholdMs?: number | null | undefined;
  logDir: string;
}

/** The options of `runChecks`/`planChecks` the selection flags give, so a dry run plans exactly what the run runs. */
export function selectionOf(flags: SelectionFlags) {
  const { only, tags, excludeTags, changed, resume, shard, asyncThresholdMs, logDir } = flags;
  return { only, tags, excludeTags, changed, resume, shard, asyncThreshold: asyncThresholdMs, logDir };
}

export interface DryRunOptions extends SelectionFlags {
  json: boolean;
  color?: boolean | undefined;
}

/** Changed files named per check before `… and N more`. */
const FILES_SHOWN = 3;

/** What selected a check, as a fragment of `selected: …`; undefined for the other reasons. */
function selectedBy(reason: PlanReason): string | undefined {
  if (reason.kind === 'all') return 'every check';
  if (reason.kind === 'id') return 'by id';
  if (reason.kind === 'only') return 'by --only';
  if (reason.kind === 'tag') return `tag${reason.tags.length > 1 ? 's' : ''} ${reason.tags.join(', ')}`;
  return undefined;
}

/** Why a check would run, as a person reads it: `selected: by id, tag fast`, `required by unit`, `changed: src/a.ts`. */
export function reasonsText(reasons: readonly PlanReason[]): string {
  const selected = reasons.map(selectedBy).filter((text) => text !== undefined);
  const parts = selected.length > 0 ? [`selected: ${selected.join(', ')}`] : [];
  for (const reason of reasons) {
    if (reason.kind === 'changed') {
      const more = reason.files.length - FILES_SHOWN;
      parts.push(`changed: ${reason.files.slice(0, FILES_SHOWN).join(', ')}${more > 0 ? ` … and ${more} more` : ''}`);
    } else if (reason.kind === 'resume') parts.push('resumed: did not pass in the run resumed');
    else if (reason.kind === 'required') parts.push(`required by ${reason.by.join(', ')}`);
    else if (reason.kind === 'shard-support') parts.push('required by this shard’s checks (not reported by this shard)');
  }
  return parts.join('; ');
}

/** The text of a plan: one line per check, its reasons after its id. */
export function renderPlan(plan: RunPlan, cwd: string, style = styleFor({ isTTY: false }, false)): string {
  const width = Math.max(0, ...plan.checks.map((check) => check.id.length));
  const head = `${displayPath(plan.configFile, cwd)}: ${plan.checks.length} of ${plan.total} check${plan.total === 1 ? '' : 's'} would run (--dry-run: nothing ran)`;
  const lines = plan.checks.map(
    (check) => `  ${check.id.padEnd(width)}  ${reasonsText(check.reasons)}${check.async ? style.dim(' (async)') : ''}`,
  );
  return `${[head, ...lines].join('\n')}\n`;
}

/**
 * Prints the plan for the loaded `config` (as JSON with --json); exit 0 — a bad selection is a usage error (2), as
 * for a run.
 */
export async function dryRunCommand(ids: string[], options: DryRunOptions, config: ResolvedConfig): Promise<number> {
  const cwd = process.cwd();
  const plan = await planChecks({
    config,
    ids,
    ...selectionOf(options),
    cwd,
  });
  // The reasons say what was pulled in; the other notes (warnings, an empty selection) go to stderr as in a run.
  printNotes(plan.notes.filter((note) => note.code !== 'pulled-in'));
  if (options.json) {
    printJson({
      schema_version: '1',
      dry_run: true,
      config_file: plan.configFile,
      total: plan.total,
      changed_files: plan.changedFiles,
      checks: plan.checks,
    });
    return 0;
  }
  print(renderPlan(plan, cwd, styleFor(process.stdout, options.color)));
  return 0;
}
