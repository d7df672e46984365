// The data of `fanout report --html`: the run's checks on a time axis, the critical path that set its makespan, and
// each check's duration over past runs.
import type { ReportCheck } from '../../../checks/index.js';

export interface Bar {
  id: string;
  status: ReportCheck['status'];
  severity: 'error' | 'warning';
  /** Milliseconds from the run's start; null for a check that never started. */
  start: number | null;
  end: number | null;
  durationMs: number;
  requires: string[];
  reason: string | null;
  critical: boolean;
  /** Started and not ended in a run not over: the bar reaches the page's moment, its duration is so far. */
  running: boolean;
}

const time = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/**
 * The chain of checks that set the makespan: from the check that ended last, back through the requirement that
 * ended last before it started (it was what that check waited for), until a check that waited for none.
 */
export function criticalChain(checks: readonly ReportCheck[]): string[] {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const ran = checks.filter((check) => check.ended_at !== null && check.started_at !== null);
  if (ran.length === 0) return [];
  let current = ran.reduce((a, b) => ((time(b.ended_at) ?? 0) > (time(a.ended_at) ?? 0) ? b : a));
  const chain = [current.id];
  for (;;) {
    const start = time(current.started_at) ?? 0;
    let previous: ReportCheck | undefined;
    for (const id of current.requires) {
      const required = byId.get(id);
      const end = required ? time(required.ended_at) : null;
      if (required === undefined || end === null || end > start + 5) continue;
      if (previous === undefined || end > (time(previous.ended_at) ?? 0)) previous = required;
    }
    if (previous === undefined || chain.includes(previous.id)) return chain.reverse();
    chain.push(previous.id);
    current = previous;
  }
}

/**
 * Bars on an axis starting at the run's start. `now` (ms since the epoch) is given for a run that has not ended: a
 * check started and not ended runs up to it, and there is no critical path yet (what sets the makespan is not known
 * before the last check ends).
 */
export function timelineBars(checks: readonly ReportCheck[], runStartedAt: string, now?: number): Bar[] {
  const origin = Date.parse(runStartedAt);
  const critical = new Set(now === undefined ? criticalChain(checks) : []);
  return checks.map((check) => {
    const start = time(check.started_at);
    const ended = time(check.ended_at);
    const running = now !== undefined && start !== null && ended === null;
    const end = running ? Math.max(start, now) : ended;
    return {
      id: check.id,
      status: check.status,
      severity: check.severity,
      start: start === null ? null : Math.max(0, start - origin),
      end: end === null || start === null ? null : Math.max(0, end - origin),
      durationMs: running ? Math.max(0, now - start) : check.duration_ms,
      requires: check.requires,
      reason: check.reason,
      critical: critical.has(check.id),
      running,
    };
  });
}
