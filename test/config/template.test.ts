import { describe, expect, test } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { renderGoTemplate, renderTemplate, substituteVarsExactly, templatePlaceholders } from '../../src/config/template.js';

describe('renderGoTemplate: a suggestion as VibeGuard renders it (Go text/template over the values)', () => {
  test.each([
    ['a value', 'n=[{{.n}}]', { n: '7' }, 'n=[7]'],
    ['a missing value', 'n=[{{.n}}]', {}, 'n=[<no value>]'],
    ['spaces inside the braces', '{{ .n }}|{{.n}}', { n: '1' }, '1|1'],
    ['a dotted name looks up its first part', '{{.tests.passed}}', { 'tests.passed': '3' }, '<no value>'],
    ['a field of a value fails: the text is printed as written', 'x {{.n.m}} {{.n}}', { n: '1' }, 'x {{.n.m}} {{.n}}'],
    ['an unclosed action: as written', 'x {{.n', { n: '1' }, 'x {{.n'],
    ['trim markers', 'a  {{- .n -}}  b', { n: '1' }, 'a1b'],
    ['string literals', '{{"{{.x}}"}} {{`raw`}}', {}, '{{.x}} raw'],
    ['a comment', 'a{{/* note */}}b', {}, 'ab'],
    ['the whole map', '{{.}}', { b: '2', a: '1' }, 'map[a:1 b:2]'],
    ['an action fanout does not run: as written', '{{if .n}}yes{{end}}', { n: '1' }, '{{if .n}}yes{{end}}'],
    ['an empty value', '[{{.e}}]', { e: '' }, '[]'],
    ['prototype names are not values', '{{.constructor}}', {}, '<no value>'],
  ])('%s', (_name, template, values: Record<string, string>, expected) => {
    expect(renderGoTemplate(template, values)).toBe(expected);
  });
});

describe('renderTemplate', () => {
  test.each([
    ['no placeholders', 'plain text', {}, 'plain text', []],
    ['one value', 'go vet {{.pkgs}}', { pkgs: './...' }, 'go vet ./...', []],
    ['spaces inside the braces', '{{ .a }}-{{.a}}', { a: 'x' }, 'x-x', []],
    ['a missing value stays as written', 'Coverage {{.coverage}}%', {}, 'Coverage {{.coverage}}%', ['coverage']],
    ['missing names once, in order', '{{.b}} {{.a}} {{.b}}', {}, '{{.b}} {{.a}} {{.b}}', ['b', 'a']],
    ['an empty value is a value', '[{{.a}}]', { a: '' }, '[]', []],
    ['values are not re-expanded', '{{.a}}', { a: '{{.b}}', b: 'no' }, '{{.b}}', []],
    ['other template syntax is left alone', '{{if .a}}x{{end}} {{.a}}', { a: '1' }, '{{if .a}}x{{end}} 1', []],
    ['prototype names are not values', '{{.constructor}}', {}, '{{.constructor}}', ['constructor']],
    ['$ in a value is literal', '{{.a}}', { a: '$& $1' }, '$& $1', []],
    ['a string literal writes its text', `go list -f '{{"{{.ImportPath}}"}}'`, {}, "go list -f '{{.ImportPath}}'", []],
    ['a raw string literal too', 'docker inspect -f {{`{{ .Names }}`}}', {}, 'docker inspect -f {{ .Names }}', []],
    ['escapes in a literal', '{{"a\\"b\\\\c"}}', {}, 'a"b\\c', []],
  ])('%s', (_name, template, values: Record<string, string>, text, missing) => {
    expect(renderTemplate(template, values)).toEqual({ text, missing });
  });

  test('templatePlaceholders gives names and offsets', () => {
    expect(templatePlaceholders('a {{.x}} b {{ .y }}')).toEqual([
      { name: 'x', offset: 2 },
      { name: 'y', offset: 11 },
    ]);
  });
});

