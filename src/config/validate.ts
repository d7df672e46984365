/**
 * Validation of a parsed config: walks the `yaml` Document (not plain JS) so that every problem is reported at the
 * line and column of the node that caused it, all at once, each with a stable code. Produces resolved checks (vars
 * substituted, defaults applied, paths absolute) only when there is no error.
 */
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';
import { analyzeGrokPattern } from './grok.js';
import { assertIdentifiers, parseAssert } from './assert.js';
import { parseDuration } from './duration.js';
import { renderTemplate, templatePlaceholders } from './template.js';
import { didYouMean } from './suggest.js';
import { sortDiagnostics } from './diagnostics.js';
import type { Diagnostic, LoadResult, Prompt, ResolvedCheck, Trigger } from './types.js';

/** Pattern every check and prompt id must match (VibeGuard's). */
export const ID_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
/** Pattern every tag must match (VibeGuard's). */
export const TAG_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Pattern of a `lock` name. */
export const LOCK_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;
/** Pattern of `vars` names (usable as `{{.name}}`) and `env` names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Default per-attempt timeout of a check, as VibeGuard's. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const TOP_KEYS = ['version', 'vars', 'prompts', 'checks'] as const;
const PROMPT_KEYS = ['id', 'description', 'content', 'tags'] as const;
const CHECK_KEYS = [
  'id',
  'run',
  'grok',
  'file',
  'assert',
  'severity',
  'suggestion',
  'fix',
  'requires',
  'tags',
  'timeout',
  'on',
  'async',
  'cwd',
  'env',
  'retries',
  'files',
  'lock',
] as const;
const ON_KEYS = ['success', 'failure', 'timeout'] as const;

/** Options of {@link validateDocument}. */
export interface ValidateOptions {
  /** The file name diagnostics carry, as the caller wants it displayed. */
  file: string;
  /** Absolute folder of the file: the default working directory of checks. */
  dir: string;
  /** Absolute path of the file, for the resolved config. */
  absoluteFile: string;
  /** Unknown keys (and unusable var names) are warnings instead of errors, unless `strict`. */
  vibeguardCompat: boolean;
  strict: boolean;
}

interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

type Severity = Diagnostic['severity'];

