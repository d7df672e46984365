// Many checks keyed at once after a command created a file in their folders each wait for git to list the files
// again, all with the run's signal: the signal holds one listener for them, not one each (Node warns from eleven on).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { checkProject, statuses } from './git-repo.js';

describe('cache: many looks waiting for git at once', () => {
  it('add no listener each to the run\'s signal: no MaxListenersExceededWarning', async () => {
    const count = 24;
    const checks = ['  - id: gen', '    inputs: ["src/**"]', '    run: "touch src/gen.txt"'];
    for (let index = 1; index <= count; index++) checks.push(`  - id: c${index}`, '    requires: [gen]', '    inputs: ["src/**"]', '    run: "true"');
    const dir = checkProject(checks, { 'src/a.txt': 'a\n' });
    const result = await runCli(['check', '-p', String(count), '--json', '--log-dir', join(dir, 'logs')], { cwd: dir });
    const report = statuses(result.stdout);
    expect(Object.keys(report)).toHaveLength(count + 1);
    expect(Object.values(report).every(([status]) => status === 'passed')).toBe(true);
    expect(result.stderr).not.toMatch(/MaxListenersExceededWarning/);
  }, 120_000);
});
