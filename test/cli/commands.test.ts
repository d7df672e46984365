// list, tags, validate, graph, init, prompt, help and usage errors, through the built CLI.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture, runCli, tempDir } from './helpers.js';

const REFERENCE_DAG = join(new URL('../../', import.meta.url).pathname, 'bench/fixtures/reference-dag.yaml');

describe('fanout list', () => {
  it('lists the checks with severity, tags and requirements', async () => {
    const { code, stdout } = await runCli(['list', '-c', 'examples/fanout.yaml']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('node-version  error    [fast, env]');
    expect(stdout).toContain('todo-budget   warning  [fast, hygiene]');
    expect(stdout).toContain('package       error    [build]  requires: unit-tests, todo-budget');
  });

  it('ends no line with spaces: a check with no tags and no requirements ends at its severity', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: bare\n    run: "true"\n  - id: soft\n    run: "true"\n    severity: warning\n');
    const { code, stdout } = await runCli(['list'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toBe('bare  error\nsoft  warning\n');
  });

  it('-v adds commands and settings; --json is machine-readable', async () => {
    const verbose = await runCli(['list', '-v', '-c', fixture('timeouts.yaml')]);
    expect(verbose.stdout).toContain('    timeout: 300ms');
    const json = await runCli(['list', '--json', '-c', fixture('tagged.yaml')]);
    const body = JSON.parse(json.stdout) as { checks: Array<{ id: string; requires: string[]; tags: string[]; timeout_ms: number }> };
    expect(body.checks.map((c) => c.id)).toEqual(['setup', 'lint', 'unit', 'e2e']);
    expect(body.checks[2]).toMatchObject({ requires: ['setup'], tags: ['fast', 'test'], timeout_ms: 30_000 });
  });

  it('shows a fractional timeout as a run enforces it: rounded up to whole milliseconds', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: quick\n    run: "true"\n    timeout: 2500us\n  - id: whole\n    run: "true"\n    timeout: 2s\n');
    const json = await runCli(['list', '--json'], { cwd: dir });
    const body = JSON.parse(json.stdout) as { checks: Array<{ id: string; timeout_ms: number }> };
    expect(body.checks.map((c) => [c.id, c.timeout_ms])).toEqual([
      ['quick', 3],
      ['whole', 2000],
    ]);
    const verbose = await runCli(['list', '-v'], { cwd: dir });
    expect(verbose.stdout).toContain('    timeout: 3ms');
    expect(verbose.stdout).toContain('    timeout: 2s');
  });
});

describe('fanout tags', () => {
  it('lists tags with their check counts, -v with the ids, --json as a map', async () => {
    expect((await runCli(['tags', '-c', fixture('tagged.yaml')])).stdout).toBe('fast  2\nslow  2\ntest  2\n');
    expect((await runCli(['tags', '-v', '-c', fixture('tagged.yaml')])).stdout).toBe('fast  lint, unit\nslow  setup, e2e\ntest  unit, e2e\n');
    expect(JSON.parse((await runCli(['tags', '--json', '-c', fixture('tagged.yaml')])).stdout)).toEqual({ fast: ['lint', 'unit'], slow: ['setup', 'e2e'], test: ['unit', 'e2e'] });
  });
});

describe('fanout validate', () => {
  it('accepts a valid config', async () => {
    const { code, stdout } = await runCli(['validate', '-c', 'examples/fanout.yaml']);
    expect(code).toBe(0);
    expect(stdout).toBe('✓ examples/fanout.yaml: 6 checks, 0 prompts\n');
  });

  it('reports every problem as file:line:col and exits 2; check refuses to run it', async () => {
    const expected = 'test/fixtures/cli/invalid.yaml:5:5: unknown key "requries" (did you mean "requires"?)\ntest/fixtures/cli/invalid.yaml:6:9: duplicate check id "a"';
    const validate = await runCli(['validate', '-c', fixture('invalid.yaml')]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(expected);
    const t = tempDir();
    const check = await runCli(['check', '-c', fixture('invalid.yaml'), '--log-dir', join(t, 'runs')], { env: { T: t } });
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(expected);
    expect(check.stderr).toContain('nothing was run');
    expect(readdirSync(t)).toEqual([]); // no check touched $T/ran, no run folder was made
    expect(check.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--json gives the diagnostics with their codes', async () => {
    const { code, stdout } = await runCli(['validate', '--json', '-c', fixture('invalid.yaml')]);
    expect(code).toBe(2);
    const body = JSON.parse(stdout) as { valid: boolean; diagnostics: Array<{ code: string; line: number; col: number }> };
    expect(body.valid).toBe(false);
    expect(body.diagnostics.map((d) => [d.line, d.col])).toEqual([
      [5, 5],
      [6, 9],
    ]);
  });

  it('a missing config is said plainly, with the command that writes one (exit 2)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'sub'));
    for (const command of ['check', 'list', 'validate']) {
      const { code, stderr } = await runCli([command], { cwd: join(dir, 'sub') });
      expect(code, command).toBe(2);
      expect(stderr, command).toBe(`no fanout.yaml found in ${join(dir, 'sub')} or its parents up to ${dir}; run \`npx --no-install fanout init\`\n`);
    }
  });

  it('runs the fanout.yaml of the repository root from a subfolder: checks in its folder, relative paths against it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'packages', 'app'), { recursive: true });
    writeFileSync(join(dir, 'marker.txt'), 'count 7\n');
    writeFileSync(
      join(dir, 'fanout.yaml'),
      'version: "1"\nchecks:\n  - id: where\n    run: pwd > where.txt; test -f marker.txt\n  - id: read\n    run: "true"\n    file: marker.txt\n    grok: "count %{INT:n}"\n    assert: "n == 7"\n',
    );
    const { code, stderr } = await runCli(['check', '--log-dir', join(dir, 'logs')], { cwd: join(dir, 'packages', 'app') });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'where.txt'), 'utf8').trim()).toBe(realpathSync(dir));
  });
});

