// @ts-check
/**
 * The worker thread that keeps a coordinator's heartbeat (./heartbeat.ts): its own Redis connection and its own event
 * loop, so a main thread that stalls (a long synchronous task, a debugger, a GC pause) does not stop the beats and
 * make the workers drop a live run. Only the process's death stops them.
 *
 * Every `intervalMs`: SET <key> <heartbeatValue> PX <ttlMs>, the counter one higher each time (a beat still waiting for
 * Redis holds the next one back). Messages out: `'ready'` once the first beat is stored. In: `'stop'`: delete the key
 * (the run is over: workers drop what is left of it) and end.
 *
 * Plain JavaScript on purpose: worker threads load it with Node's own loader, from src/ in the tests and from dist/
 * (its own tsdown entry) in the package.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { heartbeatValue } from './heartbeat-mac.js';

/** @type {{ connection: string | import('ioredis').RedisOptions; key: string; ttlMs: number; intervalMs: number; jobsKey: Uint8Array | undefined; queueName: string; runId: string }} */
const { connection, key, ttlMs, intervalMs, jobsKey, queueName, runId } = workerData;
const port = parentPort;
if (port === null) throw new Error('heartbeat-thread.js runs as a worker thread');
const options = { maxRetriesPerRequest: null, connectionName: 'fanout-heartbeat' };
const redis = typeof connection === 'string' ? new Redis(connection, options) : new Redis({ ...connection, ...options });
// The coordinator's own connection watches Redis' health and ends the run when it goes: nothing to say here.
redis.on('error', () => undefined);
let counter = 0;
let pending = false;
let ready = false;

function beat() {
  if (pending) return;
  pending = true;
  counter++;
  redis.set(key, heartbeatValue(jobsKey, queueName, runId, counter), 'PX', ttlMs).then(
    () => {
      pending = false;
      if (!ready) {
        ready = true;
        port?.postMessage('ready');
      }
    },
    () => {
      pending = false;
    },
  );
}

const timer = setInterval(beat, intervalMs);
beat();

port.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  const done = () => {
    redis.disconnect();
    port.close();
  };
  const giveUp = setTimeout(done, 1000);
  redis.del(key).then(
    () => {
      clearTimeout(giveUp);
      done();
    },
    () => undefined,
  );
});
