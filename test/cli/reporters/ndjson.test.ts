// --stream replayed: the lines are the events themselves, exactly as a real `fanout check --stream` wrote them.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/checks/events.js';
import { createNdjsonReporter } from '../../../src/cli/reporters/ndjson.js';
import { recorded, recordedLines, replay, reportOf } from './replay.js';

const names = ['early', 'fail-fast', 'max-time', 'passing', 'statuses'];

describe('createNdjsonReporter', () => {
  it.each(names)('writes the recorded %s stream back line for line', async (name) => {
    const lines: string[] = [];
    await replay(createNdjsonReporter({ write: (line) => lines.push(line) }), recorded(name));
    expect(lines).toEqual(recordedLines(name));
    for (const [index, event] of recorded(name).entries()) expect(lines[index]).toBe(`${JSON.stringify(event)}\n`);
  });

  it('writes each event when it comes, and run:end only at end(), with the report end() is given', async () => {
    const events = recorded('passing');
    const lines: string[] = [];
    const stream = createNdjsonReporter({ write: (line) => lines.push(line) });
    for (const [index, event] of events.entries()) {
      stream.onEvent(event);
      expect(lines).toHaveLength(Math.min(index + 1, events.length - 1));
    }
    // The JUnit file could not be written after the run: a reader of the stream learns it from run:end.
    const report = { ...reportOf(events), write_errors: [{ file: 'junit.xml', error: 'ENOSPC: no space left on device' }] };
    await stream.end?.(report);
    const end = JSON.parse(lines.at(-1) ?? '') as RunEvent;
    expect(end).toEqual({ ...events.at(-1), report });
    expect(Object.keys(end)).toEqual(Object.keys(events.at(-1) ?? {}));
  });

  it('escapes what JSON.stringify leaves raw that a terminal would obey (DEL, C1), and the line parses back unchanged', () => {
    const events = recorded('statuses');
    const end = events.find((event): event is Extract<RunEvent, { type: 'check:end' }> => event.type === 'check:end' && event.id === 'broken');
    if (end === undefined) throw new Error('no end of broken');
    const hostile = { ...end, check: { ...end.check, output_tail: ['\u009b2J\u007f\u2028cleared'] } };
    const lines: string[] = [];
    createNdjsonReporter({ write: (line) => lines.push(line) }).onEvent(hostile);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\u007f-\u009f\u2028]/);
    expect(lines[0]).toContain('\\u009b2J\\u007f\\u2028cleared');
    expect(JSON.parse(lines[0] ?? '')).toEqual(hostile);
  });

  it('ends the stream with a run:end made of the report if it never saw one', async () => {
    const events = recorded('passing');
    const report = reportOf(events);
    const lines: string[] = [];
    await replay(createNdjsonReporter({ write: (line) => lines.push(line) }), events.slice(0, -1), report);
    expect(JSON.parse(lines.at(-1) ?? '')).toEqual({ type: 'run:end', run_id: report.run_id, exit_code: report.exit_code, counts: report.counts, report, time: report.ended_at });
  });
});
