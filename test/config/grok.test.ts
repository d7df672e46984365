import { describe, expect, test } from 'vitest';
import { analyzeGrokPattern, compileGrok, GROK_PATTERNS, GrokError } from '../../src/config/grok.js';

const GO_COVER = [
  'github.com/acme/app/main.go:12:\tmain\t\t100.0%',
  'github.com/acme/app/util.go:7:\tHelper\t\t42.9%',
  'total:\t\t\t\t(statements)\t\t71.5%',
].join('\n');

describe('grok patterns', () => {
  test.each<[string, string[], string, Record<string, string>]>([
    ['go coverage (VibeGuard example)', ['total:.*\\(statements\\)\\s+%{NUMBER:coverage}%'], GO_COVER, { coverage: '71.5' }],
    ['jest json coverage', ['total.*coveredPercent[^:]*:\\s*%{NUMBER:coverage}'], '{"total":{"coveredPercent": 88.25}}', { coverage: '88.25' }],
    ['gocyclo line', ['%{INT:score} %{WORD:func} %{GREEDYDATA:location}'], '16 main main.go:10:1', { score: '16', func: 'main', location: 'main.go:10:1' }],
    ['LLM verdict', ['VERDICT: %{WORD:verdict} \\| REASON: %{GREEDYDATA:reason}'], 'noise\nVERDICT: FAIL | REASON: no tests\n', { verdict: 'FAIL', reason: 'no tests' }],
    ['INT with sign', ['n=%{INT:n}'], 'n=-42', { n: '-42' }],
    ['NUMBER decimal', ['took %{NUMBER:s}s'], 'took 3.25s', { s: '3.25' }],
    ['NUMBER leading dot', ['v=%{NUMBER:v}'], 'v=.5', { v: '.5' }],
    ['BASE10NUM', ['%{BASE10NUM:x}'], 'x 17', { x: '17' }],
    ['POSINT skips zero-led', ['%{POSINT:p}'], 'a 0 7', { p: '7' }],
    ['NONNEGINT', ['%{NONNEGINT:n}'], 'a 0', { n: '0' }],
    ['WORD', ['status %{WORD:w}'], 'status ok!', { w: 'ok' }],
    ['NOTSPACE', ['file %{NOTSPACE:f}'], 'file src/a.ts:3 more', { f: 'src/a.ts:3' }],
    ['SPACE then DATA (lazy)', ['a%{SPACE}%{DATA:d},'], 'a   x,y,', { d: 'x' }],
    ['GREEDYDATA stops at newline', ['msg: %{GREEDYDATA:m}'], 'msg: hello world\nnext', { m: 'hello world' }],
    ['QUOTEDSTRING double', ['name=%{QUOTEDSTRING:q}'], 'name="a \\"b\\" c" x', { q: '"a \\"b\\" c"' }],
    ['QUOTEDSTRING single', ['%{QS:q}'], "x 'it' y", { q: "'it'" }],
    ['UUID', ['id %{UUID:id}'], 'id 123e4567-e89b-12d3-a456-426614174000', { id: '123e4567-e89b-12d3-a456-426614174000' }],
    ['IPV4', ['from %{IPV4:ip}'], 'from 192.168.1.20 port', { ip: '192.168.1.20' }],
    ['IPV4 rejects 256', ['^%{IPV4:ip}$'], '256.1.1.1', {}],
    ['IPV6', ['from %{IPV6:ip} '], 'from fe80::1ff:fe23:4567:890a ok', { ip: 'fe80::1ff:fe23:4567:890a' }],
    ['IP picks v4', ['%{IP:ip}'], 'host 10.0.0.1', { ip: '10.0.0.1' }],
    ['HOSTNAME', ['host %{HOSTNAME:h}'], 'host api.example.com', { h: 'api.example.com' }],
    ['HOSTPORT', ['%{HOSTPORT:hp}'], 'listening on localhost:8080', { hp: 'localhost:8080' }],
    ['UNIXPATH', ['%{UNIXPATH:p}'], 'at /usr/local/bin/node', { p: '/usr/local/bin/node' }],
    ['PATH windows', ['%{PATH:p}'], 'C:\\Users\\me\\a.txt', { p: 'C:\\Users\\me\\a.txt' }],
    ['URI', ['%{URI:u}'], 'see https://user@example.com:8443/a/b?c=d&e=f now', { u: 'https://user@example.com:8443/a/b?c=d&e=f' }],
    ['TIMESTAMP_ISO8601', ['%{TIMESTAMP_ISO8601:t}'], 'at 2024-05-06T07:08:09.123+02:00 x', { t: '2024-05-06T07:08:09.123+02:00' }],
    ['LOGLEVEL', ['\\[%{LOGLEVEL:level}\\]'], '[WARNING] disk', { level: 'WARNING' }],
    ['EMAILADDRESS', ['%{EMAILADDRESS:e}'], 'mail me: a.b@example.org', { e: 'a.b@example.org' }],
    ['unnamed reference captures nothing', ['%{INT} items'], '3 items', {}],
    ['type suffix is accepted', ['%{INT:n:int}'], '5', { n: '5' }],
    ['Go (?P<name>) group', ['v(?P<major>\\d+)\\.(?P<minor>\\d+)'], 'v1.22', { major: '1', minor: '22' }],
    ['JS (?<name>) group', ['(?<n>\\d+) ok'], '9 ok', { n: '9' }],
    ['leading (?i) flag', ['(?i)result: %{WORD:r}'], 'RESULT: pass', { r: 'pass' }],
    ['leading (?s) flag lets . cross lines', ['(?s)begin%{GREEDYDATA:b}end'], 'begin\nx\nend', { b: '\nx\n' }],
    ['POSIX class', ['[[:digit:]]+ (?P<w>[[:alpha:]]+)'], '12 abc', { w: 'abc' }],
    ['\\A anchors the start', ['\\A%{WORD:w}'], 'first second', { w: 'first' }],
    ['no match gives no fields (never "")', ['missing %{INT:n}'], 'nothing here', {}],
    ['a later pattern overrides an earlier one', ['a=%{INT:v}', 'b=%{INT:v}'], 'a=1 b=2', { v: '2' }],
    ['a later pattern that does not match keeps the earlier value', ['a=%{INT:v}', 'c=%{INT:v}'], 'a=1 b=2', { v: '1' }],
    ['same field in alternatives: the one that matched', ['(?:x=%{INT:v}|y=%{INT:v})'], 'y=7', { v: '7' }],
    ['the whole output is searched, first match', ['%{INT:n}'], 'a\nb 5\nc 6', { n: '5' }],
  ])('%s', (_name, patterns, text, expected) => {
    expect(compileGrok(patterns).extract(text)).toEqual(expected);
  });

  test('every base pattern compiles, alone and as a field', () => {
    for (const name of Object.keys(GROK_PATTERNS)) {
      const result = analyzeGrokPattern(`%{${name}:x}`);
      expect(result.ok, name).toBe(true);
    }
    expect(Object.keys(GROK_PATTERNS)).toEqual(
      expect.arrayContaining(['INT', 'NUMBER', 'BASE10NUM', 'POSINT', 'NONNEGINT', 'WORD', 'NOTSPACE', 'SPACE', 'DATA', 'GREEDYDATA', 'QUOTEDSTRING', 'UUID', 'IP', 'IPV4', 'IPV6', 'HOSTNAME', 'PATH', 'UNIXPATH', 'URI', 'TIMESTAMP_ISO8601', 'LOGLEVEL']),
    );
  });

  test('fields lists what the patterns can capture, in order', () => {
    expect(compileGrok(['%{INT:a} %{WORD:b}', '%{INT:a} (?P<c>x)']).fields).toEqual(['a', 'b', 'c']);
  });

  test.each<[string, string]>([
    ['%{NUMBR:n}', 'pattern %{NUMBR} is not defined (did you mean %{NUMBER}?)'],
    ['%{INT:my-field}', 'invalid field name "my-field" in "%{INT:my-field}" (letters, digits and _)'],
    ['%{INT:n:decimal}', 'unknown type "decimal" in "%{INT:n:decimal}" (use int, float or string)'],
    ['%{INT', 'malformed reference at "%{INT"'],
    ['(a', 'Unterminated group'],
    ['a)', "Unmatched ')'"],
    ['(\\d)\\1', 'backreference "\\1" is not supported (Go regular expressions have none)'],
    ['(?U)a+', 'flag "U" in "(?U)" is not supported (use i, m or s)'],
    ['a(?i)b', 'inline flags "(?i)" are only supported at the start of a pattern'],
    ['[[:foo:]]', 'unknown character class "[:foo:]"'],
    ['x\\', 'trailing backslash'],
  ])('%j is invalid: %s', (pattern, error) => {
    expect(analyzeGrokPattern(pattern)).toEqual({ ok: false, error });
    expect(() => compileGrok([pattern])).toThrow(GrokError);
  });

  test('compileGrok names the bad pattern and its index', () => {
    try {
      compileGrok(['%{INT:a}', '%{NOPE:b}']);
      expect.unreachable();
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(GrokError);
      const grokError = error as GrokError;
      expect(grokError.code).toBe('ERR_GROK');
      expect(grokError.index).toBe(1);
      expect(grokError.message).toBe('invalid grok pattern "%{NOPE:b}": pattern %{NOPE} is not defined');
    }
  });

  test('bad arguments are TypeErrors naming the argument', () => {
    expect(() => compileGrok('x' as unknown as string[])).toThrow(new TypeError('patterns must be an array of strings, received "x"'));
    expect(() => compileGrok([1 as unknown as string])).toThrow(new TypeError('patterns[0] must be a string, received 1'));
    expect(() => compileGrok([]).extract(null as unknown as string)).toThrow(new TypeError('text must be a string, received null'));
  });
});
