// Grok and the assert in a worker thread under a deadline: a pattern that backtracks without end (one V8 runs: its
// backtracking is polynomial here) is stopped, named by its index, and never blocks the caller's thread; an abort
// stops it at once. Exponential patterns run on RE2, in linear time.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseAssert } from '../../src/config/assert.js';
import { compileGrok } from '../../src/config/grok.js';
import { runMatch } from '../../src/config/match-runner.js';

const catastrophic = compileGrok(['coverage %{NUMBER:coverage}', '(?P<a>.*)x(?P<b>.*)y']);
const text = `coverage 71.5\n${'x'.repeat(100_000)}`;

describe('runMatch', () => {
  it('extracts and evaluates the assert as the caller would', async () => {
    const grok = compileGrok(['coverage %{NUMBER:coverage}%', 'lines %{INT:lines}']);
    const parsed = parseAssert('coverage >= 70 && lines > 100');
    if (!parsed.ok) expect.fail(parsed.error);
    const outcome = await runMatch({ patterns: grok.patterns, text: 'coverage 71.5%\nlines 120\n', assert: parsed.ast });
    expect(outcome).toEqual({ finished: true, extracted: { coverage: '71.5', lines: '120' }, assert: { ok: true, value: true } });
    expect(outcome.finished && outcome.extracted).toEqual(grok.extract('coverage 71.5%\nlines 120\n'));
  });

  it('runs an exponential pattern on RE2, in linear time', async () => {
    const grok = compileGrok(['(?P<run>(a+)+$)', 'a(?P<last>b)']);
    expect(grok.patterns.map((p) => p.v8)).toEqual([undefined, expect.any(String)]);
    // V8 would take centuries over this text; RE2 takes milliseconds (the deadline is generous for a loaded machine).
    const outcome = await runMatch({ patterns: grok.patterns, text: `${'a'.repeat(100_000)}b` }, { timeoutMs: 30_000 });
    expect(outcome).toEqual({ finished: true, extracted: { last: 'b' } });
  });

  it('stops a pattern that backtracks without end at the deadline and names it; the thread stays free meanwhile', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const outcome = await runMatch({ patterns: catastrophic.patterns, text }, { timeoutMs: 300 });
      expect(outcome).toEqual({ finished: false, stage: 1 });
    } finally {
      clearInterval(ticker);
    }
    // The caller's timers ran while the pattern did (a blocked thread would have run none).
    expect(ticks).toBeGreaterThan(3);
    // The next job gets a fresh worker.
    const next = await runMatch({ patterns: catastrophic.patterns.slice(0, 1), text: 'coverage 80' });
    expect(next).toEqual({ finished: true, extracted: { coverage: '80' } });
  });

  it('rejects with the signal reason at once when aborted mid-pattern', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 200);
    await expect(runMatch({ patterns: catastrophic.patterns, text }, { signal: controller.signal, timeoutMs: 60_000 })).rejects.toBe(reason);
    // Far less than the minute the deadline allows.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('jobs waiting for a worker on one signal share one abort listener, and an abort rejects every one of them', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    // More jobs than workers (at most 4): the rest wait, and the stuck ones hold their workers until the abort.
    const jobs = Array.from({ length: 16 }, () => runMatch({ patterns: catastrophic.patterns, text }, { signal: controller.signal, timeoutMs: 60_000 }));
    const settled = Promise.allSettled(jobs);
    await new Promise((resolve) => setImmediate(resolve));
    // One per running job (at most 4) and one for all the waiting ones: below Node's warning limit of 10.
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(5);
    controller.abort(reason);
    expect((await settled).map((outcome): unknown => (outcome.status === 'rejected' ? outcome.reason : outcome.status))).toEqual(jobs.map(() => reason));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
