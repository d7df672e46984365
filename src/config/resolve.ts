/**
 * The second pass of validation: what needs the whole config rather than one value's shape — unique ids, references
 * to checks and prompts, self-dependency and cycles, `{{.name}}` placeholders, grok patterns and asserts — and the
 * resolution into {@link ResolvedCheck}s (vars substituted, defaults applied, paths absolute, grok compiled).
 *
 * It reads the schema's output. Valibot hands that output back even when some values have issues (they keep their
 * raw input), so every value is read through {@link Resolution.usable}: a value with an error of its own is left out,
 * and the rest are still cross-checked — one bad field does not hide the other problems of the file.
 */
import path from 'node:path';
import { assertIdentifiers, parseAssert, parseVibeguardAssert, printAssert, type AssertNode } from './assert.js';
import { findCycles } from './cycles.js';
import { analyzeGrokPattern, compileGrok, type GrokMatcher } from './grok.js';
import type { CheckOutput, ConfigOutput, PromptOutput, TriggerOutput } from './schema.js';
import { globRegExp } from '../common/glob.js';
import { didYouMean } from '../common/suggest.js';
import { renderTemplate, substituteVarsExactly, templatePlaceholders } from './template.js';
import type { Prompt, ResolvedCheck, Trigger } from './types.js';
import { isMapData } from './yaml-data.js';

/** Default per-attempt timeout of a check, as VibeGuard's. */
export const DEFAULT_TIMEOUT_MS = 30_000;

type Path = ReadonlyArray<string | number>;

/** What the second pass needs from the validator: which values are usable, and where to report. */
export interface Resolution {
  /** False when the value at `path` has an error of its own (then it holds raw input, not the schema's output). */
  usable(path: Path): boolean;
  /** Reports at the value written at `path`. */
  report(code: string, path: Path, message: string): void;
  /** Reports at column `col` (1-based) inside the scalar written at `path`, or at the scalar when that is not exact. */
  reportInside(code: string, path: Path, col: number, message: string, fallback: string): void;
  /** 1-based line of the value written at `path`. */
  line(path: Path): number;
  /** Whether the file writes the key at `path` (even as `~`). */
  written(path: Path): boolean;
  /** Reports a problem that does not stop the load, at the value written at `path`. */
  warn(code: string, path: Path, message: string): void;
  /** Absolute folder of the config file. */
  dir: string;
  /** A VibeGuard file (`vibeguard.*`): its placeholders, asserts and templates behave as VibeGuard's. */
  vibeguard: boolean;
}

const EVENTS = ['success', 'failure', 'timeout'] as const;

/** Resolves the schema's output into vars, prompts and checks, reporting every cross-reference problem. */
export function resolveConfig(output: ConfigOutput, r: Resolution): { vars: Record<string, string>; prompts: Prompt[]; checks: ResolvedCheck[] } {
  const vars = resolveVars(output, r);
  const prompts = resolvePrompts(output, r);
  const checks = resolveChecks(output, r, vars, prompts);
  return { vars, prompts, checks };
}

/** The usable items of a list at `at`, each with its path. */
function items<T>(list: unknown, at: Path, r: Resolution): Array<{ value: T; path: Path }> {
  if (!Array.isArray(list) || !r.usable(at)) return [];
  const result: Array<{ value: T; path: Path }> = [];
  list.forEach((value: T, index) => {
    if (r.usable([...at, index])) result.push({ value, path: [...at, index] });
  });
  return result;
}

function resolveVars(output: ConfigOutput, r: Resolution): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!isMapData(output.vars) || !r.usable(['vars'])) return vars;
  for (const [name, value] of Object.entries(output.vars)) {
    if (typeof value === 'string' && r.usable(['vars', name])) vars[name] = value;
  }
  return vars;
}

