// @ts-check
/**
 * The value of a coordinator's heartbeat key, shared by the thread that writes it (./heartbeat-thread.js) and the
 * workers that read it (./heartbeat.ts). Plain JavaScript on purpose: the thread loads it with Node's own loader,
 * from src/ in the tests and from dist/ in the package.
 */
import { createHmac } from 'node:crypto';

/**
 * `<counter>.<mac>`: the beat's counter (1, 2, 3…) and HMAC-SHA256 (base64url) over queue, run and counter, made with
 * the `jobs` key; `<counter>` alone without a key. A beat can be copied but not advanced without the key.
 *
 * @param {Uint8Array | undefined} key
 * @param {string} queueName
 * @param {string} runId
 * @param {number} counter
 * @returns {string}
 */
export function heartbeatValue(key, queueName, runId, counter) {
  if (key === undefined) return String(counter);
  return `${counter}.${createHmac('sha256', key).update(`fanout-heartbeat\0${queueName}\0${runId}\0${counter}`).digest('base64url')}`;
}
