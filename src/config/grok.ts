/**
 * Grok: regular expressions with `%{PATTERN}` and `%{PATTERN:field}` references to a library of named patterns, as
 * VibeGuard uses them to pull values (`%{NUMBER:coverage}`) out of a command's output.
 *
 * Patterns are written for Go's RE2 and run here on JavaScript's engine; the translation covers what configs use:
 * `(?P<name>…)` groups, leading `(?i)`/`(?s)`/`(?m)` flags, `[[:alpha:]]` classes and `\A`/`\z`. RE2 features with
 * no JavaScript equivalent are reported when the pattern is compiled, never silently mis-read. Caveat: JavaScript's
 * engine backtracks where RE2 does not, so a pathological pattern can be slow on a large output.
 */
import { FanoutError } from '../shared/errors.js';
import { invalidArgument } from '../shared/arguments.js';
import { extractFields } from './match-core.js';
import { closest } from './suggest.js';

/**
 * The base pattern library, written for fanout after the names (and meanings) of Logstash's core grok patterns.
 * Definitions may reference each other with `%{NAME}`; references are expanded once, when a config is compiled.
 */
export const GROK_PATTERNS: Readonly<Record<string, string>> = {
  // Numbers
  INT: '(?:[+-]?(?:[0-9]+))',
  BASE10NUM: '(?<![0-9.+-])(?:[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+))',
  NUMBER: '(?:%{BASE10NUM})',
  BASE16NUM: '(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+))',
  BASE16FLOAT:
    '\\b(?<![0-9A-Fa-f.])(?:[+-]?(?:0x)?(?:(?:[0-9A-Fa-f]+(?:\\.[0-9A-Fa-f]*)?)|(?:\\.[0-9A-Fa-f]+)))\\b',
  POSINT: '\\b(?:[1-9][0-9]*)\\b',
  NONNEGINT: '\\b(?:[0-9]+)\\b',
  // Words and text
  WORD: '\\b\\w+\\b',
  NOTSPACE: '\\S+',
  SPACE: '\\s*',
  DATA: '.*?',
  GREEDYDATA: '.*',
  QUOTEDSTRING: '(?:"(?:\\\\.|[^\\\\"])*"|\'(?:\\\\.|[^\\\\\'])*\'|`(?:\\\\.|[^\\\\`])*`)',
  QS: '%{QUOTEDSTRING}',
  UUID: '[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}',
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '%{USERNAME}',
  EMAILLOCALPART: '[a-zA-Z0-9!#$%&\'*+/=?^_`{|}~-]+(?:\\.[a-zA-Z0-9!#$%&\'*+/=?^_`{|}~-]+)*',
  EMAILADDRESS: '%{EMAILLOCALPART}@%{HOSTNAME}',
  // Networking
  MAC: '(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})',
  CISCOMAC: '(?:(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})',
  WINDOWSMAC: '(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})',
  COMMONMAC: '(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})',
  IPV4OCTET: '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])',
  IPV4: '(?<![0-9])(?:%{IPV4OCTET}\\.){3}%{IPV4OCTET}(?![0-9])',
  IPV6:
    '(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,7}:' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}' +
    '|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}' +
    '|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:)' +
    '|(?:[0-9A-Fa-f]{1,4}:){6}%{IPV4}' +
    '|::(?:[Ff]{4}:)?%{IPV4})(?:%[0-9A-Za-z]+)?',
  IP: '(?:%{IPV6}|%{IPV4})',
  HOSTNAME: '\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\\.?|\\b)',
  IPORHOST: '(?:%{IP}|%{HOSTNAME})',
  HOSTPORT: '%{IPORHOST}:%{POSINT}',
  // Paths and URIs
  PATH: '(?:%{UNIXPATH}|%{WINPATH})',
  UNIXPATH: '(?:/[\\w%!$@:.,+~-]*)+',
  WINPATH: '(?:[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*]*)+',
  TTY: '(?:/dev/(?:pts|tty(?:[pq])?)(?:\\w+)?/?(?:[0-9]+))',
  URIPROTO: '[A-Za-z][A-Za-z0-9+.-]*',
  URIHOST: '%{IPORHOST}(?::%{POSINT})?',
  URIPATH: "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+",
  URIPARAM: "\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\[\\]<>-]*",
  URIPATHPARAM: '%{URIPATH}(?:%{URIPARAM})?',
  URI: '%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?',
  // Dates and times
  MONTH:
    '\\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\\b',
  MONTHNUM: '(?:0?[1-9]|1[0-2])',
  MONTHDAY: '(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])',
  DAY: '(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)',
  YEAR: '(?:\\d\\d){1,2}',
  HOUR: '(?:2[0123]|[01]?[0-9])',
  MINUTE: '(?:[0-5][0-9])',
  SECOND: '(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)',
  TIME: '(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])',
  DATE_US: '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}',
  DATE_EU: '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}',
  DATE: '(?:%{DATE_US}|%{DATE_EU})',
  ISO8601_TIMEZONE: '(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))',
  ISO8601_SECOND: '%{SECOND}',
  TIMESTAMP_ISO8601: '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?',
  DATESTAMP: '%{DATE}[- ]%{TIME}',
  SYSLOGTIMESTAMP: '%{MONTH} +%{MONTHDAY} %{TIME}',
  HTTPDATE: '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}',
  // Logs
  LOGLEVEL:
    '(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|' +
    '[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|' +
    '[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)',
};

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