/** Ids unique among their kind: the first keeps it, later ones are duplicates. `undefined` for an unusable id. */
function uniqueIds(list: ReadonlyArray<{ value: CheckOutput | PromptOutput; path: Path }>, what: 'check' | 'prompt', r: Resolution): Array<string | undefined> {
  const first = new Map<string, Path>();
  return list.map(({ value, path: at }) => {
    const idPath = [...at, 'id'];
    if (typeof value.id !== 'string' || !r.usable(idPath)) return undefined;
    const earlier = first.get(value.id);
    if (earlier !== undefined) {
      r.report('duplicate-id', idPath, `duplicate ${what} id "${value.id}" (first defined at line ${r.line(earlier)})`);
      return undefined;
    }
    first.set(value.id, idPath);
    return value.id;
  });
}

function resolvePrompts(output: ConfigOutput, r: Resolution): Prompt[] {
  const list = items<PromptOutput>(output.prompts, ['prompts'], r).filter(({ value }) => isMapData(value));
  const ids = uniqueIds(list, 'prompt', r);
  const prompts: Prompt[] = [];
  list.forEach(({ value, path: at }, index) => {
    const id = ids[index];
    const content = r.usable([...at, 'content']) ? value.content : undefined;
    if (id === undefined || typeof content !== 'string') return;
    const tags = r.usable([...at, 'tags']) && Array.isArray(value.tags) ? value.tags : [];
    const description = r.usable([...at, 'description']) && typeof value.description === 'string' ? value.description : undefined;
    prompts.push({ id, content, tags, ...(description === undefined ? {} : { description }) });
  });
  return prompts;
}

function resolveChecks(output: ConfigOutput, r: Resolution, vars: Record<string, string>, prompts: readonly Prompt[]): ResolvedCheck[] {
  const list = items<CheckOutput>(output.checks, ['checks'], r).filter(({ value }) => isMapData(value));
  const ids = uniqueIds(list, 'check', r);
  const valid = new Set(ids.filter((id) => id !== undefined));
  // Ids with a problem of their own still exist for references, so one bad id does not cascade into others.
  const written = new Set(list.flatMap(({ value }) => (typeof value.id === 'string' ? [value.id] : [])));
  const promptIds = prompts.map((p) => p.id);
  const requirePaths = new Map<string, Map<string, Path>>();
  const checks: ResolvedCheck[] = [];
  list.forEach(({ value, path: at }, index) => {
    const check = resolveCheck(value, at, ids[index], { r, vars, promptIds, valid, written, requirePaths });
    if (check !== undefined) checks.push(check);
  });
  for (const cycle of findCycles(checks)) {
    const [first = '', second = ''] = cycle;
    r.report('cycle', requirePaths.get(first)?.get(second) ?? ['checks'], `cyclic dependency: ${cycle.join(' -> ')}`);
  }
  return checks;
}

interface CheckContext {
  r: Resolution;
  vars: Record<string, string>;
  promptIds: readonly string[];
  /** Ids without a problem: did-you-mean candidates. */
  valid: ReadonlySet<string>;
  /** Every id written as text: what `requires` may name. */
  written: ReadonlySet<string>;
  requirePaths: Map<string, Map<string, Path>>;
}

