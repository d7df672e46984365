// `--stream`: NDJSON events on stdout as they happen, one JSON object per line (seed 001's streaming mode for LLM
// tools). Event types: run:start, check:start, check:retry, check:end, run:end (which carries the whole report).
import type { ResolvedCheck } from '../../config/types.js';
import type { CheckRecord } from '../../checks/record.js';
import { reportCheck, type Report } from '../../checks/report.js';
import type { RunListener } from '../../checks/session.js';
import { jsonText } from '../terminal.js';

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
