// `fanout check --changed [REF]` in a real temporary git repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

describe('--dry-run, and --changed on list and graph', () => {
  it('check --dry-run --changed: what would run and why, as text and JSON; nothing runs, nothing is written', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'fanout.yaml'), readFileSync(join(dir, 'fanout.yaml'), 'utf8').replace('run: "true"\n  - id: go-test', 'run: touch ran\n  - id: go-test'));
    writeFileSync(join(dir, 'main.go'), 'package main // edited\n');
    writeFileSync(join(dir, 'extra.go'), 'package main\n');
    const text = await runCli(['check', '--dry-run', '--changed'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(['fanout.yaml: 2 of 4 checks would run (--dry-run: nothing ran)', '  build    required by go-test', '  go-test  changed: extra.go, main.go', ''].join('\n'));
    const json = await runCli(['check', '--dry-run', '--changed', '--json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      dry_run: true,
      total: 4,
      changed_files: ['extra.go', 'fanout.yaml', 'main.go'], // the config too: edited above
      checks: [
        { id: 'build', async: false, requires: [], reasons: [{ kind: 'required', by: ['go-test'] }] },
        { id: 'go-test', requires: ['build'], reasons: [{ kind: 'changed', files: ['extra.go', 'main.go'] }] },
      ],
    });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(existsSync(join(dir, '.fanout'))).toBe(false);
  });

  it('check --dry-run names ids and tags; a bad selection exits 2 as a run would; --stream is refused', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n    tags: [fast]\n  - id: b\n    run: "true"\n    requires: [a]\n  - id: c\n    run: "true"\n');
    const all = await runCli(['check', '--dry-run'], { cwd: dir });
    expect(all.stdout).toBe('fanout.yaml: 3 of 3 checks would run (--dry-run: nothing ran)\n  a  selected: every check\n  b  selected: every check\n  c  selected: every check\n');
    const some = await runCli(['check', '--dry-run', 'b', '--tags', 'fast', '--exclude-tags', 'slow'], { cwd: dir });
    expect(some.stdout).toBe('fanout.yaml: 0 of 3 checks would run (--dry-run: nothing ran)\n');
    const picked = await runCli(['check', '--dry-run', 'b'], { cwd: dir });
    expect(picked.stdout).toBe('fanout.yaml: 2 of 3 checks would run (--dry-run: nothing ran)\n  a  required by b\n  b  selected: by id\n');
    const tagged = await runCli(['check', '--dry-run', 'a', '--tags', 'fast'], { cwd: dir });
    expect(tagged.stdout).toContain('  a  selected: by id, tag fast\n');
    expect((await runCli(['check', '--dry-run', 'nope'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['check', '--dry-run', '--stream'], { cwd: dir })).code).toBe(2);
    expect(existsSync(join(dir, '.fanout'))).toBe(false);
  });

  it('list --changed and graph --changed show the checks check --changed would run', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'main.go'), 'package main // edited\n');
    const list = await runCli(['list', '--changed', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { checks: Array<{ id: string }> }).checks.map((check) => check.id)).toEqual(['build', 'go-test']);
    const graph = await runCli(['graph', '--changed', '--json'], { cwd: dir });
    expect(graph.code, graph.stderr).toBe(0);
    expect(JSON.parse(graph.stdout)).toMatchObject({ levels: [['build'], ['go-test']], edges: [['build', 'go-test']] });
    git(dir, 'commit', '-qam', 'two');
    const none = await runCli(['list', '--changed'], { cwd: dir });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'fanout: no check has files: matching the changed files\n' });
    const since = await runCli(['graph', '--changed', 'HEAD~1', '--json'], { cwd: dir });
    expect(JSON.parse(since.stdout)).toMatchObject({ levels: [['build'], ['go-test']] });
  });
});
