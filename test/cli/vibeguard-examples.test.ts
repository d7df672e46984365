// Every VibeGuard example config (VibeGuard's own examples, copied into test/fixtures/vibeguard-examples) validates and runs under fanout;
// checks whose tools are absent here (go, golangci-lint, claude, gh…) fail cleanly: a status, a reason, no crash.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport, root, runCli, tempDir } from './helpers.js';

const dir = join(root, 'test/fixtures/vibeguard-examples');
const configs = readdirSync(dir).filter((name) => name.endsWith('.yaml'));
const hasGo = spawnSync('sh', ['-c', 'command -v go']).status === 0;

describe('VibeGuard example configs', () => {
  it('are all here', () => {
    expect(configs).toEqual(['advanced.yaml', 'basic.yaml', 'go-project.yaml', 'node-project.yaml', 'simple.yaml']);
  });

  it.each(configs)('%s validates', async (name) => {
    const { code, stdout, stderr } = await runCli(['validate', '-c', join(dir, name)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/: \d+ checks, 0 prompts\n$/);
  });

  it.each(configs)('%s runs to a complete report', async (name) => {
    // Checks run in their config's folder: from a copy in an empty folder, not from this repository, whose own
    // package.json would give `npm run build` and `npm test` (node-project.yaml) this package's build, which
    // rewrites the dist/ every other CLI test is running, and its whole test suite.
    const folder = tempDir();
    copyFileSync(join(dir, name), join(folder, name));
    const logDir = join(folder, 'logs');
    // npx must not fetch packages from the network here: offline, it fails at once, as a missing tool should.
    const { code, stdout, stderr } = await runCli(['check', '-c', join(folder, name), '--timeout', '2s', '-p', '4', '--json', '--log-dir', logDir], {
      env: { npm_config_offline: 'true' },
    });
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(1);
    const report = parseReport(stdout);
    expect(report.exit_code).toBe(1);
    for (const check of report.checks) {
      expect(['passed', 'failed', 'warned', 'timeout', 'skipped']).toContain(check.status);
      if (check.status === 'failed' || check.status === 'warned' || check.status === 'timeout') expect(check.reason).toBeTruthy();
      if (check.status === 'skipped') expect(check.skip_reason?.kind).toBe('blocked');
    }
    const missing = report.checks.filter((check) => check.reason?.endsWith('(command not found)'));
    if (!hasGo && name !== 'node-project.yaml') expect(missing.map((c) => c.id)).toContain('vet');
  });
});