describe('placeholders by file', () => {
  const config = (run: string): string => `vars:\n  pkgs: ./...\nchecks:\n  - id: a\n    run: ${JSON.stringify(run)}\n    suggestion: "{{.nope}}"\n`;

  test('a vibeguard.* file leaves braces that are not vars alone, as VibeGuard does', () => {
    const result = loadConfigText(config("go list -f '{{.ImportPath}}' {{.pkgs}} {{ .pkgs }}"), '/repo/vibeguard.yaml');
    if (!result.ok) expect.fail(JSON.stringify(result.diagnostics));
    // Only `{{.var}}` written exactly so is a var there.
    expect(result.config.checks[0]?.run).toBe("go list -f '{{.ImportPath}}' ./... {{ .pkgs }}");
    expect(result.config.warnings.map((d) => [d.code, d.severity])).toEqual([['unknown-var', 'warning']]);
  });

  test('fanout.yaml rejects them, naming the escape', () => {
    const result = loadConfigText(config("go list -f '{{.ImportPath}}'"), '/repo/fanout.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => d.message)).toContain('unknown variable "ImportPath" in run: not defined in vars (to pass it to the command as written: {{"{{.ImportPath}}"}})');
  });

  test('fanout.yaml passes a string literal to the command as written', () => {
    const result = loadConfigText(config(`go list -f '{{"{{.ImportPath}}"}}' {{ .pkgs }}`).replace('"{{.nope}}"', `'{{"{{.x}}"}}'`), '/repo/fanout.yaml');
    if (!result.ok) expect.fail(JSON.stringify(result.diagnostics));
    expect(result.config.checks[0]?.run).toBe("go list -f '{{.ImportPath}}' ./...");
    // A suggestion is rendered again at report time: its literal is kept for then.
    expect(result.config.checks[0]?.suggestion).toBe('{{"{{.x}}"}}');
    expect(renderTemplate(result.config.checks[0]?.suggestion ?? '', {}).text).toBe('{{.x}}');
  });

  test('substituteVarsExactly replaces only {{.var}} written exactly so', () => {
    expect(substituteVarsExactly('{{.a}} {{ .a }} {{.b}}', { a: '1' })).toBe('1 {{ .a }} {{.b}}');
  });
});

describe('asserts by file', () => {
  const config = (assert: string): string => `checks:\n  - id: a\n    run: x\n    grok: 'n=%{INT:n}'\n    assert: ${JSON.stringify(assert)}\n`;

  test.each([
    ['n == 1 # one', '(n == 1)'],
    ['n = 1', 'n'],
    ['n % 2 == 1', 'n'],
    ['n == "1', '(n == "1")'],
    ['missing == ""', '("" == "")'],
  ])('vibeguard.yaml loads %j as %j, with a warning', (assert, expected) => {
    const result = loadConfigText(config(assert), '/repo/vibeguard.yaml');
    if (!result.ok) expect.fail(JSON.stringify(result.diagnostics));
    expect(result.config.checks[0]?.assert).toBe(expected);
    expect(result.config.warnings.length).toBeGreaterThan(0);
    expect(loadConfigText(config(assert), '/repo/fanout.yaml').ok).toBe(false);
  });

  test('an assert fanout reads alike is kept as written', () => {
    const result = loadConfigText(config('n >= 1 && n < 10'), '/repo/vibeguard.yaml');
    expect(result.ok && result.config.checks[0]?.assert).toBe('n >= 1 && n < 10');
  });

  test('an assert VibeGuard rejects too loads with a warning, to fail when the check has exited 0 (as VibeGuard)', () => {
    const result = loadConfigText(config('n =='), '/repo/vibeguard.yaml');
    if (!result.ok) expect.fail(JSON.stringify(result.diagnostics));
    expect(result.config.warnings.map((w) => w.code)).toContain('invalid-assert');
    expect(result.config.checks[0]?.assert).toBeUndefined();
    expect(result.config.checks[0]?.invalid).toEqual({ code: 'assert', message: 'parse error in assertion "n ==": unexpected token "" at position 4\n  n ==\n     ^' });
    expect(loadConfigText(config('n =='), '/repo/fanout.yaml').ok).toBe(false);
  });
});

describe('compat: decides over the file name', () => {
  const text = (compat: string): string => `compat: ${compat}\nchecks:\n  - id: a\n    run: "go list -f '{{.ImportPath}}'"\n`;

  test('compat: vibeguard in fanout.yaml reads it as VibeGuard does', () => {
    const result = loadConfigText(text('vibeguard'), '/repo/fanout.yaml');
    expect(result.ok && result.config.vibeguardCompat).toBe(true);
    expect(result.ok && result.config.checks[0]?.run).toBe("go list -f '{{.ImportPath}}'");
  });

  test('compat: fanout in vibeguard.yaml keeps fanout semantics', () => {
    expect(loadConfigText(text('fanout'), '/repo/vibeguard.yaml').ok).toBe(false);
  });

  test('any other value is an error', () => {
    const result = loadConfigText(text('other'), '/repo/fanout.yaml');
    expect(result.ok ? [] : result.diagnostics.map((d) => d.code)).toContain('invalid-compat');
  });
});
