/**
 * `{{.name}}` placeholders, the only template syntax VibeGuard's configs use: `vars` are substituted at load time and
 * the values grok extracted at report time. A Go template string literal, `{{"{{.ImportPath}}"}}` or
 * ``{{`{{.ImportPath}}`}}``, writes its text as is: the escape for a command that needs literal braces
 * (`go list -f`, `docker inspect -f`). Anything else between braces is left as written.
 */

// `{{.name}}`, with the optional spaces Go templates allow (`{{ .name }}`), or a string literal (`{{"…"}}`, `{{`…`}}`).
const PLACEHOLDER = /\{\{\s*(?:\.([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)"|`([^`]*)`)\s*\}\}/g;

/** One placeholder found in a template. */
export interface Placeholder {
  name: string;
  /** 0-based offset of the opening `{{` in the template. */
  offset: number;
}

/**
 * Lists the placeholders of a template in order of appearance (repeats included).
 *
 * @example
 * ```ts
 * import { templatePlaceholders } from 'fanout/config';
 * templatePlaceholders('{{.a}} and {{ .b }}').map((p) => p.name); // ['a', 'b']
 * ```
 */
export function templatePlaceholders(template: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match[1] !== undefined) found.push({ name: match[1], offset: match.index });
  }
  return found;
}

/** Options of {@link renderTemplate}. */
export interface RenderTemplateOptions {
  /**
   * Write string literals (`{{"…"}}`) as their text. Off when the text is rendered again later (a suggestion gets
   * its vars at load time and grok's values at report time: the literal is written then).
   * @default true
   */
  literals?: boolean;
}

/**
 * Replaces every `{{.name}}` that has a value, and writes every string literal (`{{"{{.x}}"}}` → `{{.x}}`). A
 * placeholder without a value is kept as written and its name is listed in `missing` (once, in order of first
 * appearance), so the caller can report it instead of printing `<no value>`.
 *
 * @example
 * ```ts
 * import { renderTemplate } from 'fanout/config';
 * renderTemplate('Coverage is {{.coverage}}%, need {{.min}}%', { coverage: '71.5' });
 * // { text: 'Coverage is 71.5%, need {{.min}}%', missing: ['min'] }
 * renderTemplate(`go list -f '{{"{{.ImportPath}}"}}' ./...`, {}).text; // "go list -f '{{.ImportPath}}' ./..."
 * ```
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, options: RenderTemplateOptions = {}): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string | undefined, quoted: string | undefined, raw: string | undefined) => {
    if (name === undefined) {
      if (options.literals === false) return whole;
      return raw ?? quoted?.replace(/\\(.)/g, (_escape, char: string) => ({ n: '\n', t: '\t', r: '\r' })[char] ?? char) ?? whole;
    }
    if (Object.hasOwn(values, name)) {
      const value = values[name];
      if (typeof value === 'string') return value;
    }
    if (!missing.includes(name)) missing.push(name);
    return whole;
  });
  return { text, missing };
}

/**
 * VibeGuard's substitution of `vars` (in `run`, `assert`, `file` and `grok`): each `{{.name}}` written exactly so,
 * spaces and all, whose name is a var; every other brace (`{{.ImportPath}}`, `{{ .name }}`) is left as written.
 *
 * @example
 * ```ts
 * import { substituteVarsExactly } from 'fanout';
 * substituteVarsExactly("go list -f '{{.ImportPath}}' {{.pkgs}}", { pkgs: './...' }); // "go list -f '{{.ImportPath}}' ./..."
 * ```
 */
export function substituteVarsExactly(text: string, vars: Readonly<Record<string, string>>): string {
  let result = text;
  for (const [name, value] of Object.entries(vars)) result = result.replaceAll(`{{.${name}}}`, value);
  return result;
}

// A field chain as Go's text/template reads it: `.name`, `.a.b` (names of letters, digits and `_`).
const FIELD_CHAIN = /^(?:\.[\p{L}_][\p{L}\p{N}_]*)+$/u;

/**
 * A suggestion or fix as VibeGuard renders it at report time: a Go `text/template` executed over the extracted values
 * (a `map[string]string`). `{{.name}}` (spaces and trim markers allowed: `{{ .name }}`, `{{- .name -}}`) writes the
 * value, or `<no value>` when there is none (`{{.a.b}}` too when `a` has none); `{{"…"}}` and ``{{`…`}}`` write
 * their text; a comment writes nothing. A template Go would fail to parse or execute (an unclosed `{{`, a field
 * of a value, a function fanout does not implement) is written as is, as VibeGuard writes it then.
 *
 * @example
 * ```ts
 * import { renderGoTemplate } from 'fanout/config';
 * renderGoTemplate('coverage {{.coverage}}% of {{ .min }}%', { coverage: '71.5' }); // 'coverage 71.5% of <no value>%'
 * renderGoTemplate('broken {{.x', {}); // 'broken {{.x'
 * ```
 */
export function renderGoTemplate(template: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) {
      out += template.slice(at);
      break;
    }
    let text = template.slice(at, open);
    let start = open + 2;
    // `{{- ` trims the white space before the action, ` -}}` the white space after it.
    if (/^-[ \t\r\n]/.test(template.slice(start, start + 2))) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start++;
    }
    out += text;
    const action = readAction(template.slice(start));
    if (action === undefined) return template;
    const value = actionValue(action.body.trim(), values);
    if (value === undefined) return template;
    out += value;
    at = start + action.length;
    if (action.trimAfter) while (at < template.length && ' \t\r\n'.includes(template[at]!)) at++;
  }
  return out;
}

/** The action at the start of `inner` (after `{{`): its body, its length through `}}`, and whether it ends `-}}`. */
function readAction(inner: string): { body: string; length: number; trimAfter: boolean } | undefined {
  // String literals may hold `}}`: skip them whole.
  let i = 0;
  while (i < inner.length) {
    const char = inner[i]!;
    if (char === '"') {
      i++;
      while (i < inner.length && inner[i] !== '"') i += inner[i] === '\\' ? 2 : 1;
      if (i >= inner.length) return undefined;
      i++;
    } else if (char === '`') {
      const close = inner.indexOf('`', i + 1);
      if (close < 0) return undefined;
      i = close + 1;
    } else if (inner.startsWith('}}', i)) {
      const trimAfter = /[ \t\r\n]-$/.test(inner.slice(0, i));
      return { body: trimAfter ? inner.slice(0, i - 1) : inner.slice(0, i), length: i + 2, trimAfter };
    } else {
      i++;
    }
  }
  return undefined;
}

/** What one action writes, or undefined where Go would fail (or fanout does not implement the action). */
function actionValue(body: string, values: Readonly<Record<string, string>>): string | undefined {
  if (/^\/\*[\s\S]*\*\/$/.test(body)) return '';
  if (/^`[^`]*`$/.test(body)) return body.slice(1, -1);
  if (/^"(?:[^"\\\n]|\\.)*"$/.test(body)) {
    try {
      return JSON.parse(body) as string;
    } catch {
      return undefined;
    }
  }
  if (body === '.') {
    const entries = Object.keys(values).sort().map((key) => `${key}:${values[key]}`);
    return `map[${entries.join(' ')}]`;
  }
  if (!FIELD_CHAIN.test(body)) return undefined;
  const [first, ...rest] = body.slice(1).split('.');
  if (first === undefined || !Object.hasOwn(values, first)) return '<no value>';
  // A field of a string is an execution error in Go.
  return rest.length === 0 ? values[first] : undefined;
}
