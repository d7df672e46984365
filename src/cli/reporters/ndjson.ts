// `--stream`: the run's events on stdout as they happen, one JSON object per line, for tools reading a run while it
// goes on (an agent, a dashboard). The lines are the RunEvent union itself: run:start, check:start, check:spawn,
// check:retry, check:end, run:end (which carries the whole report).
import type { RunEndEvent, RunEvent, RunReport } from '../../checks/index.js';
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
