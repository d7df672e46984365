/**
 * Optional heavy dependencies (pino, piscina, the OpenTelemetry API) load on first use, not when fanout is imported:
 * together they cost about 50 ms of start-up, which every CLI run would otherwise pay for features it rarely uses.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Loads a CommonJS dependency synchronously, once (Node caches it). */
export function load<M>(name: string): M {
  return require(name) as M;
}
