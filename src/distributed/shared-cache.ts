// The Redis behind the shared cache of passed checks: the few string operations `SharedCache` (in the checks engine,
// which knows nothing of Redis) needs, on one ioredis connection that never retries and never prints. Only ioredis
// is loaded (not BullMQ), and only on the first call: a run served by its local cache never pays for Redis.
// Trust is not decided here: values are signed and verified by the checks engine's `SharedCache`.
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import type { SharedCacheBackend } from '../checks/index.js';
import { invalidArgument } from '../common/arguments.js';
import { FanoutError, messageOf } from '../common/errors.js';
import { timeoutWithin } from '../common/timer.js';
import type { RedisConnection } from './protocol.js';

/** Options of {@link openSharedCacheRedis}. */
export interface SharedCacheRedisOptions {
  /** Turns a connection error into the text a message shows (the CLI removes the password there). @default its message */
  describeError?: ((error: unknown) => string) | undefined;
  /**
   * How long connecting may take before commands fail (the shared cache then goes off for the run): an integer >= 1, or
   * Infinity; beyond 2^31 - 1 it is no limit. @default 2000
   */
  connectTimeoutMs?: number | undefined;
}

// Compare-and-set of a claim: only its holder renews or frees it.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]); return 1 else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// A bounded read that tells a missing key (nil) from one holding "" (a planted claim must not pass for no claim).
const GET = "local v = redis.call('getrange', KEYS[1], 0, ARGV[1]); if v == '' and redis.call('exists', KEYS[1]) == 0 then return false end; return v";

/**
 * A {@link SharedCacheBackend} on Redis, for a `SharedCache`. Checks that ioredis (an optional peer) is installed —
 * without it this rejects with `ERR_MISSING_DEPENDENCY`, naming what to install — but loads it and connects only on
 * the first call (`connect`, which the `SharedCache` bounds): a Redis that is down or slow makes that call fail or
 * time out, and the run goes on with its local cache. The connection never reconnects: once lost, its calls fail.
 * Close it (the `SharedCache` does) to end the connection at once; calls under way then reject.
 *
 * @example
 * ```ts
 * import { deriveKey, openSharedCacheRedis } from 'fanout/distributed';
 * import { SharedCache } from 'fanout/checks';
 * const backend = await openSharedCacheRedis({ host: '127.0.0.1', port: 6379 });
 * const shared = new SharedCache({ backend, key: deriveKey('a shared secret of 16+ bytes', 'cache'), version: '1.0.0' });
 * await shared.close();
 * ```
 */
export function openSharedCacheRedis(connection: RedisConnection, options: SharedCacheRedisOptions = {}): Promise<SharedCacheBackend> {
  const limitMs: unknown = options.connectTimeoutMs ?? 2000;
  if (limitMs !== Infinity && !(typeof limitMs === 'number' && Number.isInteger(limitMs) && limitMs >= 1)) {
    return Promise.reject(invalidArgument('options.connectTimeoutMs', 'an integer >= 1 or Infinity', limitMs));
  }
  const missing = missingIoredis();
  if (missing !== undefined) return Promise.reject(missing);
  const describe = options.describeError ?? messageOf;
  const settings: RedisOptions = {
    connectionName: 'fanout-shared-cache',
    // Bounded below instead: ioredis's own bound leaves a timer behind a refused connection, holding the process.
    connectTimeout: 0,
    lazyConnect: true,
    // Commands go only to a connection that is ready; a lost one is not reconnected: the shared cache is off by then.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // Closing destroys the socket at once: ioredis otherwise ends it politely and keeps a timer (2 s) until the peer
    // closes it too, which a Redis that never answers, or a connection already refused, never does.
    disconnectTimeout: 0,
  };
  let client: Redis | undefined;
  let connecting: Promise<Redis> | undefined;
  let closed = false;
  let lastError: unknown;
  // Library code never prints (ioredis would, without a listener): the error is kept for the next failing command.
  const onError = (error: unknown): void => {
    lastError = error;
  };
  const connect = (): Promise<Redis> =>
    (connecting ??= (async () => {
      const { Redis } = await importIoredis();
      if (closed) throw new Error('the shared cache is closed');
      const opened = typeof connection === 'string' ? new Redis(connection, settings) : new Redis({ ...(connection as RedisOptions), ...settings });
      opened.on('error', onError);
      client = opened;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          opened.connect(),
          new Promise<never>((_, reject) => {
            timer = timeoutWithin(() => {
              reject(new Error(`no connection within ${limitMs} ms`));
              destroy(opened);
            }, limitMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      return opened;
    })());
  /** Runs a command once connected; its failure says why the connection failed when it did (refused, TLS...). */
  const run = async <T>(command: (client: Redis) => Promise<T>): Promise<T> => {
    try {
      return await command(await connect());
    } catch (error) {
      const cause = lastError ?? error;
      throw new Error(describe(cause), { cause });
    }
  };
  return Promise.resolve({
    connect: () => run(() => Promise.resolve()),
    get: (name, maxBytes) =>
      run(async (redis) => {
        try {
          return (await redis.eval(GET, 1, name, maxBytes)) as string | null;
        } catch (error) {
          // Another type under an entry's name (planted): an entry that is not one, not a broken Redis.
          if (/^WRONGTYPE/.test(messageOf(error))) return '(not a string)';
          throw error;
        }
      }),
    has: (name) => run(async (redis) => (await redis.exists(name)) === 1),
    set: (name, value, ttlMs) => run(async (redis) => void (await redis.set(name, value, 'PX', ttlMs))),
    claim: (name, owner, ttlMs) => run(async (redis) => (await redis.set(name, owner, 'PX', ttlMs, 'NX')) === 'OK'),
    renew: (name, current, next, ttlMs) => run(async (redis) => (await redis.eval(RENEW, 1, name, current, next, ttlMs)) === 1),
    release: (name, owner) => run(async (redis) => void (await redis.eval(RELEASE, 1, name, owner))),
    close: () => {
      closed = true;
      if (client !== undefined) {
        const ended = client;
        // The listener goes once the connection has ended: an error emitted without one would crash the process.
        if (ended.status === 'end') ended.off('error', onError);
        else ended.once('end', () => ended.off('error', onError));
        // At once, not after a QUIT's answer: the writes that matter are done, and a Redis that does not answer
        // must not hold the process. Calls under way reject.
        destroy(ended);
      }
      return Promise.resolve();
    },
  });
}

/** Ends `client` at once (its `disconnectTimeout` is 0), never to reconnect. */
function destroy(client: Redis): void {
  client.disconnect(false);
}

let loading: Promise<typeof IORedis> | undefined;

/** ioredis, imported once. */
function importIoredis(): Promise<typeof IORedis> {
  loading ??= import('ioredis').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** An `ERR_MISSING_DEPENDENCY` error when ioredis cannot be found (found without loading it). */
function missingIoredis(): FanoutError | undefined {
  try {
    createRequire(import.meta.url).resolve('ioredis');
    return undefined;
  } catch (error) {
    return new FanoutError('ERR_MISSING_DEPENDENCY', 'the shared cache needs the package ioredis (it is not installed): npm install ioredis', { cause: error });
  }
}
