// Planted and damaged journals: every record is checked before a reader uses it, in the library and in every command
// that reads a run (wait, status, logs, cancel, check --resume, report, the reaper at each start, fanout mcp).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { parseJournalText, readRunEvents, runState } from '../../../src/checks/state/journal.js';
import { loadRunState, reapDeadRuns, unreadableJournal } from '../../../src/checks/state/runs.js';
import { createRunFolder } from '../../../src/checks/state/run-folder.js';
import { bootId } from '../../../src/exec/processes.js';
import { cli, runCli, tempDir } from '../../cli/helpers.js';
import { ownNamespace } from '../../other-namespace.js';

const RUN = '20261124T000000Z-aaaaaa';
const CHECK = { id: 'a', requires: [], async: false, severity: 'error' };
const START = { t: 'run:start', time: 1, run_id: RUN, pid: 1, pid_start: null, boot_id: null, cwd: '/', config: 'fanout.yaml', argv: [], background: false, checks: [CHECK] };
const CHECK_START = { t: 'check:start', time: 2, id: 'a', attempt: 1, async: false, log_file: null };
const CHECK_END = { t: 'check:end', time: 3, id: 'a', status: 'passed', check: { id: 'a', status: 'passed', duration_ms: 5, log_file: null, reason: null } };
const RUN_END = { t: 'run:end', time: 4, exit_code: 0, interrupted: null };

const lines = (records: readonly unknown[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');

/** A log dir holding one run folder (as fanout makes it) whose journal is `text`. */
function plant(text: string, logDir = join(tempDir(), '.fanout/runs')): string {
  createRunFolder(join(logDir, '..'));
  createRunFolder(logDir);
  createRunFolder(join(logDir, RUN));
  writeFileSync(join(logDir, RUN, 'journal.ndjson'), text);
  return logDir;
}

/** Records fanout never writes: the first field a reader would trip on has the wrong type, or is missing. */
const MALFORMED: Array<[string, Record<string, unknown>, RegExp]> = [
  ['run:start without checks', { ...START, checks: undefined }, /run:start: checks is not an array/],
  ['run:start whose checks are strings', { ...START, checks: ['a'] }, /run:start: check 1 is not an object/],
  ['run:start with a check without requires', { ...START, checks: [{ ...CHECK, requires: 'b' }] }, /"a": requires is not an array of strings/],
  ['run:start with an odd severity', { ...START, checks: [{ ...CHECK, severity: 'fatal' }] }, /severity is neither/],
  ['run:start with a string pid', { ...START, pid: '1' }, /run:start: pid is not an integer/],
  ['run:start with argv a string', { ...START, argv: 'fanout check' }, /run:start: argv is not an array of strings/],
  ['run:start with no time', { ...START, time: 'yesterday' }, /run:start: time is not a time/],
];

describe('reading a journal checks each record', () => {
  it.each(MALFORMED)('%s: no run is read from it, and the reason names the line', (_, record, reason) => {
    const parsed = parseJournalText(lines([record, CHECK_START, CHECK_END, RUN_END]));
    expect(parsed.records).toEqual([]);
    expect(parsed.problem).toEqual({ line: 1, reason: expect.stringMatching(reason) as unknown });
    const state = loadRunState(plant(lines([record, CHECK_START])), RUN);
    expect(state?.start).toBeUndefined();
    expect(unreadableJournal(state as NonNullable<typeof state>)).toMatch(/^its journal cannot be read \(line 1: .*\): it was damaged, or fanout did not write it$/);
  });

  it('a later record of the wrong types ends the journal as a torn line does: the run is judged on what precedes it', () => {
    const wrong: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...CHECK_START, attempt: 'one' }, /check:start: attempt is not a count/],
      [{ ...CHECK_START, async: 'no' }, /check:start: async is not a boolean/],
      [{ t: 'check:spawn', time: 2, id: 7, attempt: 1, pgid: 9, pgid_start: null, log_file: null }, /check:spawn: id is not a string/],
      [{ ...CHECK_END, check: 'passed' }, /check:end: check is not an object/],
      [{ ...CHECK_END, check: { duration_ms: '5' } }, /check:end: check\.duration_ms is not a number/],
      [{ ...RUN_END, exit_code: '0' }, /run:end: exit_code is not an integer/],
      [{ type: 'run:end', time: '1970-01-01T00:00:00.004Z', run_id: RUN, exit_code: 0, counts: {}, report: { run_id: RUN, counts: {}, checks: 'a' } }, /run:end: report\.checks is not an array/],
      [{ t: 'reaped', time: 5, by_pid: 1, groups: null }, /reaped: groups is not an array/],
    ];
    for (const [record, reason] of wrong) {
      const text = lines([START, record, CHECK_END, RUN_END]);
      const parsed = parseJournalText(text);
      expect(parsed.records.map((r) => r.t), reason.source).toEqual(['run:start']);
      expect(parsed.problem?.line).toBe(2);
      expect(parsed.problem?.reason).toMatch(reason);
      const state = runState(RUN, parsed.records, parsed.problem);
      expect([state.start?.run_id, state.end, state.checks.get('a')?.end, state.problem]).toEqual([RUN, undefined, undefined, `line 2: ${parsed.problem?.reason ?? ''}`]);
    }
  });

  it('valid journals of both shapes, a torn last line and a kind of record this version does not know are no problem', () => {
    const text = lines([START, CHECK_START, { t: 'check:later', time: 3, anything: [1] }, CHECK_END, RUN_END]);
    expect(parseJournalText(`${text}{"t":"reap`)).toMatchObject({ problem: undefined });
    expect(parseJournalText(`${text}{"t":"reap`).records).toHaveLength(5);
    const state = loadRunState(plant(text), RUN);
    expect([state?.problem, state?.end?.exit_code, state && unreadableJournal(state)]).toEqual([undefined, 0, undefined]);
  });

  it('readRunEvents gives the events before the first record that does not validate', () => {
    const logDir = plant(lines([START, CHECK_START, { ...CHECK_END, status: 3 }, RUN_END]));
    expect(readRunEvents(logDir, RUN)?.map((event) => event.type)).toEqual(['run:start', 'check:start']);
    expect(readRunEvents(plant(lines([{ ...START, checks: 'a' }])), RUN)).toEqual([]);
  });

  it('the reaper passes over a run whose start does not validate (and appends nothing to its journal)', async () => {
    const text = lines([{ ...START, checks: {} }, { t: 'check:spawn', time: 2, id: 'a', attempt: 1, pgid: process.pid, pgid_start: null, log_file: null }]);
    const logDir = plant(text);
    expect(await reapDeadRuns(logDir, 200)).toEqual({ killed: [], refused: [] });
  });
});

