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
