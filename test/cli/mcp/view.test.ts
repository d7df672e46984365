// The text check output becomes before an MCP answer quotes it.
import { describe, expect, it } from 'vitest';
import { cleanOutput } from '../../../src/cli/mcp/view.js';

describe('cleanOutput', () => {
  it('drops escape sequences, bidirectional overrides and zero-width characters, keeping the visible text', () => {
    const rtl = 'const ok = "\u202Eevil\u202C"; // \u2066hidden\u2069';
    expect(cleanOutput(`\u001b[31mred\u001b[0m ${rtl}\u200b\ufeff`)).toBe('red const ok = "evil"; // hidden');
  });

  it('cuts an overlong line and says how much it left out', () => {
    const cleaned = cleanOutput('x'.repeat(2500));
    expect(cleaned).toBe(`${'x'.repeat(2000)}… (500 more characters)`);
  });
});
