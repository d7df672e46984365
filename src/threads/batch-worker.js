// @ts-check
/**
 * The batch runner: the module piscina runs for automatic batching (see ./batcher.ts). It imports the user's worker
 * module once per thread, runs its function over a batch of items one after another (awaiting each, so an async
 * function works), and reports each item's outcome separately, so one failing item fails only itself.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader (no TypeScript transform), from src/
 * in the tests and from dist/ (its own tsdown entry) in the package.
 */

/** @typedef {import('./batcher.js').BatchTask} BatchTask */
/** @typedef {import('./batcher.js').BatchResult} BatchResult */
/** @typedef {import('./batcher.js').BatchFailure} BatchFailure */
/** @typedef {(item: unknown) => unknown} ItemFunction */

/** @type {Map<string, Promise<ItemFunction>>} One import per module and export, per thread. */
const functions = new Map();

/**
 * @param {string} module
 * @param {string} exportName
 * @returns {Promise<ItemFunction>}
 */
function load(module, exportName) {
  const key = `${exportName}\0${module}`;
  let loaded = functions.get(key);
  if (loaded === undefined) {
    loaded = import(module).then((/** @type {Record<string, unknown>} */ namespace) => {
      let found = namespace[exportName];
      // A CommonJS module's exports object arrives as the default export when Node cannot detect its names.
      const exports = namespace.default;
      if (typeof found !== 'function' && exports !== null && (typeof exports === 'object' || typeof exports === 'function')) {
        found = /** @type {Record<string, unknown>} */ (exports)[exportName];
      }
      if (typeof found !== 'function') throw new TypeError(`the worker module ${module} exports no function named '${exportName}'`);
      return /** @type {ItemFunction} */ (found);
    });
    functions.set(key, loaded);
  }
  return loaded;
}

/**
 * Structured clone keeps an Error's type, message, stack and cause but drops its own properties (`code`, `errno`,
 * `path`...); they travel beside it and are put back on the main thread. A value that cannot be cloned at all would
 * fail the whole batch's reply, so it is replaced by an Error that says so.
 * @param {number} index
 * @param {unknown} thrown
 * @returns {BatchFailure}
 */
function failure(index, thrown) {
  /** @type {BatchFailure} */
  const result = { index, error: thrown };
  if (thrown instanceof Error) {
    /** @type {Record<string, unknown> | undefined} */
    let props;
    for (const key of Object.keys(thrown)) {
      const value = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (thrown))[key];
      if (cloneable(value)) (props ??= {})[key] = value;
    }
    if (props !== undefined) result.props = props;
  }
  // Errors of other types (DOMException, an AbortSignal's AbortError) clone into plain objects without a message.
  if (!cloneable(thrown) || (thrown instanceof Error && !(clone(thrown) instanceof Error))) {
    const replacement = new Error(thrown instanceof Error ? thrown.message : `the worker threw a value that cannot be sent to the main thread: ${describe(thrown)}`);
    if (thrown instanceof Error) {
      replacement.name = thrown.name;
      if (thrown.stack !== undefined) replacement.stack = thrown.stack;
    }
    result.error = replacement;
  }
  return result;
}

/** @param {unknown} value */
function cloneable(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** @param {unknown} value */
function clone(value) {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/**
 * @param {unknown} value
 * @returns {value is PromiseLike<unknown>}
 */
function isThenable(value) {
  return typeof (/** @type {{ then?: unknown } | null | undefined} */ (value)?.then) === 'function';
}

/** @param {unknown} value */
function describe(value) {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/**
 * Runs the batch. `ms` is the thread time spent on the items (not the import, not the message), which is what the
 * main thread's batch sizing needs.
 * @param {BatchTask} task
 * @returns {Promise<BatchResult>}
 */
export default async function runBatch(task) {
  const run = await load(task.module, task.exportName);
  const items = task.items;
  const values = new Array(items.length);
  /** @type {BatchFailure[] | undefined} */
  let failures;
  const start = performance.now();
  for (let i = 0; i < items.length; i++) {
    try {
      const output = run(items[i]);
      // Awaiting only thenables keeps a sync function's items free of a microtask each.
      const value = isThenable(output) ? await output : output;
      // A function or symbol output would fail the reply of the whole batch: fail its item instead.
      if (typeof value === 'function' || typeof value === 'symbol') {
        throw new TypeError(`the worker function returned a ${typeof value}, which cannot be sent to the main thread (structured clone)`);
      }
      values[i] = value;
    } catch (error) {
      (failures ??= []).push(failure(i, error));
    }
  }
  const ms = performance.now() - start;
  return failures === undefined ? { values, ms } : { values, failures, ms };
}
