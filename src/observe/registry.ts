import { invalidArgument } from '../common/arguments.js';
import { createJsonObserver } from './json.js';
import type { JsonObserverOptions } from './json.js';
import { createNoopObserver } from './noop.js';
import { createOtelObserver } from './otel.js';
import type { OtelObserverOptions } from './otel.js';
import { assertObserver, safeObserver } from './safe.js';
import type { Observer } from './types.js';

/** Builds an observer from its options; what {@link registerObserver} takes. */
export type ObserverFactory = (options?: Record<string, unknown>) => Observer;

/** The options of each built-in observer, by name. */
export interface BuiltinObserverOptions {
  noop: Record<string, never>;
  json: JsonObserverOptions;
  otel: OtelObserverOptions;
}

const factories = new Map<string, ObserverFactory>([
  ['noop', () => createNoopObserver()],
  ['json', (options) => createJsonObserver(options)],
  ['otel', (options) => createOtelObserver(options)],
]);

/**
 * Creates an observer by name from the registry: `noop`, `json` (JSON lines via pino, to stderr unless told
 * otherwise), `otel` (OpenTelemetry spans), or any name added with {@link registerObserver}. The result is wrapped
 * with {@link safeObserver}. An unknown name throws a TypeError that lists the known ones.
 *
 * @example
 * ```ts
 * import { createObserver } from 'fanout/observe';
 * import { processParallel } from 'fanout';
 * const observer = createObserver('json', { destination: process.stdout });
 * await processParallel([1, 2, 3], async (n) => n * 2, { observer });
 * ```
 */
export function createObserver<N extends keyof BuiltinObserverOptions>(name: N, options?: BuiltinObserverOptions[N]): Observer;
// A registered name: any string but a built-in's, so a built-in's options cannot fall through to the untyped form.
export function createObserver<N extends string>(
  name: N & (N extends keyof BuiltinObserverOptions ? never : unknown),
  options?: Record<string, unknown>,
): Observer;
export function createObserver(name: string, options?: object): Observer {
  const factory = typeof name === 'string' ? factories.get(name) : undefined;
  if (factory === undefined) {
    throw invalidArgument('observer name', `one of ${observerNames().map((n) => `'${n}'`).join(', ')}`, name);
  }
  const observer = factory(options as Record<string, unknown> | undefined);
  assertObserver(`observer '${name}'`, observer);
  return safeObserver(observer);
}

/**
 * Adds a named observer to the registry, so `createObserver(name)` finds it (the `fanout` CLI loads no code of yours:
 * its `--observer` offers the built-ins).
 * Names are lower-case words (`[a-z][a-z0-9-]*`); registering a taken name throws a TypeError.
 *
 * @example
 * ```ts
 * import { registerObserver } from 'fanout/observe';
 * const ends: string[] = [];
 * registerObserver('collect', () => ({ onEvent: (e) => { if (e.type === 'task:end') ends.push(e.id); } }));
 * ```
 */
export function registerObserver(name: string, factory: ObserverFactory): void {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw invalidArgument('name', 'a lower-case observer name matching [a-z][a-z0-9-]*', name);
  }
  if (typeof factory !== 'function') throw invalidArgument('factory', 'a function', factory);
  if (factories.has(name)) throw invalidArgument('name', 'a name not yet registered', name);
  factories.set(name, factory);
}

/**
 * The registered observer names, built-ins first: what a CLI lists for `--observer`.
 *
 * @example
 * ```ts
 * import { observerNames } from 'fanout/observe';
 * console.log(observerNames()); // ['noop', 'json', 'otel', …]
 * ```
 */
export function observerNames(): string[] {
  return [...factories.keys()];
}