/** One pattern translated to a JavaScript regular expression. */
export interface CompiledGrokPattern {
  regex: RegExp;
  /** `[groupName, field]` pairs in pattern order. */
  groups: Array<[string, string]>;
  /** Field names the pattern can capture, in order, without repeats. */
  fields: string[];
}

/** The outcome of {@link analyzeGrokPattern}: a compiled pattern or the reason it is invalid. */
export type GrokAnalysis = ({ ok: true } & CompiledGrokPattern) | { ok: false; error: string };

/** One grok pattern as written, with its translation to a JavaScript regular expression. */
export interface GrokPatternSource {
  /** The pattern as written in the config. */
  pattern: string;
  /** `RegExp` source and flags. */
  source: string;
  flags: string;
  /** `[groupName, field]` pairs in pattern order. */
  groups: Array<[string, string]>;
}

/** A compiled list of grok patterns. */
export interface GrokMatcher {
  /** Every field the patterns can capture, in order, without repeats. */
  readonly fields: readonly string[];
  /**
   * Each pattern as written and as translated (regex source, flags, groups): what a worker thread needs to run the
   * same extraction (fanout's CLI does so under a deadline, since a backtracking pattern can run for hours).
   */
  readonly patterns: readonly GrokPatternSource[];
  /**
   * Matches every pattern against the whole text; a later pattern's field overrides an earlier one's. Fields whose
   * pattern did not match are absent (never `""`).
   */
  extract(text: string): Record<string, string>;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REFERENCE = /^%\{([A-Za-z0-9_]+)(?::([^:}]*))?(?::([^}]*))?\}/;
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

const libraryCache = new Map<string, string>();

/** Expands a library pattern (no fields inside) to plain regex source, memoized for the process. */
function expandLibrary(name: string, stack: readonly string[]): string {
  const cached = libraryCache.get(name);
  if (cached !== undefined) return cached;
  const definition = GROK_PATTERNS[name];
  if (definition === undefined) throw new Error(`pattern %{${name}} is not defined`);
  if (stack.includes(name)) throw new Error(`pattern %{${name}} refers to itself`);
  const source = definition.replace(/%\{([A-Za-z0-9_]+)\}/g, (_whole, inner: string) =>
    expandLibrary(inner, [...stack, name]),
  );
  libraryCache.set(name, source);
  return source;
}