function resolveCheck(c: CheckOutput, at: Path, id: string | undefined, context: CheckContext): ResolvedCheck | undefined {
  const { r, vars } = context;
  const name = typeof c.id === 'string' ? `check "${c.id}"` : 'check';
  /** The schema's value of `key`, or undefined when it has an error of its own. */
  const get = <K extends keyof CheckOutput>(key: K): CheckOutput[K] | undefined => (r.usable([...at, key]) ? c[key] : undefined);
  const substitute = (where: Path, text: string, field: string, allowed: readonly string[] = []): string => {
    // suggestion and fix are rendered again at report time: their string literals are written then.
    const later = field === 'suggestion' || field === 'fix';
    if (r.vibeguard && !later) {
      // VibeGuard replaces `{{.var}}` written exactly so and leaves every other brace alone: `go list -f
      // '{{.ImportPath}}'` runs as written.
      return substituteVarsExactly(text, vars);
    }
    const rendered = renderTemplate(text, vars, { literals: !later });
    for (const missing of rendered.missing) {
      if (allowed.includes(missing)) continue;
      if (r.vibeguard) {
        // VibeGuard prints `<no value>` there: a warning, so the config still runs as it does under VibeGuard.
        r.warn('unknown-var', where, `unknown variable "${missing}" in ${field}: not in vars and no grok pattern extracts it (it has no value when printed)${didYouMean(missing, [...Object.keys(vars), ...allowed])}`);
        continue;
      }
      const why = allowed.length > 0 || later ? 'not in vars and no grok pattern extracts it' : 'not defined in vars';
      const near = didYouMean(missing, [...Object.keys(vars), ...allowed]);
      // Without a near name it may be meant literally (a Go template for the command itself): say how.
      const escape = later || near !== '' ? '' : ` (to pass it to the command as written: {{"{{.${missing}}}"}})`;
      const message = `unknown variable "${missing}" in ${field}: ${why}${near}${escape}`;
      const offset = templatePlaceholders(text).find((p) => p.name === missing)?.offset ?? 0;
      r.reportInside('unknown-var', where, offset + 1, message, message);
    }
    // VibeGuard substitutes vars in suggestion and fix as everywhere else (exactly `{{.var}}`); the rest is rendered
    // with grok's values at report time.
    return r.vibeguard ? substituteVarsExactly(text, vars) : rendered.text;
  };

  const runText = get('run');
  const run = typeof runText === 'string' ? substitute([...at, 'run'], runText, 'run') : undefined;

  // grok: each pattern after vars; a broken pattern's fields are unknown, so asserts are then not checked against
  // them (no cascade of errors).
  const grok: string[] = [];
  const grokFields: string[] = [];
  let grokBroken = false;
  // A VibeGuard file's broken pattern or assert: VibeGuard loads the file and fails when the check has run.
  let invalid: ResolvedCheck['invalid'];
  for (const { value: written, path: where } of items<string>(get('grok'), [...at, 'grok'], r)) {
    const pattern = substitute(where, written, 'grok');
    const analysis = analyzeGrokPattern(pattern);
    if (!analysis.ok) {
      grokBroken = true;
      const message = `invalid grok pattern ${JSON.stringify(pattern)}: ${analysis.error}`;
      if (!r.vibeguard) r.report('invalid-grok', where, message);
      else {
        r.warn('invalid-grok', where, `${message} (as in VibeGuard, the check fails when it has run, which stops the run)`);
        invalid ??= { code: 'grok', message: `failed to compile grok pattern ${JSON.stringify(pattern)}: ${analysis.vibeguard}` };
      }
      continue;
    }
    grok.push(pattern);
    for (const field of analysis.fields) if (!grokFields.includes(field)) grokFields.push(field);
  }

  const cwdText = get('cwd');
  const cwd = typeof cwdText === 'string' ? path.resolve(r.dir, substitute([...at, 'cwd'], cwdText, 'cwd')) : r.dir;
  const fileText = get('file');
  const file = typeof fileText === 'string' ? path.resolve(cwd, substitute([...at, 'file'], fileText, 'file')) : undefined;

  let assert: string | undefined;
  let vibeguardText: string | undefined;
  const assertText = get('assert');
  if (typeof assertText === 'string' && r.vibeguard) {
    vibeguardText = substitute([...at, 'assert'], assertText, 'assert');
    const read = vibeguardAssert([...at, 'assert'], vibeguardText, grokBroken ? undefined : grokFields, r);
    if (typeof read === 'string') assert = read;
    else if (read !== undefined) invalid ??= { code: 'assert', message: read.invalid };
  } else if (typeof assertText === 'string') {
    const where = [...at, 'assert'];
    assert = substitute(where, assertText, 'assert');
    const parsed = parseAssert(assert);
    if (!parsed.ok) {
      const message = `invalid assert: ${parsed.error}`;
      // A column inside the written text is exact only when vars did not change the text before it.
      if (assert === assertText) r.reportInside('invalid-assert', where, parsed.col, message, `${message} (column ${parsed.col} of ${JSON.stringify(assert)})`);
      else r.report('invalid-assert', where, `${message} (column ${parsed.col} of ${JSON.stringify(assert)})`);
      assert = undefined;
    } else if (!grokBroken) {
      for (const identifier of assertIdentifiers(parsed.ast)) {
        if (grokFields.includes(identifier)) continue;
        const why = grok.length === 0 && !r.written([...at, 'grok']) ? `${name} has no grok pattern to extract it` : `no grok pattern of ${name} extracts it`;
        r.report('assert-unknown-name', where, `assert reads "${identifier}" but ${why}${didYouMean(identifier, grokFields)}`);
      }
    }
  }

  // suggestion and fix keep the placeholders grok fills at report time
  const suggestionText = get('suggestion');
  const suggestion = typeof suggestionText === 'string' ? substitute([...at, 'suggestion'], suggestionText, 'suggestion', grokFields) : undefined;
  const fixText = get('fix');
  const fix = typeof fixText === 'string' ? substitute([...at, 'fix'], fixText, 'fix', grokFields) : undefined;

  const requires: string[] = [];
  const requirePaths = new Map<string, Path>();
  for (const { value: required, path: where } of items<string>(get('requires'), [...at, 'requires'], r)) {
    if (required === c.id) r.report('self-dependency', where, `${name} requires itself`);
    else if (!context.written.has(required)) {
      const candidates = [...context.valid].filter((other) => other !== id);
      r.report('unknown-require', where, `${name} requires unknown check "${required}"${didYouMean(required, candidates)}`);
    } else if (!requires.includes(required)) {
      requires.push(required);
      requirePaths.set(required, where);
    }
  }
  if (id !== undefined) context.requirePaths.set(id, requirePaths);

  const on: ResolvedCheck['on'] = {};
  const onValue = get('on');
  if (isMapData(onValue)) {
    for (const event of EVENTS) {
      const where = [...at, 'on', event];
      const trigger = r.usable(where) ? (onValue[event] as TriggerOutput | unknown[] | null | undefined) : undefined;
      if (trigger === null || trigger === undefined) continue;
      const resolved = resolveTrigger(trigger, where, event, context);
      if (resolved !== undefined) on[event] = resolved;
    }
  }

  const env: Record<string, string> = {};
  const envValue = get('env');
  if (isMapData(envValue)) {
    for (const [key, value] of Object.entries(envValue)) {
      const where = [...at, 'env', key];
      if (typeof value === 'string' && r.usable(where)) env[key] = substitute(where, value, `env.${key}`);
    }
  }

  const timeout = get('timeout');
  const severity = get('severity');
  const tags = get('tags');
  const files = get('files');
  const lock = get('lock');
  const retries = get('retries');
  const inputs = get('inputs');
  // A glob that compiles to no regular expression (`src/[z-a]/x`) would keep the check from the cache on every run.
  for (const { value: glob, path: where } of items<string>(inputs, [...at, 'inputs'], r)) {
    if (typeof glob !== 'string') continue;
    try {
      globRegExp(glob.replace(/^!/, ''));
    } catch (error) {
      const why = error instanceof Error ? error.message.replace(/^.*: /, '') : String(error);
      r.report('invalid-input-glob', where, `invalid input glob ${JSON.stringify(glob)} of ${name}: ${why}`);
    }
  }
  const envInputs = get('env_inputs');
  if (id === undefined || run === undefined) return undefined;
  const check: ResolvedCheck = {
    id,
    run,
    grok,
    severity: severity === 'warning' ? 'warning' : 'error',
    requires,
    tags: Array.isArray(tags) ? tags : [],
    // `timeout: 0` is the default (as in VibeGuard); negative means none.
    timeoutMs: typeof timeout === 'number' && timeout !== 0 ? (timeout < 0 ? null : timeout) : DEFAULT_TIMEOUT_MS,
    timeoutExplicit: typeof timeout === 'number' && timeout !== 0,
    on,
    async: get('async') === true,
    cwd,
    env,
    retries: typeof retries === 'number' ? retries : 0,
    files: Array.isArray(files) ? files : [],
    inputs: Array.isArray(inputs) ? inputs : [],
    envInputs: Array.isArray(envInputs) ? [...new Set(envInputs)] : [],
    cache: get('cache') !== false,
    line: r.line(at),
  };
  if (file !== undefined) check.file = file;
  if (assert !== undefined) check.assert = assert;
  if (assert !== undefined && vibeguardText !== undefined) check.vibeguardAssert = vibeguardText.trim();
  if (suggestion !== undefined) check.suggestion = suggestion;
  if (fix !== undefined) check.fix = fix;
  if (typeof lock === 'string') check.lock = lock;
  if (invalid !== undefined) check.invalid = invalid;
  // Compiled once, here: every run of the check (retries, watch mode) extracts with this matcher.
  const matcher: GrokMatcher | undefined = grok.length > 0 && !grokBroken ? compileGrok(grok) : undefined;
  if (matcher !== undefined) check.grokMatcher = matcher;
  return check;
}

