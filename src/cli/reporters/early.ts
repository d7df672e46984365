// Findings reported as they happen: while async checks are still running (a 10-minute E2E suite), a fast check's
// failure is printed in full the moment it ends, not after the slow ones — the reader (often an agent) can start
// fixing now. The final report then names it in one line.
import type { ResolvedCheck } from '../../config/types.js';
import { findingBlock } from './human.js';
import type { CheckRecord } from '../../checks/record.js';
import { reportCheck } from '../../checks/report.js';
import { isAsync, type RunListener } from '../../checks/session.js';
import type { Style } from '../style.js';

export interface EarlyFindings extends RunListener {
  /** Ids of the findings printed early. */
  readonly shown: ReadonlySet<string>;
}

/** A listener printing each non-async check's finding at once while an async check of the run has not ended. */
export function earlyFindings(checks: readonly ResolvedCheck[], write: (text: string) => void, context: { style: Style; cwd: string; mask: (text: string) => string }): EarlyFindings {
  const pendingAsync = new Set(checks.filter(isAsync).map((check) => check.id));
  const shown = new Set<string>();
  return {
    shown,
    onCheckEnd(record: CheckRecord) {
      const id = record.check.id;
      if (pendingAsync.delete(id) || pendingAsync.size === 0) return;
      if (record.status !== 'failed' && record.status !== 'warned' && record.status !== 'timeout') return;
      shown.add(id);
      const running = [...pendingAsync].join(', ');
      write(`${findingBlock(reportCheck(record, context.cwd, context.mask), context.style).join('\n')}\n  ${context.style.dim(`(still running: ${running})`)}\n\n`);
    },
  };
}
