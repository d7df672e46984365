// `fanout init` without --template: checks built from what the project has (test/fixtures/init/<project>), a config
// that passes on a healthy project (its tools stubbed in node_modules/.bin) and fails on a broken one, and .fanout/
// kept out of git.
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { cli, root, runCli, tempDir } from './helpers.js';

/** A copy of a fixture project in a fresh repository (a `.git` folder bounds config lookups). */
function project(name: string, git = true): string {
  const dir = join(tempDir(), name);
  cpSync(join(root, 'test/fixtures/init', name), dir, { recursive: true });
  if (git) mkdirSync(join(dir, '.git'));
  return dir;
}

/** The checks of the fanout.yaml init wrote: id → command. */
function written(dir: string): Record<string, string> {
  const text = readFileSync(join(dir, 'fanout.yaml'), 'utf8');
  const loaded = loadConfigText(text, join(dir, 'fanout.yaml'));
  if (!loaded.ok) expect.fail(loaded.diagnostics.map((d) => d.message).join('\n'));
  expect(loaded.config.warnings).toEqual([]);
  return Object.fromEntries(loaded.config.checks.map((check) => [check.id, check.run]));
}

/** Stub binaries in node_modules/.bin, each exiting with its code. */
function stubs(dir: string, codes: Record<string, number>): void {
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, code] of Object.entries(codes)) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} ran"\nexit ${code}\n`);
    chmodSync(join(bin, name), 0o755);
  }
}

describe('fanout init: checks from what the project has', () => {
  it('a JavaScript project with xo, ava and tsd and no tsconfig gets its test script only: no tsc, no eslint', async () => {
    const dir = project('js-xo');
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(written(dir)).toEqual({ test: 'npm test' });
    const text = readFileSync(join(dir, 'fanout.yaml'), 'utf8');
    expect(text).not.toMatch(/tsc|eslint/);
    expect(text).toContain('# package.json scripts.test, run with npm (package-lock.json)');
    expect(init.stdout).toBe(
      'wrote fanout.yaml with 1 check from what this project has:\n' +
        '  test  npm test  (package.json scripts.test, run with npm (package-lock.json))\n' +
        `run them with: ${cli} check\n` +
        "added .fanout/ to .gitignore (run logs hold the checks' output unmasked)\n",
    );
  });

  it('the config passes on the healthy project, and fails when its tools find problems', async () => {
    const dir = project('js-xo');
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    stubs(dir, { xo: 0, ava: 0, tsd: 0 });
    const healthy = await runCli(['check'], { cwd: dir });
    expect(healthy.stderr).toBe('');
    expect([healthy.code, healthy.stdout]).toEqual([0, '']);
    stubs(dir, { xo: 1 });
    const broken = await runCli(['check'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('FAIL test (error)');
    expect(broken.stdout).toContain('xo ran');
  });

  it('a TypeScript project gets tsc --noEmit (tsconfig.json and typescript present), its configured eslint, its scripts', async () => {
    const dir = project('ts-eslint');
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    expect(written(dir)).toEqual({
      test: 'npm test',
      build: 'npm run build',
      typecheck: 'npx --no-install tsc --noEmit',
      eslint: 'npx --no-install eslint .',
    });
    stubs(dir, { tsc: 0, eslint: 0, vitest: 0 });
    const healthy = await runCli(['check'], { cwd: dir });
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
  });

  it('runs scripts with the package manager of the project; skips the placeholder test script; adds go.mod checks; Makefile targets only for what nothing else checks', async () => {
    const dir = project('mixed-pnpm');
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    expect(written(dir)).toEqual({ lint: 'pnpm run lint', typecheck: 'pnpm run typecheck', 'go-vet': 'go vet ./...', 'go-test': 'go test ./...' });
  });

  it.each([
    ['python-uv', { ruff: 'uv run ruff check .', pytest: 'uv run pytest -q' }],
    ['go', { 'go-vet': 'go vet ./...', 'go-test': 'go test ./...' }],
    ['rust', { 'cargo-check': 'cargo check --all-targets', 'cargo-test': 'cargo test' }],
    ['make', { 'make-test': 'make test' }],
  ])('%s', async (name, checks) => {
    const dir = project(name);
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(written(dir)).toEqual(checks);
  });

  it('nothing recognised: the minimal template, said so', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^wrote fanout\.yaml \(template minimal: nothing here to build a check from — no package\.json script but npm's placeholder/);
    expect(readFileSync(join(dir, 'fanout.yaml'), 'utf8')).toContain('no-conflict-markers');
  });

  it('hostile manifests: invalid JSON, a folder, scripts of the wrong type are read as absent', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'package.json'), '{"scripts": {"test": 42, "lint": ["x"]}, "devDependencies": "xo"}');
    mkdirSync(join(dir, 'pyproject.toml'));
    writeFileSync(join(dir, 'Makefile'), 'test:\n\ttrue\n');
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    expect(written(dir)).toEqual({ 'make-test': 'make test' });
  });
});

