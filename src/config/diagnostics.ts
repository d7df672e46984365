/**
 * Rendering of config diagnostics in the `file:line:col: message` form editors and terminals link to.
 */
import path from 'node:path';
import type { Diagnostic } from './types.js';

/**
 * Formats one diagnostic as `path/to/file.yaml:LINE:COL: message`. Warnings read `file:LINE:COL: warning: message`
 * so they stand apart from errors in a mixed list (errors carry no prefix, like compilers print them). The path is
 * relative to `cwd` when given (and kept absolute when it lies outside `cwd`). A diagnostic about the whole file
 * (line 0, e.g. `config-not-found`) prints as `file: message`.
 *
 * @example
 * ```ts
 * import { formatDiagnostic } from 'fanout/config';
 * formatDiagnostic(
 *   { code: 'unknown-key', severity: 'error', message: 'unknown key "requries" (did you mean "requires"?)', file: '/repo/fanout.yaml', line: 7, col: 5 },
 *   '/repo',
 * ); // 'fanout.yaml:7:5: unknown key "requries" (did you mean "requires"?)'
 * ```
 */
export function formatDiagnostic(d: Diagnostic, cwd?: string): string {
  const file = displayPath(d.file, cwd);
  const where = d.line >= 1 ? `${file}:${d.line}:${Math.max(1, d.col)}` : file;
  const kind = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${kind}${d.message}`;
}

/** Sorts diagnostics by file, line, column, then errors before warnings; stable otherwise. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative;
}
