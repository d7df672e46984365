// JUnit XML, as GitHub Actions (via report actions), GitLab and Jenkins read it: one testcase per check.
import { writeFileSync } from 'node:fs';
import type { RunReport as Report } from '../../checks/index.js';
import type { Reporter } from './reporter.js';

function escape(text: string): string {
  // XML 1.0 forbids most control characters even when escaped: drop them.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '').replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c] ?? ''};`);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * failed and timeout -> <failure> (type = status); cancelled -> <error type="cancelled"> (it was running when the run
 * was stopped: an interrupted run must not look clean in a CI test view); skipped and pending -> <skipped>; warned ->
 * a passing case whose <system-out> starts with WARNING (JUnit has no warning state, and a warning must not fail a
 * CI job).
 */
export function junitXml(report: Report, suiteName: string): string {
  const failures = report.checks.filter((c) => c.status === 'failed' || c.status === 'timeout').length;
  const errors = report.checks.filter((c) => c.status === 'cancelled').length;
  const skipped = report.checks.filter((c) => c.status === 'skipped' || c.status === 'pending').length;
  const attrs = `tests="${report.checks.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(report.duration_ms)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fanout" ${attrs}>`,
    `  <testsuite name="${escape(suiteName)}" ${attrs} timestamp="${report.started_at}">`,
  ];
  for (const check of report.checks) {
    const details = [check.reason ?? '', check.suggestion ?? '', check.fix ? `Fix: ${check.fix}` : '', check.log_file ? `Log: ${check.log_file}` : '']
      .filter((line) => line !== '')
      .join('\n');
    lines.push(`    <testcase name="${escape(check.id)}" classname="${escape(suiteName)}" time="${seconds(check.duration_ms)}">`);
    if (check.cached === true) {
      // A result replayed from the cache of passed checks: its time is that of the run that recorded it.
      lines.push('      <properties>', '        <property name="cached" value="true"/>');
      if (check.cached_at !== undefined) lines.push(`        <property name="cached_at" value="${escape(check.cached_at)}"/>`);
      lines.push('      </properties>');
    }
    if (check.status === 'failed' || check.status === 'timeout') {
      const message = check.reason ?? check.status;
      lines.push(`      <failure type="${check.status}" message="${escape(message)}">${escape([details, ...check.output_tail].join('\n'))}</failure>`);
    } else if (check.status === 'cancelled') {
      const message = `cancelled: ${check.reason ?? 'the run was stopped'}`;
      lines.push(`      <error type="cancelled" message="${escape(message)}">${escape([details, ...check.output_tail].join('\n'))}</error>`);
    } else if (check.status === 'skipped' || check.status === 'pending') {
      const reason = check.skip_reason?.kind === 'blocked' ? `requires ${check.skip_reason.blocked_by ?? ''}, which did not pass` : (check.reason ?? check.status);
      lines.push(`      <skipped message="${escape(`${check.status}: ${reason}`)}"/>`);
    }
    const out = check.status === 'warned' ? ['WARNING', details, ...check.output_tail] : check.output_tail;
    if (out.length > 0) lines.push(`      <system-out>${escape(out.join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Options of {@link createJunitReporter}. */
export interface JunitReporterOptions {
  /** The suite's name (`fanout.<config name>`), as CI test views group the cases. */
  suiteName: string;
  /**
   * Called when the file cannot be written (a full disk, a folder gone): the run's outcome stands, the caller lists
   * the file among the report's write errors. The reporter prints nothing.
   */
  onError: (file: string, error: unknown) => void;
}

/**
 * `--junit FILE`: writes the JUnit XML of the report `end()` receives to `file` (replacing it), once the run is over.
 *
 * @example
 * ```ts
 * import { createJunitReporter } from './junit.js';
 *
 * const errors: Array<{ file: string; error: unknown }> = [];
 * const junit = createJunitReporter('junit.xml', { suiteName: 'fanout.checks', onError: (file, error) => errors.push({ file, error }) });
 * ```
 */
export function createJunitReporter(file: string, options: JunitReporterOptions): Reporter {
  return {
    onEvent() {},
    end(report) {
      try {
        writeFileSync(file, junitXml(report, options.suiteName));
      } catch (error) {
        options.onError(file, error);
      }
    },
  };
}
