// fanout/distributed: the same work on BullMQ workers over Redis (bullmq and ioredis are optional peer
// dependencies, loaded on first use), authenticated jobs, shards and merged reports.
export { createBullMQExecutor } from './bullmq-executor.js';
export type { BullMQExecutor, BullMQExecutorOptions, DistributedCommandResult } from './bullmq-executor.js';
export { startCheckWorker, DEFAULT_ENV_ALLOW } from './worker.js';
export type { CheckWorker, CheckWorkerOptions, RemoteHandler, RemoteHandlerContext, PinnedChecks, JobRefusal } from './worker.js';
export { readSharedSecret, readPrivateFile, deriveKey, signJob, verifyJob, SECRET_ENV, SECRET_FILE_ENV, MIN_SECRET_BYTES, DEFAULT_MAX_JOB_AGE_MS } from './auth.js';
export type { KeyPurpose, SignedJob, RefusalReason, Verification } from './auth.js';
export { configHashOf, pinnedChecksOf } from './pinned.js';
export { processParallelDistributed } from './process-parallel-distributed.js';
export type { DistributedParallelOptions } from './process-parallel-distributed.js';
export { DistributedError } from './errors.js';
export type { DistributedErrorCode } from './errors.js';
export { distributedQueueName, DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from './protocol.js';
export type { RedisConnection, RedisConnectionOptions } from './protocol.js';
export { isSecretEnvName, redactRedisUrl, MASK } from './secrets.js';
export { pingRedis, type PingOptions } from './ping.js';
export { shardChecks, shardOf, parseShard } from '../checks/shard-plan.js';
export type { ShardCheck, ShardPlan } from '../checks/shard-plan.js';
export { mergeReports, mergedExitCode } from './merge-reports.js';
export type { ShardReport, ShardReportCheck, MergeReportsOptions } from './merge-reports.js';
export { currentCommit } from './commit.js';
export { openSharedCacheRedis } from './shared-cache.js';
export type { SharedCacheRedisOptions } from './shared-cache.js';
