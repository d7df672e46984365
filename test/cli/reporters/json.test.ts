// --json replayed: nothing while the run goes on, the report end() receives once it is over.
import { describe, expect, it } from 'vitest';
import { createJsonReporter } from '../../../src/cli/reporters/json.js';
import { recorded, reportOf } from './replay.js';

describe('createJsonReporter', () => {
  it('writes nothing for events and the indented report at end()', async () => {
    const events = recorded('statuses');
    const writes: string[] = [];
    const json = createJsonReporter({ write: (text) => writes.push(text) });
    for (const event of events) json.onEvent(event);
    expect(writes).toEqual([]);
    const report = { ...reportOf(events), write_errors: [{ file: 'report.json', error: 'EROFS: read-only file system' }] };
    await json.end?.(report);
    expect(writes).toEqual([`${JSON.stringify(report, null, 2)}\n`]);
  });
});