describe('fanout graph', () => {
  it('prints levels, edges and the critical path', async () => {
    const { code, stdout } = await runCli(['graph', '-c', REFERENCE_DAG, '--log-dir', join(tempDir(), 'none')]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'Levels:',
        '  1: a b c',
        '  2: d e g',
        '  3: f',
        '  4: h',
        'Edges:',
        '  b -> d',
        '  c -> e',
        '  d -> f',
        '  e -> f',
        '  a -> g',
        '  f -> h',
        '  g -> h',
        'Critical path: b -> d -> f -> h (4 checks)',
        '',
      ].join('\n'),
    );
  });

  it('weights the critical path with the last run’s durations', async () => {
    const logDir = join(tempDir(), 'logs');
    await runCli(['check', '-c', REFERENCE_DAG, '--log-dir', logDir]);
    // The durations the run measured depend on the machine's load: the report is given durations under which the
    // path of fewest checks (a -> g -> h, 3 of them) is the longest, where counting checks gives b -> d -> f -> h.
    const reportPath = join(logDir, readlinkSync(join(logDir, 'latest')), 'report.json');
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { checks: Array<{ id: string; duration_ms: number }> };
    for (const check of report.checks) check.duration_ms = check.id === 'a' ? 3000 : 100;
    writeFileSync(reportPath, JSON.stringify(report));
    const { stdout } = await runCli(['graph', '-c', REFERENCE_DAG, '--log-dir', logDir]);
    expect(stdout).toMatch(/^Critical path: a -> g -> h \(estimated 3\.2s from the last run\)$/m);
  });

  it('--format mermaid and dot', async () => {
    const mermaid = (await runCli(['graph', '--format', 'mermaid', '-c', 'examples/fanout.yaml'])).stdout;
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid).toContain('  n0["node-version"]');
    expect(mermaid).toContain('  n2 --> n5');
    expect(mermaid).toContain('  class n0,n3,n4,n5 critical');
    const dot = (await runCli(['graph', '--format', 'dot', '-c', 'examples/fanout.yaml'])).stdout;
    expect(dot.startsWith('digraph fanout {\n')).toBe(true);
    expect(dot).toContain('  "todo-budget" -> "package";');
    expect(dot).toContain('  "build" -> "unit-tests" [color=red, penwidth=2];');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    const bad = await runCli(['graph', '--format', 'png', '-c', 'examples/fanout.yaml']);
    expect(bad.code).toBe(2);
  });

  it('--json and ids', async () => {
    const body = JSON.parse((await runCli(['graph', '--json', 'unit-tests', '-c', 'examples/fanout.yaml'])).stdout) as { levels: string[][]; edges: string[][] };
    expect(body.levels).toEqual([['node-version'], ['build'], ['unit-tests']]);
    expect(body.edges).toEqual([
      ['node-version', 'build'],
      ['build', 'unit-tests'],
    ]);
  });
});

