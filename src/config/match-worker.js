// @ts-check
/**
 * The worker thread ./match-runner.ts runs grok extraction and assert evaluation in, so that a pattern that
 * backtracks for hours can be stopped at a deadline without blocking fanout's own thread (its signals, its timers).
 *
 * Protocol, one job at a time: the job in; `{ type: 'stage', stage }` before each pattern (its index) and before the
 * assert (`'assert'`), so a job stopped at its deadline can name what was running; then `{ type: 'done', ... }` or
 * `{ type: 'error', message }`.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader (no TypeScript transform), from src/
 * in the tests and from dist/ (its own tsdown entry) in the package.
 */
import { parentPort } from 'node:worker_threads';
import { evaluateAst, extractFields } from './match-core.js';

/** @typedef {import('./match-runner.js').MatchJob} MatchJob */

/** @type {Map<string, RegExp>} Configs reuse their patterns run after run: each is compiled once per thread. */
const regexes = new Map();

/**
 * @param {string} source
 * @param {string} flags
 */
function regexFor(source, flags) {
  const key = `${flags}/${source}`;
  let regex = regexes.get(key);
  if (regex === undefined) {
    if (regexes.size >= 512) regexes.clear();
    regexes.set(key, (regex = new RegExp(source, flags)));
  }
  return regex;
}

const port = parentPort;
if (port === null) throw new Error('match-worker.js runs in a worker thread');
port.on('message', (/** @type {MatchJob} */ job) => {
  try {
    const compiled = job.patterns.map(({ source, flags, groups }) => ({ regex: regexFor(source, flags), groups }));
    const extracted = extractFields(compiled, job.text, (stage) => port.postMessage({ type: 'stage', stage }));
    let assert;
    if (job.assert !== undefined) {
      port.postMessage({ type: 'stage', stage: 'assert' });
      assert = evaluateAst(job.assert, extracted);
    }
    port.postMessage({ type: 'done', extracted, assert });
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
