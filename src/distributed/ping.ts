// Whether Redis answers, before anything depends on it. A module of its own: its declaration names no type of
// ioredis, which is an optional peer dependency (the job client's do).
import { assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { loadBackend } from './backend.js';
import { connectOrThrow } from './job-client.js';
import type { RedisConnection } from './protocol.js';

/** What {@link pingRedis} takes besides the connection and its timeout. */
export interface PingOptions {
  /**
   * Stops the probe: its connection is closed and the call rejects with the signal's reason.
   * @default undefined (runs until Redis answers, fails or the timeout ends it)
   */
  signal?: AbortSignal | undefined;
}

/**
 * Checks that Redis answers at `connection`: connects, waits for a PING reply at most `timeoutMs`, and disconnects.
 * Rejects with a {@link DistributedError} `ERR_REDIS_UNAVAILABLE` whose `cause` is the connection's first error (refused,
 * unknown host, a TLS certificate error...). Loads bullmq and ioredis (optional peer dependencies) on first use. Run
 * it before anything starts, so that a wrong URL is the user's to fix rather than a failure of every check.
 * Rejects with a TypeError when `timeoutMs` is not an integer >= 1 nor Infinity (NaN, 0 and negative values included),
 * before connecting.
 *
 * @param timeoutMs How long Redis has to answer; beyond 2^31 - 1 (the longest a timer keeps), Infinity too: no limit. @default 10000
 * @example
 * ```ts
 * import { pingRedis } from 'fanout/distributed';
 *
 * await pingRedis({ host: '127.0.0.1', port: 6379 }, 2000, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function pingRedis(connection: RedisConnection, timeoutMs = 10_000, options: PingOptions = {}): Promise<void> {
  assertLimit('timeoutMs', timeoutMs, 1);
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const signal = assertOptionalSignal('options.signal', options.signal);
  signal?.throwIfAborted();
  const backend = await loadBackend();
  signal?.throwIfAborted();
  const client = await connectOrThrow(backend, connection, 'fanout-probe', timeoutMs, signal);
  client.disconnect();
}
