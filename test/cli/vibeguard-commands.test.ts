// list, tags, validate, prompt and init answer a vibeguard.* config as VibeGuard does, and keep fanout's own output for
// a fanout.yaml. Byte-for-byte agreement with the real binary is the conformance suite's (test/conformance); these
// tests hold the behaviours scripts rely on. init's VibeGuard options are exercised on the action itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initCommand, type InitOptions } from '../../src/cli/actions/init.js';
import { listCommand } from '../../src/cli/actions/list.js';
import { goDuration } from '../../src/cli/actions/vibeguard-output.js';
import { VIBEGUARD_ASSIST_PROMPT, VIBEGUARD_DEFAULT_TEMPLATE, VIBEGUARD_TEMPLATES } from '../../src/cli/actions/vibeguard-templates.js';
import { root, runCli, tempDir } from './helpers.js';

const CONFIG = `version: "1"
prompts:
  - id: review
    description: Review the change
    content: Review the diff for bugs.
    tags: [ai]
checks:
  - id: fmt
    run: gofmt -l .
    tags: [fast, format]
  - id: vet
    run: go vet ./...
    tags: [fast]
    requires: [fmt]
    severity: warning
    timeout: 90s
`;

/** A folder holding CONFIG as `name`. */
function project(name: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, name), CONFIG);
  return dir;
}

