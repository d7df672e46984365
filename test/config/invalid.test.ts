import { describe, expect, test } from 'vitest';
import { INVALID_CASES } from './invalid-cases.js';
import { loadConfigText } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';

describe('invalid configs: every problem, located, with a stable code', () => {
  test('the table holds at least 40 configs', () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(INVALID_CASES)('$name', (c) => {
    const result = loadConfigText(c.yaml, c.file ?? 'fanout.yaml', c.strict === undefined ? {} : { strict: c.strict });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => formatDiagnostic(d))).toEqual(c.expected);
    expect(result.diagnostics.map((d) => d.code)).toEqual(c.codes);
    for (const d of result.diagnostics) {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.col).toBeGreaterThanOrEqual(1);
    }
  });
});
