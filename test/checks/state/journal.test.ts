// The run journal end to end: records of a real run, `kill -9` of fanout, reaping of what it left, `--resume`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { openJournal, parseJournal, readJournal, runState, serialize, type JournalEntry, type JournalRecord } from '../../../src/checks/state/journal.js';
import { bootId, processStartTime } from '../../../src/exec/processes.js';
import { listRuns, prunableRuns, pruneRuns } from '../../../src/checks/state/runs.js';
import { createRunFolder } from '../../../src/checks/state/run-folder.js';
import { isAlive, runCli, startCli, tempDir, waitForFiles } from '../../cli/helpers.js';

function project(yaml: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  return dir;
}

function runsOf(dir: string): string[] {
  return readdirSync(join(dir, '.fanout/runs')).filter((name) => /^\d{8}T/.test(name)).sort();
}

function journalLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n');
}

describe('parseJournal', () => {
  it('keeps every complete record and stops at a torn last line', () => {
    const start = JSON.stringify({ t: 'run:start', time: 1, run_id: 'r', pid: 7, pid_start: null, cwd: '/', config: 'f', argv: [], background: false, checks: [] });
    const text = `${start}\n{"t":"check:start","time":2,"id":"a","attempt":1,"async":false,"log_file":null}\n{"t":"check:end","ti`;
    expect(parseJournal(text).map((r) => r.t)).toEqual(['run:start', 'check:start']);
    expect(parseJournal('')).toEqual([]);
    expect(parseJournal(`${start}\nnot json\n{"t":"run:end","time":3,"exit_code":0,"interrupted":null}\n`)).toHaveLength(1);
  });

  it('reads journals of both shapes, events (`type`, ISO time) and the earlier records (`t`, epoch ms), to one state', () => {
    const check = { id: 'a', requires: [], async: false, severity: 'error' };
    const start = { run_id: 'r', pid: 7, pid_start: '1', boot_id: 'b', cwd: '/x', config: 'f', argv: [], background: false, checks: [check] };
    const at = (ms: number) => new Date(ms).toISOString();
    const ended = { id: 'a', status: 'failed', severity: 'error', attempts: 1, requires: [], duration_ms: 1000, log_file: 'a.log', reason: 'exit code 1', started_at: at(2000), ended_at: at(3000) };
    const events = [
      { type: 'run:start', time: at(1000), total: 1, ...start },
      { type: 'check:start', time: at(2000), id: 'a', attempt: 1, async: false, status: 'running', log_file: 'a.log' },
      { type: 'check:spawn', time: at(2500), id: 'a', attempt: 1, pgid: 42, pgid_start: '9', log_file: 'a.log' },
      { type: 'check:end', time: at(3000), id: 'a', status: 'failed', check: ended },
      { type: 'run:end', time: at(4000), run_id: 'r', exit_code: 130, counts: {}, report: { run_id: 'r', config_file: 'f', started_at: at(1000), duration_ms: 3000, exit_code: 130, counts: {}, checks: [], interrupted: 'SIGINT' } },
      { type: 'reaped', time: at(5000), by_pid: 8, groups: [] },
    ];
    const records = [
      { t: 'run:start', time: 1000, ...start },
      { t: 'check:start', time: 2000, id: 'a', attempt: 1, async: false, log_file: 'a.log' },
      { t: 'check:spawn', time: 2500, id: 'a', attempt: 1, pgid: 42, pgid_start: '9', log_file: 'a.log' },
      { t: 'check:end', time: 3000, id: 'a', status: 'failed', check: ended },
      { t: 'run:end', time: 4000, exit_code: 130, interrupted: 'SIGINT' },
      { t: 'reaped', time: 5000, by_pid: 8, groups: [] },
    ];
    const text = (lines: object[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    const view = (state: ReturnType<typeof runState>) => ({
      start: [state.start?.t, state.start?.time, state.start?.pid, state.start?.boot_id],
      check: state.checks.get('a') && { start: state.checks.get('a')?.start?.time, pgid: state.checks.get('a')?.spawn?.pgid, end: state.checks.get('a')?.end?.status },
      end: [state.end?.time, state.end?.exit_code, state.end?.interrupted],
      reaped: state.reaped,
    });
    const expected = { start: ['run:start', 1000, 7, 'b'], check: { start: 2000, pgid: 42, end: 'failed' }, end: [4000, 130, 'SIGINT'], reaped: true };
    expect(view(runState('r', parseJournal(text(events))))).toEqual(expected);
    expect(view(runState('r', parseJournal(text(records))))).toEqual(expected);
    // A line of neither shape ends the journal, as a torn one does.
    expect(parseJournal(`${text(events.slice(0, 1))}{"kind":"run:end"}\n${text(events.slice(1))}`)).toHaveLength(1);
  });
});

describe('serialize', () => {
  it('writes each event exactly as JSON.stringify does (the per-check events are formatted by hand)', () => {
    const name = fc.string({ unit: 'binary', maxLength: 12 });
    const path = fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: null });
    // The usual integers, and what would be no JSON written by hand (NaN, Infinity, -0, fractions).
    const number = fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), fc.double());
    const time = fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
    const entry: fc.Arbitrary<JournalEntry> = fc.oneof(
      fc.record({ type: fc.constant('check:start' as const), time, id: name, attempt: number, async: fc.boolean(), status: fc.constantFrom('pending' as const, 'running' as const), log_file: path }),
      fc.record({ type: fc.constant('check:spawn' as const), time, id: name, attempt: number, pgid: number, pgid_start: fc.option(fc.nat().map(String), { nil: null }), log_file: path }),
      fc.record({
        type: fc.constant('check:end' as const),
        time,
        id: name,
        status: fc.constantFrom('passed' as const, 'failed' as const, 'cancelled' as const),
        check: fc.dictionary(name, fc.jsonValue()) as unknown as fc.Arbitrary<Extract<JournalEntry, { type: 'check:end' }>['check']>,
      }),
      fc.record({ t: fc.constant('reaped' as const), time: fc.nat(), by_pid: fc.nat(), groups: fc.array(fc.record({ id: name, pgid: fc.nat() }), { maxLength: 2 }) }),
    );
    fc.assert(fc.property(entry, (e) => serialize(e) === JSON.stringify(e)));
  });
});

