// Small text helpers shared by the commands and reporters.
import { isAbsolute, relative } from 'node:path';

/** Splits `a,b c` lists as given to --tags, --only, repeated or comma-separated. */
export function splitList(values: readonly string[] | undefined): string[] {
  if (!values) return [];
  return values.flatMap((value) => value.split(/[,\s]+/)).filter((value) => value !== '');
}

/**
 * Removes terminal escape sequences (colours, cursor moves, titles, clipboard writes…), so reports never carry a
 * check's colours into JSON or a pipe. Other control characters (carriage return, backspace, BEL…) stay: see
 * {@link stripControls} for text about to reach a terminal.
 */
export function stripAnsi(text: string): string {
  return strip(text, false);
}

/**
 * Text safe to print on a terminal: every escape sequence removed (see {@link stripAnsi}), and every other control
 * character too (C0 but tab and newline — carriage return included —, DEL and the C1 range U+0080–U+009F), so that
 * nothing a check printed or a config holds can clear the screen, move the cursor, set the title or write to the
 * clipboard (OSC 52). Linear in the length of `text`; line by line it gives the same result as on the whole text.
 *
 * @example
 * ```ts
 * stripControls('\x1b]52;c;ZWNobyBoaQ==\x07ok\r\n'); // 'ok\n'
 * ```
 */
export function stripControls(text: string): string {
  return strip(text, true);
}

const ESC = 0x1b;
const NEWLINE = 0x0a;

/** Whether `code` starts a control string after ESC: OSC `]`, DCS `P`, SOS `X`, PM `^`, APC `_`. */
const stringAfterEsc = (code: number) => code === 0x5d || code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f;
/** The same as single C1 characters: OSC, DCS, SOS, PM, APC. */
const stringC1 = (code: number) => code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f;

/**
 * One pass over `text` (ECMA-48's syntax, as terminals parse it): each sequence is dropped whole; a sequence cut
 * short by a character that cannot continue it ends before that character, which is then read on its own. A control
 * string (OSC, DCS, SOS, PM, APC) ends at BEL, ST (ESC \ or U+009C), CAN or SUB, before any other ESC, and — where a
 * terminal would swallow everything up to a terminator that never comes — at the end of its line, so that one
 * unterminated title costs one line of output, not the rest of it.
 */
function strip(text: string, controls: boolean): string {
  // The regular expression finds the next character to look at (plain runs are skipped several times faster than a
  // loop over char codes); each is looked at once.
  const next = controls ? CONTROL : INTRODUCER;
  next.lastIndex = 0;
  let out = '';
  let kept = 0; // text[kept, i) is still to be copied
  for (let found = next.exec(text); found !== null; found = next.exec(text)) {
    const i = found.index;
    const code = text.charCodeAt(i);
    const end = code === ESC || code === 0x9b || stringC1(code) ? sequenceEnd(text, i) : i + 1; // else another C1 control, or C0 and DEL when asked
    out += text.slice(kept, i);
    kept = end;
    next.lastIndex = end;
  }
  return kept === 0 ? text : out + text.slice(kept);
}

/** The characters {@link stripControls} removes or starts a sequence at: C0 but tab and newline, DEL, C1. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Those {@link stripAnsi} does: ESC and C1. */
// eslint-disable-next-line no-control-regex
const INTRODUCER = /[\x1b\x80-\x9f]/g;

/**
 * Where an escape sequence that more text could still continue begins, at the end of `text` (`text.length` when
 * none does): a reader of a growing file strips what comes before and holds that part back until more comes, so that
 * a sequence cut between two reads is still removed whole.
 */
export function unfinishedEscape(text: string): number {
  const line = text.lastIndexOf('\n') + 1;
  for (let i = text.length - 1; i >= line; i--) {
    const code = text.charCodeAt(i);
    if (code !== ESC && code !== 0x9b && !stringC1(code)) continue;
    // Unfinished when one more character ('0' continues every kind of sequence that has not ended) would be taken.
    const more = `${text.slice(i)}0`;
    return sequenceEnd(more, 0) > more.length - 1 ? i : text.length;
  }
  return text.length;
}

/** The end of the sequence that starts at `at` (an ESC or a C1 introducer). */
function sequenceEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code === ESC ? escapeEnd(text, at + 1) : code === 0x9b ? csiEnd(text, at + 1) : stringEnd(text, at + 1);
}

/** The end of an escape sequence whose ESC precedes `at`. */
function escapeEnd(text: string, at: number): number {
  if (at >= text.length) return at; // a lone ESC at the end
  const code = text.charCodeAt(at);
  if (code === 0x5b) return csiEnd(text, at + 1); // ESC [
  if (stringAfterEsc(code)) return stringEnd(text, at + 1);
  let i = at;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++; // intermediates: ESC ( B
  const final = text.charCodeAt(i); // NaN past the end
  return final >= 0x30 && final <= 0x7e ? i + 1 : i; // ESC 7, ESC c, ESC M…; else the ESC (and intermediates) alone
}

/** The end of a control sequence whose parameters start at `at`: parameter and intermediate bytes, then a final. */
function csiEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x3f) i++;
  const final = text.charCodeAt(i);
  return final >= 0x40 && final <= 0x7e ? i + 1 : i;
}

/** The end of a control string whose content starts at `at` (see {@link strip} for its terminators). */
function stringEnd(text: string, at: number): number {
  for (let i = at; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x07 || code === 0x9c || code === 0x18 || code === 0x1a) return i + 1;
    if (code === ESC) return text.charCodeAt(i + 1) === 0x5c ? i + 2 : i;
    if (code === NEWLINE) return i;
  }
  return text.length;
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

/** Characters JSON.stringify leaves raw that a terminal may obey (DEL, C1) or a JavaScript parser may trip on. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * JSON text with every control character escaped: JSON.stringify escapes C0 (ESC is `\u001b`) but leaves DEL and
 * C1 raw. The value parses back unchanged; the text itself holds no control character but the layout's newlines.
 */
export function jsonText(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_RAW, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
