/**
 * Go-style durations (`time.ParseDuration`), the format VibeGuard's `timeout` uses: a sign, then one or more
 * decimal numbers each followed by a unit — `500ms`, `30s`, `2m`, `1h30m`, `1.5s`, `-1s`. A bare `0` is allowed.
 */

/** Milliseconds per unit, as Go spells them (`µs` with the micro sign and `μs` with the Greek mu are both accepted). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// One "number unit" element; units are tried longest first so `ms` is not read as `m` followed by garbage.
const ELEMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** The units {@link parseDuration} accepts, for messages. */
export const DURATION_UNITS = 'ns, us, ms, s, m, h';

/**
 * Parses a Go duration into milliseconds.
 *
 * Returns `null` for anything Go would reject: an empty string, a number without a unit (except `0`), an unknown
 * unit, spaces, or a value too large to represent. Sub-millisecond units give fractional milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from 'fanout';
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration('1.5s'); // 1500
 * parseDuration('-1s'); // -1000
 * parseDuration('30'); // null: a unit is required
 * ```
 */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string' || text.length === 0) return null;
  let index = 0;
  let sign = 1;
  const first = text[0];
  if (first === '-' || first === '+') {
    sign = first === '-' ? -1 : 1;
    index = 1;
  }
  const rest = text.slice(index);
  if (rest === '0') return 0;
  if (rest.length === 0) return null;
  let total = 0;
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < rest.length) {
    const start = ELEMENT.lastIndex;
    const match = ELEMENT.exec(rest);
    if (match === null || match.index !== start) return null;
    const [, amount, unit] = match;
    const factor = UNIT_MS[unit ?? ''];
    if (amount === undefined || factor === undefined) return null;
    total += Number(amount) * factor;
  }
  // Go rejects durations beyond ~292 years (int64 nanoseconds); anything non-finite is certainly out.
  if (!Number.isFinite(total) || total > 9_223_372_036_854) return null;
  return sign * total;
}

/**
 * Formats milliseconds as a short Go-style duration for messages, listings and reports: `340ms`, `1.5s`, `12.3s`,
 * `30s`, `1m30s`, `1h30m`. Below a minute it keeps three significant digits (a configured `1.25s` prints as given, a
 * measured 1234.56 ms as `1.23s`); from a minute on, whole seconds. Zero units are left out (`1h5s`), as Go's
 * `time.ParseDuration` and {@link parseDuration} read them, so a configured timeout prints the way VibeGuard prints it
 * (`30s`, not `30.0s`) and every result parses back.
 *
 * @example
 * ```ts
 * import { formatDuration } from 'fanout';
 * formatDuration(90_000); // '1m30s'
 * formatDuration(1234.56); // '1.23s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const whole = Math.round(ms);
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const seconds = Number((ms / 1000).toPrecision(3));
  if (seconds < 60) return `${seconds}s`;
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${rest > 0 ? `${rest}s` : ''}`;
}
