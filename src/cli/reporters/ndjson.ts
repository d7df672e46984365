// `--stream`: the run's events on stdout as they happen, one JSON object per line, for tools reading a run while it
// goes on (an agent, a dashboard). The lines are the RunEvent union itself: run:start, check:start, check:spawn,
// check:retry, check:end, run:end (which carries the whole report).
import type { ResolvedCheck } from '../../config/types.js';
import type { CheckRecord } from '../../checks/record.js';
import { reportCheck, type Report } from '../../checks/report.js';
import type { RunListener } from '../../checks/session.js';
import type { RunEndEvent, RunEvent, RunReport } from '../../checks/events.js';
import { jsonText } from '../terminal.js';
import type { Reporter } from './reporter.js';

/** An event as one NDJSON line: its JSON (control characters escaped, see jsonText) and a newline. */
export function eventLine(event: RunEvent): string {
  return `${jsonText(event)}\n`;
}

/**
 * `--stream`: writes each event as one JSON line the moment it comes. `run:end` is written by `end(report)`, with the
 * report `end()` receives in place of the event's: it carries the write errors of the files written once the run was
 * over (report.json, the JUnit file), which a reader of the stream must see too.
 *
 * @example
 * ```ts
 * import { createNdjsonReporter } from './ndjson.js';
 * import { printJsonText } from '../terminal.js';
 *
 * const stream = createNdjsonReporter({ write: printJsonText });
 * ```
 */
export function createNdjsonReporter(options: { write: (line: string) => void }): Reporter {
  let last: RunEndEvent | undefined;
  return {
    onEvent(event) {
      if (event.type === 'run:end') last = event;
      else options.write(eventLine(event));
    },
    end(report: RunReport) {
      // A run's end event always comes before end(); were it missing, the stream still ends the way readers expect.
      const event: RunEndEvent = last ?? { type: 'run:end', run_id: report.run_id, exit_code: report.exit_code, counts: report.counts, report, time: report.ended_at };
      options.write(eventLine({ ...event, report }));
    },
  };
}

/** A run listener writing each event as one line; `end(report)` writes the final run:end event. */
export function streamListener(write: (line: string) => void, context: { runId: string; cwd: string; mask: (text: string) => string; isAsync: (check: ResolvedCheck) => boolean }): RunListener & { end(report: Report): void } {
  const emit = (event: Record<string, unknown>) => write(`${jsonText({ ...event, time: new Date().toISOString() })}\n`);
  return {
    onRunStart(records: readonly CheckRecord[]) {
      emit({
        type: 'run:start',
        run_id: context.runId,
        total: records.length,
        checks: records.map((r) => ({ id: r.check.id, requires: r.check.requires, severity: r.check.severity, async: context.isAsync(r.check) })),
      });
    },
    onCheckStart(record, attempt) {
      emit({ type: 'check:start', id: record.check.id, attempt, async: context.isAsync(record.check), status: context.isAsync(record.check) ? 'pending' : 'running' });
    },
    onCheckRetry(record, attempt, previous) {
      emit({ type: 'check:retry', id: record.check.id, attempt, previous: { status: previous.status, reason: previous.failure ? context.mask(previous.failure.message) : null } });
    },
    onCheckEnd(record) {
      emit({ type: 'check:end', id: record.check.id, status: record.status, check: reportCheck(record, context.cwd, context.mask) });
    },
    end(report: Report) {
      emit({ type: 'run:end', run_id: report.run_id, exit_code: report.exit_code, counts: report.counts, report });
    },
  };
}
