// runChecks and planChecks without logDir: the run folders go beside the config, whatever cwd is.
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChecks, runChecks } from '../../src/checks/index.js';
import { loadConfig } from '../../src/config/index.js';
import { tempDir } from '../cli/helpers.js';

function project(): string {
  const dir = realpathSync(tempDir());
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'conf', 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: ok\n    run: "true"\n');
  return dir;
}

describe('runChecks logDir default', () => {
  it('is .fanout/runs in the folder of the config file, not in cwd', async () => {
    const dir = project();
    const run = runChecks({ config: '../conf/fanout.yaml', cwd: join(dir, 'elsewhere') });
    const prepared = await run.prepared;
    expect((await run.report).exit_code).toBe(0);
    expect(prepared.runDir.startsWith(join(dir, 'conf', '.fanout', 'runs') + '/')).toBe(true);
    expect(existsSync(join(dir, 'elsewhere', '.fanout'))).toBe(false);
    // --resume finds that run the same way.
    const plan = await planChecks({ config: join(dir, 'conf', 'fanout.yaml'), resume: true, cwd: join(dir, 'elsewhere') });
    expect(plan.checks).toEqual([]);
  });

  it('is .fanout/runs in a loaded config’s folder; an explicit logDir is relative to cwd', async () => {
    const dir = project();
    const loaded = await loadConfig({ cwd: join(dir, 'conf') });
    if (!loaded.ok) throw new Error('config did not load');
    const run = runChecks({ config: loaded.config, cwd: join(dir, 'elsewhere') });
    expect((await run.prepared).runDir.startsWith(join(dir, 'conf', '.fanout', 'runs') + '/')).toBe(true);
    await run.report;
    const explicit = runChecks({ config: loaded.config, cwd: join(dir, 'elsewhere'), logDir: 'logs' });
    expect((await explicit.prepared).runDir.startsWith(join(dir, 'elsewhere', 'logs') + '/')).toBe(true);
    await explicit.report;
  });
});
