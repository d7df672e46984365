import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration } from '../../src/common/duration.js';

describe('parseDuration (Go time.ParseDuration, in ms)', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1.s', 1000],
    ['0', 0],
    ['0s', 0],
    ['-0', 0],
    ['+5s', 5000],
    ['-1s', -1000],
    ['-1h30m', -5_400_000],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['1m1m', 120_000],
    ['100ms1s', 1100],
  ])('%s -> %d', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  test.each(['', '30', '-', '+', 's', '.s', '1.5', '5 s', ' 5s', '5s ', '5sec', '5S', '1h30', 'ms', '1e3s', '0x10s', '--1s', '1d', 'abc', '3000000h'])(
    '%j is invalid',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  test('a non-string is invalid, not a throw', () => {
    expect(parseDuration(30 as unknown as string)).toBeNull();
  });

  test.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [-1000, '-1s'],
    [30_000, '30s'],
    [1250, '1.25s'],
    [125_000, '2m5s'],
    [3_605_000, '1h5s'],
  ])('formatDuration(%d) = %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([
    [0.4, '0s'],
    [340.4, '340ms'],
    [999.6, '1s'],
    [1234.56, '1.23s'],
    [12_345, '12.3s'],
    [59_960, '1m'],
    [90_400, '1m30s'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('formatDuration(%d) = %s: three significant digits under a minute, whole seconds above', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
