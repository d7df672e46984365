// The public checks engine with real child processes: its events (validated against the documented stream schema,
// identical in kind and order to what `fanout check --stream` prints and what the journal records), its report, its
// iteration and abort rules, and a stable reason_code for every way a check does not pass.
import { bootId, pidNamespace } from '../../src/exec/processes.js';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runChecks, UsageError, RUN_EVENT_TYPES, type ReasonCode, type RunEvent, type RunReport } from '../../src/checks/index.js';
import { loadConfigText } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import type { Executor } from '../../src/exec/executor.js';
import { parseJournal } from '../../src/checks/state/journal.js';
import { reportErrors, root, runCli, tempDir } from '../cli/helpers.js';

const eventSchema = JSON.parse(readFileSync(join(root, 'schema/run-event.schema.json'), 'utf8')) as { properties: { type: { enum: string[] } } };
const reportSchema = JSON.parse(readFileSync(join(root, 'schema/report.schema.json'), 'utf8')) as {
  definitions: { check: { properties: { reason_code: { oneOf: Array<{ enum?: string[] }> } } } };
};
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat('date-time', (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && !Number.isNaN(Date.parse(text)));
ajv.addSchema(reportSchema);
const validateEvent = ajv.compile(eventSchema);

function eventErrors(event: unknown): unknown {
  return validateEvent(event) ? null : validateEvent.errors;
}

function project(yaml: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  return dir;
}

function loaded(yaml: string, dir = tempDir()): ResolvedConfig {
  const result = loadConfigText(yaml, join(dir, 'fanout.yaml'));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.config;
}

async function collect(run: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of run) events.push(event);
  return events;
}

const kinds = (events: ReadonlyArray<{ type: string; id?: string }>) => events.map((event) => `${event.type}${event.id !== undefined ? `:${event.id}` : ''}`);

const chain = `version: "1"
checks:
  - id: build
    run: echo built
  - id: flaky
    run: test -f again || { touch again; echo first; exit 4; }
    retries: 1
    requires: [build]
  - id: test
    run: echo 'coverage 91'; exit 2
    requires: [flaky]
  - id: deploy
    run: echo never
    requires: [test]
`;

