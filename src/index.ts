// The public API of fanout: explicit named re-exports only, in the order of the data flow.
export { FanoutError, TaskError, ParallelError } from './core/errors.js';
