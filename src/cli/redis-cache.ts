// `--shared-cache` (or FANOUT_SHARED_CACHE=1) of check, watch, hook and mcp: the cache of passed checks shared through the Redis of the
// distributed backend, found the same way (FANOUT_REDIS_URL or its file, the TLS flags) and trusted only through the
// shared secret. Loaded only when asked for: the local run never pays for Redis.
import { FanoutError, messageOf } from '../common/errors.js';
import { MAX_TIMER_MS } from '../common/timer.js';
import type { SharedCache, SharedCacheBackend } from '../checks/index.js';
import { UsageError } from './errors.js';
import type { RedisTargetOptions } from './redis-target.js';

/** The environment variable that turns the shared cache on, as `--shared-cache` does (`1` or `true`). */
export const SHARED_CACHE_ENV = 'FANOUT_SHARED_CACHE';

/**
 * The environment variable giving how long a run still waits at its end for the pushes of its local hits to the
 * shared cache, in ms (`SharedCacheOptions.pushGraceMs`): a CI machine that must share what it passed locally may set
 * it higher.
 */
export const SHARED_PUSH_GRACE_ENV = 'FANOUT_SHARED_PUSH_GRACE_MS';

/**
 * The environment variable giving how long connecting to the shared cache, and each call to it, may take before it is
 * turned off for the run, in ms (`SharedCacheOptions.timeoutMs`, 2000 when unset); the run's whole budget of waiting
 * for it (`budgetMs`) is 2.5 times that, as the defaults are. A machine whose CPUs are busy with other work (a shared
 * CI runner) answers slower than Redis does, and may set it higher.
 */
export const SHARED_TIMEOUT_ENV = 'FANOUT_SHARED_TIMEOUT_MS';

/** `name` read from `env`: undefined when unset; a UsageError when not a whole number of ms from `min`. */
function millisecondsFromEnv(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > MAX_TIMER_MS) throw new UsageError(`${name} must be a whole number of milliseconds (${min} to ${MAX_TIMER_MS}), got ${JSON.stringify(text)}`);
  return value;
}

/** Whether the environment asks for the shared cache (`FANOUT_SHARED_CACHE=1` or `true`). */
export function sharedCacheFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[SHARED_CACHE_ENV]?.trim().toLowerCase();
  return value === '1' || value === 'true';
}

/** A shared cache ready to open: each run opens its own (a failure or a spent budget is one run's). */
export interface SharedCacheSetup {
  /** A new view of the shared cache for one run; its warnings (password removed) go to `onWarning`. */
  open(onWarning: (message: string) => void): Promise<SharedCache>;
  /** What the runs must mask: the secret (it may come from a file, under no secret-looking variable) and the Redis password in each of its forms. */
  secrets: string[];
}

/**
 * The Redis options of the shared cache for a command that takes `--shared-cache` (watch, hook, mcp), as `check`
 * reads them: on with the flag or {@link SHARED_CACHE_ENV}; the TLS flags only with it. Undefined when off.
 */
export function sharedCacheTarget(flags: { sharedCache?: boolean | undefined; redisCa?: string | undefined; redisCert?: string | undefined; redisKey?: string | undefined; redisServername?: string | undefined }): RedisTargetOptions | undefined {
  const on = flags.sharedCache === true || sharedCacheFromEnv();
  const tls = { ca: flags.redisCa, cert: flags.redisCert, key: flags.redisKey, servername: flags.redisServername };
  if (!on && Object.values(tls).some((value) => value !== undefined)) throw new UsageError('--redis-ca, --redis-cert, --redis-key and --redis-servername go with --shared-cache (a local run uses no Redis)');
  return on ? { fromCommandLine: true, ...tls } : undefined;
}

/**
 * Gets the shared cache ready without connecting: where Redis is (a UsageError when unset or unsafe, as for
 * `--redis`), the shared secret (a UsageError without one: an entry nobody signed is never trusted, so there is no
 * unsigned mode), ioredis (a UsageError naming what to install). Redis itself is not waited for: down or slow, each
 * run goes on with its local cache after one warning.
 */
export async function prepareSharedCache(redis: RedisTargetOptions, version: string): Promise<SharedCacheSetup> {
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
  const key = distributed.deriveKey(secret, 'cache');
  const pushGraceMs = millisecondsFromEnv(process.env, SHARED_PUSH_GRACE_ENV, 0);
  const timeoutMs = millisecondsFromEnv(process.env, SHARED_TIMEOUT_ENV, 1);
  const bounds = timeoutMs === undefined ? {} : { timeoutMs, budgetMs: Math.min(Math.round(timeoutMs * 2.5), MAX_TIMER_MS) };
  const backend = async () => {
    try {
      return await distributed.openSharedCacheRedis(target.connection, { connectTimeoutMs: timeoutMs, describeError: (error) => `Redis at ${target.display}: ${describeRedisError(error, target)}` });
    } catch (error) {
      if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') throw new UsageError(`--shared-cache: ${error.message}`, 'ERR_USAGE', { cause: error });
      throw error;
    }
  };
  // Made now, so that a missing ioredis is a usage error before anything runs; it connects only when first used.
  let first: SharedCacheBackend | undefined = await backend();
  return {
    open: async (onWarning) => {
      const opened = first ?? (await backend());
      first = undefined;
      return new SharedCache({ backend: opened, key, version, pushGraceMs, ...bounds, onWarning: (message) => onWarning(target.redact(message)) });
    },
    secrets: [secret.toString('utf8'), ...target.secrets],
  };
}

/** Opens the shared cache for one run: {@link prepareSharedCache}, then its view for the run. */
export async function openSharedCache(redis: RedisTargetOptions, version: string, onWarning: (message: string) => void): Promise<{ cache: SharedCache; secrets: string[] }> {
  const setup = await prepareSharedCache(redis, version);
  return { cache: await setup.open(onWarning), secrets: setup.secrets };
}