describe('runChecks', () => {
  it('yields the events --stream prints, each valid against schema/run-event.schema.json, and the journal records them', async () => {
    const dir = project(chain);
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, parallel: 1 });
    const events = await collect(run);
    const report = await run.report;
    for (const event of events) expect(eventErrors(event), JSON.stringify(event)).toBeNull();
    expect(reportErrors(report)).toBeNull();
    expect(kinds(events)).toEqual([
      'run:start',
      'check:start:build',
      'check:spawn:build',
      'check:end:build',
      'check:start:flaky',
      'check:spawn:flaky',
      'check:retry:flaky',
      'check:spawn:flaky',
      'check:end:flaky',
      'check:start:test',
      'check:spawn:test',
      'check:end:test',
      'check:end:deploy',
      'run:end',
    ]);
    const retry = events.find((event) => event.type === 'check:retry');
    expect(retry).toMatchObject({ attempt: 2, previous: { status: 'failed', reason: 'exit code 4', reason_code: 'exit-code' } });
    const end = events.at(-1);
    expect(end?.type === 'run:end' ? end.report : undefined).toEqual(report);
    expect(report.exit_code).toBe(1);
    expect(report.checks.map((check) => [check.id, check.status, check.reason_code])).toEqual([
      ['build', 'passed', null],
      ['flaky', 'passed', null],
      ['test', 'failed', 'exit-code'],
      ['deploy', 'skipped', 'dependency-failed'],
    ]);

    // The journal: the same events, in the same order (run:start with what only the journal needs).
    const prepared = await run.prepared;
    const journal = readFileSync(join(prepared.runDir, 'journal.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as RunEvent & { pid?: number });
    expect(kinds(journal)).toEqual(kinds(events));
    // Its process, and the boot and PID namespace its pid means something in.
    expect(journal[0]).toMatchObject({ ...events[0], time: expect.any(String) as unknown, pid: process.pid, boot_id: bootId(), pid_ns: pidNamespace() });
    expect(parseJournal(readFileSync(join(prepared.runDir, 'journal.ndjson'), 'utf8')).at(-1)).toMatchObject({ t: 'run:end', exit_code: 1, interrupted: null });
    expect(JSON.parse(readFileSync(join(prepared.runDir, 'report.json'), 'utf8'))).toEqual(report);

    // fanout check --stream prints the same events, one a line.
    const cli = await runCli(['check', '--stream', '-p', '1'], { cwd: project(chain) });
    const lines = cli.stdout.trim().split('\n').map((line) => JSON.parse(line) as RunEvent);
    for (const event of lines) expect(eventErrors(event), JSON.stringify(event)).toBeNull();
    expect(kinds(lines)).toEqual(kinds(events));
  });

  it('keeps every event for a consumer that starts late; ending an iteration does not stop the run', async () => {
    const dir = project(chain);
    const run = runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir });
    for await (const event of run) {
      expect(event.type).toBe('run:start');
      break;
    }
    const report = await run.report;
    expect(report.counts).toMatchObject({ total: 4, passed: 2, failed: 1, skipped: 1 });
    const late = await collect(run);
    expect(late[0]?.type).toBe('run:start');
    expect(late.at(-1)?.type).toBe('run:end');
  });

  it('rejects report, prepared and iteration with a UsageError for a bad selection, a TypeError for bad options', async () => {
    const dir = project(chain);
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, ids: ['tset'] });
    await expect(run.report).rejects.toThrow(new UsageError('unknown check "tset" (did you mean "test"?)'));
    await expect(run.prepared).rejects.toBeInstanceOf(UsageError);
    await expect(collect(run)).rejects.toBeInstanceOf(UsageError);
    expect(() => runChecks({ config: 'fanout.yaml', parallel: 0 })).toThrow(new TypeError('options.parallel must be an integer >= 1, received 0'));
  });

  it.each([
    ['ids', 'build', 'options.ids must be an array of strings, received "build"'],
    ['only', ['a', 1], 'options.only must be an array of strings, received array of length 2'],
    ['tags', 'fast', 'options.tags must be an array of strings, received "fast"'],
    ['excludeTags', 'fast', 'options.excludeTags must be an array of strings, received "fast"'],
    ['argv', 'x', 'options.argv must be an array of strings, received "x"'],
    ['secrets', 'hunter2', 'options.secrets must be an array of strings, received string (value not shown)'],
    ['resume', 5, 'options.resume must be a string or true, received 5'],
    ['changed', false, 'options.changed must be a string or true, received false'],
    ['failFast', 'yes', 'options.failFast must be a boolean, received "yes"'],
    ['strict', 'no', 'options.strict must be a boolean, received "no"'],
    ['configCache', 1, 'options.configCache must be a boolean, received 1'],
    ['logDir', 5, 'options.logDir must be a string, received 5'],
    ['cwd', 5, 'options.cwd must be a string, received 5'],
    ['version', 5, 'options.version must be a string, received 5'],
    ['shard', 5, 'options.shard must be a string "i/n" or { index, total }, received 5'],
    ['executor', 5, 'options.executor must be an executor (an object with execute()) or a function of the config returning one, received 5'],
    ['env', 5, 'options.env must be an object of variables, received 5'],
    ['killGrace', -1, 'options.killGrace must be a number of milliseconds >= 0, received -1'],
  ])('a bad options.%s is a TypeError naming it, before anything runs', (name, value, message) => {
    expect(() => runChecks({ config: 'fanout.yaml', [name]: value })).toThrow(new TypeError(message));
  });

  it('tells what it would have printed as notes, never on stderr', async () => {
    const dir = project(`version: "1"
checks:
  - id: a
    run: "true"
    tags: [fast]
  - id: b
    run: "true"
    requires: [a]
`);
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, ids: ['b'], excludeTags: ['fats'] });
    expect((await run.prepared).notes).toEqual([
      { code: 'unknown-exclude-tag', message: 'note: no check has the tag "fats" (did you mean "fast"?)' },
      { code: 'pulled-in', message: 'also running a: required by the selected checks' },
    ]);
    expect((await run.report).exit_code).toBe(0);
  });
});

