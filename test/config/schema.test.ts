import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { INVALID_CASES } from './invalid-cases.js';
import { loadConfigText } from '../../src/config/load.js';
import { FORMAT_KEYS } from '../../src/config/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.resolve(root, 'test/fixtures/vibeguard-examples');
const fixtures = path.join(root, 'test/fixtures/config');
const schema = JSON.parse(readFileSync(path.join(root, 'schema/fanout.schema.json'), 'utf8')) as Record<string, unknown>;

/** Diagnostics the schema expresses: a file with one of these must fail the schema too. */
const STRUCTURAL = new Set([
  'invalid-type', 'invalid-key', 'unknown-key', 'missing-field', 'empty-field', 'no-checks', 'unsupported-version', 'invalid-id',
  'invalid-tag', 'invalid-severity', 'invalid-duration', 'invalid-retries', 'invalid-env', 'invalid-lock', 'invalid-var-name',
  'invalid-input',
]);
/** Diagnostics beyond JSON Schema (references, graph, templates, grok and assert languages): the schema accepts these files. */
const SEMANTIC = new Set([
  'duplicate-id', 'unknown-require', 'self-dependency', 'cycle', 'unknown-prompt', 'unknown-var', 'invalid-grok', 'invalid-assert',
  'assert-unknown-name', 'invalid-input-glob',
]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

interface Fixture {
  name: string;
  file: string;
  text: string;
}

const fixtureList: Fixture[] = [
  ...readdirSync(examples)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name: `vibeguard-examples/${name}`, file: name, text: readFileSync(path.join(examples, name), 'utf8') })),
  ...yamlFiles(fixtures).map((full) => ({ name: path.relative(fixtures, full), file: path.basename(full), text: readFileSync(full, 'utf8') })),
  ...INVALID_CASES.map((c) => ({ name: `invalid: ${c.name}`, file: c.file ?? 'fanout.yaml', text: c.yaml })),
];

describe('schema/fanout.schema.json agrees with the validator', () => {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  const validate = ajv.compile(schema);

  test('the schema is draft-07 and compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(fixtureList.length).toBeGreaterThanOrEqual(5 + 7 + 40);
  });

  test.each(fixtureList)('$name', ({ file, text }) => {
    // The schema is for fanout's strict format, so the validator runs strict (unknown keys are errors everywhere).
    const result = loadConfigText(text, file, { strict: true });
    const codes = result.ok ? [] : result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    if (codes.includes('yaml-syntax')) return; // not YAML: there is no JSON for the schema to judge
    for (const code of codes) expect(STRUCTURAL.has(code) || SEMANTIC.has(code), `unclassified code ${code}`).toBe(true);
    let json: unknown;
    try {
      json = parse(text, { merge: true });
    } catch {
      // yaml refuses to build JSON (e.g. a merge of a scalar): no document to validate counts as a rejection.
      expect(result.ok).toBe(false);
      return;
    }
    const valid = validate(json);
    const errors = JSON.stringify(validate.errors);
    if (result.ok) expect(valid, `schema rejects a valid config: ${errors}`).toBe(true);
    else if (codes.some((code) => STRUCTURAL.has(code))) expect(valid, `schema accepts a config with ${codes.join(', ')}`).toBe(false);
    else expect(valid, `schema rejects a config whose only problems are semantic (${codes.join(', ')}): ${errors}`).toBe(true);
  });

  test('the JSON Schema knows, refuses and requires the same keys as the valibot schemas', () => {
    interface JsonMap {
      properties?: Record<string, JsonMap>;
      required?: string[];
      additionalProperties?: unknown;
    }
    const root = schema as unknown as JsonMap & { definitions: Record<string, JsonMap> };
    const on = root.definitions.check?.properties?.on;
    const maps: Array<[string, JsonMap | undefined, { known: readonly string[]; required: readonly string[] }]> = [
      ['config', root, FORMAT_KEYS.config],
      ['prompt', root.definitions.prompt, FORMAT_KEYS.prompt],
      ['check', root.definitions.check, FORMAT_KEYS.check],
      ['on', on, FORMAT_KEYS.on],
    ];
    for (const [name, json, keys] of maps) {
      expect(Object.keys(json?.properties ?? {}), name).toEqual(keys.known);
      expect(json?.required ?? [], name).toEqual(keys.required);
      expect(json?.additionalProperties, name).toBe(false);
    }
  });
});
