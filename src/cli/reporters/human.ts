// The human report: silence on success, and for each finding exactly what failed and what to do about it.
import type { CheckRecord } from '../../checks/record.js';
import type { ReportCheck } from '../../checks/report.js';
import type { RunResult } from '../../checks/session.js';
import type { Style } from '../style.js';
import { formatDuration, plural } from '../../shared/text.js';

const MARK: Record<CheckRecord['status'], string> = {
  passed: '✓',
  failed: '✗',
  warned: '⚠',
  timeout: '⏱',
  skipped: '-',
  cancelled: '⊘',
  pending: '…',
};

function color(style: Style, status: CheckRecord['status']): (text: string) => string {
  if (status === 'passed') return style.green;
  if (status === 'warned' || status === 'skipped' || status === 'cancelled') return style.yellow;
  return status === 'pending' ? style.dim : style.red;
}

/** `-v`: one line per finished check, e.g. `✓ build passed (1.2s)`. */
export function verboseLine(check: ReportCheck, style: Style): string {
  const paint = color(style, check.status);
  const retried = check.attempts > 1 ? ` on attempt ${check.attempts}` : '';
  const time = check.attempts > 0 ? ` (${formatDuration(check.duration_ms)})` : '';
  const why = check.status === 'passed' ? '' : briefReason(check);
  return `${paint(MARK[check.status])} ${check.id} ${paint(check.status)}${retried}${time}${why ? ` ${style.dim(`— ${why}`)}` : ''}`;
}

export function briefReason(check: ReportCheck): string {
  const skip = check.skip_reason;
  if (skip?.kind === 'blocked') return `requires ${skip.blocked_by ?? '?'}, which did not pass`;
  if (skip?.kind === 'fail-fast') return 'not started: fail-fast stopped the run';
  if (skip?.kind === 'interrupted') return `not started: interrupted by ${skip.signal ?? 'a signal'}`;
  if (skip?.kind === 'max-time') return 'not started: --max-time reached';
  if (skip?.kind === 'infrastructure') return `not started: ${skip.message}`;
  return check.reason ?? '';
}

function label(check: ReportCheck): string {
  if (check.status === 'failed' || check.status === 'warned') return check.severity;
  return check.status;
}

/** The full block for a failed, warned or timed-out check (also used by background runs and the hook). */
export function findingBlock(check: ReportCheck, style: Style): string[] {
  const paint = color(style, check.status);
  const lines = [paint(style.bold(`FAIL ${check.id} (${label(check)})`))];
  const attempts = check.attempts > 1 ? ` after ${check.attempts} attempts` : '';
  if (check.reason) lines.push(`  ${check.reason}${attempts}`);
  if (check.suggestion) lines.push(...check.suggestion.split('\n').map((line) => `  ${line}`));
  if (check.fix) lines.push(`  Fix: ${check.fix}`);
  if (check.output_tail.length > 0) {
    lines.push(style.dim(`  Output (last ${plural(check.output_tail.length, 'line')}):`));
    for (const line of check.output_tail) lines.push(`  ${style.dim('│')} ${line}`);
  }
  if (check.log_file) lines.push(`  Log: ${check.log_file}`);
  lines.push(...promptLines(check));
  return lines;
}

function promptLines(check: ReportCheck): string[] {
  if (check.triggered_prompts.length === 0) return [];
  const lines = ['  Triggered prompts:'];
  for (const prompt of check.triggered_prompts) {
    lines.push(`  --- ${prompt.id ?? 'inline'} ---`);
    lines.push(...prompt.content.replace(/\n$/, '').split('\n').map((line) => `  ${line}`));
  }
  return lines;
}

/** The status counts, worst first: `1 failed, 1 warned, 3 passed`. */
export function countsLine(checks: readonly ReportCheck[]): string {
  const order: Array<CheckRecord['status']> = ['failed', 'timeout', 'warned', 'cancelled', 'skipped', 'pending', 'passed'];
  const parts = order.flatMap((status) => {
    const n = checks.filter((check) => check.status === status).length;
    return n > 0 ? [`${n} ${status}`] : [];
  });
  return parts.length > 0 ? parts.join(', ') : 'no checks';
}

export interface HumanOptions {
  style: Style;
  /** Print the summary line even when everything passed (on a TTY). */
  summaryOnSuccess: boolean;
  /** Findings already printed in full while async checks ran (see early.ts): one line each here. */
  shownEarly?: ReadonlySet<string> | undefined;
}

/**
 * The report printed after a run: findings (the fail-fast root first, cancelled and skipped checks briefly after),
 * then one summary line. Returns '' when everything passed and no summary is wanted.
 */
export function humanReport(run: RunResult, checks: readonly ReportCheck[], exitCode: number, options: HumanOptions): string {
  const { style } = options;
  const findings = checks.filter((c) => c.status === 'failed' || c.status === 'warned' || c.status === 'timeout');
  if (run.rootFailure !== undefined) {
    const root = findings.findIndex((c) => c.id === run.rootFailure);
    if (root > 0) findings.unshift(...findings.splice(root, 1));
  }
  const brief = checks.filter((c) => c.status === 'cancelled' || c.status === 'skipped');
  const successPrompts = checks.filter((c) => c.status === 'passed' && c.triggered_prompts.length > 0);
  const blocks: string[] = [];
  for (const check of findings) {
    if (options.shownEarly?.has(check.id) === true) blocks.push(`${color(style, check.status)(`FAIL ${check.id} (${label(check)})`)}  ${style.dim('— shown above, while the async checks ran')}`);
    else blocks.push(findingBlock(check, style).join('\n'));
  }
  if (brief.length > 0) {
    blocks.push(brief.map((c) => `${color(style, c.status)(`FAIL ${c.id} (${c.status})`)}  ${style.dim(briefReason(c))}`).join('\n'));
  }
  for (const check of successPrompts) blocks.push([style.green(`PASS ${check.id}`), ...promptLines(check)].join('\n'));

  const allPassed = findings.length === 0 && brief.length === 0;
  if (allPassed && !options.summaryOnSuccess && successPrompts.length === 0) return '';
  const head = exitCode === 0 ? (allPassed ? style.green('✓') : style.yellow('⚠')) : style.red('✗');
  let summary = `${head} ${countsLine(checks)} in ${formatDuration(run.durationMs)}`;
  const retried = checks.filter((c) => c.passed_after_retry).length;
  if (retried > 0) summary += ` (${retried} passed after retry)`;
  if (run.abort?.kind === 'signal') summary += ` — interrupted by ${run.abort.signal}, partial report`;
  if (run.abort?.kind === 'max-time') summary += ` — --max-time ${formatDuration(run.abort.ms)} reached`;
  if (run.abort?.kind === 'infrastructure') summary += ` — stopped: ${run.abort.message}`;
  else if (run.failFastTriggered && run.rootFailure !== undefined) summary += ` — fail-fast after ${run.rootFailure}`;
  blocks.push(summary);
  return `${blocks.join('\n\n')}\n`;
}
