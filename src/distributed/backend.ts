/**
 * BullMQ and ioredis load on first use, not when `fanout` is imported: together they cost about 100 ms of start-up
 * that users of the local engine (and the CLI's fast start) must not pay.
 */
import type * as BullMQ from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisConnection } from './protocol.js';

export interface Backend {
  bullmq: typeof BullMQ;
  Redis: typeof Redis;
}

let loading: Promise<Backend> | undefined;

/** BullMQ and ioredis, imported once. */
export function loadBackend(): Promise<Backend> {
  loading ??= Promise.all([import('bullmq'), import('ioredis')]).then(([bullmq, ioredis]) => ({ bullmq, Redis: ioredis.Redis }));
  return loading;
}

/** Opens an ioredis client as BullMQ needs it (`maxRetriesPerRequest: null`). */
export function openRedis(backend: Backend, connection: RedisConnection, name: string): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName: name };
  const client = typeof connection === 'string' ? new backend.Redis(connection, options) : new backend.Redis({ ...connection, ...options });
  // Without a listener ioredis prints connection errors to the console; library code never prints. The errors reach
  // callers through the operations that wait on the connection (and BullMQ's own 'error' events).
  client.on('error', ignore);
  return client;
}

function ignore(): void {}
