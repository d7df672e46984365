// grok is compiled once per config load: the loader compiles each check's patterns, and every attempt of every run
// extracts with that matcher — counted with a spy on compileGrok, not timed.
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { compileGrok } from '../../src/config/grok.js';
import type * as Grok from '../../src/config/grok.js';
import { loadConfigText } from '../../src/config/load.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import type { Executor } from '../../src/exec/executor.js';
import type { CommandResult } from '../../src/exec/run-command.js';
import { createRunLogs } from '../../src/checks/state/logs.js';
import { runSession as runChecks } from '../../src/checks/session.js';
import { tempDir } from '../cli/helpers.js';

vi.mock('../../src/config/grok.js', async (importOriginal) => {
  const original = await importOriginal<typeof Grok>();
  return { ...original, compileGrok: vi.fn(original.compileGrok) };
});

const compile = vi.mocked(compileGrok);

const result = (exitCode: number, output: string): CommandResult => ({ exitCode, signal: null, timedOut: false, cancelled: false, durationMs: 1, output, outputBytes: output.length });

async function run(checks: ResolvedCheck[], executor: Executor) {
  return runChecks(checks, {
    executor,
    maxParallel: 2,
    failFast: false,
    schedule: 'ready',
    signal: new AbortController().signal,
    logs: await createRunLogs(join(tempDir(), 'logs')),
    estimates: new Map(),
    prompts: [],
    mask: (text) => text,
    listener: {},
  });
}

const CONFIG = `checks:
  - id: coverage
    run: run-coverage
    grok:
      - 'coverage %{NUMBER:coverage}%'
      - 'lines %{INT:lines}'
    assert: "coverage >= 90"
    retries: 2
  - id: count
    run: run-count
    grok: 'found %{INT:count} files'
  - id: plain
    run: run-plain
`;

describe('grok compiled once per config load', () => {
  beforeEach(() => {
    compile.mockClear();
  });

  it('the loader compiles each check with patterns once and hands the matcher over with the check', () => {
    const loaded = loadConfigText(CONFIG, join(tempDir(), 'fanout.yaml'));
    if (!loaded.ok) expect.fail(JSON.stringify(loaded.diagnostics));
    const [coverage, count, plain] = loaded.config.checks;
    expect(compile).toHaveBeenCalledTimes(2);
    expect(compile.mock.calls.map(([patterns]) => patterns)).toEqual([['coverage %{NUMBER:coverage}%', 'lines %{INT:lines}'], ['found %{INT:count} files']]);
    expect(coverage?.grokMatcher).toBe(compile.mock.results[0]?.value);
    expect(count?.grokMatcher).toBe(compile.mock.results[1]?.value);
    expect(plain?.grokMatcher).toBeUndefined();
    // A second load is a second compilation: the matcher belongs to the load, not to the process.
    const again = loadConfigText(CONFIG, join(tempDir(), 'fanout.yaml'));
    expect(again.ok && again.config.checks[0]?.grokMatcher).not.toBe(coverage?.grokMatcher);
    expect(compile).toHaveBeenCalledTimes(4);
  });

  it('runs, retries and repeated runs extract with the loaded matcher and never compile again', async () => {
    const loaded = loadConfigText(CONFIG, join(tempDir(), 'fanout.yaml'));
    if (!loaded.ok) expect.fail(JSON.stringify(loaded.diagnostics));
    const { checks } = loaded.config;
    expect(compile).toHaveBeenCalledTimes(2);
    let attempt = 0;
    const executor: Executor = {
      execute: (spec) => {
        if (spec.command === 'run-coverage') {
          attempt += 1;
          // Two failed asserts, then a pass: three attempts of one check.
          return Promise.resolve(result(0, `coverage ${attempt < 3 ? 80 : 95}%\nlines 120\n`));
        }
        return Promise.resolve(result(0, spec.command === 'run-count' ? 'found 7 files\n' : ''));
      },
    };
    const first = await run(checks, executor);
    expect(first.records.map((r) => [r.check.id, r.status, r.attempts])).toEqual([
      ['coverage', 'passed', 3],
      ['count', 'passed', 1],
      ['plain', 'passed', 1],
    ]);
    expect(first.records[0]?.extracted).toEqual({ coverage: '95', lines: '120' });
    expect(first.records[1]?.extracted).toEqual({ count: '7' });
    attempt = 0;
    // Extraction runs in a worker thread from the loaded matcher's translated patterns (compiled once per thread).
    const second = await run(checks, executor);
    expect(second.records.map((r) => r.extracted)).toEqual([{ coverage: '95', lines: '120' }, { count: '7' }, {}]);
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('a check built without the loader (no matcher) fails saying so, instead of reporting values as missing', async () => {
    const loaded = loadConfigText(CONFIG, join(tempDir(), 'fanout.yaml'));
    if (!loaded.ok) expect.fail(JSON.stringify(loaded.diagnostics));
    const { grokMatcher: _dropped, ...handMade } = loaded.config.checks[1]!;
    const outcome = await run([handMade], { execute: () => Promise.resolve(result(0, 'found 7 files\n')) });
    expect(outcome.records[0]).toMatchObject({ status: 'failed', failure: { code: 'grok', message: 'grok patterns not compiled: the check did not come from loadConfig' } });
  });
});
