// Secret masking: values of environment variables whose names look secret never reach a report.

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|(?:^|_)(?:KEY|APIKEY|PASS|AUTH|COOKIE)(?:_|$)/i;
/** Values shorter than this are too likely to appear by chance ("1", "true") to be masked without harm. */
const MIN_LENGTH = 4;
export const MASK = '***';

/** True when an environment variable's name looks like it holds a secret (GITHUB_TOKEN, DB_PASSWORD, API_KEY…). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Builds a masker over the secret-looking values of the given environments; `mask(text)` replaces each by `***`. */
export function createMasker(...environments: ReadonlyArray<Readonly<Record<string, string | undefined>>>): (text: string) => string {
  const values = new Set<string>();
  for (const env of environments) {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && value.length >= MIN_LENGTH && isSecretName(name)) values.add(value);
    }
  }
  if (values.size === 0) return (text) => text;
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}