class Validator {
  readonly diagnostics: Diagnostic[] = [];
  private readonly compatSeverity: Severity;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly source: string,
    private readonly options: ValidateOptions,
  ) {
    this.compatSeverity = options.vibeguardCompat && !options.strict ? 'warning' : 'error';
  }

  // ---- locations and reporting ----

  position(node: Node | null | undefined, fallback?: Node | null): { line: number; col: number } {
    return this.offsetPosition(node?.range?.[0] ?? fallback?.range?.[0] ?? 0);
  }

  offsetPosition(offset: number): { line: number; col: number } {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.source.length)));
    return { line: Math.max(1, line), col: Math.max(1, col) };
  }

  report(code: string, node: Node | null | undefined, message: string, severity: Severity = 'error', fallback?: Node | null): void {
    const { line, col } = this.position(node, fallback);
    this.diagnostics.push({ code, severity, message, file: this.options.file, line, col });
  }

  reportAt(code: string, line: number, col: number, message: string): void {
    this.diagnostics.push({ code, severity: 'error', message, file: this.options.file, line, col });
  }

  // ---- node helpers ----

  deref(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  kind(node: Node | null): string {
    if (node === null) return 'nothing';
    if (isMap(node)) return 'a map';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const value = node.value;
      if (value === null) return 'nothing';
      if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
      if (typeof value === 'number') return `the number ${node.source ?? String(value)}`;
      if (typeof value === 'boolean') return `the boolean ${String(value)}`;
      return typeof value;
    }
    return 'an unsupported value';
  }

  /** Key/value pairs of a map, with `<<` merge keys expanded (explicit keys win, then earlier merges). */
  entries(map: YAMLMap, seen: Set<YAMLMap> = new Set()): Entry[] {
    seen.add(map);
    const explicit: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (keyNode === null || !isScalar(keyNode)) {
        this.report('invalid-key', keyNode, `keys must be text, got ${this.kind(keyNode)}`, 'error', map);
        continue;
      }
      if (typeof keyNode.value === 'symbol' || (keyNode.source === '<<' && keyNode.type === 'PLAIN')) {
        const target = this.deref(pair.value);
        const sources = target !== null && isSeq(target) ? target.items.map((item) => this.deref(item)) : [target];
        for (const source of sources) {
          if (source === null || !isMap(source)) {
            this.report('invalid-type', keyNode, `a "<<" merge needs a map, got ${this.kind(source)}`);
          } else if (!seen.has(source)) merged.push(...this.entries(source, seen));
        }
        continue;
      }
      const key = keyNode.source ?? String(keyNode.value);
      explicit.push({ key, keyNode, value: this.deref(pair.value) });
    }
    const result = [...explicit];
    for (const entry of merged) if (!result.some((existing) => existing.key === entry.key)) result.push(entry);
    return result;
  }

  /**
   * Checks keys against `known`; returns the known entries by key. With `extensions`, keys starting with `x-` are
   * accepted and ignored (a place for YAML anchors, as in Compose files).
   */
  fields(map: YAMLMap, known: readonly string[], extensions = false): Map<string, Entry> {
    const byKey = new Map<string, Entry>();
    for (const entry of this.entries(map)) {
      if (known.includes(entry.key)) byKey.set(entry.key, entry);
      else if (extensions && entry.key.startsWith('x-')) continue;
      else {
        this.report(
          'unknown-key',
          entry.keyNode,
          `unknown key ${JSON.stringify(entry.key)}${didYouMean(entry.key, known)}`,
          this.compatSeverity,
        );
      }
    }
    return byKey;
  }

  /** Text of a scalar: strings as they are, numbers and booleans as written (VibeGuard's YAML decoder does so). */
  scalarText(node: Node | null): string | undefined {
    if (node === null || !isScalar(node)) return undefined;
    const value = node.value;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return node.source ?? String(value);
    return undefined;
  }

  /** A free-text field: text, number or boolean; null means absent. */
  text(entry: Entry | undefined, what: string): string | undefined {
    if (entry === undefined || this.isNull(entry.value)) return undefined;
    const text = this.scalarText(entry.value);
    if (text === undefined) this.report('invalid-type', entry.value, `${what} must be text, got ${this.kind(entry.value)}`);
    return text;
  }

  /** A field that must be a YAML string (names, ids, enums). */
  string(node: Node | null, what: string): string | undefined {
    if (node !== null && isScalar(node) && typeof node.value === 'string') return node.value;
    this.report('invalid-type', node, `${what} must be a string, got ${this.kind(node)}`);
    return undefined;
  }

  /** A list field; a null value is an empty list. Items are dereferenced. */
  list(entry: Entry | undefined, what: string, allowScalar = false): Array<Node | null> {
    if (entry === undefined || this.isNull(entry.value)) return [];
    const value = entry.value;
    if (value !== null && isSeq(value)) return value.items.map((item) => this.deref(item));
    if (allowScalar && value !== null && isScalar(value)) return [value];
    this.report('invalid-type', value, `${what} must be a list${allowScalar ? ' or a string' : ''}, got ${this.kind(value)}`);
    return [];
  }

  map(entry: Entry | undefined, what: string): YAMLMap | undefined {
    if (entry === undefined || this.isNull(entry.value)) return undefined;
    if (entry.value !== null && isMap(entry.value)) return entry.value;
    this.report('invalid-type', entry.value, `${what} must be a map, got ${this.kind(entry.value)}`);
    return undefined;
  }

  /** Where column `col` (1-based) of a scalar's value is in the file, when the value is written verbatim. */
  innerPosition(node: Node, col: number): { line: number; col: number } | undefined {
    if (!isScalar(node) || node.range == null) return undefined;
    const [start, end] = node.range;
    const value = node.value;
    if (typeof value !== 'string' || value.includes('\n')) return undefined;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    if (!quoted && node.type !== 'PLAIN') return undefined;
    const raw = quoted ? this.source.slice(start + 1, end - 1) : this.source.slice(start, end);
    if (raw !== value) return undefined;
    return this.offsetPosition(start + (quoted ? 1 : 0) + col - 1);
  }

  // ---- the config ----

  validate(): LoadResult {
    const root = this.deref(this.doc.contents);
    if (this.isNull(root)) {
      this.reportAt('no-checks', 1, 1, 'no checks defined: the file is empty');
      return this.result(undefined);
    }
    if (root === null || !isMap(root)) {
      this.report('invalid-type', root, `the config must be a map with a "checks" list, got ${this.kind(root)}`);
      return this.result(undefined);
    }
    const top = this.fields(root, TOP_KEYS, true);

    const version = top.get('version');
    if (version !== undefined && !this.isNull(version.value)) {
      const text = this.scalarText(version.value);
      if (text !== '1' && text !== '') {
        this.report(
          'unsupported-version',
          version.value,
          `unsupported config version ${text === undefined ? this.kind(version.value) : JSON.stringify(text)} (supported: "1")`,
        );
      }
    }

    const vars = this.vars(top.get('vars'));
    const prompts = this.prompts(top.get('prompts'));
    const checksEntry = top.get('checks');
    let checks: ResolvedCheck[] = [];
    if (checksEntry === undefined || this.isNull(checksEntry.value)) {
      this.report('no-checks', checksEntry?.keyNode ?? root, 'no checks defined', 'error');
    } else if (checksEntry.value === null || !isSeq(checksEntry.value)) {
      this.report('invalid-type', checksEntry.value, `checks must be a list, got ${this.kind(checksEntry.value)}`);
    } else if (checksEntry.value.items.length === 0) {
      this.report('no-checks', checksEntry.value, 'no checks defined');
    } else {
      checks = this.checks(checksEntry.value.items.map((item) => this.deref(item)), vars, prompts);
    }
    return this.result({ vars, prompts, checks });
  }

  result(config: { vars: Record<string, string>; prompts: Prompt[]; checks: ResolvedCheck[] } | undefined): LoadResult {
    const diagnostics = sortDiagnostics(this.diagnostics);
    if (config === undefined || diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };
    return {
      ok: true,
      config: {
        file: this.options.absoluteFile,
        dir: this.options.dir,
        vibeguardCompat: this.options.vibeguardCompat,
        vars: config.vars,
        prompts: config.prompts,
        checks: config.checks,
        warnings: diagnostics,
      },
    };
  }

  vars(entry: Entry | undefined): Record<string, string> {
    const vars: Record<string, string> = {};
    const map = this.map(entry, 'vars');
    if (map === undefined) return vars;
    for (const { key, keyNode, value } of this.entries(map)) {
      if (!NAME_PATTERN.test(key)) {
        this.report(
          'invalid-var-name',
          keyNode,
          `var name ${JSON.stringify(key)} cannot be used as {{.${key}}}: use letters, digits and _, not starting with a digit`,
          this.compatSeverity,
        );
      }
      if (this.isNull(value)) vars[key] = '';
      else {
        const text = this.scalarText(value);
        if (text === undefined) this.report('invalid-type', value, `vars.${key} must be text, got ${this.kind(value)}`);
        else vars[key] = text;
      }
    }
    return vars;
  }

  prompts(entry: Entry | undefined): Prompt[] {
    const prompts: Prompt[] = [];
    const firstLine = new Map<string, number>();
    for (const node of this.list(entry, 'prompts')) {
      if (node === null || !isMap(node)) {
        this.report('invalid-type', node, `each prompt must be a map with id and content, got ${this.kind(node)}`, 'error', entry?.value);
        continue;
      }
      const fields = this.fields(node, PROMPT_KEYS);
      const id = this.id(fields.get('id'), node, 'prompt', firstLine);
      const content = this.text(fields.get('content'), 'content');
      if (fields.get('content') === undefined || this.isNull(fields.get('content')?.value ?? null)) {
        this.report('missing-field', node, `prompt${id === undefined ? '' : ` "${id}"`} is missing "content"`);
      }
      const description = this.text(fields.get('description'), 'description');
      const tags = this.tags(fields.get('tags'));
      if (id !== undefined && content !== undefined) {
        prompts.push({ id, content, tags, ...(description === undefined ? {} : { description }) });
      }
    }
    return prompts;
  }

  id(entry: Entry | undefined, owner: Node, what: 'check' | 'prompt', firstLine: Map<string, number>): string | undefined {
    if (entry === undefined || this.isNull(entry.value)) {
      this.report('missing-field', owner, `${what} is missing "id"`);
      return undefined;
    }
    const id = this.string(entry.value, `${what} id`);
    if (id === undefined) return undefined;
    if (!ID_PATTERN.test(id)) {
      this.report('invalid-id', entry.value, `invalid ${what} id ${JSON.stringify(id)}: must match ${ID_PATTERN.source}`);
      return undefined;
    }
    const line = this.position(entry.value).line;
    const first = firstLine.get(id);
    if (first !== undefined) {
      this.report('duplicate-id', entry.value, `duplicate ${what} id "${id}" (first defined at line ${first})`);
      return undefined;
    }
    firstLine.set(id, line);
    return id;
  }

  tags(entry: Entry | undefined): string[] {
    const tags: string[] = [];
    for (const node of this.list(entry, 'tags')) {
      const tag = this.string(node, 'each tag');
      if (tag === undefined) continue;
      if (!TAG_PATTERN.test(tag)) this.report('invalid-tag', node, `invalid tag ${JSON.stringify(tag)}: must match ${TAG_PATTERN.source}`);
      else if (!tags.includes(tag)) tags.push(tag);
    }
    return tags;
  }

  // ---- checks ----

  checks(nodes: Array<Node | null>, vars: Record<string, string>, prompts: Prompt[]): ResolvedCheck[] {
    const firstLine = new Map<string, number>();
    const parsed: Array<{ node: YAMLMap; fields: Map<string, Entry>; id: string | undefined }> = [];
    // Ids first, so `requires` can point forward and did-you-mean knows every id.
    for (const node of nodes) {
      if (node === null || !isMap(node)) {
        this.report('invalid-type', node, `each check must be a map with id and run, got ${this.kind(node)}`);
        continue;
      }
      const fields = this.fields(node, CHECK_KEYS);
      parsed.push({ node, fields, id: this.id(fields.get('id'), node, 'check', firstLine) });
    }
    const ids = new Set(parsed.flatMap((p) => (p.id === undefined ? [] : [p.id])));
    // Ids that failed validation still exist for reference checks, so one bad id does not cascade.
    const writtenIds = new Set(
      parsed.flatMap((p) => {
        const value = p.fields.get('id')?.value ?? null;
        return value !== null && isScalar(value) && typeof value.value === 'string' ? [value.value] : [];
      }),
    );
    const checks: ResolvedCheck[] = [];
    const requireNodes = new Map<string, Map<string, Node>>();
    for (const { node, fields, id } of parsed) {
      const check = this.check(node, fields, id, vars, prompts, ids, writtenIds, requireNodes);
      if (check !== undefined) checks.push(check);
    }
    this.cycles(checks, requireNodes);
    return checks;
  }

  check(
    node: YAMLMap,
    fields: Map<string, Entry>,
    id: string | undefined,
    vars: Record<string, string>,
    prompts: Prompt[],
    ids: Set<string>,
    writtenIds: Set<string>,
    requireNodes: Map<string, Map<string, Node>>,
  ): ResolvedCheck | undefined {
    const writtenId = fields.get('id')?.value;
    const label = id ?? (writtenId != null && isScalar(writtenId) && typeof writtenId.value === 'string' ? writtenId.value : undefined);
    const name = label === undefined ? 'check' : `check "${label}"`;
    const substitute = (entry: Entry | undefined, text: string, field: string, allowed: readonly string[] = []): string => {
      const rendered = renderTemplate(text, vars);
      for (const missing of rendered.missing) {
        if (allowed.includes(missing)) continue;
        const why = allowed.length > 0 || field === 'suggestion' || field === 'fix' ? 'not in vars and no grok pattern extracts it' : 'not defined in vars';
        const message = `unknown variable "${missing}" in ${field}: ${why}${didYouMean(missing, [...Object.keys(vars), ...allowed])}`;
        const offset = templatePlaceholders(text).find((p) => p.name === missing)?.offset ?? 0;
        const exact = entry?.value == null ? undefined : this.innerPosition(entry.value, offset + 1);
        if (exact !== undefined) this.reportAt('unknown-var', exact.line, exact.col, message);
        else this.report('unknown-var', entry?.value, message);
      }
      return rendered.text;
    };

    // run
    const runEntry = fields.get('run');
    let run = this.text(runEntry, 'run');
    if (runEntry === undefined || this.isNull(runEntry.value)) this.report('missing-field', node, `${name} is missing "run"`);
    else if (run !== undefined && run.trim() === '') {
      this.report('empty-field', runEntry.value, `${name} has an empty "run"`);
      run = undefined;
    }
    if (run !== undefined) run = substitute(runEntry, run, 'run');

    // grok
    const grok: string[] = [];
    const grokFields: string[] = [];
    // A broken pattern's fields are unknown: asserts are then not checked against them (no cascade of errors).
    let grokBroken = false;
    const grokEntry = fields.get('grok');
    for (const patternNode of this.list(grokEntry, 'grok', true)) {
      const written = this.scalarText(patternNode);
      if (written === undefined) {
        this.report('invalid-type', patternNode, `each grok pattern must be text, got ${this.kind(patternNode)}`);
        continue;
      }
      const pattern = substitute({ key: 'grok', keyNode: patternNode ?? node, value: patternNode }, written, 'grok');
      const analysis = analyzeGrokPattern(pattern);
      if (!analysis.ok) {
        grokBroken = true;
        this.report('invalid-grok', patternNode, `invalid grok pattern ${JSON.stringify(pattern)}: ${analysis.error}`);
        continue;
      }
      grok.push(pattern);
      for (const field of analysis.fields) if (!grokFields.includes(field)) grokFields.push(field);
    }

    // cwd (before file, which is relative to it)
    const cwdEntry = fields.get('cwd');
    const cwdText = this.text(cwdEntry, 'cwd');
    if (cwdText !== undefined && cwdText.trim() === '') this.report('empty-field', cwdEntry?.value, 'cwd must not be empty');
    const cwd =
      cwdText === undefined || cwdText.trim() === ''
        ? this.options.dir
        : path.resolve(this.options.dir, substitute(cwdEntry, cwdText, 'cwd'));

    // file
    const fileEntry = fields.get('file');
    let file = this.text(fileEntry, 'file');
    if (file !== undefined) {
      if (file.trim() === '') {
        this.report('empty-field', fileEntry?.value, 'file must not be empty');
        file = undefined;
      } else file = path.resolve(cwd, substitute(fileEntry, file, 'file'));
    }

    // assert
    const assertEntry = fields.get('assert');
    let assert = this.text(assertEntry, 'assert');
    if (assert !== undefined && assertEntry?.value !== null && assertEntry !== undefined) {
      const written = assert;
      assert = substitute(assertEntry, assert, 'assert');
      const parsed = parseAssert(assert);
      const valueNode = assertEntry.value;
      if (!parsed.ok) {
        const exact = assert === written ? this.innerPosition(valueNode, parsed.col) : undefined;
        if (exact !== undefined) this.reportAt('invalid-assert', exact.line, exact.col, `invalid assert: ${parsed.error}`);
        else this.report('invalid-assert', valueNode, `invalid assert: ${parsed.error} (column ${parsed.col} of ${JSON.stringify(assert)})`);
        assert = undefined;
      } else {
        for (const identifier of grokBroken ? [] : assertIdentifiers(parsed.ast)) {
          if (grokFields.includes(identifier)) continue;
          const why =
            grok.length === 0 && grokEntry === undefined
              ? `${name} has no grok pattern to extract it`
              : `no grok pattern of ${name} extracts it`;
          this.report('assert-unknown-name', valueNode, `assert reads "${identifier}" but ${why}${didYouMean(identifier, grokFields)}`);
        }
      }
    }

    // severity
    let severity: ResolvedCheck['severity'] = 'error';
    const severityEntry = fields.get('severity');
    if (severityEntry !== undefined && !this.isNull(severityEntry.value)) {
      const text = this.string(severityEntry.value, 'severity');
      if (text === 'error' || text === 'warning') severity = text;
      else if (text !== undefined) {
        this.report(
          'invalid-severity',
          severityEntry.value,
          `invalid severity ${JSON.stringify(text)}: expected "error" or "warning"${didYouMean(text, ['error', 'warning'])}`,
        );
      }
    }

    // suggestion and fix keep the placeholders grok fills at report time
    const suggestionEntry = fields.get('suggestion');
    const suggestionText = this.text(suggestionEntry, 'suggestion');
    const suggestion = suggestionText === undefined ? undefined : substitute(suggestionEntry, suggestionText, 'suggestion', grokFields);
    const fixEntry = fields.get('fix');
    const fixText = this.text(fixEntry, 'fix');
    const fix = fixText === undefined ? undefined : substitute(fixEntry, fixText, 'fix', grokFields);

    // requires
    const requires: string[] = [];
    const nodesById = new Map<string, Node>();
    for (const requireNode of this.list(fields.get('requires'), 'requires')) {
      const required = this.string(requireNode, 'each entry of requires');
      if (required === undefined) continue;
      if (required === id) this.report('self-dependency', requireNode, `${name} requires itself`);
      else if (!writtenIds.has(required)) {
        this.report('unknown-require', requireNode, `${name} requires unknown check "${required}"${didYouMean(required, [...ids].filter((other) => other !== id))}`);
      } else if (!requires.includes(required)) {
        requires.push(required);
        if (requireNode !== null) nodesById.set(required, requireNode);
      }
    }
    if (id !== undefined) requireNodes.set(id, nodesById);

    const tags = this.tags(fields.get('tags'));

    // timeout
    let timeoutMs: number | null = DEFAULT_TIMEOUT_MS;
    let timeoutExplicit = false;
    const timeoutEntry = fields.get('timeout');
    if (timeoutEntry !== undefined && !this.isNull(timeoutEntry.value)) {
      const written = this.scalarText(timeoutEntry.value);
      // Go's time.ParseDuration accepts a bare "0" (and VibeGuard reads `timeout: 0` as the default): so does fanout,
      // unquoted too. Other unit-less numbers stay errors, as they are in Go.
      const isZero = isScalar(timeoutEntry.value) && timeoutEntry.value.value === 0;
      const ms = isZero ? 0 : written === undefined || !(isScalar(timeoutEntry.value) && typeof timeoutEntry.value.value === 'string') ? null : parseDuration(written);
      if (ms === null) {
        const shown = written === undefined ? this.kind(timeoutEntry.value) : JSON.stringify(written);
        const hint = written !== undefined && /^-?\d+(\.\d+)?$/.test(written) ? ` (add a unit: "${written}s")` : '';
        this.report('invalid-duration', timeoutEntry.value, `invalid timeout ${shown}: expected a duration such as 500ms, 30s, 2m or 1h30m${hint}`);
      } else if (ms < 0) {
        timeoutMs = null;
        timeoutExplicit = true;
      } else if (ms > 0) {
        timeoutMs = ms;
        timeoutExplicit = true;
      }
    }

    const on = this.on(fields.get('on'), prompts);

    // fanout's additions
    let async = false;
    const asyncEntry = fields.get('async');
    if (asyncEntry !== undefined && !this.isNull(asyncEntry.value)) {
      const value = asyncEntry.value;
      if (value !== null && isScalar(value) && typeof value.value === 'boolean') async = value.value;
      else this.report('invalid-type', value, `async must be true or false, got ${this.kind(value)}`);
    }

    const env: Record<string, string> = {};
    const envMap = this.map(fields.get('env'), 'env');
    if (envMap !== undefined) {
      for (const envEntry of this.entries(envMap)) {
        const { key, keyNode, value } = envEntry;
        if (!NAME_PATTERN.test(key)) {
          this.report('invalid-env', keyNode, `invalid environment variable name ${JSON.stringify(key)}: must match ${NAME_PATTERN.source}`);
          continue;
        }
        const text = this.scalarText(value);
        if (text === undefined) this.report('invalid-type', value, `env.${key} must be text, got ${this.kind(value)}`, 'error', keyNode);
        else env[key] = substitute(envEntry, text, `env.${key}`);
      }
    }

    let retries = 0;
    const retriesEntry = fields.get('retries');
    if (retriesEntry !== undefined && !this.isNull(retriesEntry.value)) {
      const value = retriesEntry.value;
      if (value !== null && isScalar(value) && typeof value.value === 'number' && Number.isSafeInteger(value.value) && value.value >= 0) {
        retries = value.value;
      } else this.report('invalid-retries', value, `retries must be an integer >= 0, got ${this.kind(value)}`);
    }

    const files: string[] = [];
    for (const fileNode of this.list(fields.get('files'), 'files', true)) {
      const glob = this.string(fileNode, 'each entry of files');
      if (glob === undefined) continue;
      if (glob.trim() === '') this.report('empty-field', fileNode, 'an entry of files is empty');
      else files.push(glob);
    }

    let lock: string | undefined;
    const lockEntry = fields.get('lock');
    if (lockEntry !== undefined && !this.isNull(lockEntry.value)) {
      const text = this.string(lockEntry.value, 'lock');
      if (text !== undefined && !LOCK_PATTERN.test(text)) {
        this.report('invalid-lock', lockEntry.value, `invalid lock name ${JSON.stringify(text)}: must match ${LOCK_PATTERN.source}`);
      } else lock = text;
    }

    if (id === undefined || run === undefined) return undefined;
    const check: ResolvedCheck = {
      id,
      run,
      grok,
      severity,
      requires,
      tags,
      timeoutMs,
      timeoutExplicit,
      on,
      async,
      cwd,
      env,
      retries,
      files,
      line: this.position(node).line,
    };
    if (file !== undefined) check.file = file;
    if (assert !== undefined) check.assert = assert;
    if (suggestion !== undefined) check.suggestion = suggestion;
    if (fix !== undefined) check.fix = fix;
    if (lock !== undefined) check.lock = lock;
    return check;
  }

  on(entry: Entry | undefined, prompts: Prompt[]): ResolvedCheck['on'] {
    const on: ResolvedCheck['on'] = {};
    const map = this.map(entry, 'on');
    if (map === undefined) return on;
    const promptIds = prompts.map((p) => p.id);
    for (const [event, eventEntry] of this.fields(map, ON_KEYS)) {
      const value = eventEntry.value;
      if (this.isNull(value)) continue;
      let trigger: Trigger | undefined;
      if (value !== null && isSeq(value)) {
        const ids: string[] = [];
        for (const item of value.items.map((i) => this.deref(i))) {
          const promptId = this.string(item, `each prompt id of on.${event}`);
          if (promptId === undefined) continue;
          if (!promptIds.includes(promptId)) {
            this.report('unknown-prompt', item, `unknown prompt "${promptId}" in on.${event}${didYouMean(promptId, promptIds)}`);
          } else ids.push(promptId);
        }
        trigger = { prompts: ids };
      } else {
        const text = this.scalarText(value);
        if (text === undefined) this.report('invalid-type', value, `on.${event} must be a list of prompt ids or text, got ${this.kind(value)}`);
        else trigger = { text };
      }
      if (trigger !== undefined) on[event as (typeof ON_KEYS)[number]] = trigger;
    }
    return on;
  }

  /** Reports each dependency cycle once, starting from its check that comes first in the file. */
  cycles(checks: ResolvedCheck[], requireNodes: Map<string, Map<string, Node>>): void {
    const order = new Map(checks.map((c, i) => [c.id, i]));
    const edges = new Map(checks.map((c) => [c.id, c.requires.filter((r) => order.has(r))]));
    // Tarjan's strongly connected components, iterative so a long chain cannot exhaust the stack.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const components: string[][] = [];
    let counter = 0;
    for (const start of order.keys()) {
      if (index.has(start)) continue;
      const work: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
      index.set(start, counter);
      low.set(start, counter++);
      stack.push(start);
      onStack.add(start);
      while (work.length > 0) {
        const frame = work[work.length - 1]!;
        const targets = edges.get(frame.id) ?? [];
        if (frame.next < targets.length) {
          const target = targets[frame.next++]!;
          if (!index.has(target)) {
            index.set(target, counter);
            low.set(target, counter++);
            stack.push(target);
            onStack.add(target);
            work.push({ id: target, next: 0 });
          } else if (onStack.has(target)) {
            low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent !== undefined) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
        if (low.get(frame.id) === index.get(frame.id)) {
          const component: string[] = [];
          let member: string | undefined;
          do {
            member = stack.pop()!;
            onStack.delete(member);
            component.push(member);
          } while (member !== frame.id);
          if (component.length > 1) components.push(component);
        }
      }
    }
    const sorted = components
      .map((component) => component.sort((a, b) => order.get(a)! - order.get(b)!))
      .sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!);
    for (const component of sorted) {
      const first = component[0]!;
      const members = new Set(component);
      // Shortest path back to `first` inside the component (breadth-first, edges in file order).
      const previous = new Map<string, string>();
      const queue = [first];
      let closing: string | undefined;
      while (queue.length > 0 && closing === undefined) {
        const current = queue.shift()!;
        for (const target of edges.get(current) ?? []) {
          if (!members.has(target)) continue;
          if (target === first) {
            closing = current;
            break;
          }
          if (!previous.has(target)) {
            previous.set(target, current);
            queue.push(target);
          }
        }
      }
      const path: string[] = [];
      for (let at = closing; at !== undefined && at !== first; at = previous.get(at)) path.unshift(at);
      const cycle = [first, ...path, first];
      const node = requireNodes.get(first)?.get(cycle[1]!);
      this.report('cycle', node, `cyclic dependency: ${cycle.join(' -> ')}`);
    }
  }
}

/**
 * Validates a parsed YAML document into resolved checks, or every problem found.
 *
 * @example
 * ```ts
 * import { LineCounter, parseDocument } from 'yaml';
 * import { validateDocument } from './validate.js';
 * const text = 'checks:\n  - id: a\n    run: "true"\n';
 * const lines = new LineCounter();
 * const doc = parseDocument(text, { lineCounter: lines });
 * validateDocument(doc, lines, text, { file: 'fanout.yaml', dir: '/repo', absoluteFile: '/repo/fanout.yaml', vibeguardCompat: false, strict: false }).ok; // true
 * ```
 */
export function validateDocument(doc: Document, lines: LineCounter, source: string, options: ValidateOptions): LoadResult {
  return new Validator(doc, lines, source, options).validate();
}