describe('fanout init: .fanout/ kept out of git', () => {
  it('adds the line to the repository root .gitignore when missing, once, after a last line without newline', async () => {
    const dir = project('go');
    writeFileSync(join(dir, '.gitignore'), 'node_modules/');
    // A nested module: init writes (and detects) in the folder it is run in, the .gitignore is the repository's.
    const sub = join(dir, 'tools');
    mkdirSync(sub);
    writeFileSync(join(sub, 'go.mod'), 'module example.com/demo/tools\n');
    const init = await runCli(['init'], { cwd: sub });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("added .fanout/ to ../.gitignore (run logs hold the checks' output unmasked)\n");
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.fanout/\n');
  });

  it.each(['.fanout/', '/.fanout', '**/.fanout/', '.fanout/*'])('leaves a .gitignore that has %s as it is', async (line) => {
    const dir = project('go');
    writeFileSync(join(dir, '.gitignore'), `dist\n${line}\n`);
    const init = await runCli(['init'], { cwd: dir });
    expect(init.stdout).not.toContain('.gitignore');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(`dist\n${line}\n`);
  });

  it('outside a repository, or where .gitignore is a link, says what to do and writes nothing', async () => {
    const outside = project('go', false);
    const init = await runCli(['init'], { cwd: outside });
    expect(init.stdout).toContain("note: .fanout/ will hold run logs with the checks' output unmasked: keep it out of version control\n");
    const dir = project('go');
    const target = join(tempDir(), 'elsewhere');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, join(dir, '.gitignore'));
    const linked = await runCli(['init'], { cwd: dir });
    expect(linked.code).toBe(0);
    expect(linked.stdout).toMatch(/note: could not open .*\.gitignore .*: add \.fanout\/ to it/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('points the editor at the schema of the fanout installed in the project, and where none is (Python, Go) writes no such line', async () => {
    const python = project('python-uv');
    expect((await runCli(['init'], { cwd: python })).code).toBe(0);
    const text = readFileSync(join(python, 'fanout.yaml'), 'utf8');
    expect(text).not.toMatch(/yaml-language-server|node_modules/);
    expect((await runCli(['validate'], { cwd: python })).code).toBe(0);

    const mono = tempDir();
    mkdirSync(join(mono, '.git'));
    mkdirSync(join(mono, 'node_modules/fanout/schema'), { recursive: true });
    writeFileSync(join(mono, 'node_modules/fanout/schema/fanout.schema.json'), '{}\n');
    const app = join(mono, 'packages/app');
    mkdirSync(app, { recursive: true });
    expect((await runCli(['init', '--template', 'go'], { cwd: app })).code).toBe(0);
    expect(readFileSync(join(app, 'fanout.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../node_modules/fanout/schema/fanout.schema.json');
    expect((await runCli(['init', '--template', 'go', '--force'], { cwd: mono })).code).toBe(0);
    expect(readFileSync(join(mono, 'fanout.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/fanout/schema/fanout.schema.json');
  });
});
