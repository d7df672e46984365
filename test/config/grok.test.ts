import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { analyzeGrokPattern, compileGrok, GROK_PATTERNS, GrokError } from '../../src/config/grok.js';
import { extractFields } from '../../src/config/match-core.js';

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
    // Go's regular expressions and go-grok's library, as VibeGuard runs them.
    ['dotted field name', ['passed %{INT:tests.passed}'], 'passed 12', { 'tests.passed': '12' }],
    ['field name starting with a digit', ['v %{INT:1x}'], 'v 3', { '1x': '3' }],
    ['a reference go-grok does not parse stays literal', ['v %{INT:my-field}'], 'v %{INT:my-field}', {}],
    ['any type suffix', ['%{INT:n:decimal}'], '5', { n: '5' }],
    ['inline flag group', ['(?i:status) %{WORD:s}'], 'STATUS ok', { s: 'ok' }],
    ['inline flag mid-pattern', ['x (?i)status %{WORD:s}'], 'x STATUS ok', { s: 'ok' }],
    ['(?U) swaps greed', ['(?U)a=%{DATA:v},'], 'a=1,b=2,', { v: '1,b=2' }],
    ['octal escape', ['\\101%{INT:n}'], 'A5', { n: '5' }],
    ['\\pL', ['word (?P<w>\\pL+)'], 'word café!', { w: 'café' }],
    ['\\p{Greek}', ['word (?P<w>\\p{Greek}+)'], 'word αβγ!', { w: 'αβγ' }],
    ['\\x{41}', ['\\x{41}B %{INT:n}'], 'AB 5', { n: '5' }],
    ['IPv6 with :: inside', ['at %{IPV6:ip}'], 'at 2001:db8::1 x', { ip: '2001:db8::1' }],
    ['IPV4 accepts leading zeros (go-grok)', ['from %{IPV4:ip}'], 'from 010.001.002.003', { ip: '010.001.002.003' }],
    ['MONTHNUM needs two digits (go-grok)', ['m=%{MONTHNUM:m}'], 'm=9', {}],
    ['SECOND 60', ['%{HOUR:h}:%{MINUTE:m}:%{SECOND:s}'], '23:59:60', { h: '23', m: '59', s: '60' }],
    ['BASE16FLOAT', ['f %{BASE16FLOAT:n}'], 'f 0x1.8p3', { n: '0x1.8' }],
    ['BASE10NUM has no sign before a dot', ['x=%{BASE10NUM:n}'], 'x=+.5', {}],
    ['BOOL', ['enabled=%{BOOL:b}'], 'enabled=true', { b: 'true' }],
    ['TZ', ['zone %{TZ:z}'], 'zone PST', { z: 'PST' }],
    ['URN', ['id %{URN:u}'], 'id urn:isbn:0451450523', { u: 'urn:isbn:0451450523' }],
    ['URIQUERY', ['/a\\?%{URIQUERY:q}'], '/a?x=1&y=2', { q: 'x=1&y=2' }],
    ['DATESTAMP_RFC822', ['Date %{DATESTAMP_RFC822:d}'], 'Date Mon Jan 15 2024 10:30:00 PST', { d: 'Mon Jan 15 2024 10:30:00 PST' }],
    ['DATESTAMP_RFC2822', ['Date %{DATESTAMP_RFC2822:d}'], 'Date Mon, 15 Jan 2024 10:30:00 +0000', { d: 'Mon, 15 Jan 2024 10:30:00 +0000' }],
    ['DATESTAMP_OTHER', ['Date %{DATESTAMP_OTHER:d}'], 'Date Mon Jan 15 10:30:00 UTC 2024', { d: 'Mon Jan 15 10:30:00 UTC 2024' }],
    ['DATESTAMP_EVENTLOG', ['Date %{DATESTAMP_EVENTLOG:d}'], 'Date 20240115103000', { d: '20240115103000' }],
    ['PROG', ['%{PROG:p}\\['], 'sshd[123]: x', { p: 'sshd' }],
    ['SYSLOGHOST', ['host %{SYSLOGHOST:h}'], 'host web01 x', { h: 'web01' }],
    ['SYSLOGBASE names its own fields', ['%{SYSLOGBASE} %{GREEDYDATA:msg}'], 'Jan 15 10:30:00 web01 sshd[123]: login', { timestamp: 'Jan 15 10:30:00', 'host.hostname': 'web01', msg: 'login' }],
    ['a field twice in one pattern keeps the last value', ['a=%{INT:v} b=%{INT:v}'], 'a=1 b=2', { v: '2' }],
    ['an empty capture is no value', ['x=(?P<v>\\d*) y'], 'x= y', {}],
    ['. matches \\r', ['a%{DATA:x}b'], 'a\rb', { x: '\r' }],
    ['\\s is not \\v', ['a\\s(?P<x>b)'], 'a\vb', {}],
    ['\\s is not a no-break space', ['a\\s(?P<x>b)'], 'a\u00a0b', {}],
    ['\\d is ASCII', ['n (?P<x>\\d)'], 'n \u0663', {}],
    ['\\w is ASCII', ['w (?P<x>\\w)'], 'w é', {}],
    ['$ is the end of the text', ['value %{INT:n}$'], 'value 7\nother\n', {}],
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
    ['(a', 'missing closing ): `(a`'],
    ['a)', 'unexpected ): `a)`'],
    ['(\\d)\\1', 'invalid escape sequence: `\\1` (Go regular expressions have no backreferences)'],
    ['foo(?=1)', 'invalid or unsupported Perl syntax: `(?=` (Go regular expressions have no lookahead or lookbehind)'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b` (Go regular expressions have no lookahead or lookbehind)'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['x\\', 'trailing backslash at end of expression'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['(?P<a.b>x)', 'invalid named capture: `(?P<a.b>`'],
    // The message quotes the expanded pattern with the field's own name.
    ['(unclosed %{INT:n}', 'missing closing ): `(unclosed (?P<n>(?:[+-]?(?:[0-9]+)))`'],
  ])('%j is invalid: %s', (pattern, error) => {
    expect(analyzeGrokPattern(pattern)).toEqual({ ok: false, error, vibeguard: expect.any(String) as unknown });
    expect(() => compileGrok([pattern])).toThrow(GrokError);
  });

  test('an invalid pattern also says why in go-grok’s words (what VibeGuard prints)', () => {
    expect(analyzeGrokPattern('%{NOPE:x}')).toMatchObject({ ok: false, vibeguard: 'pattern definition "NOPE" unknown: parsing failed' });
    expect(analyzeGrokPattern('(\\d)\\1')).toMatchObject({ ok: false, vibeguard: 'error parsing regexp: invalid escape sequence: `\\1`' });
    expect(analyzeGrokPattern('(unclosed %{INT:n}')).toMatchObject({ ok: false, vibeguard: 'error parsing regexp: missing closing ): `(unclosed (?P<n>(?:[+-]?(?:[0-9]+)))`' });
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

describe('the V8 fast path runs patterns exactly as RE2 does', () => {
  const patterns = [
    ...Object.keys(GROK_PATTERNS).map((name) => `%{${name}:x}`),
    ...Object.keys(GROK_PATTERNS).map((name) => `: %{${name}:x}\\s`),
    'coverage: %{NUMBER:coverage}% of statements',
    'Tests:\\s+%{INT:failed} failed, %{INT:passed} passed',
    '%{DATA:file}:%{INT:line}:%{INT:col}: %{GREEDYDATA:msg} \\(%{WORD:linter}\\)',
    '(?s)a.%{WORD:w}',
    '(?:a=%{INT:x}|b=%{INT:x})',
    'x=(?P<v>\\d*) y',
    '[^a-c\\]-]+(?P<t>[[:alpha:]_.-]{2,})',
    '(?P<q>"[^"]*")|(?P<w>\\S+)',
    '^(?P<first>\\w+)',
    'a(?P<x>.*?)b',
    '\\A(?P<s>[\\s\\d]+)\\z',
    '\\{x\\} %{INT:n}',
    '%{INT:my-field} (?P<r>.)',
  ];
  const alphabet = fc.constantFrom(...'ab01 :.-/x=y"\'{}\\\n\r\t\v\u00a0é😀Tests%', 'Jan', '2001:db8::1', '192.168.0.1', ' failed, ', 'true');
  const text = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''));

  test('V8 runs the common patterns', () => {
    for (const pattern of ['coverage: %{NUMBER:coverage}%', '%{INT:a} %{WORD:b}', '%{DATA:file}:%{INT:line}', '(?s)begin%{GREEDYDATA:b}end']) {
      const compiled = analyzeGrokPattern(pattern);
      expect(compiled.ok && compiled.v8 !== undefined, pattern).toBe(true);
    }
  });

  test.each([
    ['(?P<run>(a+)+$)', 'a repetition of a repetition'],
    ['(?:x=%{INT:v},)+', 'a capture inside a repetition'],
    ['(?i)ok %{WORD:w}', 'a case-insensitive flag'],
    ['(?m)^n=%{INT:n}$', 'multi-line anchors'],
    ['word (?P<w>\\pL+)', 'a Unicode class'],
    ['\\101%{INT:n}', 'an octal escape'],
  ])('RE2 runs %j (%s)', (pattern) => {
    const compiled = analyzeGrokPattern(pattern);
    expect(compiled.ok && compiled.v8).toBe(undefined);
  });

  test('both engines extract the same values from any text', () => {
    const pairs = patterns.flatMap((pattern) => {
      const compiled = analyzeGrokPattern(pattern);
      return compiled.ok && compiled.v8 !== undefined ? [{ pattern, compiled }] : [];
    });
    expect(pairs.length).toBeGreaterThan(patterns.length / 2);
    fc.assert(
      fc.property(text, (input) => {
        for (const { pattern, compiled } of pairs) {
          const onV8 = extractFields([{ v8: compiled.v8, groups: compiled.groups }], input);
          const onRe2 = extractFields([{ regex: compiled.regex, groups: compiled.groups }], input);
          expect(onV8, `${pattern} over ${JSON.stringify(input)}`).toEqual(onRe2);
        }
      }),
      { numRuns: 300 },
    );
  });
});
