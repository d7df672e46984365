// The human report: silence on success, and for each finding exactly what failed and what to do about it, printed
// as soon as it is known.
import type { CheckStatus, ReportCheck } from '../../checks/index.js';
import type { Style } from '../style.js';
import type { Reporter } from './reporter.js';
import { formatDuration } from '../../common/duration.js';
import { plural } from '../../common/text.js';

const MARK: Record<CheckStatus, string> = {
  passed: '✓',
  failed: '✗',
  warned: '⚠',
  timeout: '⏱',
  skipped: '-',
  cancelled: '⊘',
  pending: '…',
};

function color(style: Style, status: CheckStatus): (text: string) => string {
  if (status === 'passed') return style.green;
  if (status === 'warned' || status === 'skipped' || status === 'cancelled') return style.yellow;
  return status === 'pending' ? style.dim : style.red;
}

/** How long ago, coarsely: `40s`, `2m`, `3h`, `5d`. */
export function ago(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** `-v`: one line per finished check, e.g. `✓ build passed (1.2s)`, `✓ lint passed (cached 2m ago)`. */
export function verboseLine(check: ReportCheck, style: Style, now = Date.now()): string {
  const paint = color(style, check.status);
  const cached = check.cached === true && check.cached_at !== undefined;
  const retried = check.attempts > 1 && !cached ? ` on attempt ${check.attempts}` : '';
  const time = cached ? ` (cached ${ago(now - Date.parse(check.cached_at ?? ''))} ago)` : check.attempts > 0 ? ` (${formatDuration(check.duration_ms)})` : '';
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
  const order: CheckStatus[] = ['failed', 'timeout', 'warned', 'cancelled', 'skipped', 'pending', 'passed'];
  const parts = order.flatMap((status) => {
    const n = checks.filter((check) => check.status === status).length;
    return n > 0 ? [`${n} ${status}`] : [];
  });
  return parts.length > 0 ? parts.join(', ') : 'no checks';
}

interface RenderOptions {
  style: Style;
  /** Print the summary line even when everything passed (on a TTY). */
  summaryOnSuccess: boolean;
  /** Findings already printed in full while async checks ran (see EarlyFindings): one line each here. */
  shownEarly?: ReadonlySet<string> | undefined;
}

/** Why a run stopped before its checks ended, as the summary line names it. */
type Stop = { kind: 'signal'; signal: string } | { kind: 'max-time'; ms: number | undefined } | { kind: 'infrastructure'; message: string };

/** What the final report is made of: the run's checks and how it ended. */
interface Outcome {
  checks: readonly ReportCheck[];
  exitCode: number;
  durationMs: number;
  failFastTriggered: boolean;
  rootFailure: string | undefined;
  stop: Stop | undefined;
}

/**
 * The report printed after a run: findings (the fail-fast root first, cancelled and skipped checks briefly after),
 * then one summary line. Returns '' when everything passed and no summary is wanted.
 */
function renderReport(run: Outcome, options: RenderOptions): string {
  const { style, shownEarly } = options;
  const { checks } = run;
  const findings = checks.filter(isFinding);
  if (run.rootFailure !== undefined) {
    const root = findings.findIndex((c) => c.id === run.rootFailure);
    if (root > 0) findings.unshift(...findings.splice(root, 1));
  }
  const brief = checks.filter((c) => c.status === 'cancelled' || c.status === 'skipped');
  const successPrompts = checks.filter((c) => c.status === 'passed' && c.triggered_prompts.length > 0);
  const blocks: string[] = [];
  for (const check of findings) {
    if (shownEarly?.has(check.id) === true) blocks.push(`${color(style, check.status)(`FAIL ${check.id} (${label(check)})`)}  ${style.dim('— shown above, while the async checks ran')}`);
    else blocks.push(findingBlock(check, style).join('\n'));
  }
  if (brief.length > 0) {
    blocks.push(brief.map((c) => `${color(style, c.status)(`FAIL ${c.id} (${c.status})`)}  ${style.dim(briefReason(c))}`).join('\n'));
  }
  for (const check of successPrompts) blocks.push([style.green(`PASS ${check.id}`), ...promptLines(check)].join('\n'));

  const allPassed = findings.length === 0 && brief.length === 0;
  if (allPassed && !options.summaryOnSuccess && successPrompts.length === 0) return '';
  const head = run.exitCode === 0 ? (allPassed ? style.green('✓') : style.yellow('⚠')) : style.red('✗');
  let summary = `${head} ${countsLine(checks)} in ${formatDuration(run.durationMs)}`;
  const retried = checks.filter((c) => c.passed_after_retry).length;
  if (retried > 0) summary += ` (${retried} passed after retry)`;
  const cached = checks.filter((c) => c.cached === true).length;
  if (cached > 0) summary += ` (${cached} cached)`;
  const { stop } = run;
  if (stop?.kind === 'signal') summary += ` — interrupted by ${stop.signal}, partial report`;
  if (stop?.kind === 'max-time') summary += stop.ms === undefined ? ' — --max-time reached' : ` — --max-time ${formatDuration(stop.ms)} reached`;
  if (stop?.kind === 'infrastructure') summary += ` — stopped: ${stop.message}`;
  else if (run.failFastTriggered && run.rootFailure !== undefined) summary += ` — fail-fast after ${run.rootFailure}`;
  blocks.push(summary);
  return `${blocks.join('\n\n')}\n`;
}

/** Whether a finished check is a finding: printed in full, early or in the final report. */
function isFinding(check: Pick<ReportCheck, 'status'>): boolean {
  return check.status === 'failed' || check.status === 'warned' || check.status === 'timeout';
}

/**
 * Findings reported as they happen: while an async check of the run (a 10-minute E2E suite) has not ended, a fast
 * check's finding is printed in full the moment it ends, not after the slow ones — the reader (often an agent) can
 * start fixing now. The final report then names it in one line.
 */
class EarlyFindings {
  private readonly pendingAsync: Set<string>;
  /** Ids of the findings printed early. */
  readonly shown = new Set<string>();

  /** @param asyncIds the run's async checks (`run:start`'s checks whose `async` is true). */
  constructor(asyncIds: Iterable<string>) {
    this.pendingAsync = new Set(asyncIds);
  }

  /** The text to print now for a check that ended, or undefined: an async check, or none still running. */
  onCheckEnd(check: ReportCheck, style: Style): string | undefined {
    if (this.pendingAsync.delete(check.id) || this.pendingAsync.size === 0 || !isFinding(check)) return undefined;
    this.shown.add(check.id);
    const running = [...this.pendingAsync].join(', ');
    return `${findingBlock(check, style).join('\n')}\n  ${style.dim(`(still running: ${running})`)}\n\n`;
  }
}

/** Options of {@link createHumanReporter}. */
export interface HumanReporterOptions {
  /**
   * Prints text for people, e.g. `(text) => print(text)` of terminal.ts, which turns the style's colours into escape
   * codes and strips every other control character.
   */
  write: (text: string) => void;
  /** The colours of the stream `write` prints on. */
  style: Style;
  /** `-v`: one line per finished check, as it ends. @default false */
  verbose?: boolean | undefined;
  /**
   * Print findings early (while async checks run) and the final report at the end; false where the report goes
   * elsewhere (`--json`, `--stream`) and only the `-v` lines are wanted. @default true
   */
  report?: boolean | undefined;
  /** Print the summary line even when everything passed (on a TTY). @default false */
  summaryOnSuccess?: boolean | undefined;
  /** The run's `--max-time` in ms, named in the summary of a run it stopped (the report says only that it did). */
  maxTimeMs?: number | undefined;
}

/**
 * The human output of `fanout check`: each finding in full as early as it is known, `-v` lines as checks end, then
 * the final report (silence on success, but for the summary on a TTY).
 *
 * @example
 * ```ts
 * import { createHumanReporter } from './human.js';
 * import { styleFor } from '../style.js';
 * import { print } from '../terminal.js';
 *
 * const human = createHumanReporter({ write: (text) => print(text), style: styleFor(process.stdout, undefined), verbose: true });
 * // for each event of the run: human.onEvent(event); at its end: human.end(report)
 * ```
 */
export function createHumanReporter(options: HumanReporterOptions): Reporter {
  const { write, style } = options;
  const report = options.report !== false;
  let early = new EarlyFindings([]);
  return {
    onEvent(event) {
      if (event.type === 'run:start') early = new EarlyFindings(event.checks.filter((check) => check.async).map((check) => check.id));
      if (event.type !== 'check:end') return;
      const text = report ? early.onCheckEnd(event.check, style) : undefined;
      if (text !== undefined) write(text);
      if (options.verbose === true) write(`${verboseLine(event.check, style)}\n`);
    },
    end(result) {
      if (!report) return;
      const stop: Stop | undefined =
        result.interrupted !== null
          ? { kind: 'signal', signal: result.interrupted }
          : result.max_time_exceeded
            ? { kind: 'max-time', ms: options.maxTimeMs }
            : result.infrastructure_error !== undefined
              ? { kind: 'infrastructure', message: result.infrastructure_error }
              : undefined;
      const outcome: Outcome = {
        checks: result.checks,
        exitCode: result.exit_code,
        durationMs: result.duration_ms,
        failFastTriggered: result.fail_fast_triggered,
        rootFailure: result.root_failure ?? undefined,
        stop,
      };
      const text = renderReport(outcome, { style, summaryOnSuccess: options.summaryOnSuccess === true, shownEarly: early.shown });
      if (text) write(text);
    },
  };
}
