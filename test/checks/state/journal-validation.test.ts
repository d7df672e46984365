// Planted and damaged journals: every record is checked before a reader uses it, in the library and in every command
// that reads a run (wait, status, logs, cancel, check --resume, report, the reaper at each start, fanout mcp).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { parseJournalText, readRunEvents, runState } from '../../../src/checks/state/journal.js';
import { loadRunState, reapDeadRuns, unreadableJournal } from '../../../src/checks/state/runs.js';
import { createRunFolder } from '../../../src/checks/state/run-folder.js';
import { bootId } from '../../../src/exec/processes.js';
import { cli, runCli, startCli, tempDir, waitForFiles } from '../../cli/helpers.js';
import { ownNamespace } from '../../other-namespace.js';

const RUN = '20261124T000000Z-aaaaaa';
const CHECK = { id: 'a', requires: [], async: false, severity: 'error' };
const START = { t: 'run:start', time: 1, run_id: RUN, pid: 1, pid_start: null, boot_id: null, cwd: '/', config: 'fanout.yaml', argv: [], background: false, checks: [CHECK] };
const CHECK_START = { t: 'check:start', time: 2, id: 'a', attempt: 1, async: false, log_file: null };
const CHECK_END = { t: 'check:end', time: 3, id: 'a', status: 'passed', check: { id: 'a', status: 'passed', severity: 'error', attempts: 1, requires: [], duration_ms: 5, log_file: null, reason: null, started_at: '1970-01-01T00:00:00.002Z', ended_at: '1970-01-01T00:00:00.003Z' } };
const RUN_END = { t: 'run:end', time: 4, exit_code: 0, interrupted: null };
/** The fields of a report (run:end's, report.json) besides its checks. */
const REPORT = { run_id: RUN, config_file: 'fanout.yaml', started_at: '1970-01-01T00:00:00.001Z', duration_ms: 3, exit_code: 0, interrupted: null, counts: {} };

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
  ['run:start at a time no Date holds', { ...START, time: 1e300 }, /run:start: time is not a time/],
  ['run:start (of the current shape) just past what a Date holds', { ...START, t: undefined, type: 'run:start', time: 8.64e15 + 1 }, /run:start: time is not a time/],
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
      [{ ...CHECK_END, check: { duration_ms: '5' } }, /check:end: check has no string id/],
      [{ ...CHECK_END, check: {} }, /check:end: check has no string id/],
      [{ ...CHECK_END, check: { ...CHECK_END.check, duration_ms: undefined } }, /check:end: check "a": duration_ms is not a number/],
      [{ ...CHECK_END, check: { ...CHECK_END.check, requires: undefined } }, /check:end: check "a": requires is not an array of strings/],
      [{ ...CHECK_END, check: { ...CHECK_END.check, status: 'fine' } }, /check:end: check "a": status is not a check status/],
      [{ ...CHECK_END, status: 'fine' }, /check:end: status is not a check status/],
      [{ ...CHECK_END, time: -1e300 }, /check:end: time is not a time/],
      [{ ...CHECK_END, check: { ...CHECK_END.check, ended_at: undefined } }, /check:end: check "a": ended_at is not a time or null/],
      [{ ...CHECK_END, check: { ...CHECK_END.check, started_at: '+999999-01-01T00:00:00.000Z' } }, /check:end: check "a": started_at is not a time or null/],
      [{ ...RUN_END, time: 8.64e15 + 1 }, /run:end: time is not a time/],
      [{ ...RUN_END, exit_code: '0' }, /run:end: exit_code is not an integer/],
      [{ type: 'run:end', time: '1970-01-01T00:00:00.004Z', run_id: RUN, exit_code: 0, counts: {}, report: { ...REPORT, checks: 'a' } }, /run:end: report\.checks is not an array/],
      [{ ...RUN_END, report: { ...REPORT, checks: [null] } }, /run:end: report check 1 is not an object/],
      [{ ...RUN_END, report: { ...REPORT, checks: [CHECK_END.check, {}] } }, /run:end: report check 2 has no string id/],
      [{ ...RUN_END, report: { ...REPORT, checks: [{ ...CHECK_END.check, duration_ms: null }] } }, /run:end: report check 1 "a": duration_ms is not a number/],
      [{ ...RUN_END, report: { ...REPORT, config_file: undefined, checks: [] } }, /run:end: report\.config_file is not a string/],
      [{ ...RUN_END, report: { ...REPORT, started_at: null, checks: [] } }, /run:end: report\.started_at is not a time/],
      [{ ...RUN_END, report: { ...REPORT, checks: [{ ...CHECK_END.check, severity: 'fatal' }] } }, /run:end: report check 1 "a": severity is neither/],
      [{ ...RUN_END, report: { ...REPORT, checks: [{ ...CHECK_END.check, attempts: -1 }] } }, /run:end: report check 1 "a": attempts is not a count/],
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

