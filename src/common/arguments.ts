/**
 * Argument checks shared by every public API. Each failure is a `TypeError` that names the argument,
 * what was expected and what was received, so callers never have to guess which option was wrong.
 */

/** Renders a received value for an error message: short, unambiguous, never throws. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `${name} instance` : 'object';
  }
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'symbol') return value.toString();
  return typeof value;
}

/** Builds the `TypeError` for a bad argument: `<name> must be <expectation>, received <value>`. */
export function invalidArgument(name: string, expectation: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${expectation}, received ${describeValue(value)}`);
}

/** Throws unless `value` is an integer ≥ `min`; returns it typed as a number. */
export function assertInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidArgument(name, `an integer >= ${min}`, value);
  }
  return value;
}

/** Throws unless `value` is an integer ≥ `min` or `Infinity`. */
export function assertLimit(name: string, value: unknown, min = 1): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidArgument(name, `an integer >= ${min} or Infinity`, value);
  }
  return value;
}

/** Throws unless `value` is an AbortSignal or undefined. */
export function assertOptionalSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw invalidArgument(name, 'an AbortSignal or undefined', value);
}

/** Throws unless `value` is a function. */
export function assertFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') throw invalidArgument(name, 'a function', value);
}