/**
 * An assert of a VibeGuard file, read as VibeGuard reads it: what its parser tolerated (text after the expression,
 * an unterminated string) and names no grok pattern extracts (VibeGuard reads them as "") become warnings, and the
 * expression is rewritten so that fanout's evaluator gives VibeGuard's result. An empty assert is no assert; one its
 * parser rejects is a warning here and VibeGuard's error (`invalid`) when the check runs.
 */
function vibeguardAssert(where: Path, text: string, fields: readonly string[] | undefined, r: Resolution): string | { invalid: string } | undefined {
  if (text.trim() === '') {
    r.warn('invalid-assert', where, 'empty assert: the check has no assert (as in VibeGuard)');
    return undefined;
  }
  const parsed = parseVibeguardAssert(text);
  if (!parsed.ok) {
    r.warn('invalid-assert', where, `invalid assert: ${parsed.error} (column ${parsed.col} of ${JSON.stringify(text)}; as in VibeGuard, the check fails when it exits 0, which stops the run)`);
    return { invalid: parsed.vibeguard };
  }
  for (const tolerated of parsed.tolerated) r.warn('invalid-assert', where, `assert ${JSON.stringify(text)}: ${tolerated}, as VibeGuard does`);
  const unknown = fields === undefined ? [] : assertIdentifiers(parsed.ast).filter((identifier) => !fields.includes(identifier));
  for (const identifier of unknown) {
    r.warn('assert-unknown-name', where, `assert reads "${identifier}" but no grok pattern extracts it: it reads as "" (as in VibeGuard)${didYouMean(identifier, fields ?? [])}`);
  }
  const ast = unknown.length === 0 ? parsed.ast : withEmpty(parsed.ast, unknown);
  const strict = parseAssert(text);
  // The text as written when fanout's parser reads it the same; else the rewritten expression.
  return strict.ok && unknown.length === 0 && printAssert(strict.ast) === parsed.canonical ? text : printAssert(ast);
}

