import { invalidArgument } from '../common/arguments.js';
import type { ObservedEvent, Observer } from './types.js';

const safe = new WeakSet<Observer>();

/**
 * Wraps an observer so that nothing it does can break the run it observes: an exception thrown by `onEvent` (or by
 * reading it) is swallowed, and a promise it returns is given a rejection handler. Every fanout API applies it to the
 * observer it is given; wrapping twice returns the same wrapper.
 *
 * @example
 * ```ts
 * import { safeObserver } from 'fanout/observe';
 * const observer = safeObserver({ onEvent() { throw new Error('broken dashboard'); } });
 * observer.onEvent({ type: 'graph:start', time: 0, taskCount: 0, runId: 'r', source: 'graph' }); // no throw
 * ```
 */
export function safeObserver(observer: Observer): Observer {
  assertObserver('observer', observer);
  if (safe.has(observer)) return observer;
  const wrapped: Observer = {
    onEvent(event: ObservedEvent): void {
      try {
        const returned: unknown = observer.onEvent(event);
        if (returned instanceof Promise) returned.catch(ignore);
      } catch {
        // An observer must never break the run it observes.
      }
    },
  };
  safe.add(wrapped);
  return wrapped;
}

/** Throws a TypeError naming `name` unless `value` is an object with an `onEvent` function. */
export function assertObserver(name: string, value: unknown): asserts value is Observer {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<Observer>).onEvent !== 'function') {
    throw invalidArgument(name, 'an observer (an object with an onEvent(event) method)', value);
  }
}

/** The checked, safe form of an optional observer option, or `undefined`. */
export function optionalObserver(name: string, value: unknown): Observer | undefined {
  if (value === undefined) return undefined;
  assertObserver(name, value);
  return safeObserver(value);
}

function ignore(): void {}
