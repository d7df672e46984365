import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DistributedError } from '../../src/distributed/errors.js';
import { mergedExitCode, mergeReports, type ShardReport } from '../../src/distributed/merge-reports.js';
import { reportErrors } from '../cli/helpers.js';
import { builtLibrary, removeBuiltLibrary } from './harness.js';

const CONFIG = fileURLToPath(new URL('../fixtures/distributed/shards.yaml', import.meta.url));

/** Runs the built CLI and returns its JSON report. */
async function report(only: string): Promise<ShardReport> {
  const cli = join(dirname(await builtLibrary()), 'cli.js');
  const run = spawnSync(process.execPath, [cli, '-c', CONFIG, 'check', '--json', '--only', only, '--log-dir', mkdtempSync(join(tmpdir(), 'fanout-merge-'))], { encoding: 'utf8' });
  expect(run.stdout, run.stderr).not.toBe('');
  return JSON.parse(run.stdout) as ShardReport;
}

describe('mergeReports', () => {
  afterAll(() => removeBuiltLibrary());

  it('joins real shard reports of the CLI into one report that validates against the schema', async () => {
    const first = await report('build,unit');
    const second = await report('lint,docs');
    expect(first.exit_code).toBe(0);
    expect(second.exit_code).toBe(1);
    const merged = mergeReports([first, second], { order: ['build', 'unit', 'lint', 'docs'] });
    expect(reportErrors(merged)).toBeNull();
    expect(merged.checks.map((check) => [check.id, check.status])).toEqual([
      ['build', 'passed'],
      ['unit', 'passed'],
      ['lint', 'failed'],
      ['docs', 'warned'],
    ]);
    expect(merged.counts).toMatchObject({ total: 4, passed: 2, failed: 1, warned: 1 });
    expect(merged.exit_code).toBe(1);
    expect(merged.violations.map((violation) => violation.id)).toEqual(['lint', 'docs']);
    expect([first.run_id, second.run_id]).toContain(merged.run_id);
    expect(Date.parse(merged.started_at)).toBe(Math.min(Date.parse(first.started_at), Date.parse(second.started_at)));
    expect(Date.parse(merged.ended_at)).toBe(Math.max(Date.parse(first.ended_at), Date.parse(second.ended_at)));
    // Without an order, checks keep report order.
    expect(mergeReports([second, first]).checks.map((check) => check.id)).toEqual(['lint', 'docs', 'build', 'unit']);
  });

  it('refuses a check reported by two shards, and things that are not reports', async () => {
    const first = await report('build');
    const error = (() => {
      try {
        mergeReports([first, first]);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DistributedError);
    expect(error).toMatchObject({ code: 'ERR_MERGE', message: expect.stringContaining('"build" is reported by both report 1 and report 2') as unknown });
    expect(() => mergeReports([{ checks: [] } as unknown as ShardReport])).toThrow(/report 1 is not a fanout JSON report: "run_id" is missing/);
    expect(() => mergeReports([])).toThrow(TypeError);
  });

  it('exit code: 0 when all passed, an interrupted shard first, else the first failure', () => {
    expect(mergedExitCode([0, 0])).toBe(0);
    expect(mergedExitCode([0, 1, 3])).toBe(1);
    expect(mergedExitCode([1, 130])).toBe(130);
  });
});
