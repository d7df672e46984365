import { describe, expect, test } from 'vitest';
import { assertIdentifiers, evaluateAssert, parseAssert, parseVibeguardAssert, printAssert } from '../../src/config/assert.js';

const values = { coverage: '71.5', score: '7', verdict: 'PASS', version: '1.10', name: 'abc', ok: 'true', no: 'false', zero: '0', neg: '-3' };

describe('assert: evaluation', () => {
  test.each<[string, boolean]>([
    // literals
    ['true', true],
    ['false', false],
    ['!true', false],
    ['!!true', true],
    // numeric comparison when both sides are numbers
    ['coverage >= 70', true],
    ['coverage >= 80', false],
    ['coverage > 71.4', true],
    ['coverage < 71.5', false],
    ['coverage <= 71.5', true],
    ['coverage == 71.50', true],
    ['score != 7', false],
    ['score == "7.0"', true],
    ['neg < 0', true],
    ['version > 1.9', false], // 1.10 is the number 1.1
    ['10 > 9', true],
    // string comparison otherwise
    ['verdict == "PASS"', true],
    ["verdict == 'PASS'", true],
    ['verdict != "FAIL"', true],
    ['name < "abd"', true],
    ['name > "ab"', true],
    ['"10" > "9"', true], // both numeric: numbers
    ['"b" > "a"', true],
    ['name == "ABC"', false],
    ['ok == true', true],
    ['ok', true],
    ['!no', true],
    ['"say \\"hi\\"" == \'say "hi"\'', true],
    // arithmetic and precedence
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 - 4 - 3 == 3', true],
    ['12 / 3 / 2 == 2', true],
    ['-score == -7', true],
    ['- -score == 7', true],
    ['score * 2 >= 14', true],
    ['coverage + 10 > 80', true],
    ['2 * (score - 4) == 6', true],
    // logical operators and precedence: ! > comparisons > && > ||
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['false && true || true', true],
    ['!(score > 5)', false],
    ['!false == true', true],
    ['score > 5 && verdict == "PASS"', true],
    ['score > 9 || verdict == "PASS"', true],
    ['score > 9 || verdict == "FAIL"', false],
    ['((((score))) == 7)', true],
    ['  coverage>=70&&score<10  ', true],
    ['1e2 == 100', true],
    ['.5 == 0.5', true],
  ])('%s -> %s', (expression, expected) => {
    expect(evaluateAssert(expression, values)).toEqual({ ok: true, value: expected });
  });

  // Any value is a condition, as in VibeGuard: false, "false", "" and zero are false; anything else is true.
  test.each<[string, Record<string, string>, boolean]>([
    ['score && true', { score: '7' }, true],
    ['!score', { score: '7' }, false],
    ['!issues', { issues: '0' }, true],
    ['score', { score: '7' }, true],
    ['count', { count: '0' }, false],
    ['s', { s: 'yes' }, true],
    ['s', { s: '' }, false],
    ['s', { s: 'false' }, false],
    ['1 + 1', {}, true],
    ['0', {}, false],
    // A division by zero is 0, as in VibeGuard.
    ['1 / zero == 0', { zero: '0' }, true],
    ['1 / zero > 0', { zero: '0' }, false],
  ])('%s with %j is %s', (expression, vals, expected) => {
    expect(evaluateAssert(expression, vals)).toEqual({ ok: true, value: expected });
  });

  test.each<[string, string, string[]]>([
    ['a == 1 # must be one', '(a == 1)', ['"# must be one" after the expression is ignored']],
    ['a = 1', 'a', ['"= 1" after the expression is ignored']],
    ['a % 2 == 1', 'a', ['"% 2 == 1" after the expression is ignored']],
    ['s == "ok', '(s == "ok")', ['the string starting at column 6 is not closed (read to the end)']],
    ['1 < 2 < 3', '((1 < 2) < 3)', []],
    ['!a == 1', '(!(a) == 1)', []],
    ['s == "a\\n"', '(s == "a\\\\n")', []],
    ['tests.passed > 0', 'tests', ['".passed > 0" after the expression is ignored']],
  ])('VibeGuard reads %j as %s', (expression, canonical, tolerated) => {
    const parsed = parseVibeguardAssert(expression);
    expect(parsed).toMatchObject({ ok: true, canonical, tolerated });
    // What fanout's parser reads back is the same expression.
    const again = parseAssert(canonical);
    expect(again.ok && parsed.ok && printAssert(again.ast)).toBe(canonical);
  });

  test.each<[string, string]>([
    ['a ==', 'unexpected end of expression'],
    ['(a == 1', 'expected ")" at column 8, found end of expression'],
    ['# only', 'unexpected token "#"'],
  ])('VibeGuard rejects %j too: %s', (expression, error) => {
    expect(parseVibeguardAssert(expression)).toMatchObject({ ok: false, error });
  });

  test('short-circuit: the right side is not evaluated when the left decides', () => {
    expect(evaluateAssert('false && missing > 1', {})).toEqual({ ok: true, value: false });
    expect(evaluateAssert('true || missing > 1', {})).toEqual({ ok: true, value: true });
  });

  test.each<[string, Record<string, string>, { error: string; missing?: string; vibeguard?: string }]>([
    ['coverage >= 70', {}, { error: '"coverage" has no value: grok did not extract it', missing: 'coverage' }],
    ['score > 1 && other == 2', { score: '3' }, { error: '"other" has no value: grok did not extract it', missing: 'other' }],
    ['name + 1 > 2', { name: 'abc' }, { error: '"+" needs numbers, got "abc"', vibeguard: 'arithmetic requires numeric operands, got left="abc" right="1"' }],
    ['2 * name > 2', { name: 'abc' }, { error: '"*" needs numbers, got "abc"', vibeguard: 'arithmetic requires numeric operands, got left="2" right="abc"' }],
    ['-name == 1', { name: 'abc' }, { error: '"-" needs a number, got "abc"', vibeguard: 'cannot negate non-numeric value "abc" (operator: -abc)' }],
    ['score >', { score: '7' }, { error: 'syntax error at column 8: unexpected end of expression' }],
  ])('%s fails: %j', (expression, vals, failure) => {
    expect(evaluateAssert(expression, vals)).toEqual({ ok: false, ...failure });
  });

  // VibeGuard's words for what it cannot evaluate, as its binary prints them (Go's %q quoting, numbers in plain
  // decimal): a vibeguard.* config stops its run with them.
  test.each<[string, Record<string, string>, string]>([
    ['n * 2 == 0', { n: '' }, 'arithmetic requires numeric operands, got left="" right="2"'],
    ['(n > 1) * 2 == 2', { n: '5' }, 'arithmetic requires numeric operands, got left="true" right="2"'],
    ['n + "x" == "5x"', { n: '5' }, 'arithmetic requires numeric operands, got left="5" right="x"'],
    ['(n * 1) + "x" == 1', { n: '1e21' }, 'arithmetic requires numeric operands, got left="1000000000000000000000" right="x"'],
    ['(n / 3) - "x" == 1', { n: '5' }, 'arithmetic requires numeric operands, got left="1.6666666666666667" right="x"'],
    ['(n - 1) + "x" == 1', { n: '-0.0000001' }, 'arithmetic requires numeric operands, got left="-1.0000001" right="x"'],
    ['(n * 1) + "x" == 1', { n: '1.5e-7' }, 'arithmetic requires numeric operands, got left="0.00000015" right="x"'],
    ['(n * 1) + "x" == 1', { n: '1.25e22' }, 'arithmetic requires numeric operands, got left="12500000000000000000000" right="x"'],
    ['n * 2 == 0', { n: '"a\tb\\\u0000\u0085é"' }, 'arithmetic requires numeric operands, got left="\\"a\\tb\\\\\\x00\\u0085é\\"" right="2"'],
    ['-n == 0', { n: '' }, 'cannot negate non-numeric value "" (operator: -)'],
    ['-(n > 1) < 0', { n: '5' }, 'cannot negate non-numeric value "true" (operator: -true)'],
  ])('VibeGuard cannot evaluate %s either (%j): %s', (expression, vals, vibeguard) => {
    expect(evaluateAssert(expression, vals)).toMatchObject({ ok: false, vibeguard });
  });

  test('a parsed AST can be evaluated many times', () => {
    const parsed = parseAssert('coverage >= 70');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(evaluateAssert(parsed.ast, { coverage: '69' })).toEqual({ ok: true, value: false });
    expect(evaluateAssert(parsed.ast, { coverage: '70' })).toEqual({ ok: true, value: true });
  });

  test('a value named like an Object.prototype member is missing, not inherited', () => {
    expect(evaluateAssert('constructor == 1', {})).toMatchObject({ ok: false, missing: 'constructor' });
  });
});