describe('journals fanout writes validate (real runs)', () => {
  it('a failing check with a skipped dependent, an async check, a cached one, a background run, an interrupted run and its resumption', async () => {
    const dir = tempDir();
    // In a folder of its own: the root, where slow creates its marker beside lint, moving while lint runs would keep
    // its pass from being stored.
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/lint.txt'), 'x');
    writeFileSync(join(dir, 'go'), '');
    writeFileSync(join(dir, 'e2e.go'), '');
    writeFileSync(
      join(dir, 'fanout.yaml'),
      `version: "1"
checks:
  - id: lint
    run: echo lint ok
    inputs: [src/lint.txt]
  - id: unit
    run: echo boom; exit 1
  - id: deploy
    run: "true"
    requires: [unit]
  - id: e2e
    run: while [ ! -f e2e.go ]; do sleep 0.02; done
    async: true
  - id: slow
    run: touch slow.started; while [ ! -f go ]; do sleep 0.02; done
`,
    );
    expect((await runCli(['check'], { cwd: dir })).code).toBe(1);
    const cached = await runCli(['check', '--json'], { cwd: dir });
    expect(cached.stdout).toMatch(/"cached": true/);
    rmSync(join(dir, 'e2e.go'));
    const background = await runCli(['check', '--background'], { cwd: dir });
    const backgroundId = /run (\S+) goes on in the background/.exec(background.stdout)?.[1];
    expect(backgroundId, background.stdout).toBeDefined();
    writeFileSync(join(dir, 'e2e.go'), '');
    await runCli(['wait', backgroundId ?? ''], { cwd: dir });
    rmSync(join(dir, 'go'));
    rmSync(join(dir, 'slow.started'));
    const interrupted = startCli(['check'], { cwd: dir });
    await waitForFiles([join(dir, 'slow.started')]);
    interrupted.child.kill('SIGINT');
    expect((await interrupted.done).code).not.toBe(0);
    writeFileSync(join(dir, 'go'), '');
    const resumed = await runCli(['check', '--resume'], { cwd: dir });
    expect(resumed.stderr).not.toMatch(/internal error|cannot be read/);

    const logDir = join(dir, '.fanout/runs');
    const runs = readdirSync(logDir).filter((name) => /^\d{8}T\d{6}Z-/.test(name));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    const kinds = new Set<string>();
    for (const run of runs) {
      const parsed = parseJournalText(readFileSync(join(logDir, run, 'journal.ndjson'), 'utf8'));
      expect(parsed.problem, run).toBeUndefined();
      for (const record of parsed.records) {
        kinds.add(record.t);
        if (record.t === 'check:start' && record.async) kinds.add('async');
        if (record.t === 'run:start' && record.background) kinds.add('background');
        if (record.t === 'check:end') kinds.add(`${record.status}${record.check.cached === true ? ' cached' : ''}`);
        if (record.t === 'run:end') kinds.add(`run:end${record.interrupted === null ? '' : ' interrupted'}${(record.report?.checks.length ?? 0) > 0 ? ' reported' : ''}`);
      }
    }
    // Every case above was written, and read back whole.
    for (const kind of ['run:start', 'background', 'check:start', 'async', 'check:spawn', 'passed', 'passed cached', 'failed', 'skipped', 'run:end reported', 'run:end interrupted reported']) expect([...kinds]).toContain(kind);
    for (const args of [['status', '--json'], ['report', '--html', join(dir, 'page.html')]]) expect((await runCli(args, { cwd: dir })).stderr).not.toMatch(/internal error|cannot be read|read up to/);
  }, 60_000);
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

  it('report --html says the journal cannot be read, exit 2, with no stack trace', async () => {
    const result = await runCli(['report', RUN, '--html', join(tempDir(), 'page.html')], { cwd: project() });
    expect([result.code, result.stderr]).toEqual([2, expect.stringContaining(`run ${RUN} has neither a report.json nor a journal that can be read: its journal cannot be read (line 1: run:start: checks is not an array)`)]);
    expect(result.stderr).not.toMatch(/iterable|TypeError|\n {4}at /);
  });

  // 21 whole CLI processes (7 journals, 3 commands each): 10-30 s on a loaded 2-core machine.
  it('a time no Date holds, or a reported check without the fields fanout writes, is no internal error of status or report', async () => {
    const started = { ...START, boot_id: bootId() };
    const report = (checks: unknown[]) => ({ ...RUN_END, report: { ...REPORT, checks } });
    // [journal, line that does not validate]
    const journals: Array<[unknown[], number]> = [
      [[{ ...started, time: 1e300 }, CHECK_START], 1],
      [[{ ...started, t: undefined, type: 'run:start', time: 1e300 }, CHECK_START], 1],
      [[started, CHECK_START, { ...CHECK_END, time: 1e300 }, RUN_END], 3],
      [[started, CHECK_START, CHECK_END, report([null])], 4],
      [[started, CHECK_START, CHECK_END, report([{}])], 4],
      [[started, CHECK_START, { ...CHECK_END, check: {} }, RUN_END], 3],
      [[started, CHECK_START, { ...CHECK_END, check: { ...CHECK_END.check, ended_at: 'later' } }, RUN_END], 3],
    ];
    for (const [records, line] of journals) {
      const dir = project(records);
      const label = JSON.stringify(records);
      for (const args of [['status', RUN], ['status', '--json', RUN], ['report', RUN, '--html', join(dir, 'page.html')]]) {
        const result = await runCli(args, { cwd: dir });
        // Read up to the line that does not validate: a run with no start cannot be read (2); one that never ended
        // there crashed (3); report draws what precedes (0).
        const expected = line === 1 ? 2 : args[0] === 'report' ? 0 : 3;
        expect([result.code, result.stderr], `${args.join(' ')} of ${label}`).toEqual([expected, expect.stringContaining(line === 1 ? 'its journal cannot be read (line 1: run:start: time is not a time)' : '')]);
        expect(result.stderr, label).not.toMatch(/internal error|Invalid time|TypeError|\n {4}at /);
        expect(result.stdout, label).not.toContain('NaN');
        if (args[0] === 'status' && line > 1) expect(result.stderr).toContain(`its journal is read up to line ${line}: `);
      }
    }
  }, 120_000);

  it('report --html draws a run from its journal when its report.json is not a report fanout writes', async () => {
    const started = { ...START, boot_id: bootId() };
    const ended = { ...RUN_END, report: { ...REPORT, counts: { total: 1, passed: 1 }, checks: [CHECK_END.check] } };
    for (const planted of [{ run_id: RUN, counts: {}, checks: [null] }, { run_id: RUN, counts: {}, checks: [{}] }, { checks: 'a' }, [], 'text']) {
      const dir = project([started, CHECK_START, CHECK_END, ended]);
      writeFileSync(join(dir, '.fanout/runs', RUN, 'report.json'), JSON.stringify(planted));
      const page = join(dir, 'page.html');
      const result = await runCli(['report', RUN, '--html', page], { cwd: dir });
      expect([result.code, result.stderr], JSON.stringify(planted)).toEqual([0, expect.stringMatching(/^fanout: wrote .*page\.html \(run /)]);
      expect(readFileSync(page, 'utf8')).toContain('"a"');
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
