// `fanout check --redis URL`: checks run as BullMQ jobs on `fanout worker` processes instead of locally. The graph,
// priorities, fail-fast, skips and reports stay here, in the coordinator; only the command execution moves.
import { readFileSync } from 'node:fs';
import { FanoutError } from '../common/errors.js';
import { SpawnError, type CommandResult, type CommandSpec, type ExecuteOptions, type Executor } from '../index.js';
import { UsageError } from './errors.js';
import type { RedisFlag } from './redis-target.js';
import { printErr } from './terminal.js';

/** The coordinator's executor: the BullMQ one, with its results annotated for the report. */
export interface RemoteExecutor extends Executor {
  close(): Promise<void>;
}

export interface RemoteOptions {
  /** `--redis URL`, or the Redis flags (the URL then may come from FANOUT_REDIS_URL / FANOUT_REDIS_URL_FILE). */
  redis: RedisFlag;
  queue?: string | undefined;
  commit?: string | undefined;
  /** The config's folder: checks' cwd travel relative to it, and workers resolve them in their own checkout. */
  root: string;
  /** The config file: its hash travels with every job, for workers pinned to their own config. */
  configFile?: string | undefined;
  /** Dispatch unsigned jobs (no shared secret). @default false: a shared secret is required */
  insecure?: boolean | undefined;
  /** `--worker-wait`: jobs may wait this long with no worker taking any. @default 30000 */
  workerWaitMs?: number | undefined;
  /** `--heartbeat-ttl`: time to live of the run's heartbeat (at least 500 ms). @default 5000 */
  heartbeatTtlMs?: number | undefined;
  /**
   * Called once when the infrastructure fails (Redis lost, no worker for the queue): the run is to stop. The checks
   * concerned end cancelled (or not started), never failed.
   */
  onInfrastructureError?: ((message: string) => void) | undefined;
  /**
   * The run's signal: it stops the probe of Redis made before anything runs (Ctrl-C does not wait for a server that
   * does not answer), which then rejects with the signal's reason. @default undefined
   */
  signal?: AbortSignal | undefined;
}

/** Creates the executor; the distributed backend (bullmq, ioredis) is loaded only here. */
export async function remoteExecutor(options: RemoteOptions): Promise<RemoteExecutor> {
  const [{ describeRedisError, resolveRedisTarget }, { configHashOf, createBullMQExecutor, currentCommit, DistributedError, pingRedis }, { secretForCli }] = await Promise.all([
    import('./redis-target.js'),
    import('../distributed/index.js'),
    import('./actions/worker.js'),
  ]);
  const target = resolveRedisTarget(typeof options.redis === 'string' ? { redis: options.redis } : options.redis);
  const secret = secretForCli(options.insecure);
  const commit = options.commit ?? currentCommit();
  // Workers take jobs of the commit they have checked out: without one, nobody would ever take ours.
  if (commit === undefined) throw new UsageError('--redis: not in a git checkout, so there is no commit to name the queue by: pass --commit SHA');
  if (options.heartbeatTtlMs !== undefined && options.heartbeatTtlMs < 500) throw new UsageError(`--heartbeat-ttl must be at least 500ms (got ${options.heartbeatTtlMs}ms)`);
  const where = target.display;
  // A wrong URL or a server that is down is the user's to fix before anything runs, not a failure of every check.
  try {
    await pingRedis(target.connection, 10_000, { signal: options.signal });
  } catch (error) {
    // Stopped (Ctrl-C): the run is over, not a Redis to fix.
    if (options.signal?.aborted === true) throw error;
    // bullmq and ioredis are optional peers: without them, an installation to complete (the error names the command).
    if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') throw new UsageError(`--redis: ${error.message}`, 'ERR_USAGE', { cause: error });
    throw new UsageError(`cannot reach Redis at ${where}: ${describeRedisError(error, target)}`, 'ERR_USAGE', { cause: error });
  }
  let executor;
  try {
    executor = createBullMQExecutor({
      connection: target.connection,
      secret,
      ...(options.workerWaitMs === undefined ? {} : { workerWaitMs: options.workerWaitMs }),
      ...(options.heartbeatTtlMs === undefined ? {} : { heartbeatTtlMs: options.heartbeatTtlMs }),
      ...(options.configFile === undefined ? {} : { configHash: configHashOf(readFileSync(options.configFile, 'utf8')) }),
      root: options.root,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(commit === undefined ? {} : { commit }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(target.redact(error.message), 'ERR_USAGE', { cause: error });
    throw error;
  }
  const signed = secret === null ? 'UNSIGNED jobs (--insecure)' : 'signed jobs';
  printErr(`fanout: dispatching ${signed} to queue ${executor.queueName} on ${where} (start workers with: fanout worker --commit ${commit}, given the same Redis settings)\n`);
  return {
    async execute(spec: CommandSpec, execOptions?: ExecuteOptions): Promise<CommandResult> {
      let result;
      try {
        result = await executor.execute(spec, execOptions);
      } catch (error) {
        if (!(error instanceof DistributedError) || (error.code !== 'ERR_REDIS_LOST' && error.code !== 'ERR_NO_WORKER')) throw error;
        // Not the check's failure: nothing is known of it. The run stops; the check is cancelled or never started.
        options.onInfrastructureError?.(target.redact(error.message));
        return { exitCode: null, signal: null, timedOut: false, cancelled: true, durationMs: 0, output: '', outputBytes: 0, notStarted: error.started === false };
      }
      if (result.missingSecrets !== undefined && result.missingSecrets.length > 0) {
        // The command never ran: say so as a start failure, not as an exit code or a signal it never had.
        const message = `worker ${result.worker ?? '?'} lacks the secret variables ${result.missingSecrets.join(', ')} in its environment`;
        return { ...result, error: new SpawnError('unknown', spec.command, undefined, message) };
      }
      const notes: string[] = [];
      // The report shows the output tail: a note at its end is where a reader sees it (human, JSON, JUnit).
      if (result.stalled) notes.push(`[fanout: the worker running this check died or lost its lock; it was re-run from the start (attempt ${result.attempts})]`);
      if (result.worker !== null && notes.length > 0) notes.push(`[fanout: result from worker ${result.worker}]`);
      if (notes.length === 0) return result;
      const suffix = `${result.output.endsWith('\n') || result.output === '' ? '' : '\n'}${notes.join('\n')}\n`;
      return { ...result, output: result.output + suffix };
    },
    close: () => executor.close(),
  };
}
