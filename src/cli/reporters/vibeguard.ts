// The report of `fanout check` on a vibeguard.* config: VibeGuard's own text (or JSON with --json) on stderr, where
// VibeGuard writes it for hooks to see, and its log files under .vibeguard/log/<id>.log (or --log-dir).
import { closeSync, constants, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import type { ReportCheck, RunReport } from '../../checks/index.js';
import { renderGoTemplate, type ResolvedConfig } from '../../config/index.js';
import { goJsonText } from '../actions/vibeguard-output.js';
import type { Reporter } from './reporter.js';

/** Where VibeGuard writes each check's output (overwritten by every run), relative to the working directory. */
export const VIBEGUARD_LOG_DIR = '.vibeguard/log';
const TIMEOUT_SUGGESTION = 'Check timed out. Consider increasing the timeout value or optimizing the command.';
const BLOCKED_SUGGESTION = 'Skipped: required dependency failed';

/** Options of {@link createVibeguardReporter}. */
export interface VibeguardReporterOptions {
  /** The config the run read: the suggestions, fixes and commands as written (vars substituted). */
  config: ResolvedConfig;
  /** Prints on stderr (terminal.ts's printErr). */
  write: (text: string) => void;
  /** `--json`: VibeGuard's JSON document instead of its text. @default false */
  json?: boolean | undefined;
  /** `-v`: one block per check, passed ones included. @default false */
  verbose?: boolean | undefined;
  /** The working directory: the log folder is made there. */
  cwd: string;
  /** VibeGuard's `--log-dir`, as given (the report prints it so). @default VIBEGUARD_LOG_DIR */
  logDir?: string | undefined;
  /** A log file that could not be copied to .vibeguard/log (a warning of the caller). */
  onWriteError?: ((file: string, error: unknown) => void) | undefined;
}

/** One of VibeGuard's findings (its `Violation`). */
interface Violation {
  check: ReportCheck;
  severity: 'error' | 'warning';
  timedOut: boolean;
  command: string;
  /** As configured (JSON), and as printed (text: rendered with the extracted values). */
  suggestion: string;
  shownSuggestion: string;
  fix: string;
  shownFix: string;
  logFile: string;
  event: string | undefined;
}

/**
 * VibeGuard's report of a run, made from the run's events: its results in VibeGuard's order (the levels of the
 * dependency graph, each in config order), its violations in the order the checks of each level ended.
 *
 * @example
 * ```ts
 * import { createVibeguardReporter } from './vibeguard.js';
 * import { printErr } from '../terminal.js';
 * declare const config: import('../../config/index.js').ResolvedConfig;
 * const reporter = createVibeguardReporter({ config, write: printErr, cwd: process.cwd() });
 * // for each event of the run: reporter.onEvent(event); at its end: reporter.end(report)
 * ```
 */
export function createVibeguardReporter(options: VibeguardReporterOptions): Reporter {
  const ended: string[] = [];
  return {
    onEvent(event) {
      if (event.type === 'check:end') ended.push(event.id);
    },
    end(report) {
      copyLogs(report, options);
      const results = vibeguardResults(report, options.config);
      const rank = new Map(ended.map((id, index) => [id, index]));
      const violations = results
        .filter(({ check }) => check.status !== 'passed' && check.status !== 'cancelled')
        .sort((a, b) => a.level - b.level || (rank.get(a.check.id) ?? 0) - (rank.get(b.check.id) ?? 0))
        .map(({ check }) => violationOf(check, options.config, options.logDir ?? VIBEGUARD_LOG_DIR, report));
      const checks = results.map((r) => r.check);
      if (options.json === true) options.write(jsonReport(checks, violations, report));
      else options.write(options.verbose === true ? verboseText(checks, violations, report) : quietText(violations, report));
    },
  };
}

/** The checks VibeGuard reports, in its order: those that ran or were skipped for a failed requirement. */
function vibeguardResults(report: RunReport, config: ResolvedConfig): Array<{ check: ReportCheck; level: number }> {
  const present = new Map(report.checks.map((check) => [check.id, check]));
  const levels = new Map<string, number>();
  const levelOf = (id: string, seen: Set<string>): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const requires = present.get(id)?.requires.filter((dep) => present.has(dep)) ?? [];
    const level = requires.length === 0 ? 0 : 1 + Math.max(...requires.map((dep) => levelOf(dep, seen)));
    levels.set(id, level);
    return level;
  };
  const order = new Map(config.checks.map((check, index) => [check.id, index]));
  return report.checks
    .filter((check) => check.status !== 'pending' && (check.status !== 'skipped' || check.skip_reason?.kind === 'blocked'))
    .map((check) => ({ check, level: levelOf(check.id, new Set()) }))
    .sort((a, b) => a.level - b.level || (order.get(a.check.id) ?? 0) - (order.get(b.check.id) ?? 0));
}

