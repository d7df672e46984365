import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigText } from '../../src/config/load.js';
import type { LoadResult } from '../../src/config/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplesDir = path.resolve(root, 'test/fixtures/vibeguard-examples');
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => readFileSync(path.join(examplesDir, name), 'utf8'));

/** The loader's whole contract: checks, or located diagnostics with at least one error — and nothing else. */
function assertContract(text: string, file: string, result: LoadResult): void {
  if (result.ok) {
    const { checks } = result.config;
    expect(checks.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(checks.map((c) => c.id));
    expect(ids.size).toBe(checks.length);
    for (const check of checks) {
      for (const required of check.requires) expect(ids.has(required)).toBe(true);
      expect(check.timeoutMs === null || check.timeoutMs > 0).toBe(true);
    }
    for (const warning of result.config.warnings) expect(warning.severity).toBe('warning');
    expect(hasCycle(new Map(checks.map((c) => [c.id, c.requires])))).toBe(false);
    return;
  }
  expect(result.diagnostics.length).toBeGreaterThanOrEqual(1);
  expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  const lineCount = text.split(/\r\n|\r|\n/).length;
  for (const d of result.diagnostics) {
    expect(d.file).toBe(file);
    expect(typeof d.code === 'string' && /^[a-z][a-z-]*$/.test(d.code)).toBe(true);
    expect(typeof d.message === 'string' && d.message.length > 0).toBe(true);
    expect(['error', 'warning']).toContain(d.severity);
    expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= lineCount + 1).toBe(true);
    expect(Number.isInteger(d.col) && d.col >= 1).toBe(true);
  }
}

/** Independent cycle test (Kahn's algorithm) for the property below. */
function hasCycle(graph: Map<string, readonly string[]>): boolean {
  const indegree = new Map([...graph.keys()].map((id) => [id, 0]));
  for (const targets of graph.values()) for (const t of targets) if (indegree.has(t)) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const ready = [...indegree].filter(([, n]) => n === 0).map(([id]) => id);
  let seen = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    seen += 1;
    for (const t of graph.get(id) ?? []) {
      if (!indegree.has(t)) continue;
      const n = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, n);
      if (n === 0) ready.push(t);
    }
  }
  return seen < graph.size;
}

function check(text: string, file = 'fanout.yaml', strict = false): void {
  let result: LoadResult;
  try {
    result = loadConfigText(text, file, { strict });
  } catch (error: unknown) {
    throw new Error(`loadConfigText threw for ${JSON.stringify(text)}`, { cause: error });
  }
  assertContract(text, file, result);
}

const yamlTokens = [
  '\n', '\n  ', '\n    ', '  ', ' ', '- ', ': ', ':', '-', '[', ']', '{', '}', ',', '#', '&a ', '*a', '!', '!!str ', '|', '>', "'", '"',
  '%', '@', '`', '?', '---\n', '...\n', '<<: *a', '\t', '\\', 'checks:', 'id: ', 'run: ', 'requires: ', 'grok: ', 'assert: ',
  'timeout: ', 'on:', 'failure: ', 'prompts:', 'vars:', 'version: ', 'env:', 'retries: ', 'a', 'b', 'x1', '0', '-1', '1.5', '30s',
  '{{.a}}', '{{', '}}', '%{INT:n}', '%{', '(', ')', '==', '>=', '&&', '!', 'true', 'null', '~', '\r\n', '\u00e9', '\u{1F600}', '\0',
];

const tokenText = fc.array(fc.constantFrom(...yamlTokens), { maxLength: 80 }).map((parts) => parts.join(''));

