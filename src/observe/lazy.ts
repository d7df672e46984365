/**
 * Optional heavy dependencies (pino, piscina, the OpenTelemetry API) load on first use, not when fanout is imported:
 * together they cost about 50 ms of start-up, which every CLI run would otherwise pay for features it rarely uses.
 */
import { createRequire } from 'node:module';
import { FanoutError } from '../common/errors.js';

const require = /* @__PURE__ */ createRequire(import.meta.url);

/**
 * Loads a CommonJS dependency synchronously, once (Node caches it). A missing one (the OpenTelemetry API is an
 * optional peer dependency: the application brings the instance its SDK is registered with) is a FanoutError with
 * code `ERR_MISSING_DEPENDENCY` that says what to install.
 */
export function load<M>(name: string): M {
  try {
    return require(name) as M;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)) {
      throw new FanoutError('ERR_MISSING_DEPENDENCY', `this feature needs the package ${name}: npm install ${name}`, { cause: error });
    }
    throw error;
  }
}
