// The Redis behind the shared cache of passed checks: the few string operations `SharedCache` (in the checks engine,
// which knows nothing of Redis) needs, on one ioredis connection that never retries for long and never prints.
// Trust is not decided here: values are signed and verified by the checks engine's `SharedCache`.
import type { Redis, RedisOptions } from 'ioredis';
import type { SharedCacheBackend } from '../checks/index.js';
import { messageOf } from '../common/errors.js';
import { loadBackend } from './backend.js';
import type { RedisConnection } from './protocol.js';

/** Options of {@link openSharedCacheRedis}. */
export interface SharedCacheRedisOptions {
  /** Turns a connection error into the text a message shows (the CLI removes the password there). @default its message */
  describeError?: ((error: unknown) => string) | undefined;
  /** How long connecting may take before commands fail (the shared cache then goes off for the run). @default 2000 */
  connectTimeoutMs?: number | undefined;
}

// Compare-and-set of a claim: only its holder renews or frees it.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A {@link SharedCacheBackend} on Redis, for a `SharedCache`. Loads ioredis (an optional peer, with bullmq: without
 * them this rejects with `ERR_MISSING_DEPENDENCY`, naming what to install) and starts connecting; it does not wait for
 * the connection: a Redis that is down or slow makes the shared cache's calls time out, and the run goes on with its
 * local cache. Close it (the `SharedCache` does) to end the connection.
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
export async function openSharedCacheRedis(connection: RedisConnection, options: SharedCacheRedisOptions = {}): Promise<SharedCacheBackend> {
  const backend = await loadBackend();
  const describe = options.describeError ?? messageOf;
  const settings = {
    connectionName: 'fanout-shared-cache',
    connectTimeout: options.connectTimeoutMs ?? 2000,
    // A command waits for the connection at most as long as the shared cache's own timeout, which ends it first.
    maxRetriesPerRequest: 1,
    // Reconnects a few times, quickly, then gives up: the shared cache is off for the run by then anyway.
    retryStrategy: (times: number) => (times > 3 ? null : 100 * times),
  };
  const client: Redis =
    typeof connection === 'string' ? new backend.Redis(connection, settings) : new backend.Redis({ ...(connection as RedisOptions), ...settings });
  let lastError: unknown;
  // Library code never prints (ioredis would, without a listener): the error is kept for the next failing command.
  const onError = (error: unknown): void => {
    lastError = error;
  };
  client.on('error', onError);
  /** Runs a command; its failure says why the connection failed when it did (refused, TLS...). */
  const run = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      const cause = lastError ?? error;
      throw new Error(describe(cause), { cause });
    }
  };
  return {
    get: (name, maxBytes) =>
      run(async () => {
        try {
          return await client.getrange(name, 0, maxBytes);
        } catch (error) {
          // Another type under an entry's name (planted): an entry that is not one, not a broken Redis.
          if (/^WRONGTYPE/.test(messageOf(error))) return '(not a string)';
          throw error;
        }
      }),
    set: (name, value, ttlMs) => run(async () => void (await client.set(name, value, 'PX', ttlMs))),
    claim: (name, owner, ttlMs) => run(async () => (await client.set(name, owner, 'PX', ttlMs, 'NX')) === 'OK'),
    renew: (name, owner, ttlMs) => run(async () => (await client.eval(RENEW, 1, name, owner, ttlMs)) === 1),
    release: (name, owner) => run(async () => void (await client.eval(RELEASE, 1, name, owner))),
    close: async () => {
      try {
        if (client.status === 'ready') await client.quit();
      } catch {
        // lost meanwhile: disconnected below
      } finally {
        // The listener goes once the connection has ended: an error emitted without one would crash the process.
        if (client.status === 'end') client.off('error', onError);
        else client.once('end', () => client.off('error', onError));
        client.disconnect();
      }
    },
  };
}
