// Small text helpers shared by the commands and reporters.
import { isAbsolute, relative } from 'node:path';

/** `1.2s`, `340ms`, `2m05s`: short and stable, for humans. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Splits `a,b c` lists as given to --tags, --only, repeated or comma-separated. */
export function splitList(values: readonly string[] | undefined): string[] {
  if (!values) return [];
  return values.flatMap((value) => value.split(/[,\s]+/)).filter((value) => value !== '');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Removes terminal escape sequences, so reports never carry a check's colours into JSON or a pipe. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * The last `count` lines of an output as a terminal shows them: without the trailing empty line, without escape
 * codes, and with what carriage returns overwrote gone (`a\rb\rc` shows `c`, `\r\n` ends a line). Linear in the
 * length of the output whatever the shape of its lines.
 */
export function tailLines(output: string, count: number): string[] {
  if (output === '') return []; // most checks that pass print nothing
  const lines = stripAnsi(output).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count).map(visibleLine);
}

/**
 * What a terminal shows of one line: a carriage return moves back to the first column and what follows overwrites
 * (a trailing one overwrites nothing). Columns are UTF-16 units; half a surrogate pair left by an overwrite is dropped.
 */
export function visibleLine(line: string): string {
  if (!line.includes('\r')) return line;
  const writes = line.split('\r');
  // The last write shows whole; each earlier one shows only where it reaches past every later write.
  let shown = '';
  let covered = 0;
  for (let i = writes.length - 1; i >= 0; i--) {
    const write = writes[i]!;
    if (write.length <= covered) continue;
    const low = write.charCodeAt(covered);
    shown += write.slice(low >= 0xdc00 && low <= 0xdfff ? covered + 1 : covered);
    covered = write.length;
  }
  return shown;
}

/** `1 check`, `2 checks`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A path relative to `cwd` when it lies inside it (shorter, stable across machines), else as given. */
export function displayPath(path: string, cwd: string): string {
  // A normalized path under a normalized cwd (a log file under the working directory, once per check in the run
  // journal and the report) is its own tail; `relative` (both paths resolved and split) costs several times more.
  const rel = isPlainUnder(path, cwd) ? path.slice(cwd.length + 1) : relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Matches a path that is not normalized: an empty, `.` or `..` segment, or a trailing slash. */
const UNNORMALIZED = /\/\/|\/\.\.?(?:\/|$)|\/$/;

/** Whether `path` is `cwd`, a slash and more, both absolute and normalized (then relative() is that tail). */
function isPlainUnder(path: string, cwd: string): boolean {
  return (
    cwd.length > 1 &&
    path.length > cwd.length + 1 &&
    path.charCodeAt(cwd.length) === 47 && // '/'
    path.startsWith(cwd) &&
    cwd.charCodeAt(0) === 47 &&
    !UNNORMALIZED.test(path) &&
    !UNNORMALIZED.test(cwd)
  );
}
