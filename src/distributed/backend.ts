/**
 * BullMQ and ioredis load on first use, not when `fanout` is imported: together they cost about 100 ms of start-up
 * that users of the local engine (and the CLI's fast start) must not pay.
 */
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { FanoutError } from '../common/errors.js';
import type { RedisConnection } from './protocol.js';

export interface Backend {
  bullmq: typeof BullMQ;
  Redis: typeof Redis;
}

let loading: Promise<Backend> | undefined;

/** BullMQ and ioredis, imported once. */
export function loadBackend(): Promise<Backend> {
  loading ??= Promise.all([importPeer<typeof BullMQ>('bullmq'), importPeer<typeof IORedis>('ioredis')]).then(
    ([bullmq, ioredis]) => ({ bullmq, Redis: ioredis.Redis }),
    (error: unknown) => {
      loading = undefined; // installed later in the same process: the next call tries again
      throw error;
    },
  );
  return loading;
}

/**
 * Imports an optional peer dependency; a missing one is a FanoutError with code `ERR_MISSING_DEPENDENCY` that says
 * what to install (bullmq and ioredis are optional peers: users of the local engine never install them).
 */
async function importPeer<M>(name: string): Promise<M> {
  try {
    return (await import(name)) as M;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)) {
      throw new FanoutError('ERR_MISSING_DEPENDENCY', `distributed runs need the packages bullmq and ioredis (${name} is not installed): npm install bullmq ioredis`, { cause: error });
    }
    throw error;
  }
}

/** Opens an ioredis client as BullMQ needs it (`maxRetriesPerRequest: null`). */
export function openRedis(backend: Backend, connection: RedisConnection, name: string): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName: name };
  const client = typeof connection === 'string' ? new backend.Redis(connection, options) : new backend.Redis({ ...(connection as RedisOptions), ...options });
  // Without a listener ioredis prints connection errors to the console; library code never prints. The errors reach
  // callers through the operations that wait on the connection (and BullMQ's own 'error' events).
  client.on('error', ignore);
  return client;
}

function ignore(): void {}

/**
 * Holds the writes to `stream` issued in the rest of this tick and sends them in one write: a worker's nonce claims of
 * jobs taken together, a job's nonce mark with the end of the job that BullMQ sends right after it, the watchdog's
 * lines of checks that start and end together, a coordinator's jobs added and read together. Each would cost this
 * process, and the reader (Redis, a watchdog), a system call and a wake-up of its own. The order of the bytes is
 * kept: only when they leave changes.
 */
export function coalesceWrites(stream: { cork?: () => void; uncork?: () => void } | null | undefined): void {
  if (stream?.cork === undefined || stream.uncork === undefined || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork?.();
  });
}
/** The streams {@link coalesceWrites} holds until the end of this tick. */
const corked = new Set<object>();
/** The socket of an ioredis connection. */
export const socketOf = (redis: Redis): { cork?: () => void; uncork?: () => void } | undefined => (redis as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
