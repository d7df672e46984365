// `fanout check --observer NAME`: the run's graph events reach a built-in observer.
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root, runCli, tempDir } from './helpers.js';
import { nodeModulesAbove, STRAY_NODE_MODULES } from '../helpers/isolated.js';

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
  it.each(['noop', 'otel'])('%s: the run and its report are unchanged (otel without an SDK records nothing)', async (name) => {
    const result = await runCli(['check', '-c', 'examples/fanout.yaml', '--observer', name, '--json', '--log-dir', join(tempDir(), 'runs')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as { checks: unknown[] }).checks).toHaveLength(6);
  });

  it('otel without @opentelemetry/api installed is a usage error that says what to install, and nothing runs', async () => {
    // A copy of the built CLI whose node_modules has every package of ours except @opentelemetry/*.
    const install = tempDir();
    expect(nodeModulesAbove(install), STRAY_NODE_MODULES).toBeUndefined();
    cpSync(join(root, 'dist'), join(install, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(install, 'package.json'));
    mkdirSync(join(install, 'node_modules'));
    for (const entry of readdirSync(join(root, 'node_modules'))) {
      if (entry !== '@opentelemetry') symlinkSync(join(root, 'node_modules', entry), join(install, 'node_modules', entry));
    }
    const logDir = join(tempDir(), 'runs');
    const result = await promisify(execFile)(process.execPath, [join(install, 'dist/cli.js'), 'check', '-c', join(root, 'examples/fanout.yaml'), '--observer', 'otel', '--log-dir', logDir]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('fanout: --observer otel: this feature needs the package @opentelemetry/api: npm install @opentelemetry/api\n');
    expect(() => readdirSync(logDir)).toThrow(); // no run folder: nothing ran
  });
});