/** One edit to a text: delete, insert, duplicate, replace a character, or re-indent a line. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...yamlTokens), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('replace-char' as const), at: fc.nat(), char: fc.constantFrom(...':-[]{}#&*!|>\'"% \t\nx0') }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, edit: Mutation): string {
  const at = text.length === 0 ? 0 : edit.at % text.length;
  const lines = text.split('\n');
  const line = lines.length === 0 ? 0 : edit.at % lines.length;
  switch (edit.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length);
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'duplicate-line':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const other = edit.other % lines.length;
      [lines[line], lines[other]] = [lines[other] ?? '', lines[line] ?? ''];
      return lines.join('\n');
    }
    case 'indent': {
      const current = lines[line] ?? '';
      lines[line] = edit.by >= 0 ? ' '.repeat(edit.by) + current : current.replace(new RegExp(`^ {0,${-edit.by}}`), '');
      return lines.join('\n');
    }
    case 'replace-char':
      return text.slice(0, at) + edit.char + text.slice(at + 1);
  }
}

/** Random config-shaped objects: the right keys (and some wrong ones) holding values of every type. */
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.constantFrom('a', 'b', 'fmt', 'x-y', '1h30m', '-1s', '0', '{{.v}}', '%{NUMBER:n}', 'n >= 1', 'error', 'warning', 'Fast'),
    fc.integer({ min: -3, max: 3 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('id', 'run', 'k', 'success', 'x'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const checkKeys = ['id', 'run', 'grok', 'file', 'assert', 'severity', 'suggestion', 'fix', 'requires', 'tags', 'timeout', 'on', 'async', 'cwd', 'env', 'retries', 'files', 'lock', 'requries'];
const configObject = fc.record(
  {
    version: fc.oneof(fc.constant('1'), fc.constant(1), anyValue),
    vars: fc.oneof(fc.dictionary(fc.constantFrom('v', 'w', 'bad-name'), anyValue, { maxKeys: 3 }), anyValue),
    prompts: fc.oneof(fc.array(fc.dictionary(fc.constantFrom('id', 'content', 'tags', 'x'), anyValue, { maxKeys: 4 }), { maxLength: 2 }), anyValue),
    checks: fc.oneof(
      fc.array(
        fc.dictionary(fc.constantFrom(...checkKeys), anyValue, { maxKeys: 8 }).map((fields) => ({ id: 'c', run: 'true', ...fields })),
        { maxLength: 4 },
      ),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

describe('fuzz: loadConfigText returns checks or located diagnostics, never throws', () => {
  test('random text made of YAML tokens', () => {
    fc.assert(fc.property(tokenText, (text) => check(text)), { numRuns: 400 });
  });

  test('random unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => check(text)), { numRuns: 200 });
  });

  test('mutations of the shared VibeGuard examples', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...examples.keys()),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('fanout.yaml', 'vibeguard.yaml'),
        fc.boolean(),
        (index, edits, file, strict) => check(edits.reduce(mutate, examples[index] ?? ''), file, strict),
      ),
      { numRuns: 300 },
    );
  });

  test('config-shaped objects with values of every type', () => {
    fc.assert(fc.property(configObject, (object) => check(stringify(object))), { numRuns: 300 });
  });

  test('random dependency graphs: a cycle is reported exactly when one exists, as a -> ... -> a', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const graph = fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1 }).chain((nodes) =>
      fc.tuple(...nodes.map((id) => fc.tuple(fc.constant(id), fc.subarray(nodes.filter((other) => other !== id))))),
    );
    fc.assert(
      fc.property(graph, (edges) => {
        const text = stringify({ checks: edges.map(([id, requires]) => ({ id, run: 'true', requires })) });
        const result = loadConfigText(text, 'fanout.yaml');
        const cyclic = hasCycle(new Map(edges));
        expect(result.ok).toBe(!cyclic);
        if (result.ok) return;
        expect(result.diagnostics.length).toBeGreaterThan(0);
        for (const d of result.diagnostics) {
          expect(d.code).toBe('cycle');
          const path = /^cyclic dependency: (.*)$/.exec(d.message)?.[1]?.split(' -> ') ?? [];
          expect(path.length).toBeGreaterThanOrEqual(3);
          expect(path[0]).toBe(path[path.length - 1]);
          const requires = new Map(edges);
          for (let i = 0; i + 1 < path.length; i++) expect(requires.get(path[i]!)).toContain(path[i + 1]);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('regressions found while writing the layer', () => {
    for (const text of ['', '~', '[]', '{}', '---\n---\n', 'checks: [*a]', 'a: &a [*a]\nchecks: *a', 'checks:\n  - <<: *x', 'checks:\n  - &c {<<: *c, id: a, run: x}', '\0', '"\\u0000": 1']) {
      check(text);
    }
  });
});
