// Async checks: which checks go to the async pool (--async-threshold), and its size (--async-parallel).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const CONFIG = `version: "1"
checks:
  - id: marked
    run: "true"
    async: true
  - id: long
    run: "true"
    timeout: 2m
  - id: medium
    run: "true"
    timeout: 30s
  - id: plain
    run: "true"
`;

async function asyncIds(...args: string[]): Promise<string[]> {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
  const result = await runCli(['check', '--stream', ...args], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const start = JSON.parse(result.stdout.split('\n')[0] as string) as { checks: Array<{ id: string; async: boolean }> };
  return start.checks.filter((check) => check.async).map((check) => check.id);
}

describe('--async-threshold', () => {
  it('off by default: only async: true makes a check async, whatever its own timeout or --timeout', async () => {
    expect(await asyncIds()).toEqual(['marked']);
    expect(await asyncIds('--timeout', '10m')).toEqual(['marked']);
  });

  it('given, it also takes own timeouts above it; the global --timeout never makes a check async', async () => {
    expect(await asyncIds('--async-threshold', '60s')).toEqual(['marked', 'long']);
    expect(await asyncIds('--async-threshold', '60s', '--timeout', '10m')).toEqual(['marked', 'long']);
  });

  it('a lower threshold takes more checks; off keeps only async: true', async () => {
    expect(await asyncIds('--async-threshold', '10s')).toEqual(['marked', 'long', 'medium']);
    expect(await asyncIds('--async-threshold', 'off')).toEqual(['marked']);
  });

  it('rejects a bad value', async () => {
    const result = await runCli(['check', '--async-threshold', 'soon', '-c', 'examples/fanout.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--async-threshold must be a positive duration/);
  });
});

describe('--async-parallel', () => {
  it('bounds the async pool on its own, outside -p', async () => {
    const dir = tempDir();
    // Each async check records how many async checks run with it; -p 1 must not hold them back.
    const check = (id: string) => `  - id: ${id}
    async: true
    run: |
      mkdir -p running; touch running/${id}; ls running | wc -l > ${id}.seen; sleep 0.3; rm running/${id}
`;
    writeFileSync(join(dir, 'fanout.yaml'), `version: "1"\nchecks:\n${['a', 'b', 'c'].map(check).join('')}  - id: sync\n    run: sleep 0.3\n`);
    const serial = await runCli(['check', '-p', '1', '--async-parallel', '1', '--json'], { cwd: dir });
    expect(serial.code, serial.stderr).toBe(0);
    const seen = (id: string) => Number(readFileSync(join(dir, `${id}.seen`), 'utf8'));
    expect(['a', 'b', 'c'].map(seen)).toEqual([1, 1, 1]);
    const wide = await runCli(['check', '-p', '1', '--async-parallel', '3'], { cwd: dir });
    expect(wide.code, wide.stderr).toBe(0);
    expect(Math.max(...['a', 'b', 'c'].map(seen))).toBeGreaterThan(1);
  });
});

describe('findings while async checks run', () => {
  it('a fast check’s failure is printed in full at once, before the async check ends; the final report names it in one line', async () => {
    const { spawn } = await import('node:child_process');
    const { cli } = await import('./helpers.js');
    const dir = tempDir();
    // e2e ends only once the test saw unit's failure on stdout: the order is proven, not timed.
    writeFileSync(
      join(dir, 'fanout.yaml'),
      `version: "1"\nchecks:\n  - id: e2e\n    run: while [ ! -f seen ]; do sleep 0.02; done\n    async: true\n  - id: unit\n    run: echo boom; exit 1\n`,
    );
    const child = spawn(process.execPath, [cli, 'check'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('(still running: e2e)')) writeFileSync(join(dir, 'seen'), '');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    const [early, final] = stdout.split('(still running: e2e)');
    expect(early).toContain('FAIL unit (error)\n  exit code 1');
    expect(early).toContain('│ boom');
    expect(final).toContain('FAIL unit (error)  — shown above, while the async checks ran');
    expect(final).not.toContain('│ boom');
    expect(final).toMatch(/✗ 1 failed, 1 passed/);
  });
});
