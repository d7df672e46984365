// Recorded event streams (test/fixtures/cli/events, made by its record.sh with a real `fanout check --stream`) and a
// replay of one through a reporter, the way the check action drives it: every event in order, then end(report).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent, RunReport } from '../../../src/checks/events.js';
import type { Reporter } from '../../../src/cli/reporters/reporter.js';

const folder = join(import.meta.dirname, '../../fixtures/cli/events');

/** The recorded lines of `name.ndjson`, newline included. */
export function recordedLines(name: string): string[] {
  return readFileSync(join(folder, `${name}.ndjson`), 'utf8').split(/(?<=\n)/);
}

/** The recorded events of `name.ndjson`. */
export function recorded(name: string): RunEvent[] {
  return recordedLines(name).map((line) => JSON.parse(line) as RunEvent);
}

/** The report the recorded run ended with. */
export function reportOf(events: readonly RunEvent[]): RunReport {
  const end = events.at(-1);
  if (end?.type !== 'run:end') throw new Error('the recording does not end with run:end');
  return end.report;
}

/** Feeds every event to `reporter`, then ends it with `report` (the run's own by default). */
export async function replay(reporter: Reporter, events: readonly RunEvent[], report: RunReport = reportOf(events)): Promise<void> {
  for (const event of events) reporter.onEvent(event);
  await reporter.end?.(report);
}
