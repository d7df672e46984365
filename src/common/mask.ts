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
  return createMaskerWith([], ...environments);
}

/** {@link createMasker}, also masking each of `secrets` (the password of a URL, the content of a key file...). */
export function createMaskerWith(secrets: Iterable<string>, ...environments: ReadonlyArray<Readonly<Record<string, string | undefined>>>): (text: string) => string {
  const values = new Set<string>();
  for (const value of secrets) if (value.length >= MIN_LENGTH) values.add(value);
  for (const env of environments) {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && value.length >= MIN_LENGTH && isSecretName(name)) values.add(value);
    }
  }
  if (values.size === 0) return (text) => text;
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => maskCuts(text.replace(pattern, MASK), sorted);
}

/** The line an output buffer puts where it dropped the middle of an output (see src/exec/output-buffer.ts). */
const CUT = /\n\[\.\.\. \d+ bytes dropped \.\.\.\]\n/g;
/** The shortest piece of a secret masked at a cut: one character alone matches by chance too often. */
const MIN_PIECE = 2;

/**
 * Where an output was cut into head and tail, a secret that spanned the cut survives as pieces no whole-value match
 * finds: the head may end with its beginning, the tail start with its end. Those pieces are masked too.
 */
function maskCuts(text: string, secrets: readonly string[]): string {
  if (!text.includes(' bytes dropped ...]')) return text;
  let out = '';
  let from = 0; // where the text not yet copied starts
  let skip = 0; // how many characters there are a piece of a secret (the start of a tail)
  for (const match of text.matchAll(CUT)) {
    const at = match.index;
    const end = at + match[0].length;
    const start = from + skip;
    const before = longestPiece(secrets, (secret, k) => at - k >= start && text.endsWith(secret.slice(0, k), at));
    out += `${skip > 0 ? MASK : ''}${text.slice(start, at - before)}${before > 0 ? MASK : ''}${match[0]}`;
    skip = longestPiece(secrets, (secret, k) => text.startsWith(secret.slice(secret.length - k), end));
    from = end;
  }
  return `${out}${skip > 0 ? MASK : ''}${text.slice(from + skip)}`;
}

/** The length of the longest proper piece (at least {@link MIN_PIECE} characters) of any secret that `fits`. */
function longestPiece(secrets: readonly string[], fits: (secret: string, length: number) => boolean): number {
  let best = 0;
  for (const secret of secrets) {
    for (let k = secret.length - 1; k >= Math.max(MIN_PIECE, best + 1); k--) {
      if (fits(secret, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}
