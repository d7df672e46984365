/**
 * Grok: regular expressions with `%{PATTERN}` and `%{PATTERN:field}` references to a library of named patterns, as
 * VibeGuard uses them to pull values (`%{NUMBER:coverage}`) out of a command's output.
 *
 * Patterns are Go regular expressions and run on RE2's semantics (the `re2js` port): the same syntax (`(?P<name>…)`,
 * inline flags anywhere, `(?U)`, `\pL`, `\p{Greek}`, `\x{41}`, octal escapes, `[[:alpha:]]`), the same meaning of
 * `.`, `\s`, `\d`, `\w` and `\b` (ASCII, `\s` without `\v`), the same leftmost-first match, and matching in time
 * linear in the output. V8's engine is far faster on the common patterns (a literal, `%{INT:n}`, `.*`), so a pattern
 * it provably runs alike — same meaning, no capture inside a repetition, no repetition of a repetition (where
 * backtracking explodes) — runs there ({@link toV8Source}); any other runs on RE2. References expand as
 * elastic/go-grok (VibeGuard's library) expands them: `%{NAME}` is a non-capturing group, `%{NAME:field}` and
 * `%{NAME:field:type}` capture `field` (dots allowed: `%{INT:tests.passed}`), anything else is left as written.
 */
import { RE2JS } from 're2js';
import { FanoutError } from '../common/errors.js';
import { invalidArgument } from '../common/arguments.js';
import { extractFields } from './match-core.js';
import { closest } from '../common/suggest.js';

/**
 * The base pattern library: elastic/go-grok's default patterns (what VibeGuard resolves `%{NAME}` against), by name
 * and meaning. Definitions are Go regular expressions and may reference each other with `%{NAME}`.
 */
export const GROK_PATTERNS: Readonly<Record<string, string>> = {
  WORD: String.raw`\b\w+\b`,
  NOTSPACE: String.raw`\S+`,
  SPACE: String.raw`\s*`,
  DATA: String.raw`.*?`,
  GREEDYDATA: String.raw`.*`,
  // Numbers and booleans
  INT: String.raw`(?:[+-]?(?:[0-9]+))`,
  NUMBER: String.raw`(?:%{BASE10NUM})`,
  BOOL: 'true|false',
  BASE10NUM: String.raw`([+-]?(?:[0-9]+(?:\.[0-9]+)?)|\.[0-9]+)`,
  BASE16NUM: String.raw`[+-]?(?:0x)?[0-9A-Fa-f]+`,
  BASE16FLOAT: String.raw`[+-]?(?:0x)?[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?`,
  POSINT: String.raw`\b[1-9][0-9]*\b`,
  NONNEGINT: String.raw`\b[0-9]+\b`,
  QUOTEDSTRING: String.raw`"([^"\\]*(\\.[^"\\]*)*)"|\'([^\'\\]*(\\.[^\'\\]*)*)\'`,
  QS: '%{QUOTEDSTRING}',
  UUID: '[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}',
  URN: String.raw`urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:[0-9A-Za-z()+,.:=@;$_!*'/?#-]+`,
  // Networking
  IP: '(?:%{IPV6}|%{IPV4})',
  IPV6: ipv6(),
  IPV4: String.raw`(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)`,
  IPORHOST: '(?:%{IP}|%{HOSTNAME})',
  HOSTNAME: String.raw`\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(\.?|\b)`,
  EMAILLOCALPART: '[a-zA-Z][a-zA-Z0-9_.+-=:]+',
  EMAILADDRESS: '%{EMAILLOCALPART}@%{HOSTNAME}',
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '%{USERNAME}',
  MAC: '(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})',
  CISCOMAC: String.raw`(?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})`,
  WINDOWSMAC: '(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})',
  COMMONMAC: '(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})',
  HOSTPORT: '%{IPORHOST}:%{POSINT}',
  // Paths and URIs
  UNIXPATH: String.raw`(/[\w_%!$@:.,+~-]+)+`,
  TTY: String.raw`/dev/(pts|tty([pq])?)(\w+)?/?(?:[0-9]+)`,
  WINPATH: String.raw`[A-Za-z]+:(\\[^\\?*]+)+`,
  URIPROTO: String.raw`[A-Za-z][A-Za-z0-9+\-.]+`,
  URIHOST: '%{IPORHOST}(?::%{POSINT})?',
  URIPATH: String.raw`(/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]+)+`,
  URIQUERY: String.raw`[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*`,
  URIPARAM: String.raw`\?%{URIQUERY}`,
  URIPATHPARAM: String.raw`%{URIPATH}(?:\?%{URIQUERY})?`,
  URI: String.raw`%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?%{URIHOST}(?:%{URIPATH}(?:\?%{URIQUERY})?)?`,
  PATH: '(?:%{UNIXPATH}|%{WINPATH})',
  // Dates and times
  MONTH: String.raw`\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b`,
  MONTHNUM: '(?:0[1-9]|1[0-2])',
  MONTHDAY: '(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])',
  DAY: String.raw`\b(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\b`,
  YEAR: String.raw`(\d\d){1,2}`,
  HOUR: '(?:2[0123]|[01]?[0-9])',
  MINUTE: '(?:[0-5][0-9])',
  // 60: a leap second.
  SECOND: '(?:(?:[0-5][0-9]|60)(?:[:.,][0-9]+)?)',
  TIME: '%{HOUR}:%{MINUTE}(?::%{SECOND})?',
  DATE_US: '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}',
  DATE_EU: '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}',
  ISO8601_TIMEZONE: '(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))',
  ISO8601_SECOND: '%{SECOND}',
  TIMESTAMP_ISO8601: '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?',
  DATE: '%{DATE_US}|%{DATE_EU}',
  DATESTAMP: '%{DATE}[- ]%{TIME}',
  TZ: '(?:[PMACE][SED]T|UTC)',
  DATESTAMP_RFC822: '%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}',
  DATESTAMP_RFC2822: '%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}',
  DATESTAMP_OTHER: '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}',
  DATESTAMP_EVENTLOG: '%{YEAR}%{MONTHNUM}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}',
  // Syslog
  SYSLOGTIMESTAMP: '%{MONTH} +%{MONTHDAY} %{TIME}',
  PROG: String.raw`[!-Z\\^-~]+`,
  SYSLOGPROG: String.raw`%{PROG}(?:\[\d+\])?`,
  SYSLOGHOST: '%{IPORHOST}',
  SYSLOGFACILITY: '<%{NONNEGINT}.%{NONNEGINT}>',
  HTTPDATE: '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}',
  SYSLOGBASE: '%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:host.hostname} %{SYSLOGPROG}:',
  // Log levels
  LOGLEVEL: '(?i)(alert|trace|debug|notice|info(?:rmation)?|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|emerg(?:ency)?)',
};

