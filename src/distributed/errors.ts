/**
 * Errors of the distributed backend. Like every fanout error they carry a stable `code`; messages never contain
 * Redis credentials (URLs are redacted before they reach a message).
 */
import { FanoutError } from '../common/errors.js';

/** Why a distributed operation failed. */
export type DistributedErrorCode =
  /** A job ended without a result: it stalled more often than `maxStalledCount`, or was removed by someone else. */
  | 'ERR_JOB_LOST'
  /** A named handler threw on the worker; `message` is the worker's error message. */
  | 'ERR_REMOTE_HANDLER'
  /** No worker of the queue has the named handler registered. */
  | 'ERR_UNKNOWN_HANDLER'
  /** Redis did not answer within the connect timeout. */
  | 'ERR_REDIS_UNAVAILABLE'
  /** The client was closed while the call was in flight, or before it started. */
  | 'ERR_CLIENT_CLOSED'
  /** Two shard reports claim the same check, or a report is not a fanout JSON report. */
  | 'ERR_MERGE'
  /** The shared secret (`FANOUT_SECRET` / `FANOUT_SECRET_FILE`) is unusable: too short, both set, or a file others can read. */
  | 'ERR_SECRET'
  /** A worker refused the job: unsigned, forged, tampered with, replayed, too old, or not a check of its pinned config. */
  | 'ERR_JOB_REFUSED'
  /** Redis stopped answering in the middle of a run (no reply for `redisLossMs`): every job in flight ends with it. */
  | 'ERR_REDIS_LOST'
  /** Jobs waited `workerWaitMs` and no worker took any: nobody serves the queue (its name is in the message). */
  | 'ERR_NO_WORKER';

/**
 * The error of the distributed backend: `code` says which failure it is, `cause` holds what BullMQ or Redis raised.
 *
 * @example
 * ```ts
 * import { DistributedError } from 'fanout/distributed';
 * function lost(error: unknown): boolean {
 *   return error instanceof DistributedError && error.code === 'ERR_JOB_LOST';
 * }
 * ```
 */
export class DistributedError extends FanoutError {
  declare readonly code: DistributedErrorCode;
  /** The BullMQ job id concerned, when there is one. */
  readonly jobId: string | undefined;
  /** For `ERR_REDIS_LOST` / `ERR_NO_WORKER`: whether a worker had taken the job (it may have run, partly); undefined: unknown. */
  readonly started: boolean | undefined;

  constructor(code: DistributedErrorCode, message: string, options?: { cause?: unknown; jobId?: string | undefined; started?: boolean | undefined }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options?.jobId;
    this.started = options?.started;
  }
}
