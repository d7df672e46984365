import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { mergeReportsCommand } from '../../src/cli/actions/merge-reports.js';
import { UsageError } from '../../src/cli/errors.js';
import { currentCommit } from '../../src/distributed/commit.js';

function report(runId: string, checks: Array<[string, string]>, exitCode: number) {
  return {
    schema_version: '1',
    run_id: runId,
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: '2026-01-01T00:00:01.000Z',
    duration_ms: 1000,
    exit_code: exitCode,
    fail_fast_triggered: false,
    root_failure: null,
    interrupted: null,
    max_time_exceeded: false,
    counts: { total: checks.length },
    checks: checks.map(([id, status]) => ({ id, status })),
    violations: [],
  };
}

describe('mergeReportsCommand', () => {
  it('writes the merged report and returns its exit code; names the files in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-merge-cmd-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(report('20260101T000000Z-aaaaaa', [['x', 'passed']], 0)));
    writeFileSync(b, JSON.stringify(report('20260101T000000Z-bbbbbb', [['y', 'failed']], 1)));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(mergeReportsCommand([a, b], { output: join(dir, 'merged.json') })).toBe(1);
    } finally {
      stderr.mockRestore();
    }
    const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as { checks: { id: string }[]; counts: { total: number } };
    expect(merged.checks.map((check) => check.id)).toEqual(['x', 'y']);
    expect(merged.counts.total).toBe(2);

    expect(() => mergeReportsCommand([a, a])).toThrow(new RegExp(`"x" is reported by both ${a.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} and ${a.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect(() => mergeReportsCommand([join(dir, 'missing.json')])).toThrow(UsageError);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => mergeReportsCommand([join(dir, 'bad.json')])).toThrow(/bad.json is not JSON/);
    expect(() => mergeReportsCommand([])).toThrow(UsageError);
  });
});

describe('currentCommit', () => {
  it('is the full HEAD id inside a git checkout, undefined outside', () => {
    expect(currentCommit(process.cwd())).toMatch(/^[0-9a-f]{40}$/);
    expect(currentCommit(mkdtempSync(join(tmpdir(), 'fanout-nogit-')))).toBeUndefined();
  });
});