/** IPv6 in every textual form (compressed `::` anywhere, an IPv4 tail, a `%zone`), longest alternatives first. */
function ipv6(): string {
  const h = '[0-9A-Fa-f]{1,4}';
  const octet = String.raw`(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
  const v4 = String.raw`(${octet}(\.${octet}){3})`;
  const forms = [
    `((${h}:){7}(${h}|:))`,
    `((${h}:){6}(:${h}|${v4}|:))`,
    `((${h}:){5}(((:${h}){1,2})|:${v4}|:))`,
    `((${h}:){4}(((:${h}){1,3})|((:${h})?:${v4})|:))`,
    `((${h}:){3}(((:${h}){1,4})|((:${h}){0,2}:${v4})|:))`,
    `((${h}:){2}(((:${h}){1,5})|((:${h}){0,3}:${v4})|:))`,
    `((${h}:){1}(((:${h}){1,6})|((:${h}){0,4}:${v4})|:))`,
    `(:(((:${h}){1,7})|((:${h}){0,5}:${v4})|:))`,
  ];
  return `(${forms.join('|')})(%.+)?`;
}

/** RE2 escapes that mean the same in a JavaScript `u` expression once spelled out (ASCII, as in RE2). */
const ESCAPES: Readonly<Record<string, string>> = {
  d: '[0-9]',
  D: '[^0-9]',
  w: '[0-9A-Za-z_]',
  W: '[^0-9A-Za-z_]',
  s: '[\\t\\n\\f\\r ]',
  S: '[^\\t\\n\\f\\r ]',
  b: '\\b',
  B: '\\B',
  A: '^',
  z: '$',
  t: '\\t',
  n: '\\n',
  r: '\\r',
  f: '\\f',
};
/** The same escapes inside a character class (the negated ones have no spelling there). */
const CLASS_ESCAPES: Readonly<Record<string, string>> = { d: '0-9', w: '0-9A-Za-z_', s: '\\t\\n\\f\\r ', t: '\\t', n: '\\n', r: '\\r', f: '\\f' };
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const literal = (char: string): string => (/^[A-Za-z0-9 _]$/.test(char) ? char : `\\u{${char.codePointAt(0)!.toString(16)}}`);

/**
 * The JavaScript (`u` flag) spelling of an RE2 expression, when V8 provably runs it alike; otherwise undefined and
 * RE2 runs it. Alike means: no construct whose meaning differs (inline flags other than a leading `(?s)`, `(?m)`
 * anchors, Unicode classes, octal and `\x{…}` escapes, `\Q…\E`), no capture inside a repetition (JavaScript resets it
 * on every iteration, RE2 keeps the last one), and no repetition of a repetition (where backtracking goes
 * exponential: `(a+)+$`). What stays is the common case (literals, classes, `%{INT:n}`-style groups, `.*`), which
 * V8 runs far faster than the RE2 port (docs/vibeguard.md has the figures).
 */
export function toV8Source(source: string): string | undefined {
  let i = 0;
  let dotAll = false;
  if (source.startsWith('(?s)')) {
    dotAll = true;
    i = 4;
  }
  let out = '';
  /** Per open group: does it hold a named group, an unbounded repetition. */
  const stack: Array<{ named: boolean; unbounded: boolean }> = [{ named: false, unbounded: false }];
  /** What the quantifier about to be read would apply to. */
  let last: { named: boolean; unbounded: boolean } | undefined;
  const chars = [...source.slice(i)];
  for (let k = 0; k < chars.length; ) {
    const char = chars[k]!;
    const top = stack[stack.length - 1]!;
    if (char === '\\') {
      const next = chars[k + 1];
      if (next === undefined) return undefined;
      const escape = ESCAPES[next] ?? (PUNCTUATION.test(next) ? literal(next) : undefined);
      if (escape === undefined) return undefined;
      out += escape;
      last = { named: false, unbounded: false };
      k += 2;
      continue;
    }
    if (char === '[') {
      const translated = classToV8(chars, k);
      if (translated === undefined) return undefined;
      out += translated.source;
      k = translated.end;
      last = { named: false, unbounded: false };
      continue;
    }
    if (char === '(') {
      const rest = chars.slice(k, k + 40).join('');
      const named = /^\(\?P<(g\d+)>/.exec(rest);
      if (named !== null) {
        out += `(?<${named[1]}>`;
        k += named[0].length;
        stack.push({ named: true, unbounded: false });
      } else if (rest.startsWith('(?:')) {
        out += '(?:';
        k += 3;
        stack.push({ named: false, unbounded: false });
      } else if (rest.startsWith('(?')) return undefined;
      else {
        out += '(';
        k += 1;
        stack.push({ named: false, unbounded: false });
      }
      last = undefined;
      continue;
    }
    if (char === ')') {
      const closed = stack.pop();
      const parent = stack[stack.length - 1];
      if (closed === undefined || parent === undefined) return undefined;
      parent.named ||= closed.named;
      parent.unbounded ||= closed.unbounded;
      out += ')';
      last = closed;
      k += 1;
      continue;
    }
    const repeat = char === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(k, k + 12).join('')) : null;
    if (char === '*' || char === '+' || char === '?' || repeat !== null) {
      if (last === undefined) return undefined;
      const unbounded = char === '*' || char === '+' || (repeat !== null && repeat[2] !== undefined && repeat[3] === '');
      const optional = char === '?' || (repeat !== null && repeat[1] === '0' && repeat[3] === '1');
      if (last.named && !optional) return undefined;
      if (last.unbounded && unbounded) return undefined;
      const written = repeat?.[0] ?? char;
      out += written;
      k += [...written].length;
      if (chars[k] === '?') {
        out += '?';
        k += 1;
      }
      top.unbounded ||= unbounded;
      last = undefined;
      continue;
    }
    if (char === '.') out += dotAll ? '[^]' : '[^\\n]';
    else if (char === '|' || char === '^' || char === '$') out += char;
    else out += literal(char);
    last = char === '|' ? undefined : { named: false, unbounded: false };
    k += 1;
  }
  return stack.length === 1 ? out : undefined;
}

/** A character class from `chars[start]` (`[`) in JavaScript `u` spelling, and the index past it. */
function classToV8(chars: readonly string[], start: number): { source: string; end: number } | undefined {
  let k = start + 1;
  let out = '[';
  if (chars[k] === '^') {
    out += '^';
    k += 1;
  }
  let first = true;
  while (k < chars.length) {
    const char = chars[k]!;
    if (char === ']' && !first) return { source: `${out}]`, end: k + 1 };
    first = false;
    if (char === '[' && chars[k + 1] === ':') {
      const name = /^\[:([a-z]+):\]/.exec(chars.slice(k, k + 12).join(''));
      const range = name === null ? undefined : POSIX_CLASSES[name[1] ?? ''];
      if (name === null || range === undefined) return undefined;
      out += range;
      k += name[0].length;
      continue;
    }
    let atom: string;
    let single = true;
    if (char === '\\') {
      const next = chars[k + 1];
      if (next === undefined) return undefined;
      const escape = CLASS_ESCAPES[next];
      if (escape !== undefined) {
        atom = escape;
        single = next === 't' || next === 'n' || next === 'r' || next === 'f';
      } else if (PUNCTUATION.test(next)) atom = literal(next);
      else return undefined;
      k += 2;
    } else {
      atom = literal(char);
      k += 1;
    }
    if (single && chars[k] === '-' && chars[k + 1] !== undefined && chars[k + 1] !== ']') {
      const end = chars[k + 1]!;
      if (end === '\\') {
        const next = chars[k + 2];
        if (next === undefined || !PUNCTUATION.test(next)) return undefined;
        out += `${atom}-${literal(next)}`;
        k += 3;
      } else if (end === '[') return undefined;
      else {
        out += `${atom}-${literal(end)}`;
        k += 2;
      }
      continue;
    }
    out += atom;
  }
  return undefined;
}

/** Thrown by {@link compileGrok} for a pattern that cannot be compiled. */
export class GrokError extends FanoutError {
  declare readonly code: 'ERR_GROK';
  /** Index of the offending pattern in the list given. */
  readonly index: number;
  readonly pattern: string;

  constructor(index: number, pattern: string, message: string, options?: { cause?: unknown }) {
    super('ERR_GROK', `invalid grok pattern ${JSON.stringify(pattern)}: ${message}`, options);
    this.index = index;
    this.pattern = pattern;
  }
}

/** One pattern compiled for RE2 (and for V8 when V8 runs it alike). */
export interface CompiledGrokPattern {
  /** The compiled expression (`re2js`): what decides validity and meaning. */
  regex: RE2JS;
  /** The same expression for V8 (`u` flag), when {@link toV8Source} proves it runs alike: what runs then. */
  v8?: RegExp;
  /** `[groupName, field]` pairs in pattern order (a field captured twice appears twice; the later match wins). */
  groups: Array<[string, string]>;
  /** Field names the pattern can capture, in order, without repeats. */
  fields: string[];
}

/** The outcome of {@link analyzeGrokPattern}: a compiled pattern or the reason it is invalid. */
export type GrokAnalysis =
  | ({ ok: true } & CompiledGrokPattern)
  | {
      ok: false;
      error: string;
      /** The same error in go-grok's words, as VibeGuard prints it (`pattern definition "NOPE" unknown: parsing failed`). */
      vibeguard: string;
    };

/** One grok pattern as written, with its expansion to a Go (RE2) regular expression. */
export interface GrokPatternSource {
  /** The pattern as written in the config. */
  pattern: string;
  /** RE2 source: references expanded, capture groups renamed to the `groups` names; flags inline (`(?i)`). */
  source: string;
  /** The JavaScript source (flag `u`) that runs instead of RE2, when V8 runs the pattern alike. */
  v8?: string;
  /** `[groupName, field]` pairs in pattern order. */
  groups: Array<[string, string]>;
}

/** A compiled list of grok patterns. */
export interface GrokMatcher {
  /** Every field the patterns can capture, in order, without repeats. */
  readonly fields: readonly string[];
  /**
   * Each pattern as written and as expanded (RE2 source, groups): what a worker thread needs to run the same
   * extraction (fanout's CLI does so under a deadline, off its own thread).
   */
  readonly patterns: readonly GrokPatternSource[];
  /**
   * Matches every pattern against the whole text (its first match); a later pattern's field overrides an earlier
   * one's, and within a pattern a later group's. Fields that did not match, or matched empty text, are absent (as
   * go-grok leaves them out; never `""`).
   */
  extract(text: string): Record<string, string>;
}

/** go-grok's reference syntax: `%{NAME}`, `%{NAME:field}`, `%{NAME:field:type}` (anything else stays literal). */
const REFERENCE = /%\{(\w+)(?::([\w+.]+)(?::(\w+))?)?\}/g;
/** Dots are not allowed in RE2 group names: go-grok writes them as this, and so does fanout. */
const DOT = '___';
/** RE2's rule for a capture name (ASCII letters, digits, `_`, any order). */
const GROUP_NAME = /^[A-Za-z0-9_]+$/;
/** go-grok's bound on nested expansion: a definition that refers to itself stops here. */
const MAX_EXPANSIONS = 1000;

/** A `%{NAME}` no definition has. */
class UndefinedPattern extends Error {
  constructor(
    readonly pattern: string,
    near: string | undefined,
  ) {
    super(`pattern %{${pattern}} is not defined${near === undefined ? '' : ` (did you mean %{${near}}?)`}`);
  }
}

/** Expands every reference, as go-grok does: one pass over the whole text at a time, until none is left. */
function expand(pattern: string): string {
  let text = pattern;
  for (let pass = 0; pass < MAX_EXPANSIONS; pass += 1) {
    let changed = false;
    text = text.replace(REFERENCE, (_whole, name: string, field: string | undefined) => {
      changed = true;
      const definition = GROK_PATTERNS[name];
      if (definition === undefined) {
        throw new UndefinedPattern(name, closest(name, Object.keys(GROK_PATTERNS)));
      }
      return field === undefined ? `(?:${definition})` : `(?P<${field.replaceAll('.', DOT)}>${definition})`;
    });
    if (!changed) return text;
  }
  throw new Error(`pattern references nest deeper than ${MAX_EXPANSIONS} levels`);
}

/**
 * Renames every named group (`(?P<name>` and `(?<name>`) to `g0`, `g1` …, recording its field: RE2 rejects a name
 * used twice, Go's regexp (and so VibeGuard) allows it and keeps the later value. Escapes, `\Q…\E` and character
 * classes are skipped, so a `(` inside them is not a group.
 */
function renameGroups(source: string, groups: Array<[string, string]>): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') {
      if (source[i + 1] === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        const stop = end === -1 ? source.length : end + 2;
        out += source.slice(i, stop);
        i = stop;
      } else {
        out += source.slice(i, i + 2);
        i += 2;
      }
      continue;
    }
    if (char === '[') {
      const stop = classEnd(source, i);
      out += source.slice(i, stop);
      i = stop;
      continue;
    }
    const named = char === '(' ? /^\(\?P?<([^>]*)>/.exec(source.slice(i, i + 260)) : null;
    if (named !== null && GROUP_NAME.test(named[1] ?? '')) {
      const group = `g${groups.length}`;
      groups.push([group, (named[1] ?? '').replaceAll(DOT, '.')]);
      out += `(?P<${group}>`;
      i += named[0].length;
      continue;
    }
    out += char;
    i += 1;
  }
  return out;
}

/** The index just past the character class opening at `start` (RE2's rules: a leading `]` is literal). */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i += 1;
  if (source[i] === ']') i += 1;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') i += 2;
    else if (char === '[' && source[i + 1] === ':') {
      const close = source.indexOf(':]', i + 2);
      i = close === -1 ? i + 1 : close + 2;
    } else if (char === ']') return i + 1;
    else i += 1;
  }
  return source.length;
}

/**
 * Compiles one grok pattern without throwing: the result says what is wrong (unknown `%{NAME}`, or RE2's own syntax
 * error: lookarounds and backreferences do not exist in Go's regular expressions).
 *
 * @example
 * ```ts
 * import { analyzeGrokPattern } from 'fanout/config';
 * const result = analyzeGrokPattern('total:.*\\(statements\\)\\s+%{NUMBER:coverage}%');
 * result.ok && result.fields; // ['coverage']
 * ```
 */
export function analyzeGrokPattern(pattern: string): GrokAnalysis {
  let analysis = analysisCache.get(pattern);
  if (analysis === undefined) {
    analysis = translate(pattern);
    // Bounded: configs hold a handful of patterns; a long-lived process compiling generated ones must not grow forever.
    if (analysisCache.size >= ANALYSIS_CACHE_SIZE) analysisCache.delete(analysisCache.keys().next().value ?? '');
    analysisCache.set(pattern, analysis);
  }
  // Copies, so callers may keep or change what they get; a compiled RE2JS holds no match state, so sharing it is safe.
  return analysis.ok ? { ...analysis, groups: analysis.groups.map(([g, f]) => [g, f]), fields: [...analysis.fields] } : { ...analysis };
}

const ANALYSIS_CACHE_SIZE = 512;
const analysisCache = new Map<string, GrokAnalysis>();

function translate(pattern: string): GrokAnalysis {
  const groups: Array<[string, string]> = [];
  let source: string;
  try {
    source = renameGroups(expand(pattern), groups);
  } catch (error: unknown) {
    if (error instanceof UndefinedPattern) return { ok: false, error: error.message, vibeguard: `pattern definition ${JSON.stringify(error.pattern)} unknown: parsing failed` };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message, vibeguard: message };
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(source);
  } catch (error: unknown) {
    const message = restoreNames(error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error), groups);
    return { ok: false, error: message + hint(message), vibeguard: `error parsing regexp: ${message}` };
  }
  const fields: string[] = [];
  for (const [, field] of groups) if (!fields.includes(field)) fields.push(field);
  const v8Source = toV8Source(source);
  let v8: RegExp | undefined;
  try {
    if (v8Source !== undefined) v8 = new RegExp(v8Source, 'u');
  } catch {
    // A spelling V8 rejects (none known): RE2 runs it.
  }
  return v8 === undefined ? { ok: true, regex, groups, fields } : { ok: true, regex, v8, groups, fields };
}

/** What RE2's message does not say: the JavaScript and PCRE features Go's regular expressions lack. */
function hint(message: string): string {
  if (/^invalid escape sequence: `\\[1-9]/.test(message)) return ' (Go regular expressions have no backreferences)';
  if (/`\(\?<?[=!]/.test(message)) return ' (Go regular expressions have no lookahead or lookbehind)';
  return '';
}

/** RE2's messages quote the expanded source: say `(?P<count>` rather than the internal `(?P<g0>`. */
function restoreNames(message: string, groups: ReadonlyArray<readonly [string, string]>): string {
  return message.replace(/\(\?P<(g\d+)>/g, (whole, group: string) => {
    const field = groups.find(([name]) => name === group)?.[1];
    return field === undefined ? whole : `(?P<${field}>`;
  });
}

/**
 * Compiles grok patterns for repeated extraction. Compilations are cached per pattern (the config loader already
 * compiled every pattern of a config while validating it), so compiling a check's patterns again costs little.
 *
 * @throws {GrokError} when a pattern is invalid (configs report these as load-time diagnostics instead).
 * @throws {TypeError} when `patterns` is not an array of strings.
 * @example
 * ```ts
 * import { compileGrok } from 'fanout/config';
 * const grok = compileGrok(['total:.*\\(statements\\)\\s+%{NUMBER:coverage}%']);
 * grok.extract('total:\t(statements)\t71.5%'); // { coverage: '71.5' }
 * ```
 */
export function compileGrok(patterns: readonly string[]): GrokMatcher {
  if (!Array.isArray(patterns)) throw invalidArgument('patterns', 'an array of strings', patterns);
  const compiled: CompiledGrokPattern[] = [];
  const fields: string[] = [];
  patterns.forEach((pattern: unknown, index) => {
    if (typeof pattern !== 'string') throw invalidArgument(`patterns[${index}]`, 'a string', pattern);
    const result = analyzeGrokPattern(pattern);
    if (!result.ok) throw new GrokError(index, pattern, result.error);
    compiled.push(result);
    for (const field of result.fields) if (!fields.includes(field)) fields.push(field);
  });
  return {
    fields,
    patterns: compiled.map(({ regex, v8, groups }, index) => ({
      pattern: (patterns as readonly string[])[index]!,
      source: regex.pattern(),
      ...(v8 === undefined ? {} : { v8: v8.source }),
      groups,
    })),
    extract(text: string): Record<string, string> {
      if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
      return extractFields(compiled, text);
    },
  };
}
