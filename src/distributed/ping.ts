// Whether Redis answers, before anything depends on it. A module of its own: its declaration names no type of
// ioredis, which is an optional peer dependency (the job client's do).
import { loadBackend } from './backend.js';
import { connectOrThrow } from './job-client.js';
import type { RedisConnection } from './protocol.js';

/**
 * Checks that Redis answers at `connection`: connects, waits for a PING reply at most `timeoutMs`, and disconnects.
 * Rejects with a {@link DistributedError} `ERR_REDIS_UNAVAILABLE` whose `cause` is the connection's first error (refused,
 * unknown host, a TLS certificate error...). Loads bullmq and ioredis (optional peer dependencies) on first use. Run
 * it before anything starts, so that a wrong URL is the user's to fix rather than a failure of every check.
 *
 * @param timeoutMs How long Redis has to answer; beyond 2^31 - 1 (the longest a timer keeps), Infinity too: no limit. @default 10000
 * @example
 * ```ts
 * import { pingRedis } from 'fanout/distributed';
 *
 * await pingRedis({ host: '127.0.0.1', port: 6379 }, 2000);
 * ```
 */
export async function pingRedis(connection: RedisConnection, timeoutMs = 10_000): Promise<void> {
  const client = await connectOrThrow(await loadBackend(), connection, 'fanout-probe', timeoutMs);
  client.disconnect();
}
