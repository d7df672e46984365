/**
 * The secrets scheme of the distributed backend: values of secret-looking environment variables never travel
 * through Redis. A job carries only their names; the worker takes the values from its own environment and masks
 * them in everything it sends back (output, job logs, error messages).
 */

/** Names that look secret: TOKEN, SECRET, PASSWORD, PASSWD, KEY, CREDENTIAL or AUTH anywhere, any case. */
export const SECRET_NAME_PATTERN = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH/i;

/** What replaces a secret value in output. */
export const MASK = '***';

/**
 * Whether an environment variable name looks secret (TOKEN, SECRET, PASSWORD, KEY... in its name).
 *
 * @example
 * ```ts
 * import { isSecretEnvName } from 'fanout/distributed';
 * isSecretEnvName('NPM_TOKEN'); // true
 * isSecretEnvName('NODE_ENV'); // false
 * ```
 */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}

/** Splits an env object into the values that may travel and the names whose values must not. */
export function splitSecretEnv(env: Readonly<Record<string, string>> | undefined): { plain: Record<string, string>; secretNames: string[] } {
  const plain: Record<string, string> = {};
  const secretNames: string[] = [];
  if (env === undefined) return { plain, secretNames };
  for (const [name, value] of Object.entries(env)) {
    if (isSecretEnvName(name)) secretNames.push(name);
    else plain[name] = value;
  }
  return { plain, secretNames };
}

/** Values shorter than this are not masked: masking `1` or `on` everywhere would destroy the output and hide nothing. */
const MIN_MASKED_LENGTH = 4;

/**
 * Returns a function that replaces every occurrence of the given values with `***` (longest first, so a value
 * containing another is masked whole).
 */
export function secretMasker(values: Iterable<string>): (text: string) => string {
  const list = [...new Set([...values].filter((value) => value.length >= MIN_MASKED_LENGTH))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const value of list) if (masked.includes(value)) masked = masked.split(value).join(MASK);
    return masked;
  };
}

/** The secret-looking values of an environment (the worker's own, typically), for {@link secretMasker}. */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) if (value !== undefined && isSecretEnvName(name)) values.push(value);
  return values;
}

/**
 * Text with the credentials of every Redis URL in it replaced by `***`: `redis://user:***@host`, `redis://***@host`
 * (no colon: the whole user part may be a password). The user part ends at the LAST `@` of the URL, so a password
 * holding `@`, `#`, `/` or `:` unencoded is masked whole. A password holding blanks ends the URL early: mask known
 * passwords by value as well (the CLI's Redis target does both).
 *
 * @example
 * ```ts
 * import { redactRedisUrl } from 'fanout/distributed';
 * redactRedisUrl('redis://:hunter2@cache:6379/0'); // 'redis://:***@cache:6379/0'
 * redactRedisUrl('redis://:p@ss/w#rd@cache:6379'); // 'redis://:***@cache:6379'
 * ```
 */
export function redactRedisUrl(text: string): string {
  return text.replace(/\b(rediss?:\/\/)(\S*)@/gi, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`}@`;
  });
}
