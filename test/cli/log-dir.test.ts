// The log folder: one per project (beside the config), whichever of its folders a command starts in.
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

/** A repository with a fanout.yaml at its root and two subfolders, a/b and c. */
function project(): string {
  const dir = realpathSync(tempDir());
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: hello\n    run: echo hello from the check\n');
  return dir;
}

/** The folder `fanout cache info --json` names, less its `cache` tail: the log folder the command uses. */
async function logDirSeenFrom(cwd: string, args: string[] = []): Promise<string> {
  const { code, stdout, stderr } = await runCli(['cache', 'info', '--json', ...args], { cwd });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { folder: string }).folder.replace(/\/cache$/, '');
}

describe('the default log folder', () => {
  it('is .fanout/runs beside the config found: a run from a subfolder is seen by status and logs from another', async () => {
    const dir = project();
    const check = await runCli(['check'], { cwd: join(dir, 'a', 'b') });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(existsSync(join(dir, 'a', 'b', '.fanout'))).toBe(false);
    const runs = readdirSync(join(dir, '.fanout', 'runs')).filter((name) => /^\d{8}T/.test(name));
    expect(runs).toHaveLength(1);

    const status = await runCli(['status', '--json'], { cwd: join(dir, 'c') });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(runs[0]);
    expect(status.stdout).toContain('"hello"');
    const logs = await runCli(['logs', 'hello'], { cwd: join(dir, 'c') });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('hello from the check\n');
    expect(existsSync(join(dir, 'c', '.fanout'))).toBe(false);
    expect(await logDirSeenFrom(join(dir, 'a'))).toBe(join(dir, '.fanout', 'runs'));
  });

  it('is beside the file -c names; with no config found, in the current folder', async () => {
    const dir = project();
    mkdirSync(join(dir, 'c', 'conf'));
    writeFileSync(join(dir, 'c', 'conf', 'other.yaml'), 'version: "1"\nchecks: []\n');
    expect(await logDirSeenFrom(join(dir, 'a', 'b'), ['-c', '../../c/conf/other.yaml'])).toBe(join(dir, 'c', 'conf', '.fanout', 'runs'));
    const bare = realpathSync(tempDir());
    expect(await logDirSeenFrom(bare)).toBe(join(bare, '.fanout', 'runs'));
  });

  it('a nearer fanout.yaml is its own project, with its own log folder', async () => {
    const dir = project();
    writeFileSync(join(dir, 'a', 'fanout.yaml'), 'version: "1"\nchecks: []\n');
    expect(await logDirSeenFrom(join(dir, 'a', 'b'))).toBe(join(dir, 'a', '.fanout', 'runs'));
    expect(await logDirSeenFrom(join(dir, 'c'))).toBe(join(dir, '.fanout', 'runs'));
  });

  it('an explicit --log-dir stays relative to the current folder', async () => {
    const dir = project();
    const check = await runCli(['check', '--log-dir', 'here'], { cwd: join(dir, 'a', 'b') });
    expect(check.code).toBe(0);
    expect(existsSync(join(dir, 'a', 'b', 'here', 'latest'))).toBe(true);
    expect(existsSync(join(dir, '.fanout'))).toBe(false);
    const logs = await runCli(['logs', '--log-dir', 'b/here', 'hello'], { cwd: join(dir, 'a') });
    expect(logs.stdout).toBe('hello from the check\n');
    expect(await logDirSeenFrom(join(dir, 'c'), ['--log-dir', 'x'])).toBe(join(dir, 'c', 'x'));
  });

  it('a vibeguard.* config counts in the current folder only: its runs and .vibeguard/log stay there', async () => {
    const dir = project();
    writeFileSync(join(dir, 'a', 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: vg\n    run: "true"\n');
    const check = await runCli(['check'], { cwd: join(dir, 'a') });
    expect(check.code).toBe(0);
    expect(existsSync(join(dir, 'a', '.fanout', 'runs', 'latest'))).toBe(true);
    expect(existsSync(join(dir, 'a', '.vibeguard', 'log', 'vg.log'))).toBe(true);
    // From below it, the vibeguard.yaml is not found: the root's fanout.yaml is the config.
    expect(await logDirSeenFrom(join(dir, 'a', 'b'))).toBe(join(dir, '.fanout', 'runs'));
  });
});
