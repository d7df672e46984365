// `fanout worker --redis URL [--queue NAME] [--commit SHA] [--concurrency N] [--log-dir DIR]`: runs check jobs that
// `fanout check --redis` dispatches. Prepared by the distributed backend (issue 9) as a standalone function; the
// program registers it. First SIGINT/SIGTERM/SIGHUP: stop taking jobs, put the running ones back in the queue for
// another worker, exit by the signal; a second one: kill the groups and die at once (guardSignals).
import { availableParallelism } from 'node:os';
import { currentCommit } from '../../distributed/commit.js';
import { DistributedError } from '../../distributed/errors.js';
import { redactRedisUrl } from '../../distributed/secrets.js';
import { startCheckWorker } from '../../distributed/worker.js';
import { messageOf } from '../../core/errors.js';
import { makeDirSync } from '../engine.js';
import { logDirError, UsageError } from '../errors.js';
import { guardSignals } from '../signals.js';
import { printErr } from '../terminal.js';

export interface WorkerCommandOptions {
  /** Redis URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS); the password is never printed. */
  redis: string;
  /** @default 'checks' */
  queue?: string | undefined;
  /** The commit whose jobs to take. @default HEAD of the checkout in the working directory; none outside git */
  commit?: string | undefined;
  /** Jobs at once. @default os.availableParallelism() */
  concurrency?: number | undefined;
  /** Each job's complete log, `<job id>.log` (secrets masked). @default none */
  logDir?: string | undefined;
  /** How long to wait for Redis at start before exiting 1. @default 10000 */
  connectTimeoutMs?: number | undefined;
}

/** Runs a worker until a signal; resolves with the exit code (the signal re-raise happens in guard.release()). */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  if (typeof options.redis !== 'string' || !/^rediss?:\/\//.test(options.redis)) {
    throw new UsageError('--redis must be a redis:// or rediss:// URL');
  }
  const commit = options.commit ?? currentCommit();
  const concurrency = options.concurrency ?? availableParallelism();
  if (options.logDir !== undefined) {
    // The worker would make it too, but a folder that cannot be made is the user's to fix: a usage error.
    try {
      makeDirSync(options.logDir, 0o700);
    } catch (error) {
      throw logDirError(options.logDir, error);
    }
  }
  let worker;
  try {
    worker = startCheckWorker({
      connection: options.redis,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(commit === undefined ? {} : { commit }),
      concurrency,
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      onError: (error) => printErr(`fanout worker: ${redactRedisUrl(messageOf(error))}\n`),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message, 'ERR_USAGE', { cause: error });
    throw error;
  }
  try {
    await worker.ready();
  } catch (error) {
    const reason = error instanceof DistributedError ? error.message : messageOf(error);
    printErr(`fanout worker: cannot reach Redis at ${redactRedisUrl(options.redis)}: ${redactRedisUrl(reason)}\n`);
    await worker.close();
    return 1;
  }
  printErr(
    `fanout worker ${worker.name}: queue ${worker.queueName}, concurrency ${concurrency}, Redis ${redactRedisUrl(options.redis)}\n`,
  );
  const stopped = new Promise<void>((resolve) => {
    const guard = guardSignals((signal) => {
      printErr(`fanout worker: ${signal}: stopping; running jobs go back to the queue\n`);
      void worker.close({ requeue: true }).then(() => {
        resolve();
        guard.release();
      });
    });
  });
  await stopped;
  return 0;
}
