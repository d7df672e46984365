// `fanout worker [--redis URL] [--redis-ca FILE ...] [--queue NAME] [--commit SHA] [--concurrency N] [--log-dir DIR] [--config FILE]`: runs
// check jobs that `fanout check --redis` dispatches. Jobs must be signed with the shared secret (FANOUT_SECRET or
// FANOUT_SECRET_FILE) unless --insecure says otherwise; with --config the worker is pinned: it runs only the checks of
// that config, by id. First SIGINT/SIGTERM/SIGHUP: stop taking jobs, put the running ones back in the queue for
// another worker, exit by the signal; a second one: kill the groups and die at once (guardSignals).
import { availableParallelism } from 'node:os';
import { currentCommit, pinnedChecksOf, readSharedSecret, SECRET_ENV, SECRET_FILE_ENV, startCheckWorker, type PinnedChecks } from '../../distributed/index.js';
import { readConfigFile } from '../../config/index.js';
import { FanoutError, messageOf } from '../../common/errors.js';
import { makeDirSync } from '../../common/make-dir.js';
import { logDirError, UsageError } from '../errors.js';
import { describeRedisError, resolveRedisTarget, type RedisFlag } from '../redis-target.js';
import { guardSignals } from '../signals.js';
import { printErr } from '../terminal.js';

export interface WorkerCommandOptions {
  /**
   * Redis URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS), or the Redis flags (the URL then may come
   * from FANOUT_REDIS_URL / FANOUT_REDIS_URL_FILE); the password is never printed. @default from the environment
   */
  redis?: RedisFlag | undefined;
  /** @default 'checks' */
  queue?: string | undefined;
  /** The commit whose jobs to take. @default HEAD of the checkout in the working directory; none outside git */
  commit?: string | undefined;
  /** Jobs at once. @default os.availableParallelism() */
  concurrency?: number | undefined;
  /** Each job's complete log, `<run>/<check id>.log` (secrets masked). @default none */
  logDir?: string | undefined;
  /** How long to wait for Redis at start before exiting 1. @default 10000 */
  connectTimeoutMs?: number | undefined;
  /** Pinned mode: run only the checks of this config file (by id, at its commit and hash). @default not pinned */
  config?: string | undefined;
  /** Variables of the worker's environment checks see (`NAME` or `PREFIX*`). @default DEFAULT_ENV_ALLOW */
  envAllow?: string[] | undefined;
  /** Run jobs without authentication (no shared secret): anyone who can write to the Redis runs commands here. @default false */
  insecure?: boolean | undefined;
}

/** The shared secret for `fanout worker` / `fanout check --redis`, or null with `insecure`; a UsageError otherwise. */
export function secretForCli(insecure: boolean | undefined): Buffer | null {
  let secret: Buffer | undefined;
  try {
    secret = readSharedSecret(process.env);
  } catch (error) {
    throw new UsageError(messageOf(error), 'ERR_USAGE', { cause: error });
  }
  if (secret !== undefined) return secret;
  if (insecure === true) return null;
  throw new UsageError(
    `no shared secret: set ${SECRET_ENV} or ${SECRET_FILE_ENV} (a file of mode 0600) to the same secret on the coordinator and its workers, or pass --insecure to let anyone who can write to the Redis run commands on the workers`,
  );
}

async function pinnedConfig(file: string, commit: string | undefined): Promise<{ pinned: PinnedChecks; root: string }> {
  const found = await readConfigFile({ cwd: process.cwd(), file });
  if (!found.ok) throw new UsageError(`--config: cannot read ${file}: ${found.diagnostics.map((d) => d.message).join('; ')}`);
  const { loadConfigText } = await import('../../config/index.js');
  const loaded = loadConfigText(found.text, found.file);
  if (!loaded.ok) throw new UsageError(`--config: ${found.file} is not a valid config: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const checkout = currentCommit(loaded.config.dir);
  if (commit !== undefined && checkout !== undefined && commit !== checkout) {
    throw new UsageError(`--commit ${commit}: the checkout of ${found.file} is at ${checkout}; a pinned worker runs its own checkout's commit`);
  }
  return { pinned: pinnedChecksOf(loaded.config, found.text, commit ?? checkout ?? null), root: loaded.config.dir };
}

/** Runs a worker until a signal; resolves with the exit code (the signal re-raise happens in guard.release()). */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const target = resolveRedisTarget(typeof options.redis === 'string' ? { redis: options.redis } : (options.redis ?? {}));
  const secret = secretForCli(options.insecure);
  const pin = options.config === undefined ? undefined : await pinnedConfig(options.config, options.commit);
  const commit = pin?.pinned.commit ?? options.commit ?? currentCommit();
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
      connection: target.connection,
      secret,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(commit === undefined || commit === null ? {} : { commit }),
      concurrency,
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.envAllow === undefined ? {} : { envAllow: options.envAllow }),
      ...(pin === undefined ? {} : { pinned: pin.pinned, root: pin.root }),
      onError: (error) => printErr(`fanout worker: ${target.redact(messageOf(error))}\n`),
      onRefused: (refusal) => printErr(`fanout worker: refused job ${refusal.jobId} (${refusal.reason}): ${target.redact(refusal.message)}\n`),
      onRunLost: ({ runId, stopped, dropped }) => printErr(`fanout worker: run ${runId} lost its coordinator (heartbeat lapsed): ${stopped} running check(s) stopped, ${dropped} queued job(s) dropped\n`),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(target.redact(error.message), 'ERR_USAGE', { cause: error });
    throw error;
  }
  try {
    await worker.ready();
  } catch (error) {
    if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') {
      // An installation to complete, not a Redis to wait for: a usage error (exit 2) saying what to install.
      await worker.close();
      throw new UsageError(error.message, 'ERR_USAGE', { cause: error });
    }
    printErr(`fanout worker: cannot reach Redis at ${target.display}: ${describeRedisError(error, target)}\n`);
    await worker.close();
    return 1;
  }
  const mode = [secret === null ? 'UNAUTHENTICATED (--insecure)' : 'signed jobs only', pin === undefined ? '' : `pinned to ${pin.pinned.checks.size} checks of its config`].filter(Boolean).join(', ');
  printErr(
    `fanout worker ${worker.name}: queue ${worker.queueName}, concurrency ${concurrency}, Redis ${target.display}, ${mode}\n`,
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
