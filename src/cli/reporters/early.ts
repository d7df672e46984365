// Findings reported as they happen, for a run fed by records (see EarlyFindings in human.ts, which the human
// reporter uses on events).
import type { ResolvedCheck } from '../../config/types.js';
import { EarlyFindings } from './human.js';
import type { CheckRecord } from '../../checks/record.js';
import { reportCheck } from '../../checks/report.js';
import { isAsync, type RunListener } from '../../checks/session.js';
import type { Style } from '../style.js';

export interface EarlyFindingsListener extends RunListener {
  /** Ids of the findings printed early. */
  readonly shown: ReadonlySet<string>;
}

/** A listener printing each non-async check's finding at once while an async check of the run has not ended. */
export function earlyFindings(checks: readonly ResolvedCheck[], write: (text: string) => void, context: { style: Style; cwd: string; mask: (text: string) => string }): EarlyFindingsListener {
  const early = new EarlyFindings(checks.filter(isAsync).map((check) => check.id));
  return {
    shown: early.shown,
    onCheckEnd(record: CheckRecord) {
      const text = early.onCheckEnd(reportCheck(record, context.cwd, context.mask), context.style);
      if (text !== undefined) write(text);
    },
  };
}
