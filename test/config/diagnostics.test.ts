import { describe, expect, test } from 'vitest';
import { formatDiagnostic, sortDiagnostics } from '../../src/config/diagnostics.js';
import { closest, didYouMean, editDistance } from '../../src/common/suggest.js';
import type { Diagnostic } from '../../src/config/types.js';

const base: Diagnostic = { code: 'unknown-key', severity: 'error', message: 'unknown key "x"', file: '/repo/ci/fanout.yaml', line: 7, col: 5 };

describe('formatDiagnostic', () => {
  test.each<[string, Diagnostic, string | undefined, string]>([
    ['absolute path without cwd', base, undefined, '/repo/ci/fanout.yaml:7:5: unknown key "x"'],
    ['relative to cwd', base, '/repo', 'ci/fanout.yaml:7:5: unknown key "x"'],
    ['outside cwd stays absolute', base, '/other', '/repo/ci/fanout.yaml:7:5: unknown key "x"'],
    ['a relative file is kept as given', { ...base, file: 'fanout.yaml' }, '/repo', 'fanout.yaml:7:5: unknown key "x"'],
    ['warnings are marked', { ...base, severity: 'warning' }, '/repo/ci', 'fanout.yaml:7:5: warning: unknown key "x"'],
    ['a whole-file diagnostic has no position', { ...base, code: 'config-not-found', line: 0, col: 0, message: 'config file not found' }, '/repo', 'ci/fanout.yaml: config file not found'],
  ])('%s', (_name, d, cwd, expected) => {
    expect(formatDiagnostic(d, cwd)).toBe(expected);
  });

  test('sortDiagnostics orders by file, line, column, errors first', () => {
    const d = (file: string, line: number, col: number, severity: Diagnostic['severity'] = 'error'): Diagnostic => ({ ...base, file, line, col, severity });
    const sorted = sortDiagnostics([d('b', 1, 1), d('a', 2, 1), d('a', 1, 9), d('a', 1, 2, 'warning'), d('a', 1, 2)]);
    expect(sorted.map((x) => `${x.file}:${x.line}:${x.col}:${x.severity}`)).toEqual(['a:1:2:error', 'a:1:2:warning', 'a:1:9:error', 'a:2:1:error', 'b:1:1:error']);
  });
});

describe('did you mean', () => {
  test.each<[string, string, number]>([
    ['requires', 'requires', 0],
    ['requries', 'requires', 1], // a transposition is one edit
    ['tmeout', 'timeout', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('editDistance(%s, %s) = %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  test.each<[string, string | undefined]>([
    ['requries', 'requires'],
    ['sevrity', 'severity'],
    ['Run', 'run'],
    ['tag', 'tags'],
    ['timeout_ms', 'timeout'],
    ['dependencies', undefined],
    ['xy', undefined],
    ['zzzzzz', undefined],
  ])('closest(%s) among check keys = %s', (name, expected) => {
    expect(closest(name, ['id', 'run', 'requires', 'severity', 'tags', 'timeout'])).toBe(expected);
  });

  test('didYouMean renders the hint or nothing', () => {
    expect(didYouMean('chekcs', ['version', 'checks'])).toBe(' (did you mean "checks"?)');
    expect(didYouMean('nothing', ['version', 'checks'])).toBe('');
  });
});
