// The Executor seam of the check engine, in process: what the engine hands an executor is plain serialisable data,
// and whatever CommandResult an executor returns (a remote worker's, here a fake's) drives statuses and retries.
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import type { CommandSpec, Executor } from '../../src/exec/executor.js';
import type { CommandResult } from '../../src/exec/run-command.js';
import { createRunLogs } from '../../src/checks/state/logs.js';
import { runSession as runChecks } from '../../src/checks/session.js';
import { deferred } from '../helpers/deferred.js';
import { tempDir } from '../cli/helpers.js';

function load(text: string): ResolvedCheck[] {
  const loaded = loadConfigText(text, join(tempDir(), 'fanout.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.config.checks;
}

const result = (exitCode: number, output: string): CommandResult => ({ exitCode, signal: null, timedOut: false, cancelled: false, durationMs: 1, output, outputBytes: output.length });

async function run(checks: ResolvedCheck[], executor: Executor, options: { failFast?: boolean; signal?: AbortSignal; maxParallel?: number } = {}) {
  return runChecks(checks, {
    executor,
    maxParallel: options.maxParallel ?? 2,
    failFast: options.failFast ?? false,
    schedule: 'ready',
    signal: options.signal ?? new AbortController().signal,
    logs: await createRunLogs(join(tempDir(), 'logs')),
    estimates: new Map(),
    prompts: [],
    mask: (text) => text,
    listener: {},
  });
}

describe('runChecks through an Executor', () => {
  it('hands the executor serialisable specs and turns its results into statuses', async () => {
    const specs: CommandSpec[] = [];
    const executor: Executor = {
      execute(spec) {
        specs.push(JSON.parse(JSON.stringify(spec)) as CommandSpec);
        const outputs: Record<string, CommandResult> = { 'run-a': result(0, 'coverage 91\n'), 'run-b': result(2, 'nope\n') };
        return Promise.resolve(outputs[spec.command] ?? result(0, ''));
      },
    };
    const checks = load(`checks:
  - id: a
    run: run-a
    grok: 'coverage %{INT:coverage}'
    assert: "coverage > 90"
    timeout: 5s
  - id: b
    run: run-b
    env: { MODE: fast }
  - id: c
    run: run-c
    requires: [b]
`);
    const outcome = await run(checks, executor);
    expect(outcome.records.map((r) => [r.check.id, r.status])).toEqual([
      ['a', 'passed'],
      ['b', 'failed'],
      ['c', 'skipped'],
    ]);
    expect(outcome.records[0]?.extracted).toEqual({ coverage: '91' });
    const a = specs.find((spec) => spec.command === 'run-a');
    expect(a).toMatchObject({ command: 'run-a', timeoutMs: 5000 });
    expect(a?.logFile).toMatch(/\/a\.log$/);
    expect(specs.find((spec) => spec.command === 'run-b')?.env).toEqual({ MODE: 'fast' });
    expect(specs).toHaveLength(2);
  });

  it('retries on the executor until an attempt passes', async () => {
    let calls = 0;
    const executor: Executor = { execute: () => Promise.resolve(result(++calls < 3 ? 1 : 0, `attempt ${calls}\n`)) };
    const outcome = await run(load('checks:\n  - id: flaky\n    run: x\n    retries: 3\n'), executor);
    expect(outcome.records[0]).toMatchObject({ status: 'passed', attempts: 3, outputTail: ['attempt 3'] });
    expect(outcome.records[0]?.logFile).toMatch(/flaky\.attempt-3\.log$/);
  });

  /** An executor whose commands run until their signal aborts (then: cancelled) or `fail` is called for one. */
  function blocking() {
    const signals = new Map<string, AbortSignal>();
    const started = deferred<void>();
    const failures = new Map<string, () => void>();
    const executor: Executor = {
      execute(spec, options) {
        const signal = options?.signal as AbortSignal;
        signals.set(spec.command, signal);
        if (signals.size === 2) started.resolve();
        return new Promise((resolve) => {
          failures.set(spec.command, () => resolve(result(1, 'failed\n')));
          signal.addEventListener('abort', () => resolve({ ...result(0, ''), exitCode: null, signal: 'SIGTERM', cancelled: true }), { once: true });
        });
      },
    };
    return { executor, signals, started: started.promise, fail: (command: string) => failures.get(command)?.() };
  }
  const two = 'checks:\n  - id: a\n    run: run-a\n  - id: b\n    run: run-b\n';

  it('without fail-fast, a check runs with the run\'s signal: aborting the run cancels what runs', async () => {
    const { executor, signals, started } = blocking();
    const controller = new AbortController();
    const outcome = run(load(two), executor, { signal: controller.signal });
    await started;
    expect(signals.get('run-a')).toBe(controller.signal);
    expect(signals.get('run-b')).toBe(controller.signal);
    controller.abort({ kind: 'signal', signal: 'SIGINT' });
    expect((await outcome).records.map((r) => [r.check.id, r.status, r.failure?.message])).toEqual([
      ['a', 'cancelled', 'stopped by SIGINT'],
      ['b', 'cancelled', 'stopped by SIGINT'],
    ]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('with fail-fast, each check has its own signal: a failure cancels the others, not the run', async () => {
    const { executor, signals, started, fail } = blocking();
    const controller = new AbortController();
    const outcome = run(load(two), executor, { failFast: true, signal: controller.signal });
    await started;
    expect(signals.get('run-a')).not.toBe(controller.signal);
    expect(signals.get('run-a')).not.toBe(signals.get('run-b'));
    fail('run-a');
    expect((await outcome).records.map((r) => [r.check.id, r.status])).toEqual([
      ['a', 'failed'],
      ['b', 'cancelled'],
    ]);
    expect(signals.get('run-b')?.aborted).toBe(true);
    expect(controller.signal.aborted).toBe(false);
  });

  // a holds the lock; b waits for it (its command never starts); c runs beside them.
  const locked = 'checks:\n  - id: a\n    run: run-a\n    lock: db\n  - id: b\n    run: run-b\n    lock: db\n  - id: c\n    run: run-c\n';

  it('a check stopped while it waits for its lock never started: skipped, as one the run did not reach', async () => {
    const { executor, signals, started } = blocking();
    const controller = new AbortController();
    const outcome = run(load(locked), executor, { signal: controller.signal, maxParallel: 3 });
    await started;
    expect([...signals.keys()].sort()).toEqual(['run-a', 'run-c']);
    controller.abort({ kind: 'signal', signal: 'SIGINT' });
    expect((await outcome).records.map((r) => [r.check.id, r.status, r.attempts, r.failure?.message])).toEqual([
      ['a', 'cancelled', 1, 'stopped by SIGINT'],
      ['b', 'skipped', 0, 'not started: interrupted by SIGINT'],
      ['c', 'cancelled', 1, 'stopped by SIGINT'],
    ]);
    expect(signals.has('run-b')).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('with fail-fast, a check waiting for its lock when another fails is skipped by fail-fast', async () => {
    const { executor, signals, started, fail } = blocking();
    const outcome = run(load(locked), executor, { failFast: true, maxParallel: 3 });
    await started;
    fail('run-c');
    expect((await outcome).records.map((r) => [r.check.id, r.status, r.attempts, r.failure?.code])).toEqual([
      ['a', 'cancelled', 1, 'fail-fast'],
      ['b', 'skipped', 0, 'fail-fast'],
      ['c', 'failed', 1, 'exit-code'],
    ]);
    expect(signals.has('run-b')).toBe(false);
  });
});