describe('reason_code', () => {
  // Every code of the type, so that a code added to one and not to the other fails to compile or here.
  const codes: Record<ReasonCode, true> = {
    'exit-code': true,
    signal: true,
    timeout: true,
    assert: true,
    grok: true,
    'file-missing': true,
    'spawn-error': true,
    cancelled: true,
    'fail-fast': true,
    'max-time': true,
    interrupted: true,
    infrastructure: true,
    internal: true,
    'dependency-failed': true,
  };

  it('the schema lists exactly the codes of the type, and the stream schema the event types', () => {
    const listed = reportSchema.definitions.check.properties.reason_code.oneOf.flatMap((branch) => branch.enum ?? []);
    expect([...listed].sort()).toEqual(Object.keys(codes).sort());
    expect(eventSchema.properties.type.enum).toEqual([...RUN_EVENT_TYPES]);
  });

  const byId = (report: RunReport) => Object.fromEntries(report.checks.map((check) => [check.id, [check.status, check.reason_code, check.reason]]));

  it('names how a command failed: exit-code, signal, timeout, assert, file-missing, spawn-error, dependency-failed', async () => {
    const dir = tempDir();
    const config = loaded(
      `version: "1"
checks:
  - id: exit
    run: exit 3
  - id: killed
    run: kill -9 $$
  - id: slow
    run: sleep 30
    timeout: 1s
  - id: low
    run: echo 'coverage 12'
    grok: 'coverage %{INT:coverage}'
    assert: "coverage > 80"
  - id: nofile
    run: "true"
    file: missing.txt
    assert: "x > 1"
    grok: 'x %{INT:x}'
  - id: nocwd
    run: "true"
    cwd: gone
  - id: after
    run: "true"
    requires: [exit]
`,
      dir,
    );
    const report = await runChecks({ config, cwd: dir }).report;
    expect(byId(report)).toEqual({
      exit: ['failed', 'exit-code', 'exit code 3'],
      killed: ['failed', 'signal', 'killed by SIGKILL'],
      slow: ['timeout', 'timeout', 'timed out after 1s'],
      low: ['failed', 'assert', 'assert failed: coverage > 80 (coverage = 12)'],
      nofile: ['failed', 'file-missing', expect.stringMatching(/^cannot read .*missing\.txt: ENOENT/) as unknown],
      nocwd: ['failed', 'spawn-error', expect.stringMatching(/^could not start: /) as unknown],
      after: ['skipped', 'dependency-failed', null],
    });
  });

  it('fails a check whose file: is missing, grok and assert or not', async () => {
    const dir = tempDir();
    const config = loaded(
      `version: "1"
checks:
  - id: report
    run: "true"
    file: never-written.txt
`,
      dir,
    );
    const report = await runChecks({ config, cwd: dir }).report;
    expect(byId(report).report).toEqual(['failed', 'file-missing', expect.stringMatching(/^cannot read .*never-written\.txt: ENOENT/) as unknown]);
    expect(report.exit_code).toBe(1);
  });

  it('in a vibeguard.* config, a missing file: stops the run as VibeGuard does (exit 1, the rest not run)', async () => {
    const dir = tempDir();
    const result = loadConfigText(
      `version: "1"
checks:
  - id: report
    run: "true"
    file: never-written.txt
  - id: slow
    run: sleep 30
  - id: after
    run: "true"
    requires: [slow]
    severity: warning
`,
      join(dir, 'vibeguard.yaml'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const started = Date.now();
    const report = await runChecks({ config: result.config, cwd: dir }).report;
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(report.exit_code).toBe(1);
    expect(byId(report)).toEqual({
      report: ['failed', 'file-missing', `failed to read file "never-written.txt": open ${join(dir, 'never-written.txt')}: no such file or directory`],
      slow: ['cancelled', 'cancelled', 'stopped: check report could not be judged'],
      after: ['skipped', 'fail-fast', null],
    });
  });

  it('in a vibeguard.* config (or compat: vibeguard), a grok pattern VibeGuard rejects fails its check once it has run and stops the run', async () => {
    for (const [name, compat] of [['vibeguard.yaml', ''], ['fanout.yaml', 'compat: vibeguard\n']] as const) {
      const dir = tempDir();
      const result = loadConfigText(
        `version: "1"
${compat}checks:
  - id: bad
    run: touch ran-bad
    severity: warning
    grok: ['%{NOPE:x}', '(unclosed']
  - id: slow
    run: sleep 30
  - id: after
    run: "true"
    requires: [bad]
`,
        join(dir, name),
      );
      if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
      // Loaded, with a warning naming the pattern: VibeGuard reports it only when the check runs.
      expect(result.config.warnings.map((w) => [w.code, w.severity])).toEqual([['invalid-grok', 'warning'], ['invalid-grok', 'warning']]);
      const started = Date.now();
      const report = await runChecks({ config: result.config, cwd: dir }).report;
      expect(Date.now() - started).toBeLessThan(25_000);
      // The command ran; the first broken pattern is the failure, in go-grok's words; a warning check's too stops the run.
      expect(readdirSync(dir)).toContain('ran-bad');
      expect(report.exit_code).toBe(1);
      expect(byId(report)).toEqual({
        bad: ['warned', 'grok', 'failed to compile grok pattern "%{NOPE:x}": pattern definition "NOPE" unknown: parsing failed'],
        slow: ['cancelled', 'cancelled', 'stopped: check bad could not be judged'],
        after: ['skipped', 'fail-fast', null],
      });
    }
  });

  it('in a vibeguard.* config, an assert VibeGuard rejects fails its check after exit 0 and stops the run; after another exit it is not read', async () => {
    const dir = tempDir();
    const result = loadConfigText(
      `version: "1"
checks:
  - id: exits
    run: exit 3
    assert: "(a == 1"
  - id: passes
    run: "true"
    requires: [exits]
    assert: "a >"
`,
      join(dir, 'vibeguard.yaml'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    let report = await runChecks({ config: result.config, cwd: dir, only: ['exits'] }).report;
    expect(byId(report)).toEqual({ exits: ['failed', 'exit-code', 'exit code 3'] });
    report = await runChecks({ config: result.config, cwd: dir, only: ['passes'] }).report;
    expect(report.exit_code).toBe(1);
    expect(byId(report)).toEqual({ passes: ['failed', 'assert', 'parse error in assertion "a >": unexpected token "" at position 3\n  a >\n    ^'] });
  });

  it('in a fanout.yaml, a broken grok pattern or assert is a load error, nothing run', () => {
    const result = loadConfigText(`checks:\n  - id: a\n    run: "true"\n    grok: '%{NOPE:x}'\n  - id: b\n    run: "true"\n    assert: "a >"\n`, join(tempDir(), 'fanout.yaml'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([['invalid-grok', 'error'], ['invalid-assert', 'error']]);
  });

  it('in a vibeguard.* config, check ID runs that check alone, a failed warning skips its dependents, tags pull in nothing', async () => {
    const dir = tempDir();
    const result = loadConfigText(
      `version: "1"
checks:
  - id: w
    run: exit 1
    severity: warning
  - id: dep
    run: "true"
    requires: [w]
    tags: [x]
`,
      join(dir, 'vibeguard.yaml'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const all = await runChecks({ config: result.config, cwd: dir }).report;
    expect([byId(all), all.exit_code]).toEqual([{ w: ['warned', 'exit-code', 'exit code 1'], dep: ['skipped', 'dependency-failed', null] }, 1]);
    const alone = await runChecks({ config: result.config, cwd: dir, ids: ['dep'] }).report;
    expect([byId(alone), alone.exit_code]).toEqual([{ dep: ['passed', null, null] }, 0]);
    const none = await runChecks({ config: result.config, cwd: dir, tags: ['absent'] }).report;
    expect([none.checks, none.exit_code]).toEqual([[], 0]);
    // A tag filter pulls in no requirement: the check that needs one it left out is skipped, never run.
    const tagged = await runChecks({ config: result.config, cwd: dir, tags: ['x'] }).report;
    expect([byId(tagged), tagged.checks[0]?.skip_reason, tagged.exit_code]).toEqual([{ dep: ['skipped', 'dependency-failed', null] }, { kind: 'blocked', blocked_by: 'w' }, 1]);
  });

  it('names grok patterns that could not run: grok', async () => {
    const config = loaded(`version: "1"
checks:
  - id: values
    run: echo 'x 1'
    grok: 'x %{INT:x}'
`);
    // A config built by hand (not by the loader) has no compiled matcher.
    const byHand: ResolvedConfig = { ...config, checks: config.checks.map(({ grokMatcher: _matcher, ...check }) => check) };
    const report = await runChecks({ config: byHand, cwd: config.dir }).report;
    expect(byId(report).values).toEqual(['failed', 'grok', 'grok patterns not compiled: the check did not come from loadConfig']);
  });

  const running = `version: "1"
checks:
  - id: long
    run: sleep 30
  - id: waits
    run: "true"
    requires: [long]
`;

  /** Starts a run of `running`; resolves once `long` runs, with the run and its abort. */
  async function started(options: { failFast?: boolean; maxTime?: number; extra?: string } = {}) {
    const config = loaded(running + (options.extra ?? ''));
    const controller = new AbortController();
    const run = runChecks({ config, cwd: config.dir, signal: controller.signal, ...(options.failFast === true ? { failFast: true } : {}), ...(options.maxTime !== undefined ? { maxTime: options.maxTime } : {}) });
    for await (const event of run) if (event.type === 'check:spawn' && event.id === 'long') break;
    return { run, controller };
  }

  it('names why a running check was stopped: interrupted (by a signal, or an abort), infrastructure, max-time', async () => {
    const signal = await started();
    signal.controller.abort({ kind: 'signal', signal: 'SIGINT' });
    const interrupted = await signal.run.report;
    expect(byId(interrupted)).toEqual({ long: ['cancelled', 'interrupted', 'stopped by SIGINT'], waits: ['skipped', 'interrupted', null] });
    expect([interrupted.interrupted, interrupted.exit_code]).toEqual(['SIGINT', 130]);

    // An abort without a RunAbort (a plain controller.abort(), any other reason) is an interruption named `abort`:
    // the same reason for the check it stopped and the one it kept from starting, and the report says so.
    for (const reason of [undefined, new Error('shutting down')]) {
      const plain = await started();
      plain.controller.abort(reason);
      const aborted = await plain.run.report;
      expect(byId(aborted)).toEqual({ long: ['cancelled', 'interrupted', 'stopped by abort'], waits: ['skipped', 'interrupted', null] });
      expect(aborted.checks.find((check) => check.id === 'waits')?.skip_reason).toEqual({ kind: 'interrupted', signal: 'abort' });
      expect([aborted.interrupted, aborted.max_time_exceeded, aborted.exit_code]).toEqual(['abort', false, 1]);
      expect(reportErrors(aborted)).toBeNull();
    }

    const lost = await started();
    lost.controller.abort({ kind: 'infrastructure', message: 'Redis lost' });
    const infrastructure = await lost.run.report;
    expect(byId(infrastructure)).toEqual({ long: ['cancelled', 'infrastructure', 'stopped: Redis lost'], waits: ['skipped', 'infrastructure', null] });
    expect(infrastructure.exit_code).toBe(75);

    const timed = await started({ maxTime: 300 });
    const maxTime = await timed.run.report;
    expect(byId(maxTime)).toEqual({ long: ['cancelled', 'max-time', 'stopped by --max-time'], waits: ['skipped', 'max-time', null] });
    expect([maxTime.max_time_exceeded, maxTime.exit_code]).toEqual([true, 1]);

    // A deadline of the caller's own, named as its user knows it.
    const budget = await started();
    budget.controller.abort({ kind: 'max-time', ms: 5000, name: "the hook's --budget 5s" });
    const named = await budget.run.report;
    expect(byId(named).long).toEqual(['cancelled', 'max-time', "stopped by the hook's --budget 5s"]);
    expect(named.max_time_exceeded).toBe(true);
  });

  it('killGrace: a check that ignores SIGTERM is SIGKILLed that long after it, not 2 s after', async () => {
    const config = loaded(`version: "1"
checks:
  - id: deaf
    run: trap '' TERM; sleep 30 & wait; sleep 30
`);
    const controller = new AbortController();
    const run = runChecks({ config, cwd: config.dir, signal: controller.signal, killGrace: 50 });
    for await (const event of run) if (event.type === 'check:spawn') break;
    const stopped = performance.now();
    controller.abort({ kind: 'max-time', ms: 1 });
    const report = await run.report;
    expect(byId(report).deaf?.[0]).toBe('cancelled');
    // 50 ms asked; the default grace is a 2000 ms timer, which could never end the check sooner than this bound.
    expect(performance.now() - stopped).toBeLessThan(1900);
  });

  it('a check its executor never started when the run stopped is skipped with the reason of the stop, not cancelled', async () => {
    const config = loaded(`version: "1"
checks:
  - id: queued
    run: "true"
`);
    const controller = new AbortController();
    // A remote executor's job no worker took: it ends not started once the run is aborted.
    const executor: Executor = {
      execute: (_spec, options) =>
        new Promise((resolve) => {
          const end = () => resolve({ exitCode: null, signal: null, timedOut: false, cancelled: true, durationMs: 0, output: '', outputBytes: 0, notStarted: true });
          if (options?.signal?.aborted === true) end();
          else options?.signal?.addEventListener('abort', end, { once: true });
        }),
    };
    const run = runChecks({ config, cwd: config.dir, executor, signal: controller.signal });
    for await (const event of run) if (event.type === 'check:start') break;
    controller.abort({ kind: 'infrastructure', message: 'Redis lost' });
    const report = await run.report;
    expect(byId(report).queued).toEqual(['skipped', 'infrastructure', null]);
    expect(report.checks[0]?.skip_reason).toEqual({ kind: 'infrastructure', message: 'Redis lost' });
  });

  it('names the checks fail-fast stopped: fail-fast', async () => {
    const config = loaded(`${running}  - id: broken
    run: sleep 0.2; exit 1
`);
    const report = await runChecks({ config, cwd: config.dir, failFast: true }).report;
    expect(byId(report)).toEqual({
      long: ['cancelled', 'fail-fast', 'stopped by fail-fast after broken failed'],
      waits: ['skipped', 'fail-fast', null],
      broken: ['failed', 'exit-code', 'exit code 1'],
    });
  });

  it('names a failure of fanout itself: internal', async () => {
    const config = loaded(`version: "1"
checks:
  - id: a
    run: "true"
`);
    const executor: Executor = { execute: () => Promise.reject(new Error('executor broke')) };
    const report = await runChecks({ config, cwd: config.dir, executor }).report;
    expect(byId(report).a).toEqual(['failed', 'internal', 'internal error: executor broke']);
  });
});

describe('iteration timing', () => {
  it('an iterating consumer gets each event in the turn of the event loop the engine emits it in', async () => {
    const config = loaded(`version: "1"
checks:
  - id: a
    run: "true"
  - id: b
    run: "true"
`);
    // Each attempt fails in a turn of its own, which queues a callback for the turn after: the check's end reaches
    // the consumer before that callback runs, or it lagged a turn behind the engine.
    const turnOver = new Set<string>();
    const executor: Executor = {
      execute: (_spec, options) =>
        new Promise((_resolve, reject) =>
          setImmediate(() => {
            setImmediate(() => turnOver.add(options?.id ?? ''));
            reject(new Error('executor broke'));
          }),
        ),
    };
    const late: string[] = [];
    for await (const event of runChecks({ config, cwd: config.dir, executor })) {
      if (event.type === 'check:end' && turnOver.has(event.id)) late.push(event.id);
    }
    await new Promise(setImmediate);
    expect(turnOver).toEqual(new Set(['a', 'b']));
    expect(late).toEqual([]);
  });
});