describe('commands on a vibeguard.* config', () => {
  it('tags prints one tag a line and nothing else, so $(fanout tags) is a list of tags', async () => {
    const cwd = project('vibeguard.yaml');
    expect(await runCli(['tags'], { cwd })).toMatchObject({ code: 0, stdout: 'fast\nformat\n', stderr: '' });
    expect(await runCli(['tags', '-v'], { cwd })).toMatchObject({ code: 0, stdout: 'fast\nformat\n' });
    const words = execFileSync('sh', ['-c', `for t in $(node ${join(root, 'dist/cli.js')} tags); do printf '<%s>' "$t"; done`], { cwd, encoding: 'utf8' });
    expect(words).toBe('<fast><format>');
    // No tags: no output at all.
    writeFileSync(join(cwd, 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n');
    expect(await runCli(['tags'], { cwd })).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  // Nine whole CLI processes: 10-20 s on a loaded 2-core machine.
  it('list, tags, validate: VibeGuard’s formats, --json included (VibeGuard’s --json is global and these print their text)', async () => {
    const cwd = project('vibeguard.yaml');
    expect((await runCli(['list'], { cwd })).stdout).toBe('Checks (2):\n\n  fmt\n  vet\n');
    expect((await runCli(['list', '-v'], { cwd })).stdout).toBe(
      'Checks (2):\n\n  fmt\n    Tags:     fast, format\n    Command:  gofmt -l .\n    Severity: error\n    Timeout:  30s\n\n' +
        '  vet\n    Tags:     fast\n    Command:  go vet ./...\n    Severity: warning\n    Timeout:  1m30s\n    Requires: fmt\n\n',
    );
    expect((await runCli(['list', '--json'], { cwd })).stdout).toBe('Checks (2):\n\n  fmt\n  vet\n');
    expect((await runCli(['tags', '--json'], { cwd })).stdout).toBe('fast\nformat\n');
    expect((await runCli(['validate', '--json'], { cwd })).stdout).toBe('Configuration is valid (2 checks defined)\n');
    expect((await runCli(['validate'], { cwd })).stdout).toBe('Configuration is valid (2 checks defined)\n');
    expect((await runCli(['validate', '-v'], { cwd })).stdout).toBe('Configuration is valid (2 checks defined)\n\nChecks:\n  - fmt: error\n  - vet: warning (requires: [fmt])\n');
    // An invalid config keeps fanout's list of every problem, and VibeGuard's exit code 2.
    writeFileSync(join(cwd, 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: x\n    requires: [nope]\n');
    const invalid = await runCli(['validate'], { cwd });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^vibeguard\.yaml:5:\d+: .*nope/m);
  }, 60_000);

  it('prompt: the built-in init, content as written, exit 1 for an unknown id', async () => {
    const cwd = project('vibeguard.yaml');
    expect((await runCli(['prompt'], { cwd })).stdout).toBe('Prompts (1):\n\n  review\n  init (built-in)\n');
    expect((await runCli(['prompt', 'review'], { cwd })).stdout).toBe('Review the diff for bugs.');
    const init = await runCli(['prompt', 'init'], { cwd });
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^You are an expert in helping users set up VibeGuard/);
    expect(await runCli(['prompt', 'nope'], { cwd })).toMatchObject({ code: 1, stdout: '', stderr: 'Error: prompt not found: nope\n' });
    expect(JSON.parse((await runCli(['prompt', '--json'], { cwd })).stdout)).toEqual([
      { description: 'Review the change', id: 'review', tags: ['ai'] },
      { built_in: true, description: 'Built-in VibeGuard setup guidance', id: 'init' },
    ]);
  });

  it('is decided by the file name, with -c too; a fanout.yaml keeps fanout’s output', async () => {
    const dir = project('vibeguard.ci.yaml');
    expect((await runCli(['tags', '-c', join(dir, 'vibeguard.ci.yaml')])).stdout).toBe('fast\nformat\n');
    const cwd = project('fanout.yaml');
    expect((await runCli(['tags'], { cwd })).stdout).toBe('fast    2\nformat  1\n');
    expect((await runCli(['validate'], { cwd })).stdout).toBe('✓ fanout.yaml: 2 checks, 1 prompt\n');
    expect(await runCli(['prompt', 'init'], { cwd })).toMatchObject({ code: 2, stderr: 'fanout: unknown prompt "init"\n' });
  });
});

/** Runs an action with stdout and stderr captured. */
async function captured(action: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await action();
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

const init = (cwd: string, options: Partial<InitOptions> = {}) => captured(() => initCommand({ force: false, list: false, json: false, cwd, ...options }));

describe('fanout init with VibeGuard’s templates', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(VIBEGUARD_TEMPLATES.map((t) => t.name))('%s writes VibeGuard’s vibeguard.yaml, which validates', async (name) => {
    const cwd = tempDir();
    const result = await init(cwd, { template: name });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Created ${join(cwd, 'vibeguard.yaml')} (template: ${name})\n\nNext steps:\n  1. Review and customize the checks in vibeguard.yaml\n  2. Run 'vibeguard check' to execute all checks\n  3. Run 'vibeguard validate' to verify your configuration\n`,
    );
    expect(readdirSync(cwd)).toEqual(['vibeguard.yaml']);
    expect(readFileSync(join(cwd, 'vibeguard.yaml'), 'utf8')).toBe(VIBEGUARD_TEMPLATES.find((t) => t.name === name)?.body);
    const validate = await runCli(['validate'], { cwd });
    expect(validate.code).toBe(0);
  });

  it('--force over a vibeguard.* config writes VibeGuard’s default; a VibeGuard template honours --output', async () => {
    const cwd = project('vibeguard.yaml');
    expect((await init(cwd)).code).toBe(1);
    const forced = await init(cwd, { force: true });
    expect([forced.code, forced.stdout.split('\n')[0]]).toEqual([0, `Created ${join(cwd, 'vibeguard.yaml')} (template: default (Go))`]);
    expect(readFileSync(join(cwd, 'vibeguard.yaml'), 'utf8')).toBe(VIBEGUARD_DEFAULT_TEMPLATE);
    const other = tempDir();
    mkdirSync(join(other, 'ci'));
    const output = await init(other, { template: 'rust-cargo', output: 'ci/vibeguard.ci.yaml' });
    expect(output.code).toBe(0);
    expect(output.stdout).toContain('customize the checks in ci/vibeguard.ci.yaml');
    expect(readdirSync(join(other, 'ci'))).toEqual(['vibeguard.ci.yaml']);
  });

  it('--assist prints VibeGuard’s setup guide, or writes it to --output (exit 3 when it cannot)', async () => {
    const cwd = project('vibeguard.yaml');
    const printed = await init(cwd, { assist: true });
    expect([printed.code, printed.stdout, printed.stderr]).toEqual([0, VIBEGUARD_ASSIST_PROMPT, '']);
    expect(VIBEGUARD_ASSIST_PROMPT).toMatch(/^# VibeGuard AI Agent Setup Guide\n/);
    const written = await init(cwd, { assist: true, output: 'prompt.md' });
    expect([written.code, written.stdout, written.stderr]).toEqual([0, '', `Setup prompt written to: ${join(cwd, 'prompt.md')}\n`]);
    expect(readFileSync(join(cwd, 'prompt.md'), 'utf8')).toBe(VIBEGUARD_ASSIST_PROMPT);
    const failed = await init(cwd, { assist: true, output: 'missing/prompt.md' });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/^Error: failed to write output file: .*ENOENT/);
  });
});

describe('fanout list --tags, --exclude-tags', () => {
  it('keeps the checks having any of the tags, without their requirements, less the excluded', async () => {
    const cwd = project('vibeguard.yaml');
    const list = (tags: string[], excludeTags: string[]) => captured(() => listCommand({ config: join(cwd, 'vibeguard.yaml'), verbose: false, json: false, color: false, tags, excludeTags }));
    expect((await list(['format'], [])).stdout).toBe('Checks (1):\n\n  fmt\n');
    expect((await list(['fast'], ['format'])).stdout).toBe('Checks (1):\n\n  vet\n');
    expect((await list(['nope'], [])).stdout).toBe('Checks (0):\n\n');
  });
});

describe('goDuration', () => {
  it('writes durations as Go does', () => {
    expect([0, 0.0005, 0.25, 500, 1500, 30_000, 90_000, 3_600_000, 7_265_500, -1000, -300_000].map(goDuration)).toEqual([
      '0s',
      '500ns',
      '250µs',
      '500ms',
      '1.5s',
      '30s',
      '1m30s',
      '1h0m0s',
      '2h1m5.5s',
      '-1s',
      '-5m0s',
    ]);
  });
});

describe('the command line in a folder whose config is vibeguard.*', () => {
  it('a bare invocation prints the help on stdout and exits 0; mistyped commands and flags exit 1 in cobra words', async () => {
    const cwd = project('vibeguard.yaml');
    const bare = await runCli([], { cwd });
    expect([bare.code, bare.stderr]).toEqual([0, '']);
    expect(bare.stdout).toMatch(/^Usage: fanout /);
    expect(await runCli(['frobnicate'], { cwd })).toMatchObject({ code: 1, stdout: '', stderr: `Error: unknown command "frobnicate" for "fanout"\nRun 'fanout --help' for usage.\n` });
    expect(await runCli(['check', '--nope'], { cwd })).toMatchObject({ code: 1, stderr: 'Error: unknown flag: --nope\n' });
    expect(await runCli(['check', '-x'], { cwd })).toMatchObject({ code: 1, stderr: "Error: unknown shorthand flag: 'x' in -x\n" });
  });

  it('a fanout.yaml keeps fanout usage errors (exit 2), also beside a vibeguard.yaml it takes precedence over', async () => {
    const cwd = project('vibeguard.yaml');
    writeFileSync(join(cwd, 'fanout.yaml'), CONFIG);
    expect(await runCli(['check', '--nope'], { cwd })).toMatchObject({ code: 2, stderr: "error: unknown option '--nope'\n(run with --help for usage)\n" });
    expect((await runCli(['check', '--nope', '-c', 'vibeguard.yaml'], { cwd })).code).toBe(1);
  });

  it('check reports as VibeGuard on stderr, with its log at .vibeguard/log/<id>.log', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: echo out; exit 3\n    grok: ["v=%{INT:v}"]\n    suggestion: "value [{{.v}}]"\n');
    const run = await runCli(['check'], { cwd });
    expect(run).toMatchObject({ code: 1, stdout: '', stderr: 'FAIL  a (error)\n\n  value [<no value>]\n  Log: .vibeguard/log/a.log\n  Advisory: blocks commit\n\nError: exit code 1\n' });
    expect(readFileSync(join(cwd, '.vibeguard/log/a.log'), 'utf8')).toBe('out\n');
  });

  // Seven whole CLI processes: up to 20 s on a loaded 2-core machine.
  it('check takes one id at most and names an unknown one in VibeGuard’s words; of the warnings only unknown keys are printed, the rest with -v', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n    requries: [b]\n    assert: "x == 1 # note"\n  - id: b\n    run: "true"\n');
    const several = await runCli(['check', 'a', 'b'], { cwd });
    expect([several.code, several.stdout, several.stderr.endsWith('\nError: accepts at most 1 arg(s), received 2\n')]).toEqual([1, '', true]);
    const unknown = await runCli(['check', 'nope'], { cwd });
    expect([unknown.code, unknown.stderr.endsWith('Error: check with ID "nope" not found\n')]).toEqual([2, true]);
    const quiet = await runCli(['check'], { cwd });
    expect(quiet.stderr.split('\n').filter((line) => line.includes('warning:'))).toEqual([expect.stringContaining('unknown key "requries"') as unknown]);
    const verbose = await runCli(['check', '-v'], { cwd });
    expect(verbose.stderr).toContain('unknown key "requries"');
    expect(verbose.stderr).toContain('after the expression is ignored');
    expect((await runCli(['validate'], { cwd })).stderr).not.toContain('after the expression is ignored');
    expect((await runCli(['validate', '-v'], { cwd })).stderr).toContain('after the expression is ignored');
  }, 60_000);

  // Three tests of two to four CLI runs each: seven runs in one test outlasted its time limit at load 16.
  const uncompiled = 'version: "1"\nchecks:\n  - id: g\n    run: echo out\n    grok: ["%{NOPE:x}"]\n';

  it('a grok pattern VibeGuard rejects when the check runs: the error alone, exit 1, as VibeGuard; validate loads it', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'vibeguard.yaml'), uncompiled);
    const error = 'Error: failed to compile grok pattern in check "g": failed to compile grok pattern "%{NOPE:x}": pattern definition "NOPE" unknown: parsing failed (line 3)\n';
    for (const args of [['check'], ['check', '--json'], ['check', 'g']]) {
      const run = await runCli(args, { cwd });
      expect([run.code, run.stdout]).toEqual([1, '']);
      expect(run.stderr.endsWith(error)).toBe(true);
    }
    // validate loads it, as VibeGuard's does.
    expect(await runCli(['validate'], { cwd })).toMatchObject({ code: 0, stdout: 'Configuration is valid (1 checks defined)\n' });
  });

  it('an assert VibeGuard rejects when the check runs: the error alone, exit 1, as VibeGuard', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'vibeguard.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "true"\n    assert: "(a == 1"\n');
    const assert = await runCli(['check'], { cwd });
    expect(assert.code).toBe(1);
    expect(assert.stderr.endsWith(`Error: failed to evaluate assertion in check "a": parse error in assertion "(a == 1": expected ')' at position 7, got ""\n  (a == 1\n        ^ (line 3)\n`)).toBe(true);
  });

  it('a fanout.yaml with a grok pattern that does not compile refuses to load (exit 2), in check and validate', async () => {
    const own = tempDir();
    writeFileSync(join(own, 'fanout.yaml'), uncompiled);
    const refused = await runCli(['check'], { cwd: own });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('fanout.yaml:5:12: invalid grok pattern "%{NOPE:x}": pattern %{NOPE} is not defined');
    expect((await runCli(['validate'], { cwd: own })).code).toBe(2);
  });

  /** A folder whose vibeguard.yaml has a check `a` (echoing n=abc) with `check`'s lines, then a failing check `b`. */
  const stoppingProject = (check: string): string => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'vibeguard.yaml'), `version: "1"\nchecks:\n  - id: a\n    run: echo n=abc\n${check}  - id: b\n    run: "exit 1"\n`);
    return cwd;
  };
  const stopped = (cwd: string, args: string[] = []) => runCli(['check', '--error-exit-code', '5', ...args], { cwd });
  const fileError = (cwd: string) => `failed to read file "missing.txt": open ${join(cwd, 'missing.txt')}: no such file or directory`;
  // One test per case (two CLI runs each): fifteen runs in one test outlasted its time limit on a loaded machine.
  it.each<[string, string, (cwd: string) => string]>([
    ['a grok pattern that does not compile', '    grok: ["n=%{NOPE:n}"]\n', () => 'Error: failed to compile grok pattern in check "a": failed to compile grok pattern "n=%{NOPE:n}": pattern definition "NOPE" unknown: parsing failed (line 3)\n'],
    ['an unreadable file:', '    file: missing.txt\n', (cwd) => `Error: ${fileError(cwd)} in check "a": ${fileError(cwd)} (line 3)\n`],
    ['an unreadable file: is reported before a broken pattern', '    file: missing.txt\n    grok: ["n=%{NOPE:n}"]\n', (cwd) => `Error: ${fileError(cwd)} in check "a": ${fileError(cwd)} (line 3)\n`],
    ['an assert that does not parse', '    assert: "n >> 3"\n', () => 'Error: failed to evaluate assertion in check "a": parse error in assertion "n >> 3": unexpected token ">" at position 3\n  n >> 3\n    ^ (line 3)\n'],
    [
      'arithmetic on a word',
      '    grok: ["n=%{WORD:n}"]\n    assert: "n - 1 > 0"\n',
      () => 'Error: failed to evaluate assertion in check "a": eval error in assertion "n - 1 > 0": arithmetic requires numeric operands, got left="abc" right="1" (line 3)\n',
    ],
    ['a word negated', '    grok: ["n=%{WORD:n}"]\n    assert: " -n < 0"\n', () => 'Error: failed to evaluate assertion in check "a": eval error in assertion "-n < 0": cannot negate non-numeric value "abc" (operator: -abc) (line 3)\n'],
    [
      'a boolean plus a string',
      '    grok: ["n=%{WORD:n}"]\n    assert: \'(m > 1) + "x" == 1\'\n',
      () => 'Error: failed to evaluate assertion in check "a": eval error in assertion "(m > 1) + \\"x\\" == 1": arithmetic requires numeric operands, got left="false" right="x" (line 3)\n',
    ],
  ])('a run a check stops (%s) exits 1 whatever --error-exit-code says, the error alone on stderr', async (_name, check, error) => {
    const cwd = stoppingProject(check);
    for (const args of [[], ['--json']]) {
      const run = await stopped(cwd, args);
      expect({ args, code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ args, code: 1, stdout: '', stderr: error(cwd) });
    }
  });

  it('a false assert is an ordinary failure: the run goes on and exits with --error-exit-code', async () => {
    const failed = await stopped(stoppingProject('    grok: ["n=%{WORD:n}"]\n    assert: \'n == "x"\'\n'));
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain('FAIL  a (error)');
    expect(failed.stderr).toContain('FAIL  b (error)');
  });
});
