import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createJsonObserver } from '../../src/observe/json.js';
import { sampleRun } from './events.js';

function capture(): { stream: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('json observer', () => {
  it('writes one JSON line per event with run, task, status, duration and level; task starts only at debug', async () => {
    const { stream, lines } = capture();
    const observer = createJsonObserver({ destination: stream });
    for (const event of sampleRun()) observer.onEvent(event);
    await new Promise((resolve) => setImmediate(resolve));
    const records = lines();
    expect(records.map((r) => [r.msg, r.id ?? null, r.status ?? null, r.level])).toEqual([
      ['graph:start', null, null, 30],
      ['task:end', 'build', 'passed', 30],
      ['task:end', 'test', 'failed', 50],
      ['task:end', 'e2e', 'timeout', 40],
      ['task:end', 'deploy', 'skipped', 30],
      ['graph:end', null, null, 50],
    ]);
    for (const r of records) {
      expect(r).toMatchObject({ runId: 'run-1', source: 'graph' });
      expect(typeof r.time).toBe('string'); // ISO time
      expect(r).not.toHaveProperty('pid');
    }
    expect(records[0]).toMatchObject({ taskCount: 4 });
    expect(records[1]).toMatchObject({ durationMs: 4 });
    expect(records[1]).not.toHaveProperty('value'); // task values are never logged
    expect(records[2]?.err).toMatchObject({ type: 'Error', message: '2 tests failed: assertion' }); // pino appends the cause
    expect(String((records[2]?.err as { stack?: unknown }).stack)).toContain('assertion'); // the cause is kept
    expect(records[4]).toMatchObject({ reason: { blockedBy: 'test' } });
    expect(records[5]).toMatchObject({ ok: false, aborted: false, failFastTriggered: false, durationMs: 12 });
  });

  it('logs task starts at level debug', async () => {
    const { stream, lines } = capture();
    const observer = createJsonObserver({ destination: stream, level: 'debug' });
    for (const event of sampleRun()) observer.onEvent(event);
    await new Promise((resolve) => setImmediate(resolve));
    const starts = lines().filter((r) => r.msg === 'task:start');
    expect(starts.map((r) => [r.id, r.async, r.level])).toEqual([
      ['build', false, 20],
      ['test', false, 20],
      ['e2e', true, 20],
    ]);
  });

  it('writes through a logger of your own (its destination and bindings win)', async () => {
    const { stream, lines } = capture();
    const observer = createJsonObserver({ logger: pino({ base: { app: 'ci' } }, stream) });
    for (const event of sampleRun()) observer.onEvent(event);
    await new Promise((resolve) => setImmediate(resolve));
    const records = lines();
    expect(records).toHaveLength(6);
    expect(records.every((r) => r.app === 'ci' && r.runId === 'run-1')).toBe(true);
  });
});
