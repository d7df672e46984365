// `fanout check --changed [REF]` in a real temporary git repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

function repo(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(
    join(dir, 'fanout.yaml'),
    `version: "1"
checks:
  - id: build
    run: "true"
  - id: go-test
    run: "true"
    files: ["*.go", "go.mod"]
    requires: [build]
  - id: docs
    run: "true"
    files: ["docs/**"]
  - id: web
    run: "true"
    files: ["web/**/*.{ts,tsx}"]
`,
  );
  writeFileSync(join(dir, '.gitignore'), '.fanout/\nignored.go\n');
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs/a.md'), 'a\n');
  writeFileSync(join(dir, 'main.go'), 'package main\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'one');
  return dir;
}

async function ran(dir: string, ...args: string[]): Promise<string[]> {
  const result = await runCli(['check', '--changed', ...args, '--json'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { checks: Array<{ id: string }> }).checks.map((check) => check.id);
}

describe('check --changed', () => {
  it('runs the checks whose files match the working tree changes (untracked included), plus what they require', async () => {
    const dir = repo();
    expect(await ran(dir)).toEqual([]);
    mkdirSync(join(dir, 'cmd/tool'), { recursive: true });
    writeFileSync(join(dir, 'cmd/tool/x.go'), 'package tool\n'); // untracked, deep: *.go matches at any depth
    writeFileSync(join(dir, 'ignored.go'), ''); // ignored by git: not a change
    expect(await ran(dir)).toEqual(['build', 'go-test']);
    writeFileSync(join(dir, 'docs/a.md'), 'changed\n'); // modified, unstaged
    expect(await ran(dir)).toEqual(['build', 'go-test', 'docs']);
  });

  it('REF: what changed since that commit, committed or not; staged deletions count', async () => {
    const dir = repo();
    const first = git(dir, 'rev-parse', 'HEAD').trim();
    mkdirSync(join(dir, 'web/app'), { recursive: true });
    writeFileSync(join(dir, 'web/app/page.tsx'), 'x\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'two');
    expect(await ran(dir)).toEqual([]); // nothing against HEAD
    expect(await ran(dir, first)).toEqual(['web']);
    git(dir, 'rm', '-q', 'docs/a.md');
    expect(await ran(dir, first)).toEqual(['docs', 'web']);
  });

  it('a bad REF or a folder outside git is a usage error', async () => {
    const dir = repo();
    const bad = await runCli(['check', '--changed', 'no-such-ref'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^fanout: --changed: git rev-parse .* failed/);
    const outside = tempDir();
    writeFileSync(join(outside, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n');
    const none = await runCli(['check', '--changed'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: outside } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--changed: git rev-parse --show-toplevel failed: fatal: not a git repository/);
  });
});
