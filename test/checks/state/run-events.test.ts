// A run's events read back from its journal: the objects the run yielded, in order, for a reporter to replay (what
// `fanout report --html` does for a run without a report).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunEvents, runChecks, type RunEvent } from '../../../src/checks/index.js';
import { tempDir } from '../../cli/helpers.js';

const CONFIG = `version: "1"
checks:
  - id: build
    run: echo built
  - id: flaky
    run: test -f again || { touch again; exit 4; }
    retries: 1
    requires: [build]
  - id: test
    run: exit 2
    requires: [flaky]
  - id: deploy
    run: echo never
    requires: [test]
`;

describe('readRunEvents', () => {
  it('gives back the events the run yielded, retries included, without what only the journal holds', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, parallel: 1 });
    const events: RunEvent[] = [];
    for await (const event of run) events.push(event);
    const report = await run.report;
    const read = readRunEvents(join(dir, '.fanout/runs'), report.run_id);
    // run:end is journalled before report.json is written (whose failure the yielded one would add): its time differs.
    expect(read?.slice(0, -1)).toEqual(events.slice(0, -1));
    expect(read?.at(-1)).toEqual({ ...events.at(-1), time: expect.any(String) as unknown });
    expect(read?.map((event) => event.type)).toContain('check:retry');
    expect(read?.[0]).not.toHaveProperty('pid');
  });

  it('reads journals of the earlier shape, leaves out their report-less end and reapers notes; undefined without a journal', () => {
    const logDir = tempDir();
    const run = join(logDir, '20261124T153412Z-3fa2');
    expect(readRunEvents(logDir, '20261124T153412Z-3fa2')).toBeUndefined();
    const records = [
      { t: 'run:start', time: 1_000, run_id: 'r', pid: 1, pid_start: null, cwd: '/', config: 'fanout.yaml', argv: [], background: false, checks: [{ id: 'a', requires: [], async: false, severity: 'error' }] },
      { t: 'check:start', time: 2_000, id: 'a', attempt: 1, async: false, log_file: null },
      { t: 'check:spawn', time: 2_001, id: 'a', attempt: 1, pgid: 4242, pgid_start: null, log_file: 'a.log' },
      { t: 'reaped', time: 9_000, by_pid: 2, groups: [] },
      { t: 'run:end', time: 3_000, exit_code: 1, interrupted: null },
    ];
    // A run folder with a journal of the earlier shape, and a torn last line (ignored).
    mkdirSync(run);
    writeFileSync(join(run, 'journal.ndjson'), `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    appendFileSync(join(run, 'journal.ndjson'), '{"t":"check:end","ti');
    expect(readRunEvents(logDir, '20261124T153412Z-3fa2')).toEqual([
      { type: 'run:start', time: new Date(1_000).toISOString(), run_id: 'r', total: 1, checks: [{ id: 'a', requires: [], severity: 'error', async: false }] },
      { type: 'check:start', time: new Date(2_000).toISOString(), id: 'a', attempt: 1, async: false, status: 'running', log_file: null },
      { type: 'check:spawn', time: new Date(2_001).toISOString(), id: 'a', attempt: 1, pgid: 4242, pgid_start: null, log_file: 'a.log' },
    ]);
  });
});