describe('assert: parsing', () => {
  test('the AST follows precedence', () => {
    const parsed = parseAssert('a || b && !c == 1 + 2 * 3');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.ast).toMatchObject({
      type: 'binary',
      op: '||',
      left: { type: 'identifier', name: 'a' },
      right: {
        type: 'binary',
        op: '&&',
        left: { type: 'identifier', name: 'b' },
        right: {
          type: 'binary',
          op: '==',
          left: { type: 'unary', op: '!', operand: { type: 'identifier', name: 'c' } },
          right: { type: 'binary', op: '+', left: { value: 1 }, right: { type: 'binary', op: '*' } },
        },
      },
    });
    expect(assertIdentifiers(parsed.ast)).toEqual(['a', 'b', 'c']);
  });

  test.each<[string, string, number]>([
    ['', 'empty expression', 1],
    ['   ', 'empty expression', 1],
    ['score >=', 'unexpected end of expression', 9],
    ['score = 1', 'unexpected character "=" (use == to compare)', 7],
    ['a & b', 'unexpected character "&" (use &&)', 3],
    ['a | b', 'unexpected character "|" (use ||)', 3],
    ['(a == 1', 'expected ")" to close "(" at column 1, found end of expression', 8],
    ['a == 1)', 'unexpected ")"', 7],
    ['a == "open', 'unterminated string starting with "', 6],
    ['1 < a < 3', 'comparisons cannot be chained: combine them with && or ||', 7],
    ['a == == b', 'expected a value, found "=="', 6],
    ['a b', 'unexpected "b"', 3],
    ['12abc > 1', 'invalid number "12a"', 1],
    ['a # b', 'unexpected character "#"', 3],
    ['()', 'expected a value, found ")"', 2],
    ['*a', 'expected a value, found "*"', 1],
  ])('%j -> %s at column %d', (expression, error, col) => {
    expect(parseAssert(expression)).toEqual({ ok: false, error, col });
  });

  test('deep nesting and huge expressions are errors, not stack overflows', () => {
    expect(parseAssert(`${'('.repeat(100)}1${')'.repeat(100)} == 1`)).toMatchObject({ ok: false, error: 'expression nested deeper than 64 levels' });
    expect(parseAssert(`${'!'.repeat(100)}true`)).toMatchObject({ ok: false, error: 'expression nested deeper than 64 levels' });
    expect(parseAssert(Array.from({ length: 600 }, () => '1').join(' + '))).toMatchObject({ ok: false, error: 'expression longer than 1000 tokens' });
  });

  test('no eval: code-like input is just a syntax error', () => {
    expect(parseAssert('process.exit(1)')).toMatchObject({ ok: false });
    expect(parseAssert('a; b')).toMatchObject({ ok: false });
  });
});
