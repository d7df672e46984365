/**
 * `{{.name}}` placeholders, the only template syntax VibeGuard's configs use: `vars` are substituted at load time and
 * the values grok extracted at report time. Anything else between braces is left as written.
 */

// `{{.name}}`, with the optional spaces Go templates allow (`{{ .name }}`).
const PLACEHOLDER = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

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
    found.push({ name: match[1] ?? '', offset: match.index });
  }
  return found;
}

/**
 * Replaces every `{{.name}}` that has a value. A placeholder without a value is kept as written and its name is listed
 * in `missing` (once, in order of first appearance), so the caller can report it instead of printing `<no value>`.
 *
 * @example
 * ```ts
 * import { renderTemplate } from 'fanout/config';
 * renderTemplate('Coverage is {{.coverage}}%, need {{.min}}%', { coverage: '71.5' });
 * // { text: 'Coverage is 71.5%, need {{.min}}%', missing: ['min'] }
 * ```
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(values, name)) {
      const value = values[name];
      if (typeof value === 'string') return value;
    }
    if (!missing.includes(name)) missing.push(name);
    return whole;
  });
  return { text, missing };
}
