// YAML syntax errors said where the mistake is and how to fix it (test/fixtures/config/yaml-hints).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadConfigText } from '../../src/config/load.js';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'config', 'yaml-hints');

function diagnostics(name: string): string[] {
  const result = loadConfigText(readFileSync(path.join(dir, name), 'utf8'), name);
  return result.ok ? [] : result.diagnostics.map((d) => formatDiagnostic(d));
}

describe('YAML syntax hints', () => {
  it('an unquoted ": " in a command: quote the command, with the line to write', () => {
    expect(diagnostics('colon-in-command.yaml')).toEqual([
      `colon-in-command.yaml:4:10: Nested mappings are not allowed in compact mappings: a ": " inside a plain value starts a mapping; quote the command: run: 'echo time: now'`,
    ]);
    expect(diagnostics('colon-with-quotes.yaml')).toEqual([
      `colon-with-quotes.yaml:4:10: Nested mappings are not allowed in compact mappings: a ": " inside a plain value starts a mapping; quote the command: run: "grep -q 'Accept: json' headers.txt"`,
    ]);
  });

  it('the quoted line it suggests parses to the command', () => {
    const text = readFileSync(path.join(dir, 'colon-with-quotes.yaml'), 'utf8');
    const line = /quote the command: (.*)$/.exec(diagnostics('colon-with-quotes.yaml')[0] ?? '')?.[1] ?? '';
    const fixed = loadConfigText(text.replace(/^ {4}run: .*$/m, `    ${line}`), 'fanout.yaml');
    expect(fixed.ok && fixed.config.checks[0]?.run).toBe("grep -q 'Accept: json' headers.txt");
  });

  it('an unquoted ": " in a value of a flow map: quote the value, which then parses to the command', () => {
    const [said, ...more] = diagnostics('colon-in-flow-map.yaml');
    expect(more).toEqual([]);
    expect(said).toBe(`colon-in-flow-map.yaml:3:23: Block collections are not allowed within flow collections: a ": " inside a plain value starts a mapping; quote the value: run: 'echo time: now'`);
    const text = readFileSync(path.join(dir, 'colon-in-flow-map.yaml'), 'utf8');
    const fixed = loadConfigText(text.replace('run: echo time: now', /quote the value: (.*)$/.exec(said ?? '')?.[1] ?? ''), 'fanout.yaml');
    expect(fixed.ok && fixed.config.checks[0]?.run).toBe('echo time: now');
  });

  it('an unclosed "[" or "{" is pointed at, not the line after it, without the errors that follow from it', () => {
    expect(diagnostics('unclosed-bracket.yaml')).toEqual([
      'unclosed-bracket.yaml:5:11: this "[" is never closed: end the flow sequence with "]"',
    ]);
    // A "[" in a quoted string is no bracket.
    expect(diagnostics('unclosed-brace.yaml')).toEqual([
      'unclosed-brace.yaml:5:10: this "{" is never closed: end the flow map with "}"',
    ]);
    // Over two lines, a "]" in a comment counts for nothing.
    expect(diagnostics('unclosed-multiline.yaml')).toEqual([
      'unclosed-multiline.yaml:5:11: this "[" is never closed: end the flow sequence with "]"',
    ]);
  });
});
