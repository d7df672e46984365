// fanout/observe: observers of runs (JSON lines through pino, OpenTelemetry spans, your own); pino and
// @opentelemetry/api are optional peer dependencies, loaded when an observer that needs them is created.
export type { Observer, ObservedEvent, RunSource, RunSummary, RunTag } from './types.js';
export { safeObserver } from './safe.js';
export { observeGraph } from './run-events.js';
export { createObserver, registerObserver, observerNames } from './registry.js';
export type { ObserverFactory, BuiltinObserverOptions } from './registry.js';
export { createNoopObserver } from './noop.js';
export { createJsonObserver } from './json.js';
export type { JsonObserverOptions, JsonObserverLevel, JsonObserverLogger } from './json.js';
export { createOtelObserver } from './otel.js';
export type { OtelObserverOptions, OtelTracer, OtelTracerProvider, OtelContext } from './otel.js';
