import { describe, expect, test } from 'vitest';
import { getEventListeners } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE_NAMES, isVibeguardFileName, loadConfig, loadConfigText } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { evaluateAssert } from '../../src/config/assert.js';
import { renderTemplate } from '../../src/config/template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.resolve(root, 'test/fixtures/vibeguard-examples');
const fixtures = path.join(root, 'test/fixtures/config');

describe("VibeGuard's examples load unchanged", async () => {
  const files = (await readdir(examples)).filter((name) => name.endsWith('.yaml')).sort();

  test('the shared examples are there', () => {
    expect(files).toEqual(['advanced.yaml', 'basic.yaml', 'go-project.yaml', 'node-project.yaml', 'simple.yaml']);
  });

  test.each(files)('%s loads with ok:true, no warnings', async (name) => {
    const result = await loadConfig({ cwd: examples, file: name });
    if (!result.ok) expect.fail(result.diagnostics.map((d) => formatDiagnostic(d, examples)).join('\n'));
    expect(result.config.checks.length).toBeGreaterThan(0);
    expect(result.config.warnings).toEqual([]);
    for (const check of result.config.checks) {
      expect(check.cwd).toBe(examples);
      expect(check.run).not.toMatch(/\{\{\s*\./); // every var was substituted
      if (check.assert !== undefined) expect(check.assert).not.toContain('{{');
    }
  });

  test('advanced.yaml: vars, grok, assert and report-time templates resolve as VibeGuard means them', async () => {
    const result = await loadConfig({ cwd: examples, file: 'advanced.yaml' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { checks, vars } = result.config;
    expect(vars).toEqual({ go_packages: './...', min_coverage: '80', max_complexity: '15' });
    expect(checks.map((c) => c.id)).toEqual([
      'fmt', 'vet', 'lint', 'test', 'coverage', 'complexity', 'build', 'llm-architecture-review', 'llm-security-review', 'llm-pr-quality',
    ]);
    const coverage = checks.find((c) => c.id === 'coverage')!;
    expect(coverage).toMatchObject({
      run: 'go test ./... -coverprofile=cover.out && go tool cover -func=cover.out',
      grok: ['total:.*\\(statements\\)\\s+%{NUMBER:coverage}%'],
      assert: 'coverage >= 80',
      severity: 'warning',
      suggestion: 'Coverage is {{.coverage}}%, need 80%. Add more test cases.',
      requires: ['test'],
      tags: ['test', 'slow', 'ci'],
      timeoutMs: 60_000,
      timeoutExplicit: true,
      async: false,
      retries: 0,
      env: {},
      files: [],
      line: 64,
    });
    // The pieces compose: grok output (with the matcher compiled at load) -> assert -> report-time suggestion.
    expect(coverage.grokMatcher?.fields).toEqual(['coverage']);
    const extracted = coverage.grokMatcher!.extract('total:\t\t(statements)\t\t71.5%\n');
    expect(evaluateAssert(coverage.assert!, extracted)).toEqual({ ok: true, value: false });
    expect(renderTemplate(coverage.suggestion!, extracted)).toEqual({ text: 'Coverage is 71.5%, need 80%. Add more test cases.', missing: [] });
    expect(checks.find((c) => c.id === 'llm-architecture-review')?.requires).toEqual(['fmt', 'vet', 'lint', 'test']);
  });

  test('basic.yaml: a check without timeout gets the 30s default, not explicit', async () => {
    const result = await loadConfig({ cwd: examples, file: 'basic.yaml' });
    expect(result.ok && result.config.checks[0]).toMatchObject({ id: 'fmt', timeoutMs: 30_000, timeoutExplicit: false, severity: 'error' });
  });
});

describe('fanout fields', () => {
  test('every field resolves: defaults, vars as text, paths absolute, triggers', async () => {
    const dir = path.join(fixtures, 'full');
    const result = await loadConfig({ cwd: dir });
    if (!result.ok) expect.fail(result.diagnostics.map((d) => formatDiagnostic(d, dir)).join('\n'));
    const { config } = result;
    expect(config.file).toBe(path.join(dir, 'fanout.yaml'));
    expect(config.dir).toBe(dir);
    expect(config.vibeguardCompat).toBe(false);
    expect(config.vars).toEqual({ packages: './...', min_coverage: '80', verbose: 'true' });
    expect(config.prompts).toEqual([
      { id: 'explain-coverage', description: 'Ask for the missing tests', content: 'Coverage is below the target. Write tests for the uncovered functions.\n', tags: ['coverage'] },
    ]);
    const [vet, coverage, build] = config.checks;
    expect(vet).toEqual({
      id: 'vet', run: 'go vet ./...', grok: [], severity: 'error', requires: [], tags: ['lint', 'fast'], timeoutMs: 10_000, timeoutExplicit: true,
      on: {}, async: false, cwd: dir, env: {}, retries: 0, files: ['**/*.go'], inputs: [], envInputs: [], cache: true, line: 18,
    });
    // The grok patterns come compiled with the check.
    const { grokMatcher, ...coverageFields } = coverage!;
    expect(grokMatcher?.fields).toEqual(['coverage']);
    expect(coverageFields).toEqual({
      id: 'coverage',
      run: 'go test ./... -coverprofile=cover.out && go tool cover -func=cover.out',
      grok: ['total:.*\\(statements\\)\\s+%{NUMBER:coverage}%'],
      assert: 'coverage >= 80',
      severity: 'warning',
      suggestion: 'Coverage is {{.coverage}}%, need 80%.',
      fix: 'go tool cover -html=cover.out',
      requires: ['vet', 'build'],
      tags: [],
      timeoutMs: 120_000,
      timeoutExplicit: true,
      on: { failure: { prompts: ['explain-coverage'] }, success: { text: 'Coverage is fine.' } },
      async: false,
      cwd: path.join(dir, 'backend'),
      env: { GOFLAGS: '-count=1', CGO_ENABLED: '0', VERBOSE: 'true' },
      retries: 2,
      files: [],
      inputs: [],
      envInputs: [],
      cache: true,
      lock: 'go-cache',
      line: 24,
    });
    expect(build).toMatchObject({
      id: 'build', grok: ['built %{INT:count} packages'], file: path.join(dir, 'build/report.txt'), async: true, timeoutMs: null,
      timeoutExplicit: true, files: ['cmd/**'],
    });
  });

  test('numbers and booleans in vars are their text as written, as VibeGuard reads them; version 1 unquoted', () => {
    const result = loadConfigText(
      'version: 1\nvars: { go: 1.20, flag: True, hex: 0x1F, none: ~ }\nchecks:\n  - id: a\n    run: "go {{.go}} {{.flag}} {{.hex}} [{{.none}}]"\n',
      '/repo/vibeguard.yaml',
    );
    if (!result.ok) expect.fail(JSON.stringify(result.diagnostics));
    expect(result.config.vars).toEqual({ go: '1.20', flag: 'True', hex: '0x1F', none: '' });
    expect(result.config.checks[0]?.run).toBe('go 1.20 True 0x1F []');
  });

  test('inputs, env_inputs and cache: lists as written (one string is a list of it), env names once, cache on by default', () => {
    const text = [
      'checks:',
      '  - id: a',
      '    run: x',
      "    inputs: ['src/**/*.ts', '!src/**/*.test.ts']",
      '    env_inputs: [NODE_ENV, CI, NODE_ENV]',
      '  - id: b',
      '    run: x',
      '    inputs: package.json',
      '    env_inputs: HOME',
      '    cache: false',
      '  - id: c',
      '    run: x',
      '',
    ].join('\n');
    const result = loadConfigText(text, '/repo/fanout.yaml');
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.checks.map(({ inputs, envInputs, cache }) => ({ inputs, envInputs, cache }))).toEqual([
      { inputs: ['src/**/*.ts', '!src/**/*.test.ts'], envInputs: ['NODE_ENV', 'CI'], cache: true },
      { inputs: ['package.json'], envInputs: ['HOME'], cache: false },
      { inputs: [], envInputs: [], cache: true },
    ]);
  });

  test('inputs, env_inputs and cache are known keys in VibeGuard files too (as fanout\'s other additions are)', () => {
    const result = loadConfigText('checks:\n  - id: a\n    run: x\n    inputs: [go.mod]\n    env_inputs: [GOOS]\n    cache: false\n', '/repo/vibeguard.yaml', { strict: true });
    expect(result.ok && result.config.warnings).toEqual([]);
    expect(result.ok && result.config.checks[0]).toMatchObject({ inputs: ['go.mod'], envInputs: ['GOOS'], cache: false });
  });

  test('timeout: 0 means the default, negative means none', () => {
    const load = (timeout: string) => {
      const result = loadConfigText(`checks:\n  - id: a\n    run: x\n    timeout: ${timeout}\n`, '/repo/fanout.yaml');
      return result.ok ? { ms: result.config.checks[0]!.timeoutMs, explicit: result.config.checks[0]!.timeoutExplicit } : result.diagnostics;
    };
    expect(load('"0"')).toEqual({ ms: 30_000, explicit: false });
    expect(load('0')).toEqual({ ms: 30_000, explicit: false }); // unquoted, as VibeGuard files write it
    expect(load('0s')).toEqual({ ms: 30_000, explicit: false });
    expect(load('-1s')).toEqual({ ms: null, explicit: true });
    expect(load('1h30m')).toEqual({ ms: 5_400_000, explicit: true });
    expect(load('~')).toEqual({ ms: 30_000, explicit: false });
  });

  test('cwd and file: cwd relative to the config folder, file relative to the check cwd', () => {
    const result = loadConfigText('checks:\n  - id: a\n    run: x\n    cwd: ../web\n    file: out/report.txt\n', '/repo/sub/fanout.yaml');
    expect(result.ok && result.config.checks[0]).toMatchObject({ cwd: '/repo/web', file: '/repo/web/out/report.txt' });
  });

  test('anchors, merge keys and x- keys', async () => {
    const result = await loadConfig({ cwd: path.join(fixtures, 'anchors') });
    if (!result.ok) expect.fail(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    expect(result.config.checks.map(({ id, tags, timeoutMs, env, requires }) => ({ id, tags, timeoutMs, env, requires }))).toEqual([
      { id: 'lint', tags: ['node'], timeoutMs: 60_000, env: { CI: '1' }, requires: [] },
      { id: 'test', tags: ['node'], timeoutMs: 300_000, env: { CI: '1' }, requires: ['lint'] },
    ]);
  });

  test('requires may point forward; duplicates collapse', () => {
    const result = loadConfigText('checks:\n  - id: a\n    run: x\n    requires: [b, b]\n  - id: b\n    run: y\n', 'fanout.yaml');
    expect(result.ok && result.config.checks[0]?.requires).toEqual(['b']);
  });

  test('an inline on: text and a null event', () => {
    const result = loadConfigText('checks:\n  - id: a\n    run: x\n    on:\n      timeout: Try a larger timeout\n      failure:\n', 'fanout.yaml');
    expect(result.ok && result.config.checks[0]?.on).toEqual({ timeout: { text: 'Try a larger timeout' } });
  });
});

describe('strictness', () => {
  test('in vibeguard.* files unknown keys are warnings with did-you-mean, and the config loads', async () => {
    const dir = path.join(fixtures, 'compat');
    const result = await loadConfig({ cwd: dir });
    if (!result.ok) expect.fail(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    expect(result.config.vibeguardCompat).toBe(true);
    expect(result.config.warnings.map((d) => formatDiagnostic(d, dir))).toEqual([
      'vibeguard.yaml:6:5: warning: unknown key "requries" (did you mean "requires"?)',
      'vibeguard.yaml:7:5: warning: unknown key "desc"',
    ]);
    expect(result.config.warnings.map((d) => [d.code, d.severity])).toEqual([
      ['unknown-key', 'warning'],
      ['unknown-key', 'warning'],
    ]);
  });

  test('with strict they are errors', async () => {
    const dir = path.join(fixtures, 'compat');
    const result = await loadConfig({ cwd: dir, strict: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'vibeguard.yaml:6:5: unknown key "requries" (did you mean "requires"?)',
      'vibeguard.yaml:7:5: unknown key "desc"',
    ]);
  });

  test('the same text named fanout.yaml is an error; vibeguardCompat overrides the name', () => {
    const text = 'checks:\n  - id: a\n    run: x\n    tiemout: 5s\n';
    expect(loadConfigText(text, 'fanout.yaml')).toMatchObject({ ok: false, diagnostics: [{ code: 'unknown-key', severity: 'error' }] });
    expect(loadConfigText(text, 'fanout.yaml', { vibeguardCompat: true })).toMatchObject({
      ok: true,
      config: { warnings: [{ code: 'unknown-key', severity: 'warning', message: 'unknown key "tiemout" (did you mean "timeout"?)' }] },
    });
  });

  test('warnings come along with errors when a file fails', () => {
    const result = loadConfigText('checks:\n  - id: a\n    run: x\n    extra: 1\n    severity: bad\n', 'vibeguard.yml');
    expect(result.ok === false && result.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['unknown-key', 'warning'],
      ['invalid-severity', 'error'],
    ]);
  });

  test.each([
    ['vibeguard.yaml', true],
    ['.vibeguard.yml', true],
    ['/a/b/vibeguard.ci.yaml', true],
    ['fanout.yaml', false],
    ['my-vibeguard.yaml', false],
  ])('isVibeguardFileName(%s) = %s', (name, expected) => {
    expect(isVibeguardFileName(name)).toBe(expected);
  });
});

describe('lookup', () => {
  test('the documented order', () => {
    expect(CONFIG_FILE_NAMES).toEqual([
      'fanout.yaml', 'fanout.yml', '.fanout.yaml', '.fanout.yml', 'vibeguard.yaml', 'vibeguard.yml', '.vibeguard.yaml', '.vibeguard.yml',
    ]);
  });

  test('first found wins: fanout.yml before .fanout.yaml before vibeguard.yaml', async () => {
    const result = await loadConfig({ cwd: path.join(fixtures, 'lookup/order') });
    expect(result.ok && result.config.checks[0]?.id).toBe('from-fanout-yml');
  });

  test('.vibeguard.yml is found last, and marks the file as VibeGuard-compatible', async () => {
    const result = await loadConfig({ cwd: path.join(fixtures, 'lookup/hidden') });
    expect(result.ok && [result.config.checks[0]?.id, result.config.vibeguardCompat]).toEqual(['from-dot-vibeguard-yml', true]);
  });

  describe('upward, to the repository root', () => {
    /** A repository in a temporary folder: `files` (path → text) written under it, `.git` at its root. */
    async function repo(files: Record<string, string>, git = '.git'): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), 'fanout-lookup-'));
      await mkdir(path.join(dir, 'repo', git), { recursive: true });
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, 'repo', name)), { recursive: true });
        await writeFile(path.join(dir, 'repo', name), text);
      }
      return dir;
    }
    const config = (id: string, extra = '') => `version: "1"\nchecks:\n  - id: ${id}\n    run: "true"\n${extra}`;

    test('fanout.* found in a folder above, the nearest winning; relative paths resolve against its folder', async () => {
      const dir = await repo({
        'fanout.yaml': config('root', '    cwd: tools\n    file: out/report.txt\n'),
        'packages/app/.fanout.yml': config('app'),
        'packages/app/src/deep/.keep': '',
        'packages/lib/src/.keep': '',
      });
      try {
        const fromLib = await loadConfig({ cwd: path.join(dir, 'repo/packages/lib/src') });
        if (!fromLib.ok) expect.fail(JSON.stringify(fromLib.diagnostics));
        expect(fromLib.config.file).toBe(path.join(dir, 'repo/fanout.yaml'));
        expect(fromLib.config.dir).toBe(path.join(dir, 'repo'));
        expect(fromLib.config.checks[0]).toMatchObject({ id: 'root', cwd: path.join(dir, 'repo/tools'), file: path.join(dir, 'repo/tools/out/report.txt') });
        const fromApp = await loadConfig({ cwd: path.join(dir, 'repo/packages/app/src/deep') });
        expect(fromApp.ok && fromApp.config.checks[0]?.id).toBe('app');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('vibeguard.* only in the folder itself, as VibeGuard finds it', async () => {
      const dir = await repo({ 'vibeguard.yaml': config('vg'), 'sub/.keep': '' });
      try {
        const here = await loadConfig({ cwd: path.join(dir, 'repo') });
        expect(here.ok && here.config.checks[0]?.id).toBe('vg');
        const below = await loadConfig({ cwd: path.join(dir, 'repo/sub') });
        expect(below.ok === false && below.diagnostics[0]?.code).toBe('config-not-found');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('stops at the repository root (.git a folder or a worktree\'s file): a config above it is not taken', async () => {
      for (const git of ['.git', '.git-file']) {
        const dir = await repo({ 'sub/.keep': '' }, git === '.git' ? '.git' : 'unused');
        try {
          if (git === '.git-file') await writeFile(path.join(dir, 'repo', '.git'), 'gitdir: /elsewhere\n');
          await writeFile(path.join(dir, 'fanout.yaml'), config('outside'));
          const result = await loadConfig({ cwd: path.join(dir, 'repo/sub') });
          expect(result.ok === false && result.diagnostics[0]?.message, git).toBe(
            `no fanout.yaml found in ${path.join(dir, 'repo/sub')} or its parents up to ${path.join(dir, 'repo')}; run \`npx --no-install fanout init\``,
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    });
  });

  test('an explicit file overrides the lookup, relative to cwd', async () => {
    const result = await loadConfig({ cwd: path.join(fixtures, 'lookup'), file: 'order/vibeguard.yaml' });
    expect(result.ok && result.config.checks[0]?.id).toBe('from-vibeguard-yaml');
  });

  test('nothing found is a config-not-found diagnostic, not a throw', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fanout-config-'));
    try {
      // A repository's root bounds the lookup (a stray fanout.yaml above the temporary folder cannot answer).
      await mkdir(path.join(dir, '.git'));
      await mkdir(path.join(dir, 'sub'));
      const result = await loadConfig({ cwd: path.join(dir, 'sub') });
      expect(result).toEqual({
        ok: false,
        diagnostics: [
          {
            code: 'config-not-found',
            severity: 'error',
            file: path.join(dir, 'sub'),
            line: 0,
            col: 0,
            message: `no fanout.yaml found in ${path.join(dir, 'sub')} or its parents up to ${dir}; run \`npx --no-install fanout init\``,
          },
        ],
      });
      const atRoot = await loadConfig({ cwd: dir });
      expect(atRoot.ok === false && atRoot.diagnostics[0]?.message).toBe(`no fanout.yaml found in ${dir}; run \`npx --no-install fanout init\``);
      const explicit = await loadConfig({ cwd: dir, file: 'ci.yaml' });
      expect(explicit.ok === false && explicit.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual(['ci.yaml: config file not found']);
      const directory = await loadConfig({ cwd: root, file: 'test' });
      expect(directory.ok === false && directory.diagnostics.map((d) => [d.code, formatDiagnostic(d, root)])).toEqual([
        ['config-unreadable', 'test: cannot read the config file: it is a directory'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an aborted signal rejects with its reason, before any read and leaves no listener', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(loadConfig({ cwd: path.join(fixtures, 'full'), signal: controller.signal })).rejects.toBe(reason);
    const live = new AbortController();
    const result = await loadConfig({ cwd: path.join(fixtures, 'lookup/hidden'), signal: live.signal });
    expect(result.ok).toBe(true);
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  });

  test('bad arguments are TypeErrors naming the argument', async () => {
    await expect(loadConfig({ cwd: '' })).rejects.toThrow(new TypeError('options.cwd must be a non-empty string, received ""'));
    await expect(loadConfig({ cwd: '.', file: 3 as unknown as string })).rejects.toThrow(
      new TypeError('options.file must be a non-empty string, received 3'),
    );
    await expect(loadConfig({ cwd: '.', signal: 'x' as unknown as AbortSignal })).rejects.toThrow(TypeError);
    expect(() => loadConfigText(null as unknown as string, 'f.yaml')).toThrow(new TypeError('text must be a string, received null'));
  });

  test('a file read from disk reports its absolute path; formatDiagnostic makes it relative to cwd', async () => {
    const text = await readFile(path.join(fixtures, 'compat/vibeguard.yaml'), 'utf8');
    const result = loadConfigText(text, path.join(fixtures, 'compat/vibeguard.yaml'), { strict: true });
    expect(result.ok === false && formatDiagnostic(result.diagnostics[0]!, fixtures)).toBe(
      'compat/vibeguard.yaml:6:5: unknown key "requries" (did you mean "requires"?)',
    );
    expect(result.ok === false && formatDiagnostic(result.diagnostics[0]!, '/elsewhere')).toBe(
      `${path.join(fixtures, 'compat/vibeguard.yaml')}:6:5: unknown key "requries" (did you mean "requires"?)`,
    );
  });
});