/** `ast` with every identifier in `names` replaced by the empty string. */
function withEmpty(ast: AssertNode, names: readonly string[]): AssertNode {
  switch (ast.type) {
    case 'identifier':
      return names.includes(ast.name) ? { type: 'string', value: '', col: ast.col } : ast;
    case 'unary':
      return { ...ast, operand: withEmpty(ast.operand, names) };
    case 'binary':
      return { ...ast, left: withEmpty(ast.left, names), right: withEmpty(ast.right, names) };
    default:
      return ast;
  }
}

function resolveTrigger(trigger: TriggerOutput | unknown[], where: Path, event: string, context: CheckContext): Trigger | undefined {
  // A list with a bad item keeps its raw form (the schema's transform did not run): its good items still count.
  const list = Array.isArray(trigger) ? trigger : 'prompts' in trigger ? trigger.prompts : undefined;
  if (list === undefined) return 'text' in trigger ? { text: trigger.text } : undefined;
  const prompts: string[] = [];
  for (const { value: promptId, path: at } of items<unknown>(list, where, context.r)) {
    if (typeof promptId !== 'string') continue;
    if (!context.promptIds.includes(promptId)) {
      context.r.report('unknown-prompt', at, `unknown prompt "${promptId}" in on.${event}${didYouMean(promptId, context.promptIds)}`);
    } else prompts.push(promptId);
  }
  return { prompts };
}