function violationOf(check: ReportCheck, config: ResolvedConfig, logDir: string, report: RunReport): Violation {
  const configured = config.checks.find((c) => c.id === check.id);
  const blocked = check.status === 'skipped';
  const timedOut = check.status === 'timeout';
  // A requirement outside the run: the tag filter left it out.
  const requirement = check.skip_reason?.blocked_by;
  const filtered = requirement !== undefined && !report.checks.some((c) => c.id === requirement);
  const skipped = filtered ? `Skipped: required dependency ${JSON.stringify(requirement)} not in filtered set` : BLOCKED_SUGGESTION;
  const rawSuggestion = timedOut ? TIMEOUT_SUGGESTION : blocked ? skipped : (configured?.suggestion ?? '');
  const rawFix = configured?.fix ?? '';
  return {
    check,
    severity: check.severity,
    timedOut,
    command: check.command,
    suggestion: rawSuggestion,
    shownSuggestion: timedOut || blocked ? rawSuggestion : (check.suggestion ?? ''),
    fix: rawFix,
    shownFix: blocked ? renderGoTemplate(rawFix, {}) : (check.fix ?? ''),
    logFile: blocked ? '' : goJoin(logDir, `${check.id}.log`),
    event: blocked ? undefined : timedOut ? 'timeout' : 'failure',
  };
}

/** Go's filepath.Join of a folder and a name: the folder cleaned of a trailing slash and `./`. */
const goJoin = (dir: string, name: string): string => posix.join(dir, name);

const advisory = (v: Pick<Violation, 'severity'>): string => `  Advisory: ${v.severity === 'warning' ? 'does not block commit' : 'blocks commit'}\n`;

/** The suggestion and fix lines (the command stands for the fix when there is neither). */
function adviceLines(v: Violation): string {
  let text = v.suggestion === '' ? '' : `  ${v.shownSuggestion}\n`;
  if (v.fix !== '') text += `  Fix: ${v.shownFix}\n`;
  else if (v.suggestion === '') text += `  Fix: ${v.command}\n`;
  return text;
}

function promptsText(event: string, prompts: ReportCheck['triggered_prompts']): string {
  if (prompts.length === 0) return '';
  let text = `  Triggered Prompts (${event}):\n`;
  prompts.forEach((prompt, index) => {
    text += `  [${index + 1}] ${prompt.id ?? '(inline)'}:\n`;
    for (const line of prompt.content.split('\n')) text += `      ${line}\n`;
  });
  return text;
}

function quietText(violations: readonly Violation[], report: RunReport): string {
  let text = '';
  for (const v of violations) {
    text += `${v.severity === 'warning' ? 'WARN' : 'FAIL'}  ${v.check.id} (${v.timedOut ? 'timeout' : v.severity})\n\n`;
    text += adviceLines(v);
    if (v.logFile !== '') text += `  Log: ${v.logFile}\n`;
    if (v.event !== undefined && v.check.triggered_prompts.length > 0) text += `\n${promptsText(v.event, v.check.triggered_prompts)}`;
    text += `${advisory(v)}\n`;
  }
  if (report.fail_fast_triggered) text += 'Execution stopped early due to --fail-fast\n';
  return text;
}

