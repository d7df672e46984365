// @ts-check
/**
 * The worker thread ./match-runner.ts runs grok extraction and assert evaluation in, so that a job over a huge
 * output can be stopped at a deadline without blocking fanout's own thread (its signals, its timers).
 *
 * Protocol, one job at a time: the job in; `{ type: 'stage', stage }` before each pattern (its index) and before the
 * assert (`'assert'`), so a job stopped at its deadline can name what was running; then `{ type: 'done', ... }` or
 * `{ type: 'error', message }`.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader (no TypeScript transform), from src/
 * in the tests and from dist/ (its own tsdown entry) in the package.
 */
import { parentPort } from 'node:worker_threads';
import { RE2JS } from 're2js';
import { evaluateAst, extractFields } from './match-core.js';

/** @typedef {import('./match-runner.js').MatchJob} MatchJob */

/** @type {Map<string, { regex?: RE2JS, v8?: RegExp }>} Configs reuse their patterns run after run: compiled once per thread. */
const regexes = new Map();

/**
 * @param {string} source RE2 source, flags inline
 * @param {string | undefined} v8 the JavaScript source that runs instead, when V8 runs the pattern alike
 */
function regexFor(source, v8) {
  const key = `${v8 ?? ''}\0${source}`;
  let compiled = regexes.get(key);
  if (compiled === undefined) {
    if (regexes.size >= 512) regexes.clear();
    // RE2 compiles only the patterns V8 cannot run alike.
    compiled = v8 === undefined ? { regex: RE2JS.compile(source) } : { v8: new RegExp(v8, 'u') };
    regexes.set(key, compiled);
  }
  return compiled;
}

const port = parentPort;
if (port === null) throw new Error('match-worker.js runs in a worker thread');
port.on('message', (/** @type {MatchJob} */ job) => {
  try {
    const compiled = job.patterns.map(({ source, v8, groups }) => ({ ...regexFor(source, v8), groups }));
    const extracted = extractFields(compiled, job.text, (stage) => port.postMessage({ type: 'stage', stage }));
    let assert;
    if (job.assert !== undefined) {
      port.postMessage({ type: 'stage', stage: 'assert' });
      assert = evaluateAst(job.assert, job.defaults === undefined ? extracted : { ...job.defaults, ...extracted });
    }
    port.postMessage({ type: 'done', extracted, assert });
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
