/**
 * Loading a check config: find the file, parse it with `yaml` (line/col for every node), validate it. Bad input of
 * any kind comes back as located diagnostics; nothing here throws for a user mistake.
 */
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { invalidArgument } from '../common/arguments.js';
import { readConfigFile } from './find.js';
import { sortDiagnostics } from './diagnostics.js';
import { validateDocument } from './validate.js';
import type { Diagnostic, LoadResult } from './types.js';

export { CONFIG_FILE_NAMES } from './find.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Folder the lookup starts in (and a relative `file` is resolved against). */
  cwd: string;
  /** Explicit config path: overrides the lookup. */
  file?: string;
  /**
   * Unknown keys are errors in vibeguard.* files too (they are warnings there by default).
   * @default false
   */
  strict?: boolean;
  /** Cancels the lookup and reads: the promise rejects with `signal.reason` (no listener outlives the call). */
  signal?: AbortSignal;
}

/** Options of {@link loadConfigText}. */
export interface LoadConfigTextOptions {
  /** @default false */
  strict?: boolean;
  /**
   * Treat the text as a VibeGuard file (VibeGuard's placeholders and asserts; unknown keys are warnings).
   * @default `compat:` in the text, else derived from the file name
   */
  vibeguardCompat?: boolean;
}

/** True for VibeGuard's file names (`vibeguard.yaml`, `.vibeguard.yml`, `vibeguard.ci.yaml` …). */
export function isVibeguardFileName(file: string): boolean {
  return /^\.?vibeguard\./i.test(path.basename(file));
}

/**
 * Parses and validates config text. Synchronous and total: it returns `{ ok: true, config }` or
 * `{ ok: false, diagnostics }` (every problem, sorted by position, warnings included) and never throws for any text.
 * Diagnostics carry `file` as given; the resolved config's paths are absolute (relative to the process's cwd when
 * `file` is relative).
 *
 * @example
 * ```ts
 * import { loadConfigText } from 'fanout/config';
 * const result = loadConfigText('checks:\n  - id: lint\n    run: npm run lint\n    requries: [build]\n', 'fanout.yaml');
 * result.ok; // false
 * // result.diagnostics[0]: { code: 'unknown-key', line: 4, col: 5, message: 'unknown key "requries" (did you mean "requires"?)', … }
 * ```
 */
export function loadConfigText(text: string, file: string, options: LoadConfigTextOptions = {}): LoadResult {
  if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
  if (typeof file !== 'string' || file === '') throw invalidArgument('file', 'a non-empty string', file);
  const absoluteFile = path.resolve(file);
  const vibeguardCompat = options.vibeguardCompat ?? isVibeguardFileName(file);
  const lines = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  } catch (error: unknown) {
    // The parser reports syntax as `doc.errors`; a throw here is an internal limit (e.g. nesting depth).
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, diagnostics: [{ code: 'yaml-syntax', severity: 'error', message, file, line: 1, col: 1 }] };
  }
  const located = (offset: number | undefined): { line: number; col: number } => {
    const { line, col } = lines.linePos(Math.max(0, Math.min(offset ?? 0, text.length)));
    return { line: Math.max(1, line), col: Math.max(1, col) };
  };
  const syntax: Diagnostic[] = explainSyntax(doc.errors, text).map((error) => ({
    code: 'yaml-syntax',
    severity: 'error',
    message: error.message,
    file,
    ...located(error.pos),
  }));
  if (syntax.length > 0) {
    const warnings: Diagnostic[] = doc.warnings.map((warning) => ({
      code: 'yaml-warning',
      severity: 'warning',
      message: cleanYamlMessage(warning.message),
      file,
      ...located(warning.pos[0]),
    }));
    return { ok: false, diagnostics: sortDiagnostics([...syntax, ...warnings]) };
  }
  // `compat: vibeguard` (or `fanout`) in the file decides over its name.
  const compat: unknown = isMap(doc.contents) ? doc.contents.get('compat') : undefined;
  const mode = options.vibeguardCompat ?? (compat === 'vibeguard' ? true : compat === 'fanout' ? false : vibeguardCompat);
  const result = validateDocument(doc, lines, text, {
    file,
    dir: path.dirname(absoluteFile),
    absoluteFile,
    vibeguardCompat: mode,
    strict: options.strict ?? false,
  });
  if (doc.warnings.length === 0) return result;
  const yamlWarnings: Diagnostic[] = doc.warnings.map((warning) => ({
    code: 'yaml-warning',
    severity: 'warning',
    message: cleanYamlMessage(warning.message),
    file,
    ...located(warning.pos[0]),
  }));
  if (result.ok) result.config.warnings = sortDiagnostics([...result.config.warnings, ...yamlWarnings]);
  else result.diagnostics = sortDiagnostics([...result.diagnostics, ...yamlWarnings]);
  return result;
}

/** A YAML syntax error as the parser gives it: its code, message and offset. */
interface YamlError {
  code: string;
  message: string;
  pos: readonly [number, number];
}