describe('journal of a run', () => {
  it('records the run, each check with its process group, and the end; every line is one JSON record', async () => {
    const dir = project(`version: "1"
checks:
  - id: a
    run: echo $$ > a.pid
  - id: b
    run: exit 3
    requires: [a]
`);
    const result = await runCli(['check'], { cwd: dir });
    expect(result.code).toBe(1);
    const [run] = runsOf(dir);
    const file = join(dir, '.fanout/runs', run as string, 'journal.ndjson');
    const lines = journalLines(file);
    expect(lines.at(-1)).toBe('');
    // Every line is one event as --stream prints it (`type`, an ISO time); the reader gives them as records.
    for (const line of lines.slice(0, -1)) {
      const event = JSON.parse(line) as { type?: unknown; time?: unknown };
      expect([typeof event.type, typeof event.time === 'string' && !Number.isNaN(Date.parse(event.time))]).toEqual(['string', true]);
    }
    const records: JournalRecord[] = parseJournal(lines.join('\n'));
    expect(records.map((r) => `${r.t}${'id' in r ? `:${r.id}` : ''}`)).toEqual([
      'run:start',
      'check:start:a',
      'check:spawn:a',
      'check:end:a',
      'check:start:b',
      'check:spawn:b',
      'check:end:b',
      'run:end',
    ]);
    const spawnA = records.find((r) => r.t === 'check:spawn' && r.id === 'a');
    expect(spawnA && 'pgid' in spawnA ? spawnA.pgid : undefined).toBe(Number(readFileSync(join(dir, 'a.pid'), 'utf8')));
    const state = runState(run as string, records);
    expect(state.checks.get('b')?.end?.status).toBe('failed');
    expect(state.end?.exit_code).toBe(1);
  });

  it('kill -9 of fanout: the journal is valid up to its last record; the next run reaps the group; --resume reruns only what did not pass', async () => {
    const dir = project(`version: "1"
checks:
  - id: a
    run: echo a
  - id: b
    run: test -f fixed && exit 0; echo $$ > b.pid; sleep 30
  - id: c
    run: echo c
    requires: [b]
`);
    const { child, done } = startCli(['check'], { cwd: dir });
    await waitForFiles([join(dir, 'b.pid')]);
    const bGroup = Number(readFileSync(join(dir, 'b.pid'), 'utf8'));
    const [run] = runsOf(dir);
    const journal = join(dir, '.fanout/runs', run as string, 'journal.ndjson');
    // The spawn record is written before the shell can write its pid file.
    let state = runState(run as string, readJournal(join(dir, '.fanout/runs', run as string)) ?? []);
    for (let i = 0; state.checks.get('a')?.end === undefined && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 10));
      state = runState(run as string, readJournal(join(dir, '.fanout/runs', run as string)) ?? []);
    }
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    // Every line but the (empty) last is a complete JSON record; nothing says the run ended.
    const lines = journalLines(journal);
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    state = runState(run as string, parseJournal(readFileSync(journal, 'utf8')));
    expect(state.end).toBeUndefined();
    expect(state.checks.get('a')?.end?.status).toBe('passed');
    expect(state.checks.get('b')?.spawn?.pgid).toBe(bGroup);
    expect(isAlive(bGroup)).toBe(true); // b's group outlived fanout (it runs in its own session)

    // A killed run has no report.json; its status and picture come from the journal.
    const crashed = await runCli(['status', '--json'], { cwd: dir });
    expect(JSON.parse(crashed.stdout)).toMatchObject({ run_id: run, phase: 'crashed', exit_code: null });
    const page = await runCli(['report', '--html', join(dir, 'crash.html')], { cwd: dir });
    expect(page.code, page.stderr).toBe(0);
    expect(readFileSync(join(dir, 'crash.html'), 'utf8')).toContain('data-check="b" data-status="pending"');

    writeFileSync(join(dir, 'fixed'), '');
    const resumed = await runCli(['check', '--resume', '--json'], { cwd: dir });
    expect(resumed.stderr).toMatch(/killed process group \d+ \(b\) left running by the dead run/);
    expect(resumed.stderr).toContain(`resuming run ${run}: b, c (1 passed there)`);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as { checks: Array<{ id: string; status: string }> };
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['b', 'passed'],
      ['c', 'passed'],
    ]);
    expect(isAlive(bGroup)).toBe(false);
    const old = runState(run as string, readJournal(join(dir, '.fanout/runs', run as string)) ?? []);
    expect(old.reaped).toBe(true);

    // Resuming the resumed run: everything passed, nothing runs.
    const again = await runCli(['check', '--resume'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/every check of run \S+ passed; nothing to resume/);
  });

  it('--resume of a run that is still running is refused', async () => {
    const dir = project(`version: "1"
checks:
  - id: slow
    run: touch started; sleep 30
`);
    const { child, done } = startCli(['check'], { cwd: dir });
    await waitForFiles([join(dir, 'started')]);
    const refused = await runCli(['check', '--resume'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is still running \(pid \d+\): fanout wait/);
    child.kill('SIGTERM');
    expect((await done).signal).toBe('SIGTERM');
  });

  it('--keep-runs N keeps the newest N run folders', async () => {
    const dir = project(`version: "1"
checks:
  - id: a
    run: "true"
`);
    for (let i = 0; i < 4; i++) expect((await runCli(['check', '--keep-runs', '2'], { cwd: dir })).code).toBe(0);
    expect(runsOf(dir)).toHaveLength(2);
    expect((await runCli(['check', '--keep-runs', '0'], { cwd: dir })).stderr).toMatch(/--keep-runs must be an integer of at least 1, received "0"/);
  });
});