describe('fanout init', () => {
  it.each(['node', 'python', 'go', 'rust', 'minimal'])('writes a valid %s config', async (template) => {
    const dir = tempDir();
    const init = await runCli(['init', '--template', template], { cwd: dir });
    expect(init.code).toBe(0);
    // fanout is neither on PATH nor the project's bin: its path
    expect(init.stdout).toBe(
      `wrote fanout.yaml (template ${template}); run it with: ${cli} check\nnote: .fanout/ will hold run logs with the checks' output unmasked: keep it out of version control\n`,
    );
    const validate = await runCli(['validate'], { cwd: dir });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  });

  it('refuses to overwrite without --force, overwrites with it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'mine');
    const refused = await runCli(['init', '-t', 'go'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('fanout: fanout.yaml already exists; use --force to overwrite it\n');
    expect(readFileSync(join(dir, 'fanout.yaml'), 'utf8')).toBe('mine');
    expect((await runCli(['init', '-t', 'go', '--force'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'fanout.yaml'), 'utf8')).toContain('go vet');
  });

  it('builds checks from the files present, lists templates, rejects unknown ones', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'Cargo.toml'), '[package]\n');
    expect((await runCli(['init'], { cwd: dir })).stdout).toMatch(/^ {2}cargo-test +cargo test {2}\(Cargo\.toml\)$/m);
    expect(existsSync(join(dir, 'fanout.yaml'))).toBe(true);
    const names = (text: string) => [...text.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1]);
    const vibeguard = ['bash', 'bun-typescript', 'generic', 'go-minimal', 'go-standard', 'node-javascript', 'node-typescript', 'python-pip', 'python-poetry', 'python-uv', 'rust-cargo'];
    for (const args of [['init', '--list-templates'], ['init', '--template', 'list']]) {
      const list = await runCli(args);
      expect(list.code).toBe(0);
      expect(names(list.stdout)).toEqual([...vibeguard, 'node', 'python', 'go', 'rust', 'minimal']);
    }
    const json = JSON.parse((await runCli(['init', '--list-templates', '--json'])).stdout) as Array<{ name: string; file: string }>;
    expect(json.filter((t) => t.file === 'vibeguard.yaml').map((t) => t.name)).toEqual(vibeguard);
    // As VibeGuard: exit 1, and nothing written.
    const empty = tempDir();
    const bad = await runCli(['init', '-t', 'pyhton'], { cwd: empty });
    expect([bad.code, bad.stderr]).toEqual([1, 'Error: unknown template "pyhton" (did you mean "python"?) (use --list-templates to see available templates)\n']);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('never writes beside a config of this folder or of one above it up to the repository root', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    const sub = join(repo, 'packages', 'app');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(repo, 'fanout.yaml'), 'mine');
    const fanout = await runCli(['init'], { cwd: sub });
    expect([fanout.code, fanout.stderr]).toEqual([2, 'fanout: ../../fanout.yaml already exists; use --force to write a config here anyway\n']);
    expect(readdirSync(sub)).toEqual([]);
    // A vibeguard.* config above: named, exit 1 as VibeGuard's refusal.
    rmSync(join(repo, 'fanout.yaml'));
    writeFileSync(join(repo, 'packages', '.vibeguard.yml'), 'mine');
    const vibeguard = await runCli(['init', '-t', 'go'], { cwd: sub });
    expect([vibeguard.code, vibeguard.stderr]).toEqual([1, 'Error: configuration file "../.vibeguard.yml" already exists (use --force to overwrite)\n']);
    expect(readdirSync(sub)).toEqual([]);
    // --force writes here anyway; the configs above are left as they are.
    expect((await runCli(['init', '-t', 'go', '--force'], { cwd: sub })).code).toBe(0);
    expect(readdirSync(sub)).toEqual(['fanout.yaml']);
    expect(readFileSync(join(repo, 'packages', '.vibeguard.yml'), 'utf8')).toBe('mine');
  });

  it('a VibeGuard template name beside a vibeguard.* config up the repository is refused too (exit 1); --template list and --assist still answer', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    const sub = join(repo, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(repo, 'vibeguard.yaml'), 'mine');
    const refused = await runCli(['init', '-t', 'go-minimal'], { cwd: sub });
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([1, '', 'Error: configuration file "../../vibeguard.yaml" already exists (use --force to overwrite)\n']);
    expect(readdirSync(sub)).toEqual([]);
    expect((await runCli(['init', '--template', 'list'], { cwd: sub })).code).toBe(0);
    const assist = await runCli(['init', '--assist'], { cwd: sub });
    expect([assist.code, assist.stdout.startsWith('# VibeGuard AI Agent Setup Guide\n')]).toEqual([0, true]);
    expect(readdirSync(sub)).toEqual([]);
    const forced = await runCli(['init', '-t', 'go-minimal', '--force'], { cwd: sub });
    expect(forced.code).toBe(0);
    expect(readdirSync(sub)).toEqual(['vibeguard.yaml']);
    expect(readFileSync(join(repo, 'vibeguard.yaml'), 'utf8')).toBe('mine');
  });

  it('a file it cannot write (--force onto a folder) is a usage error, not an internal one', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    const init = await runCli(['init', '-t', 'go', '-o', 'taken', '--force'], { cwd: dir });
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/^fanout: cannot write taken: .*EISDIR/);
  });

  it('outside a repository, a config above is never used: one planted in a shared folder does not run below it', async () => {
    const parent = tempDir();
    writeFileSync(join(parent, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: planted\n    run: touch pwned\n');
    const sub = join(parent, 'sub');
    mkdirSync(sub);
    const check = await runCli(['check'], { cwd: sub });
    expect([check.code, check.stderr]).toEqual([2, `no fanout.yaml found in ${sub}; run \`npx --no-install fanout init\`\n`]);
    expect(existsSync(join(parent, 'pwned')) || existsSync(join(sub, 'pwned'))).toBe(false);
    const init = await runCli(['init', '-t', 'go'], { cwd: sub });
    expect(init.code).toBe(0);
    expect(readdirSync(sub)).toContain('fanout.yaml');
  });

  it('refuses to write beside a vibeguard.yaml (exit 1, VibeGuard\'s message), and a planted link is not followed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'vibeguard.yaml'), 'mine');
    const refused = await runCli(['init'], { cwd: dir });
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([1, '', 'Error: configuration file "vibeguard.yaml" already exists (use --force to overwrite)\n']);
    expect(readdirSync(dir)).toEqual(['vibeguard.yaml']);
    const linked = tempDir();
    symlinkSync(join(linked, 'elsewhere'), join(linked, 'fanout.yaml'));
    const dangling = await runCli(['init', '-t', 'go'], { cwd: linked });
    expect(dangling.code).toBe(2);
    expect(existsSync(join(linked, 'elsewhere'))).toBe(false);
  });
});

