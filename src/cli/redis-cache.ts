// `fanout check --shared-cache` (or FANOUT_SHARED_CACHE=1): the cache of passed checks shared through the Redis of the
// distributed backend, found the same way (FANOUT_REDIS_URL or its file, the TLS flags) and trusted only through the
// shared secret. Loaded only when asked for: the local run never pays for Redis.
import { FanoutError, messageOf } from '../common/errors.js';
import type { SharedCache } from '../checks/index.js';
import { UsageError } from './errors.js';
import type { RedisTargetOptions } from './redis-target.js';

/** The environment variable that turns the shared cache on, as `--shared-cache` does (`1` or `true`). */
export const SHARED_CACHE_ENV = 'FANOUT_SHARED_CACHE';

/** Whether the environment asks for the shared cache (`FANOUT_SHARED_CACHE=1` or `true`). */
export function sharedCacheFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[SHARED_CACHE_ENV]?.trim().toLowerCase();
  return value === '1' || value === 'true';
}

/**
 * Opens the shared cache: where Redis is (a UsageError when unset or unsafe, as for `--redis`), the shared secret (a
 * UsageError without one: an entry nobody signed is never trusted, so there is no unsigned mode), ioredis (a
 * UsageError naming what to install). Redis itself is not waited for: down or slow, the run goes on with its local
 * cache after one warning through `onWarning`. With it come the values the run must mask: the secret (it may come
 * from a file, under no secret-looking variable) and the Redis password in each of its forms.
 */
export async function openSharedCache(redis: RedisTargetOptions, version: string, onWarning: (message: string) => void): Promise<{ cache: SharedCache; secrets: string[] }> {
  const [{ describeRedisError, resolveRedisTarget }, distributed, { SharedCache }] = await Promise.all([
    import('./redis-target.js'),
    import('../distributed/index.js'),
    import('../checks/index.js'),
  ]);
  const target = resolveRedisTarget(redis);
  let secret: Buffer | undefined;
  try {
    secret = distributed.readSharedSecret(process.env);
  } catch (error) {
    throw new UsageError(`--shared-cache: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
  }
  if (secret === undefined) {
    throw new UsageError(
      `--shared-cache: no shared secret: set ${distributed.SECRET_ENV} or ${distributed.SECRET_FILE_ENV} (a file of mode 0600) to the secret every machine sharing the cache has; entries are trusted only when signed with it`,
    );
  }
  let backend;
  try {
    backend = await distributed.openSharedCacheRedis(target.connection, { describeError: (error) => `Redis at ${target.display}: ${describeRedisError(error, target)}` });
  } catch (error) {
    if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') throw new UsageError(`--shared-cache: ${error.message}`, 'ERR_USAGE', { cause: error });
    throw error;
  }
  const cache = new SharedCache({ backend, key: distributed.deriveKey(secret, 'cache'), version, onWarning: (message) => onWarning(target.redact(message)) });
  return { cache, secrets: [secret.toString('utf8'), ...target.secrets] };
}