/** Go's `%-15s`: padded to 15 characters (runes). */
const padId = (id: string): string => id + ' '.repeat(Math.max(0, 15 - [...id].length));
const seconds = (check: ReportCheck): string => `${(check.duration_ms / 1000).toFixed(1)}s`;
const tagsLine = (check: ReportCheck): string => (check.tags.length > 0 ? `  Tags: ${check.tags.join(', ')}\n` : '');

function verboseText(checks: readonly ReportCheck[], violations: readonly Violation[], report: RunReport): string {
  const byId = new Map(violations.map((v) => [v.check.id, v]));
  let text = '';
  for (const check of checks) {
    if (check.status === 'passed') {
      text += `✓ ${padId(check.id)} passed (${seconds(check)})\n${tagsLine(check)}`;
      if (check.triggered_prompts.length > 0) text += `\n${promptsText('success', check.triggered_prompts)}`;
      continue;
    }
    if (check.status === 'cancelled') {
      text += `⊘ ${padId(check.id)} cancelled\n`;
      continue;
    }
    const v = byId.get(check.id);
    if (v === undefined) continue;
    text += `✗ ${padId(check.id)} ${v.severity === 'warning' ? 'WARN' : 'FAIL'} (${seconds(check)})\n${tagsLine(check)}${adviceLines(v)}${advisory(v)}`;
  }
  if (report.fail_fast_triggered) text += '\nExecution stopped early due to --fail-fast\n';
  return text;
}

function jsonReport(checks: readonly ReportCheck[], violations: readonly Violation[], report: RunReport): string {
  const prompts = (event: string | undefined, check: ReportCheck) =>
    event === undefined || check.triggered_prompts.length === 0
      ? {}
      : { triggered_prompts: check.triggered_prompts.map((p) => ({ event, source: p.id ?? 'inline', content: p.content })) };
  const sorted = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const body = {
    checks: checks.map((check) => ({
      id: check.id,
      ...(check.tags.length > 0 ? { tags: check.tags } : {}),
      status: check.status === 'passed' ? 'passed' : check.status === 'cancelled' ? 'cancelled' : 'failed',
      duration_ms: Math.trunc(check.duration_ms),
      ...prompts(check.status === 'passed' ? 'success' : check.status === 'timeout' ? 'timeout' : check.status === 'skipped' ? undefined : 'failure', check),
    })),
    violations: violations.map((v) => ({
      id: v.check.id,
      severity: v.severity,
      command: v.command,
      ...(v.suggestion === '' ? {} : { suggestion: v.suggestion }),
      ...(v.fix === '' ? {} : { fix: v.fix }),
      ...(Object.keys(v.check.extracted).length > 0 ? { extracted: sorted(v.check.extracted) } : {}),
      ...(v.logFile === '' ? {} : { log_file: v.logFile }),
      ...prompts(v.event, v.check),
    })),
    exit_code: report.exit_code,
    ...(report.fail_fast_triggered ? { fail_fast_triggered: true } : {}),
  };
  return goJsonText(body);
}

/**
 * Each check that ran gets its output at .vibeguard/log/<id>.log, as VibeGuard writes it: the copy of fanout's log of
 * its last attempt. A symbolic link planted there is not followed (the copy fails, as a warning).
 */
function copyLogs(report: RunReport, options: VibeguardReporterOptions): void {
  const dir = resolve(options.cwd, options.logDir ?? VIBEGUARD_LOG_DIR);
  for (const check of report.checks) {
    if (check.log_file === null || check.attempts === 0 || /[/\\]|^\.\.?$/.test(check.id)) continue;
    const target = join(dir, `${check.id}.log`);
    try {
      const content = readFileSync(resolve(options.cwd, check.log_file));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      options.onWriteError?.(target, error);
    }
  }
}
