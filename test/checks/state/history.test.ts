// Durations of past runs as the scheduler's estimates.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previousDurations } from '../../../src/checks/state/logs.js';
import { runCli, tempDir } from '../../cli/helpers.js';

describe('previousDurations', () => {
  it('keeps each check’s latest duration across recent runs, so a partial run does not lose the others', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n  - id: b\n    run: sleep 0.05\n  - id: c\n    run: exit 1\n');
    expect((await runCli(['check'], { cwd: dir })).code).toBe(1);
    expect((await runCli(['check', '--only', 'a'], { cwd: dir })).code).toBe(0);
    const durations = await previousDurations(join(dir, '.fanout/runs'));
    expect([...durations.keys()].sort()).toEqual(['a', 'b']); // c failed: no estimate from a failure
    expect(durations.get('b')).toBeGreaterThanOrEqual(50);
    expect(await previousDurations(join(dir, 'nowhere'))).toEqual(new Map());
  });

  it('with the ids about to run, stops reading older reports once each of them has an estimate', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n  - id: b\n    run: "true"\n');
    expect((await runCli(['check'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['check', '--only', 'a'], { cwd: dir })).code).toBe(0);
    const runs = join(dir, '.fanout/runs');
    expect([...(await previousDurations(runs, ['a'])).keys()]).toEqual(['a']); // the latest run was enough
    expect([...(await previousDurations(runs, ['a', 'b'])).keys()].sort()).toEqual(['a', 'b']); // b: from the older run
  });
});
