// The formats VibeGuard's commands print, for the commands that answer a vibeguard.* config as VibeGuard would: Go's
// duration text and Go's JSON encoding (keys in the order given, `<`, `>`, `&` escaped as `encoding/json` does).
import { jsonText } from '../terminal.js';

const SECOND_NS = 1_000_000_000n;

/**
 * `ms` as Go's `time.Duration.String()` writes it: `30s`, `1.5s`, `1m30s`, `2h0m0s`, `500ms`, `-1s`.
 *
 * @example
 * ```ts
 * goDuration(5_400_000); // '1h30m0s'
 * ```
 */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new TypeError(`goDuration: ms must be a finite number, received ${String(ms)}`);
  let ns = BigInt(Math.round(ms * 1e6));
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  if (ns === 0n) return '0s';
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${fraction(ns, 3)}µs`;
  if (ns < SECOND_NS) return `${sign}${fraction(ns, 6)}ms`;
  const seconds = ns / SECOND_NS;
  let text = `${seconds % 60n}${fraction(ns % SECOND_NS, 9).replace(/^0/, '')}s`;
  if (seconds >= 60n) text = `${(seconds / 60n) % 60n}m${text}`;
  if (seconds >= 3600n) text = `${seconds / 3600n}h${text}`;
  return `${sign}${text}`;
}

/** `value / 10^digits` in decimal, without trailing zeros (Go's fmtFrac and fmtInt together). */
function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const decimals = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${value / scale}${decimals === '' ? '' : `.${decimals}`}`;
}

/**
 * `value` as Go's `json.MarshalIndent(value, "", "  ")` writes it (keys in the order of the object given), and a
 * newline; control characters are escaped as in every JSON fanout prints.
 */
export function goJsonText(value: unknown): string {
  return `${jsonText(value, 2).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
