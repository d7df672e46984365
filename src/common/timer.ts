/**
 * The longest delay a Node timer keeps. A longer one (or Infinity, or NaN) fires after 1 ms, with a
 * TimeoutOverflowWarning: a duration meant as "practically never" would mean "at once".
 */

import { invalidArgument } from './arguments.js';

/** The longest delay `setTimeout` and `setInterval` honour: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Arms `setTimeout(callback, ms)` unless `ms` is beyond {@link MAX_TIMER_MS}: beyond it (Infinity included) the limit
 * is as good as none, so nothing is armed and the result is undefined (`clearTimeout(undefined)` is harmless).
 */
export function timeoutWithin(callback: () => void, ms: number): NodeJS.Timeout | undefined {
  // NaN is armed (it fires at once, as Node has it): a bad value is the caller's to refuse, never taken for "none".
  return ms > MAX_TIMER_MS ? undefined : setTimeout(callback, ms);
}

/**
 * Throws unless `value` is an integer from `min` to {@link MAX_TIMER_MS}: for an interval or a delay where "never"
 * has no meaning, so a larger one must not reach a timer (it would fire every millisecond).
 */
export function assertTimerMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw invalidArgument(name, `an integer of milliseconds from ${min} to ${MAX_TIMER_MS}`, value);
  }
  return value;
}
