// @ts-check
/**
 * The batch runner: the module piscina runs for automatic batching (see ./batcher.ts), as lanes that take batches
 * through a message port. It imports the user's worker module once per thread, runs its function over a batch of
 * items one after another (awaiting each, so an async function works), and reports each item's outcome separately,
 * so one failing item fails only itself.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader (no TypeScript transform), from src/
 * in the tests and from dist/ (its own tsdown entry) in the package.
 */

/** @typedef {import('./batcher.js').LaneTask} LaneTask */
/** @typedef {import('./batcher.js').BatchMessage} BatchMessage */
/** @typedef {import('./batcher.js').BatchReply} BatchReply */
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
 * Runs one batch's items in order. Each item is claimed first (`claim[0]`: i to i + 1, atomically): the main thread
 * may take back the items not started yet (it sets a flag bit on the word, see REVOKED in ./batcher.ts), and one compare-exchange decides, for each item,
 * whether it runs here or is sent elsewhere, so no item runs twice and none is dropped. `ms` is the thread time spent
 * on the items (not the import, not the message), which is what the main thread's batch sizing needs.
 * @param {ItemFunction} run
 * @param {BatchMessage} batch
 * @returns {Promise<BatchReply>}
 */
async function runItems(run, batch) {
  const { items, claim } = batch;
  const values = [];
  /** @type {BatchFailure[] | undefined} */
  let failures;
  const start = performance.now();
  let ran = 0;
  for (; ran < items.length; ran++) {
    if (Atomics.compareExchange(claim, 0, ran, ran + 1) !== ran) break;
    try {
      const output = run(items[ran]);
      // Awaiting only thenables keeps a sync function's items free of a microtask each.
      const value = isThenable(output) ? await output : output;
      // A function or symbol output would fail the reply of the whole batch: fail its item instead.
      if (typeof value === 'function' || typeof value === 'symbol') {
        throw new TypeError(`the worker function returned a ${typeof value}, which cannot be sent to the main thread (structured clone)`);
      }
      values.push(value);
    } catch (error) {
      values.push(undefined);
      (failures ??= []).push(failure(ran, error));
    }
  }
  const ms = performance.now() - start;
  return failures === undefined ? { id: batch.id, values, ms } : { id: batch.id, values, failures, ms };
}

/**
 * A lane: one thread task that runs the batches the main thread posts on `task.port`, one after another, and answers
 * each on the port, until the main thread sends `end`. The main thread posts a thread's next batch while the current
 * one runs, so the thread starts it without waiting for a message round trip; a batch not started yet can still be
 * taken back through its claim word (see {@link runItems}) and run by a thread that went idle.
 * @param {LaneTask} task
 * @returns {Promise<void>}
 */
export default async function runLane(task) {
  const port = task.port;
  /** @type {ItemFunction | undefined} */
  let run;
  /** @type {unknown} */
  let loadError;
  try {
    run = await load(task.module, task.exportName);
  } catch (error) {
    loadError = failure(0, error).error;
  }
  /** @type {Array<BatchMessage | 'end'>} */
  const waiting = [];
  let busy = false;
  /** @type {() => void} */
  let ended = () => undefined;
  const done = new Promise((resolve) => {
    ended = () => resolve(undefined);
  });
  const drain = async () => {
    busy = true;
    for (let message = waiting.shift(); message !== undefined; message = waiting.shift()) {
      if (message === 'end') {
        port.close();
        ended();
        return;
      }
      // A module that did not load fails each batch as a whole, with the reason.
      const reply = run === undefined ? { id: message.id, error: loadError } : await runItems(run, message);
      try {
        port.postMessage(reply);
      } catch (error) {
        // An output that structured clone cannot copy (an object holding a function) fails the batch's items.
        port.postMessage({ id: message.id, error: failure(0, error).error });
      }
    }
    busy = false;
  };
  port.on('message', (/** @type {BatchMessage | 'end'} */ message) => {
    waiting.push(message);
    if (!busy) void drain();
  });
  await done;
}