describe('commands reading a planted journal (real processes)', () => {
  /** A project whose log dir holds a run with a journal whose run:start has no `checks`. */
  function project(records: readonly unknown[] = [{ ...START, checks: undefined }, CHECK_START]): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n');
    plant(lines(records), join(dir, '.fanout/runs'));
    return dir;
  }
  const UNREADABLE = new RegExp(`run ${RUN}: its journal cannot be read \\(line 1: run:start: checks is not an array\\)`);

  it('wait, status, logs, cancel and check --resume say the journal cannot be read, exit 2, with no stack trace', async () => {
    const dir = project();
    for (const args of [['wait', RUN], ['status', RUN], ['status', '--json', RUN], ['logs', RUN, 'a'], ['cancel', RUN], ['check', '--resume', RUN]]) {
      const result = await runCli(args, { cwd: dir });
      expect([result.code, result.stderr], args.join(' ')).toEqual([2, expect.stringMatching(UNREADABLE)]);
      expect(result.stderr).not.toMatch(/iterable|TypeError|\n {4}at /);
    }
  });

  it('a run is checked beside it as usual: the reaper at its start passes over the planted run', async () => {
    const dir = project();
    const result = await runCli(['check'], { cwd: dir });
    expect([result.code, result.stderr]).toEqual([0, expect.not.stringMatching(/internal error|iterable/) as unknown]);
  });

  it('status says where a journal stops being readable, and judges the run on what precedes', async () => {
    const dir = project([{ ...START, boot_id: bootId() }, CHECK_START, { ...CHECK_END, check: [] }, RUN_END]);
    const result = await runCli(['status', RUN], { cwd: dir });
    expect(result.code).toBe(3); // crashed: its end is beyond the line that does not validate
    expect(result.stderr).toContain(`warning: run ${RUN}: its journal is read up to line 3: check:end: check is not an object`);
  });

  it('fanout mcp answers run_status with the reason as a tool error', async () => {
    const dir = project();
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], cwd: dir, stderr: 'pipe' });
    const client = new Client({ name: 'fanout-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'run_status', arguments: { run_id: RUN } });
      const text = (result.content as Array<{ text: string }>).map((part) => part.text).join('');
      expect([result.isError, text]).toEqual([true, expect.stringMatching(UNREADABLE)]);
    } finally {
      await client.close();
    }
  });

  it('check --resume of a run of another PID namespace says it cannot be checked from here, not that its pid runs', async () => {
    const dir = project([{ ...START, pid: 4242, boot_id: bootId(), pid_ns: ownNamespace() + 1 }, CHECK_START]);
    const result = await runCli(['check', '--resume', RUN], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`run ${RUN} may still be running: its fanout (pid 4242 there) runs in another PID namespace, where it cannot be checked from here`);
    expect(result.stderr).not.toContain('still running (pid');
  });
});