describe('pruneRuns', () => {
  function oldRuns(): string {
    const logDir = join(tempDir(), 'runs');
    const run = (id: string, records: object[], files: string[] = []) => {
      mkdirSync(logDir, { recursive: true });
      createRunFolder(join(logDir, id));
      writeFileSync(join(logDir, id, 'journal.ndjson'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      for (const file of files) writeFileSync(join(logDir, id, file), 'x');
    };
    const start = (pid: number) => ({ t: 'run:start', time: 1, run_id: 'x', pid, pid_start: processStartTime(pid), boot_id: bootId(), cwd: logDir, config: 'x', argv: [], background: false, checks: [] });
    const end = { t: 'run:end', time: 2, exit_code: 0, interrupted: null };
    run('20261124T000000Z-aaaaaa', [start(process.pid), end], ['a.log', 'b.log', 'report.json']);
    run('20261124T000001Z-bbbbbb', [start(process.pid), end], ['a.log']);
    mkdirSync(join(logDir, '20261124T000001Z-bbbbbb', 'extra'));
    writeFileSync(join(logDir, '20261124T000001Z-bbbbbb', 'extra', 'f'), 'x');
    run('20261124T000002Z-cccccc', [start(process.pid)]); // live: this process runs it
    run('20261124T000003Z-dddddd', [start(process.pid), end]);
    return logDir;
  }

  it('removes old ended runs (files, and a folder someone put inside), never a live one nor the latest', async () => {
    const logDir = oldRuns();
    expect(await pruneRuns(logDir, 1)).toEqual(['20261124T000000Z-aaaaaa', '20261124T000001Z-bbbbbb']);
    expect(listRuns(logDir)).toEqual(['20261124T000002Z-cccccc', '20261124T000003Z-dddddd']);
  });

  it('spares the runs named as exceptions; the runs it returns are gone when it returns', async () => {
    const logDir = oldRuns();
    const except = ['20261124T000001Z-bbbbbb'];
    expect(prunableRuns(logDir, 1, except)).toEqual(['20261124T000000Z-aaaaaa']);
    expect(await pruneRuns(logDir, 1, except)).toEqual(['20261124T000000Z-aaaaaa']);
    createRunFolder(join(logDir, '20261124T000004Z-eeeeee'));
    expect(listRuns(logDir)).toEqual(['20261124T000001Z-bbbbbb', '20261124T000002Z-cccccc', '20261124T000003Z-dddddd', '20261124T000004Z-eeeeee']);
    // The folder someone put inside falls back to the recursive removal.
    expect(await pruneRuns(logDir, 1, ['20261124T000004Z-eeeeee'])).toEqual(['20261124T000001Z-bbbbbb', '20261124T000003Z-dddddd']);
    expect(listRuns(logDir)).toEqual(['20261124T000002Z-cccccc', '20261124T000004Z-eeeeee']);
  });
});

/** The time of the events written by hand below. */
const T0 = new Date(0).toISOString();

describe('openJournal', () => {
  // The lines as written: these records are partial (no run's start, empty reports), which the reader refuses.
  const kinds = (dir: string) =>
    readFileSync(join(dir, 'journal.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { type: string; id?: string })
      .map((r) => `${r.type}${r.id === undefined ? '' : `:${r.id}`}`);

  it('a deferred record goes out with the next record, in order, or at the end of the turn', async () => {
    const dir = tempDir();
    const journal = openJournal(dir);
    journal.append({ type: 'check:start', time: T0, id: 'a', attempt: 1, async: false, status: 'running', log_file: null }, { defer: true });
    expect(kinds(dir)).toEqual([]); // not yet
    journal.append({ type: 'check:spawn', time: T0, id: 'a', attempt: 1, pgid: 1, pgid_start: null, log_file: null });
    expect(kinds(dir)).toEqual(['check:start:a', 'check:spawn:a']);
    journal.append({ type: 'check:end', time: T0, id: 'a', status: 'passed', check: {} as never }, { sync: 'background', defer: true });
    expect(kinds(dir)).toEqual(['check:start:a', 'check:spawn:a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(kinds(dir)).toEqual(['check:start:a', 'check:spawn:a', 'check:end:a']);
    journal.append({ type: 'check:start', time: T0, id: 'b', attempt: 1, async: false, status: 'running', log_file: null }, { defer: true });
    journal.close(); // writes what is deferred
    expect(kinds(dir)).toEqual(['check:start:a', 'check:spawn:a', 'check:end:a', 'check:start:b']);
    expect(journal.error).toBeUndefined();
  });

  it('the flushes asked for by check ends share one delayed fdatasync; the run end covers a flush not yet due', async () => {
    const dir = tempDir();
    const journal = openJournal(dir, { syncDelayMs: 20 });
    // The flush timers are the test's to fire: none runs on its own, however slow or fast the machine.
    const setTimer = globalThis.setTimeout;
    const flushes: Array<{ flush: () => void; timer: NodeJS.Timeout }> = [];
    const arm = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (ms !== 20) return setTimer(callback, ms, ...args);
      const timer = setTimer(() => undefined, 2 ** 31 - 1);
      flushes.push({ flush: () => callback(...args), timer });
      return timer;
    }) as typeof setTimeout);
    const disarm = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const armed = () => arm.mock.calls.filter(([, ms]) => ms === 20).length;
      for (const id of ['a', 'b', 'c']) journal.append({ type: 'check:end', time: T0, id, status: 'passed', check: {} as never }, { sync: 'background' });
      expect(armed()).toBe(1); // one flush is due for the three
      flushes[0]?.flush(); // its fdatasync runs on the thread pool
      journal.append({ type: 'check:end', time: T0, id: 'd', status: 'passed', check: {} as never }, { sync: 'background' });
      // A later end asks for another flush: at once, or as soon as the running fdatasync returns.
      await vi.waitFor(() => expect(armed()).toBe(2), { timeout: 10_000 });
      const due = flushes[1]?.timer;
      journal.append({ type: 'run:end', time: T0, run_id: 'x', exit_code: 0, counts: {} as never, report: {} as never }, { sync: 'now' }); // flushes now, covering it
      expect(disarm.mock.calls.some(([timer]) => timer === due)).toBe(true);
      journal.close();
    } finally {
      arm.mockRestore();
      disarm.mockRestore();
      for (const { timer } of flushes) clearTimeout(timer);
    }
    expect(kinds(dir)).toEqual(['check:end:a', 'check:end:b', 'check:end:c', 'check:end:d', 'run:end']);
    expect(journal.error).toBeUndefined();
  });
});