/**
 * The parser's syntax errors, said where the mistake is and how to fix it:
 * - an unclosed `[` or `{` is reported by the parser on the next line (with follow-on errors there): it is reported
 *   at the bracket, alone for that line;
 * - "Nested mappings are not allowed in compact mappings" for a plain value holding `: ` (`run: echo time: now`)
 *   gets the quoted line to write instead; in a flow map (`{ id: a, run: echo a: b }`), where the parser says
 *   "Block collections are not allowed within flow collections", the quoted value to write.
 */
function explainSyntax(errors: readonly YamlError[], text: string): Array<{ message: string; pos: number }> {
  const out: Array<{ message: string; pos: number }> = [];
  const skipLine = new Set<number>();
  const lineStart = (pos: number) => text.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
  for (const error of errors) {
    const pos = Math.max(0, Math.min(error.pos[0], text.length));
    const message = cleanYamlMessage(error.message);
    const flow = /^Flow (sequence|map) in block collection must be sufficiently indented and end with a ([\]}])/.exec(message);
    if (error.code === 'BAD_INDENT' && flow !== null) {
      const close = flow[2] === ']' ? ']' : '}';
      const open = close === ']' ? '[' : '{';
      const at = unclosedBracket(text, lineStart(pos), open, close);
      if (at !== undefined) {
        skipLine.add(lineStart(pos));
        out.push({ message: `this "${open}" is never closed: end the flow ${flow[1]} with "${close}"`, pos: at });
        continue;
      }
    }
    if (skipLine.has(lineStart(pos)) && (error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY')) continue;
    if (error.code === 'BLOCK_AS_IMPLICIT_KEY') {
      const start = lineStart(pos);
      const end = text.indexOf('\n', start);
      const line = text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '');
      const parts = /^(\s*(?:-\s+)?)([A-Za-z0-9_.-]+):\s+(.*\S)\s*$/.exec(line);
      const value = parts?.[3];
      if (parts !== undefined && parts !== null && value !== undefined && value.includes(': ') && !/^["'[{|>&*!]/.test(value)) {
        const quoted = `${(parts[1] ?? '').trimStart()}${parts[2] ?? ''}: ${value.includes("'") ? JSON.stringify(value) : `'${value}'`}`;
        out.push({ message: `${message}: a ": " inside a plain value starts a mapping; quote the command: ${quoted}`, pos });
        continue;
      }
    }
    if (error.code === 'BLOCK_IN_FLOW') {
      // `{ id: a, run: echo a: b }`: the same ": " inside a plain value, in a flow map, where the parser says only that
      // a block collection is not allowed; the error spans the value.
      const value = text.slice(pos, Math.max(pos, Math.min(error.pos[1], text.length))).trimEnd();
      const key = /([A-Za-z0-9_.-]+):\s*$/.exec(text.slice(lineStart(pos), pos))?.[1];
      if (value.includes(': ') && !value.includes('\n') && !/^["'[{|>&*!]/.test(value)) {
        const quoted = value.includes("'") ? JSON.stringify(value) : `'${value}'`;
        out.push({ message: `${message}: a ": " inside a plain value starts a mapping; quote the value: ${key === undefined ? '' : `${key}: `}${quoted}`, pos });
        continue;
      }
    }
    out.push({ message, pos });
  }
  return out;
}

/**
 * The offset of the last bracket `open` left unclosed before `before`, looking at the lines above it (the nearest
 * first; quotes and comments are skipped), or undefined.
 */
function unclosedBracket(text: string, before: number, open: string, close: string): number | undefined {
  let depth = 0;
  let end = before;
  // A flow collection spans a few lines at most in a config; 50 lines up is plenty and bounds the work.
  for (let lines = 0; end > 0 && lines < 50; lines++) {
    const start = text.lastIndexOf('\n', end - 2) + 1;
    const opens: number[] = [];
    let quote: string | undefined;
    for (let i = start; i < end; i++) {
      const c = text[i];
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === start || /\s/.test(text[i - 1] ?? ''))) break;
      else if (c === open) opens.push(i);
      else if (c === close) {
        if (opens.length > 0) opens.pop();
        else depth++;
      }
    }
    if (opens.length > depth) return opens[opens.length - 1 - depth];
    depth -= opens.length;
    end = start;
  }
  return undefined;
}

function cleanYamlMessage(message: string): string {
  // Without prettyErrors the message is already one line; keep the first line in any case.
  return (message.split('\n')[0] ?? message).trim();
}

/**
 * Finds, reads and validates the config. An explicit `file` (relative to `cwd`) overrides the lookup of
 * {@link CONFIG_FILE_NAMES} in `cwd`. A missing or unreadable file is a diagnostic (`config-not-found`,
 * `config-unreadable`) with line 0, never a throw. An aborted `signal` rejects with its reason.
 *
 * @example
 * ```ts
 * import { formatDiagnostic, loadConfig } from 'fanout/config';
 * const result = await loadConfig({ cwd: process.cwd() });
 * if (!result.ok) for (const d of result.diagnostics) console.error(formatDiagnostic(d, process.cwd()));
 * ```
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadResult> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const found = await readConfigFile(options);
  if (!found.ok) return found;
  return loadConfigText(found.text, found.file, { strict: options.strict ?? false });
}