/**
 * Translates one grok pattern into a JavaScript regular expression without throwing: the result says what is wrong
 * (unknown `%{NAME}`, bad field name, RE2 feature with no equivalent, or a regex syntax error).
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
  // Copies, so callers may keep or change what they get; the RegExp has no `g` flag, so sharing it is stateless.
  return analysis.ok ? { ...analysis, groups: analysis.groups.map(([g, f]) => [g, f]), fields: [...analysis.fields] } : { ...analysis };
}

const ANALYSIS_CACHE_SIZE = 512;
const analysisCache = new Map<string, GrokAnalysis>();

function translate(pattern: string): GrokAnalysis {
  let flags = '';
  let rest = pattern;
  const flagGroup = /^\(\?([a-zA-Z]+)\)/.exec(rest);
  if (flagGroup !== null) {
    for (const flag of flagGroup[1] ?? '') {
      if (flag === 'i' || flag === 'm' || flag === 's') {
        if (!flags.includes(flag)) flags += flag;
      } else {
        return { ok: false, error: `flag "${flag}" in "${flagGroup[0]}" is not supported (use i, m or s)` };
      }
    }
    rest = rest.slice(flagGroup[0].length);
  }

  const groups: Array<[string, string]> = [];
  const fields: string[] = [];
  const addField = (field: string): string => {
    const group = `f${groups.length}`;
    groups.push([group, field]);
    if (!fields.includes(field)) fields.push(field);
    return group;
  };

  let out = '';
  let inClass = false;
  let i = 0;
  try {
    while (i < rest.length) {
      const char = rest[i];
      if (char === '\\') {
        const next = rest[i + 1];
        if (next === undefined) return { ok: false, error: 'trailing backslash' };
        if (!inClass && next === 'A') out += '(?<![\\s\\S])';
        else if (!inClass && next === 'z') out += '(?![\\s\\S])';
        else if (!inClass && /[1-9]/.test(next)) {
          return { ok: false, error: `backreference "\\${next}" is not supported (Go regular expressions have none)` };
        } else if (!inClass && next === 'k') {
          return { ok: false, error: 'named backreference "\\k" is not supported (Go regular expressions have none)' };
        } else if (next === 'Q') {
          const end = rest.indexOf('\\E', i + 2);
          const literal = end === -1 ? rest.slice(i + 2) : rest.slice(i + 2, end);
          out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
          i = end === -1 ? rest.length : end + 2;
          continue;
        } else out += char + next;
        i += 2;
        continue;
      }
      if (inClass) {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest.slice(i));
        if (posix !== null) {
          const range = POSIX_CLASSES[posix[2] ?? ''];
          if (range === undefined) return { ok: false, error: `unknown character class "${posix[0]}"` };
          if (posix[1] === '^') return { ok: false, error: `negated class "${posix[0]}" is not supported` };
          out += range;
          i += posix[0].length;
          continue;
        }
        if (char === ']') inClass = false;
        out += char;
        i += 1;
        continue;
      }
      if (char === '[') {
        inClass = true;
        out += char;
        i += 1;
        // A `]` right after `[` or `[^` is a literal in RE2; JavaScript needs it escaped.
        if (rest[i] === '^') {
          out += '^';
          i += 1;
        }
        if (rest[i] === ']') {
          out += '\\]';
          i += 1;
        }
        continue;
      }
      if (char === '%' && rest[i + 1] === '{') {
        const reference = REFERENCE.exec(rest.slice(i));
        if (reference === null) return { ok: false, error: `malformed reference at "${rest.slice(i, i + 20)}"` };
        const [whole, name = '', field, type] = reference;
        if (GROK_PATTERNS[name] === undefined) {
          const near = closest(name, Object.keys(GROK_PATTERNS));
          return { ok: false, error: `pattern %{${name}} is not defined${near === undefined ? '' : ` (did you mean %{${near}}?)`}` };
        }
        if (type !== undefined && type !== 'int' && type !== 'float' && type !== 'string') {
          return { ok: false, error: `unknown type "${type}" in "${whole}" (use int, float or string)` };
        }
        const source = expandLibrary(name, []);
        if (field === undefined || field === '') out += `(?:${source})`;
        else if (!FIELD_NAME.test(field)) {
          return { ok: false, error: `invalid field name "${field}" in "${whole}" (letters, digits and _)` };
        } else out += `(?<${addField(field)}>${source})`;
        i += whole.length;
        continue;
      }
      if (char === '(' && rest[i + 1] === '?') {
        const named = /^\(\?P?<([^>=!][^>]*)>/.exec(rest.slice(i));
        if (named !== null) {
          const field = named[1] ?? '';
          if (!FIELD_NAME.test(field)) return { ok: false, error: `invalid group name "${field}"` };
          out += `(?<${addField(field)}>`;
          i += named[0].length;
          continue;
        }
        const inline = /^\(\?[a-zA-Z-]+\)/.exec(rest.slice(i));
        if (inline !== null) {
          return { ok: false, error: `inline flags "${inline[0]}" are only supported at the start of a pattern` };
        }
      }
      out += char;
      i += 1;
    }
  } catch (error: unknown) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  try {
    return { ok: true, regex: new RegExp(out, flags), groups, fields };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(error);
    return { ok: false, error: message };
  }
}

/**
 * Compiles grok patterns for repeated extraction. Translations are cached per pattern (the config loader already
 * translated every pattern of a config while validating it), so compiling a check's patterns again costs little.
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
    patterns: compiled.map(({ regex, groups }, index) => ({ pattern: (patterns as readonly string[])[index]!, source: regex.source, flags: regex.flags, groups })),
    extract(text: string): Record<string, string> {
      if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
      return extractFields(compiled, text);
    },
  };
}