describe('fanout prompt', () => {
  it('lists prompts, prints one, rejects an unknown id', async () => {
    const config = fixture('statuses.yaml');
    expect((await runCli(['prompt', '-c', config])).stdout).toBe('coverage-help  Ask for tests that raise coverage [coverage]\n');
    expect((await runCli(['prompt', 'coverage-help', '-c', config])).stdout).toBe('Write tests for the least covered module.\n');
    const bad = await runCli(['prompt', 'coverage-hlp', '-c', config]);
    expect([bad.code, bad.stderr]).toEqual([2, 'fanout: unknown prompt "coverage-hlp" (did you mean "coverage-help"?)\n']);
    const none = await runCli(['prompt', '-c', 'examples/fanout.yaml']);
    expect([none.code, none.stderr]).toEqual([0, 'fanout: the config defines no prompts\n']);
  });
});

describe('help, version and usage errors', () => {
  // 17 whole CLI processes: 10-30 s on a loaded 2-core machine.
  it('--help on the program and on every command exits 0', async () => {
    const commands = ['check', 'status', 'wait', 'logs', 'cancel', 'report', 'hook', 'list', 'tags', 'validate', 'graph', 'init', 'worker', 'merge-reports', 'prompt', 'mcp'];
    for (const command of [[], ...commands.map((name) => [name])]) {
      const { code, stdout } = await runCli([...command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: fanout/);
    }
  }, 120_000);

  it('a bad flag value is a usage error naming that flag, before anything runs', async () => {
    const cases: Array<[string[], string]> = [
      [['check', '--async-parallel', 'x'], 'fanout: --async-parallel must be an integer, received "x"'],
      [['check', '--keep-runs', '0'], 'fanout: --keep-runs must be an integer of at least 1, received "0"'],
      [['check', '--worker-wait', '0'], 'fanout: --worker-wait must be a positive duration such as 500ms, 30s, 2m or 1h30m, received "0"'],
      [['check', '--async-threshold', 'soon'], 'fanout: --async-threshold must be a positive duration such as 500ms, 30s, 2m or 1h30m, received "soon"'],
      [['wait', '--timeout', '-1s'], 'fanout: --timeout must be a positive duration such as 500ms, 30s, 2m or 1h30m, received "-1s"'],
      [['report', '--html', 'x.html', '--history', 'all'], 'fanout: --history must be an integer, received "all"'],
      [['worker', '--concurrency', 'many'], 'fanout: --concurrency must be an integer, received "many"'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli([...args, '-c', 'examples/fanout.yaml']);
      expect(code).toBe(2);
      expect(stderr).toBe(`${message}\n`);
    }
  });

  it('an unknown option, a missing argument or a value not among the choices exits 2 in every command; in the hook, 1', async () => {
    const commands = ['check', 'status', 'wait', 'logs', 'cancel', 'report', 'hook', 'list', 'tags', 'validate', 'graph', 'init', 'worker', 'merge-reports', 'prompt'];
    // Independent processes: started together, so that a loaded machine does not add up their start-up times.
    const unknown = await Promise.all(commands.map((command) => runCli([command, '--no-such-flag'])));
    commands.forEach((command, i) => {
      const { code, stderr } = unknown[i] ?? { code: null, stderr: '' };
      // The hook's protocol: 2 would block the agent over its own settings; 1 is its non-blocking error.
      expect([command, code]).toEqual([command, command === 'hook' ? 1 : 2]);
      expect(stderr).toMatch(/^error: (unknown option '--no-such-flag'|required option|missing required argument)/);
    });
    const cases: Array<[string[], number]> = [
      [['check', '--max-time'], 2],
      [['graph', '--format', 'png'], 2],
      [['merge-reports'], 2],
      [['logs'], 2],
      [['logs', 'a', 'b', 'c'], 2],
      [['status', 'a', 'b'], 2],
      [['hook'], 1],
      [['hook', 'cursor'], 1],
    ];
    const codes = await Promise.all(cases.map(async ([args]) => (await runCli(args)).code));
    expect(codes).toEqual(cases.map(([, expected]) => expected));
  }, 120_000);

  it('-V and --version print the version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await runCli(['-V'])).stdout).toBe(`${pkg.version}\n`);
  });

  it('unknown commands and options exit 2 without a stack trace', async () => {
    for (const args of [['bogus'], ['check', '--bogus'], []]) {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      // A stack frame looks like `    at fn (file.js:12:34)` or `    at file.js:12:34` (help text may wrap a line to start with 'at').
      expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    }
    const both = await runCli(['check', '--json', '--stream', '-c', 'examples/fanout.yaml']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^fanout: --stream and --json both write to stdout/);
  });
});

describe('vibeguard.yaml compatibility', () => {
  it('finds vibeguard.yaml by default; unknown keys are warnings there, errors with --strict', async () => {
    const cwd = fixture('vg');
    const run = await runCli(['check', '--log-dir', join(tempDir(), 'logs')], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('vibeguard.yaml:5:5: warning: unknown key "advisory"\n');
    const strict = await runCli(['validate', '--strict'], { cwd });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toBe('vibeguard.yaml:5:5: unknown key "advisory"\n1 error\n');
  });
});

describe('config errors for machine readers', () => {
  it('check --json prints the diagnostics as JSON on stdout (exit 2); --stream emits a config:error event', async () => {
    const dir = tempDir();
    const config = join(dir, 'fanout.yaml');
    writeFileSync(config, 'checks:\n  - id: a\n    run: x\n    requries: [b]\n');
    const json = await runCli(['check', '--json', '-c', config]);
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout) as { exit_code: number; diagnostics: Array<{ code: string; line: number; col: number }> };
    expect(body.exit_code).toBe(2);
    expect(body.diagnostics).toMatchObject([{ code: 'unknown-key', line: 4, col: 5 }]);
    const stream = await runCli(['check', '--stream', '-c', config]);
    expect(stream.code).toBe(2);
    expect(JSON.parse(stream.stdout)).toMatchObject({ type: 'config:error', diagnostics: [{ code: 'unknown-key' }] });
  });
});
