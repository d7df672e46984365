/**
 * Validation of a parsed config, in two passes that report every problem at once, each located `file:line:col` with
 * a stable code:
 *
 * 1. shape — the valibot schemas of schema.ts run on the document's data (yaml-data.ts); each issue's path of keys
 *    and indices is mapped back to the YAML node it came from;
 * 2. meaning — resolve.ts checks what needs the whole config (ids, references, cycles, placeholders, grok, assert)
 *    and produces the resolved checks, with grok compiled.
 *
 * Resolved checks are returned only when there is no error.
 */
import type { Document, LineCounter, Node } from 'yaml';
import { isScalar } from 'yaml';
import * as v from 'valibot';
import { sortDiagnostics } from './diagnostics.js';
import { resolveConfig, type Resolution } from './resolve.js';
import { ConfigSchema, issueDiagnostic } from './schema.js';
import type { Diagnostic, LoadResult } from './types.js';
import { isMapData, YamlIndex } from './yaml-data.js';

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

type Path = ReadonlyArray<string | number>;

/** The name a schema message gives the field at `path`: dotted, without the check or prompt it belongs to. */
function fieldName(path: Path): string {
  const inItem = (path[0] === 'checks' || path[0] === 'prompts') && typeof path[1] === 'number';
  return (inItem ? path.slice(2) : path).filter((key) => typeof key === 'string').join('.');
}

const pathKey = (path: Path): string => JSON.stringify(path);

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
  const compatSeverity: Diagnostic['severity'] = options.vibeguardCompat && !options.strict ? 'warning' : 'error';
  const diagnostics: Diagnostic[] = [];
  const position = (offset: number): { line: number; col: number } => {
    const { line, col } = lines.linePos(Math.max(0, Math.min(offset, source.length)));
    return { line: Math.max(1, line), col: Math.max(1, col) };
  };
  const push = (code: string, severity: Diagnostic['severity'], message: string, where: { line: number; col: number }): void => {
    diagnostics.push({ code, severity, message, file: options.file, ...where });
  };

  const index = new YamlIndex(doc);
  for (const problem of index.problems) push(problem.code, 'error', problem.message, position(problem.node?.range?.[0] ?? 0));

  // Pass 1: the shape. `abortEarly` stays off (valibot's default): every issue is collected.
  const parsed = v.safeParse(ConfigSchema, index.root);
  const broken = new Set<string>();
  for (const issue of parsed.issues ?? []) {
    const path: Path = issue.path?.map((item) => item.key as string | number) ?? [];
    const found = issueDiagnostic(issue);
    const message = found.field === undefined ? found.message : found.field.before + fieldName(path) + found.message;
    const severity = found.compat === true ? compatSeverity : 'error';
    // Values with an error of their own are not read by the second pass (warnings leave them usable).
    if (severity === 'error') broken.add(pathKey(path));
    push(found.code, severity, message, position(found.at === 'start' ? 0 : index.offset(path, found.at ?? 'value')));
  }
  // An empty file or one that is not a map has nothing to cross-check.
  if (!isMapData(index.root)) return result(undefined);

  // Pass 2: what needs the whole config.
  const valueNode = (path: Path): Node | undefined => {
    const { entry, container } = index.locate(path);
    return entry?.value ?? entry?.key ?? container;
  };
  const resolution: Resolution = {
    dir: options.dir,
    // A file without errors (the common case) has every value usable: no lookups on the way to its checks.
    usable: broken.size === 0 ? () => true : (path) => !broken.has(pathKey(path)),
    report: (code, path, message) => push(code, 'error', message, position(index.offset(path, 'value'))),
    warn: (code, path, message) => push(code, 'warning', message, position(index.offset(path, 'value'))),
    vibeguard: options.vibeguardCompat,
    reportInside: (code, path, col, message, fallback) => {
      const inside = innerOffset(valueNode(path), col, source);
      if (inside !== undefined) push(code, 'error', message, position(inside));
      else push(code, 'error', fallback, position(index.offset(path, 'value')));
    },
    line: (path) => position(valueNode(path)?.range?.[0] ?? 0).line,
    written: (path) => index.locate(path).exact,
  };
  const config = resolveConfig(parsed.output as v.InferOutput<typeof ConfigSchema>, resolution);
  return result(config);

  function result(config: ReturnType<typeof resolveConfig> | undefined): LoadResult {
    const sorted = sortDiagnostics(diagnostics);
    if (config === undefined || sorted.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sorted };
    return {
      ok: true,
      config: {
        file: options.absoluteFile,
        dir: options.dir,
        vibeguardCompat: options.vibeguardCompat,
        vars: config.vars,
        prompts: config.prompts,
        checks: config.checks,
        warnings: sorted,
      },
    };
  }
}

/** Offset of column `col` (1-based) of a scalar's value in the file, when the value is written verbatim on one line. */
function innerOffset(node: Node | undefined, col: number, source: string): number | undefined {
  if (node === undefined || !isScalar(node) || node.range == null) return undefined;
  const [start, end] = node.range;
  const value = node.value;
  if (typeof value !== 'string' || value.includes('\n')) return undefined;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  if (!quoted && node.type !== 'PLAIN') return undefined;
  const raw = quoted ? source.slice(start + 1, end - 1) : source.slice(start, end);
  if (raw !== value) return undefined;
  return start + (quoted ? 1 : 0) + col - 1;
}
