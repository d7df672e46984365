/**
 * What travels between a coordinator and its workers: queue names, job payloads, the cancel channel, the timing
 * defaults. Plain data only; both sides import it.
 */
import type { CommandSpec } from '../exec/executor.js';
import type { ConnectionOptions } from 'node:tls';
import { invalidArgument } from '../common/arguments.js';
import type { CommandResult } from '../exec/run-command.js';

/**
 * Where Redis is: a `redis://` / `rediss://` URL (credentials allowed: they never leave the process) or ioredis
 * options. Every client fanout opens on it uses `maxRetriesPerRequest: null`, as BullMQ requires.
 */
export type RedisConnection = string | RedisConnectionOptions;

/**
 * ioredis connection options (`new Redis(options)`): the common ones are named here, so the types of
 * fanout/distributed compile without ioredis, an optional peer dependency, installed; any other ioredis option is
 * passed through as given.
 */
export interface RedisConnectionOptions {
  host?: string | undefined;
  port?: number | undefined;
  username?: string | undefined;
  password?: string | undefined;
  db?: number | undefined;
  /** TLS (a `rediss://` server): Node's `tls.connect` options such as `ca`, `cert`, `key`, `servername`. */
  tls?: ConnectionOptions | undefined;
  [option: string]: unknown;
}

/** Job name of a shell command (a check). */
export const CHECK_JOB = 'check';
/** Job name of a named-handler call ({@link processParallelDistributed}). */
export const CALL_JOB = 'call';

/**
 * Lock of a job held by a live worker, renewed every half of it. With {@link DEFAULT_STALLED_INTERVAL_MS}, a dead
 * worker's job is re-run within lockDuration + 2 × stalledInterval (20 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from 'fanout/distributed';
 * const worstRecoveryMs = DEFAULT_LOCK_DURATION_MS + 2 * DEFAULT_STALLED_INTERVAL_MS; // 20000
 * ```
 */
export const DEFAULT_LOCK_DURATION_MS = 10_000;
/** How often workers look for jobs whose lock expired (their worker died); see {@link DEFAULT_LOCK_DURATION_MS}. */
export const DEFAULT_STALLED_INTERVAL_MS = 5_000;
/** How often a job may be re-run after its worker died before it fails as lost. @default 1 */
export const DEFAULT_MAX_STALLED_COUNT = 1;
/** How long Redis may stay silent in the middle of a run before the jobs in flight count as lost. @default 5000 */
export const DEFAULT_REDIS_LOSS_MS = 5000;
/** How long jobs may wait with no worker taking any before the coordinator gives up on the queue. @default 30000 */
export const DEFAULT_WORKER_WAIT_MS = 30_000;
/** Redis key prefix of fanout's queues. @default 'fanout' */
export const DEFAULT_PREFIX = 'fanout';
/** Queue name when none is given. @default 'checks' */
export const DEFAULT_QUEUE = 'checks';
/** Finished jobs a queue keeps when a coordinator died before removing them: at most this many... @default 1000 */
export const RETAIN_COUNT = 1000;
/** ...and none older than this many seconds. @default 3600 */
export const RETAIN_AGE_S = 3600;

/**
 * A {@link CommandSpec} as a job carries it: no log file (the coordinator writes it), no secret values (`env` holds
 * only variables whose names do not look secret), and `cwd` relative to the worker's root when the coordinator's cwd
 * was inside its root (absolute otherwise).
 */
export type WireSpec = Omit<CommandSpec, 'logFile'>;

/** Payload of a check job. */
export interface CheckJobData {
  kind: 'check';
  spec: WireSpec;
  /** Names of secret-looking variables the worker sets from its own environment. */
  secretEnv: string[];
  /** The repository commit the command is for (also part of the queue name), or null. */
  commit: string | null;
  /** The check's id in the coordinator's config: what a pinned worker runs from its own config. */
  checkId?: string;
  /** SHA-256 (hex) of the coordinator's config file: a pinned worker runs only jobs of a config identical to its own. */
  configHash?: string;
  /** The coordinator's run: with the check id, it names the worker's log file (`<logDir>/<run>/<check>.log`). */
  runId?: string;
  /** The time to live of the run's heartbeat (`<prefix>:<queue>:heartbeat:<run>`): workers drop the run once it lapses. Absent: the run has none. */
  heartbeatMs?: number;
}

/** Payload of a named-handler call. */
export interface CallJobData {
  kind: 'call';
  handler: string;
  item: unknown;
  index: number;
  /** The caller's run; with `heartbeatMs`, workers drop the call once the run's heartbeat lapses (as for checks). */
  runId?: string;
  /** The time to live of the run's heartbeat. Absent: the run has none. */
  heartbeatMs?: number;
}

/** A {@link CommandResult} as a worker returns it: errors flattened to plain data, secrets masked. */
export interface WireResult extends Omit<CommandResult, 'error' | 'logError'> {
  error?: { reason: string; message: string; path: string | null };
  logError?: string;
  /** The worker's name (`host:pid`). */
  worker: string;
  /** Secret variable names the worker did not have; the command did not run. */
  missingSecrets?: string[];
}

const QUEUE_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const COMMIT_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The BullMQ queue name of a queue and commit: `checks@3f2a9c1` (queues are per commit, so a worker only takes jobs
 * for the commit it has checked out), or `checks` without a commit.
 *
 * @example
 * ```ts
 * import { distributedQueueName } from 'fanout/distributed';
 * distributedQueueName('checks', '3f2a9c1'); // 'checks@3f2a9c1'
 * ```
 */
export function distributedQueueName(queue: string, commit?: string | null): string {
  if (typeof queue !== 'string' || !QUEUE_PATTERN.test(queue)) throw invalidArgument('queue', 'a name of 1 to 100 letters, digits, ".", "_" or "-"', queue);
  if (commit === undefined || commit === null) return queue;
  if (typeof commit !== 'string' || !COMMIT_PATTERN.test(commit)) throw invalidArgument('commit', 'a commit id of 1 to 100 letters, digits, ".", "_" or "-"', commit);
  return `${queue}@${commit}`;
}

/** The pub/sub channel on which coordinators ask workers to cancel a running job (message: the job id). */
export function cancelChannel(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:cancel`;
}

/** Validates a {@link RedisConnection} argument. */
export function assertConnection(name: string, value: unknown): RedisConnection {
  if (typeof value === 'string') {
    if (!/^rediss?:\/\//.test(value)) throw invalidArgument(name, 'a redis:// or rediss:// URL or ioredis options', '(a string that is not a Redis URL)');
    return value;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as RedisConnectionOptions;
  throw invalidArgument(name, 'a redis:// or rediss:// URL or ioredis options', value);
}
