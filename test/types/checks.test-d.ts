/**
 * Type tests of the checks engine's public API, checked by `tsc` (part of `npm test`): a wrong type is a compile
 * error, and every `@ts-expect-error` line must fail to compile.
 */
import { expectTypeOf } from 'vitest';
import { runChecks } from 'fanout/checks';
import { mergeReports } from 'fanout/distributed';
import type { CheckRun, FailureReason, ReasonCode, RunEvent, RunReport } from 'fanout/checks';
import type { ShardReport } from 'fanout/distributed';

export async function eventsAreDiscriminatedByType(): Promise<void> {
  const run: CheckRun = runChecks({ config: 'fanout.yaml', maxTime: 60_000 });
  for await (const event of run) {
    if (event.type === 'check:end') expectTypeOf(event.check.reason_code).toEqualTypeOf<ReasonCode | null>();
    if (event.type === 'run:end') expectTypeOf(event.report).toEqualTypeOf<RunReport>();
    if (event.type === 'check:spawn') expectTypeOf(event.pgid).toEqualTypeOf<number>();
  }
  expectTypeOf<RunEvent['type']>().toEqualTypeOf<'run:start' | 'check:start' | 'check:spawn' | 'check:retry' | 'check:end' | 'run:end'>();
  // @ts-expect-error durations are milliseconds, not text
  runChecks({ config: 'fanout.yaml', maxTime: '1m' });
}

export function failureReasonsCarryTheirData(reason: FailureReason): string {
  switch (reason.code) {
    case 'exit-code':
      return String(reason.exitCode);
    case 'timeout':
      return String(reason.timeoutMs);
    case 'fail-fast':
      return reason.rootFailure;
    default:
      return reason.message;
  }
}

export function oneReportType(reports: RunReport[]): RunReport {
  // The report runChecks makes is what merge-reports merges (and gives back, of the same type).
  expectTypeOf<RunReport>().toExtend<ShardReport>();
  return mergeReports(reports);
}
