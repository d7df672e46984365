// `fanout check --observer NAME`: the run's graph events reach a built-in observer (issue 8).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

describe('fanout check --observer', () => {
  it('json: one JSON line per event on stderr, the report on stdout unchanged', async () => {
    const result = await runCli(['check', '-c', 'examples/fanout.yaml', '--observer', 'json', '--json', '--log-dir', join(tempDir(), 'runs')]);
    expect(result.code).toBe(0);
    const events = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; id?: string; source: string; runId: string });
    expect(events[0]?.msg).toBe('graph:start');
    expect(events.at(-1)?.msg).toBe('graph:end');
    const ended = events.filter((e) => e.msg === 'task:end').map((e) => e.id).sort();
    expect(ended).toEqual(['build', 'node-version', 'package', 'shell', 'todo-budget', 'unit-tests']);
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect((JSON.parse(result.stdout) as { checks: unknown[] }).checks).toHaveLength(6);
  });

  it('an unknown observer is a usage error', async () => {
    const result = await runCli(['check', '-c', 'examples/fanout.yaml', '--observer', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope');
  });
});
