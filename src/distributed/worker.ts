/**
 * `startCheckWorker`: the worker side. A BullMQ Worker that runs check jobs with {@link runCommand} (process groups,
 * timeouts, bounded output) and calls named handlers, obeys the coordinators' cancel broadcast, and shuts down
 * gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, createWriteStream, existsSync, openSync, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { O_NOFOLLOW, privateFolderProblem } from '../common/safe-file.js';
import { makeDirSync } from '../common/make-dir.js';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertFunction, assertInteger, assertLimit, invalidArgument } from '../common/arguments.js';
import { messageOf } from '../common/errors.js';
import { assertTimerMs } from '../common/timer.js';
import { FANOUT_KEY_VARIABLES } from '../exec/executor.js';
import { runCommand, type CommandResult, type RunCommandOptions } from '../exec/run-command.js';
import { readProcess } from '../exec/processes.js';
import { connectOrThrow, REASON_CANCELLED, REASON_HANDLER, REASON_ORPHANED, REASON_REFUSED, REASON_UNKNOWN_HANDLER, RESULT_LOG_PREFIX } from './job-client.js';
import { beatInterval, heartbeatCounter, heartbeatKey, MIN_HEARTBEAT_TTL_MS } from './heartbeat.js';
import {
  assertConnection,
  CALL_JOB,
  cancelChannel,
  CHECK_JOB,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_STALLED_INTERVAL_MS,
  distributedQueueName,
  RETAIN_AGE_S,
  RETAIN_COUNT,
  type CallJobData,
  type CheckJobData,
  type RedisConnection,
  type WireResult,
} from './protocol.js';
import { secretMasker, secretValuesOf } from './secrets.js';
import { DEFAULT_MAX_JOB_AGE_MS, isSignedJob, jobsKeyFrom, NonceMemory, verifyJob, type RefusalReason } from './auth.js';
import { coalesceWrites, loadBackend, openRedis, socketOf, type Backend } from './backend.js';

/** What a named handler receives beside its item. */
export interface RemoteHandlerContext {
  /** The item's input index in the coordinator's call. */
  index: number;
  /** Aborts when the coordinator cancels the call (fail-fast, its signal) or the worker shuts down. */
  signal: AbortSignal;
  /** The BullMQ job id. */
  jobId: string;
}

/** A function workers run for {@link processParallelDistributed}: JSON in, JSON out. */
export type RemoteHandler = (item: unknown, context: RemoteHandlerContext) => unknown;

/** Options of {@link startCheckWorker}. */
export interface CheckWorkerOptions {
  /** Where Redis is: a URL or ioredis options. */
  connection: RedisConnection;
  /** Queue name. @default 'checks' */
  queue?: string;
  /** The commit this worker has checked out: it takes jobs of `<queue>@<commit>` only. @default none (queue `<queue>`) */
  commit?: string;
  /** Redis key prefix. @default 'fanout' */
  prefix?: string;
  /** Jobs run at once. @default 1 */
  concurrency?: number;
  /** Relative job `cwd`s resolve against it (the worker's checkout). @default process.cwd() */
  root?: string;
  /** Directory that receives each job's complete log, `<run>/<check id>.log` (`.attempt-N` after a re-run), mode 0600, secrets masked. @default none */
  logDir?: string;
  /**
   * Lock of a running job, renewed every half of it; a dead worker's job is re-run after it expires. An integer from 100
   * to 2^31 - 1 (a TypeError otherwise: a lock that never expires would strand a dead worker's job). @default 10000
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died: an integer from 100 to 2^31 - 1. @default 5000 */
  stalledIntervalMs?: number;
  /** Re-runs allowed after a worker died mid-job, before the job fails as lost. @default 1 */
  maxStalledCount?: number;
  /** Named handlers for {@link processParallelDistributed}; more with `registerHandler`. */
  handlers?: Record<string, RemoteHandler>;
  /** How long the first connection to Redis may take; then `ready()` rejects with `ERR_REDIS_UNAVAILABLE` (beyond 2^31 - 1: no limit). @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Receives connection and processing errors (credentials already redacted by ioredis; never printed by fanout). An
   * error that repeats (a reconnect attempt failing the same way several times a second while Redis is away) is
   * passed once, then at most once every 10 s, saying how many times it repeated meanwhile. A failure to start (bullmq
   * or ioredis not installed: `ERR_MISSING_DEPENDENCY`; Redis not answering within `connectTimeoutMs`) is not passed
   * here: `ready()` rejects with it.
   */
  onError?: (error: Error) => void;
  /**
   * Shared secret every job must be signed with: jobs unsigned, forged, tampered with, replayed or older than
   * `maxJobAgeMs` are refused (never run) and reported to `onRefused`. `null`: jobs are not authenticated, and anyone
   * who can write to the Redis runs commands here.
   * @default FANOUT_SECRET or the file FANOUT_SECRET_FILE names; none: not authenticated
   */
  secret?: string | Uint8Array | null;
  /** How old a signed job may be when this worker takes it. @default 3600000 */
  maxJobAgeMs?: number;
  /** The clock signed jobs are judged by (ms since the epoch): their age, and how long their nonces are kept. @default Date.now */
  now?: () => number;
  /**
   * Variables of this worker's environment a check's command sees (besides the plain variables the job sets and the
   * secrets it names); a name ending in `*` is a prefix. Nothing else of the worker's environment reaches a check.
   * @default {@link DEFAULT_ENV_ALLOW}
   */
  envAllow?: readonly string[];
  /** Run only the checks of this config, by id, at its commit and hash ({@link pinnedChecksOf}). @default not pinned */
  pinned?: PinnedChecks;
  /** Receives each job this worker refused, with the reason (never printed by fanout). */
  onRefused?: (refusal: JobRefusal) => void;
  /**
   * Called when the heartbeat of a run this worker holds jobs for lapsed (its coordinator died): `stopped` commands of
   * it were terminated here, `dropped` of its queued jobs removed from the queue (by this worker; others may remove
   * more). Never printed by fanout.
   */
  onRunLost?: (lost: { runId: string; stopped: number; dropped: number }) => void;
}

/** A job a worker refused to run. */
export interface JobRefusal {
  jobId: string;
  reason: RefusalReason;
  message: string;
}

/** The checks a pinned worker runs: its own checkout's config, by id. */
export interface PinnedChecks {
  /** SHA-256 (hex) of the config file's bytes. */
  configHash: string;
  /** The commit of the worker's checkout (null outside git): jobs must name the same. */
  commit: string | null;
  /** Check id → what runs: the command, its cwd (relative to the worker's root, or absolute) and its variables. */
  checks: ReadonlyMap<string, { command: string; cwd: string; env: Readonly<Record<string, string>> }>;
}

/**
 * The variables of a worker's environment its checks see by default: what a shell and common tools need to run,
 * nothing that could hold a credential.
 */
export const DEFAULT_ENV_ALLOW: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TERM', 'TMPDIR', 'TZ', 'CI'];

/** Variables no check receives even when it names them: the keys of fanout itself. */
const NEVER_PASSED = new Set(FANOUT_KEY_VARIABLES);

/** The part of `env` that `allow` lets through (exact names, or prefixes written `NAME*`). */
export function allowedEnv(env: NodeJS.ProcessEnv, allow: readonly string[]): Record<string, string> {
  const exact = new Set(allow.filter((name) => !name.endsWith('*')));
  const prefixes = allow.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER_PASSED.has(name)) continue;
    if (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) out[name] = value;
  }
  return out;
}

/** A running worker. */
export interface CheckWorker {
  /** The BullMQ queue name it reads (`<queue>@<commit>`). */
  readonly queueName: string;
  /** `host:pid`, reported in every result. */
  readonly name: string;
  /** Jobs running now. */
  readonly running: number;
  /**
   * Resolves once the worker and its cancel subscription are connected; rejects when it cannot start: Redis does not
   * answer in time (`ERR_REDIS_UNAVAILABLE`), or bullmq or ioredis is not installed (`ERR_MISSING_DEPENDENCY`).
   */
  ready(): Promise<void>;
  /** Adds or replaces a named handler. */
  registerHandler(name: string, handler: RemoteHandler): void;
  /**
   * Stops taking jobs and terminates the running ones. With `requeue` (the default) they go back to the queue for
   * another worker (a shutdown is not the job's failure); without it they fail as cancelled. Idempotent.
   */
  close(options?: { requeue?: boolean }): Promise<void>;
}

const SHUTDOWN = 'fanout:shutdown';
const CANCEL = 'fanout:cancel';
/** Abort reason of a job whose run's heartbeat lapsed. */
const ORPHANED = 'fanout:orphaned';
/** Runs whose heartbeat lapsed are remembered this long (their jobs are dropped when taken)... */
const LOST_RUN_MEMORY_MS = 3_600_000;
/** ...and at most this many of them. */
const LOST_RUN_LIMIT = 10_000;
/** The watchdog that terminates this worker's checks when it dies (see ./watchdog.js). */
const WATCHDOG = fileURLToPath(new URL('./watchdog.js', import.meta.url));
/** Cancels that arrive before the job starts here are remembered this long. */
const CANCEL_MEMORY_MS = 60_000;

/** An error reported again within this long is counted, not passed on. */
const ERROR_REPEAT_MS = 10_000;

/**
 * `onError` for errors that come in bursts: a message is passed the first time, then at most once every
 * {@link ERROR_REPEAT_MS}, with how many times it came meanwhile.
 */
function repeatLimited(onError: (error: Error) => void): (error: Error) => void {
  const seen = new Map<string, { at: number; repeats: number }>();
  return (error) => {
    const now = Date.now();
    const last = seen.get(error.message);
    if (last !== undefined && now - last.at < ERROR_REPEAT_MS) {
      last.repeats++;
      return;
    }
    if (seen.size >= 100) seen.clear();
    seen.set(error.message, { at: now, repeats: 0 });
    const repeats = last?.repeats ?? 0;
    onError(repeats === 0 ? error : new Error(`${error.message} (${repeats} more time${repeats === 1 ? '' : 's'} in the last ${Math.round((now - (last?.at ?? now)) / 1000)} s)`, { cause: error }));
  };
}

/** Opens (truncates) a job's log without following a link at its name; undefined when it cannot be opened. */
function openLog(file: string): number | undefined {
  try {
    return openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW, 0o600);
  } catch {
    return undefined;
  }
}

/** A name from a job that is safe as one path component: no separators, no `..`, at most 100 characters. */
function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}

/** A line longer than this (a program that never prints a newline) is masked and written in pieces. */
const LONG_LINE = 64 * 1024;

/**
 * Masks complete lines only, so a secret split across two reads is still masked; only each new chunk is searched for
 * a newline, and a line past {@link LONG_LINE} is written in pieces cut where no secret spans the cut, so the cost is
 * linear in the output and the memory bounded whatever the shape of its lines.
 */
export class MaskedLog {
  private readonly partial = { stdout: '', stderr: '' };
  constructor(
    private readonly stream: Pick<WriteStream, 'write' | 'end'>,
    private readonly mask: (text: string) => string,
    /** The values `mask` masks: where a long line may be cut. */
    private readonly secrets: readonly string[],
  ) {}
  write(chunk: string, name: 'stdout' | 'stderr'): void {
    const newline = chunk.lastIndexOf('\n');
    if (newline === -1) this.partial[name] += chunk;
    else {
      const lines = this.partial[name] + chunk.slice(0, newline + 1);
      this.partial[name] = chunk.slice(newline + 1);
      this.stream.write(this.mask(lines));
    }
    const rest = this.partial[name];
    if (rest.length > LONG_LINE) {
      const cut = safeCut(rest, this.secrets);
      this.stream.write(this.mask(rest.slice(0, cut)));
      this.partial[name] = rest.slice(cut);
    }
  }
  async end(): Promise<void> {
    const rest = this.partial.stdout + this.partial.stderr;
    if (rest !== '') this.stream.write(this.mask(rest));
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}

/**
 * Where a long line can be cut: before its last `longest secret - 1` characters (any secret ending past them starts
 * after the cut), moved left before every occurrence of a secret that spans it. A line made of secrets end to end
 * would move it without end: then it is cut at the first place, half a line back at most.
 */
function safeCut(text: string, secrets: readonly string[]): number {
  const longest = secrets.reduce((most, secret) => Math.max(most, secret.length), 1);
  const first = text.length - (longest - 1);
  let cut = first;
  for (let moved = true; moved && cut > first - LONG_LINE / 2; ) {
    moved = false;
    for (const secret of secrets) {
      const at = text.indexOf(secret, Math.max(0, cut - secret.length + 1));
      if (at !== -1 && at < cut) {
        cut = at;
        moved = true;
      }
    }
  }
  return cut > first - LONG_LINE / 2 ? cut : first;
}

function toWire(result: CommandResult, worker: string, mask: (text: string) => string): WireResult {
  const { error, logError, output, ...rest } = result;
  const wire: WireResult = { ...rest, output: mask(output), worker };
  if (error !== undefined) wire.error = { reason: error.reason, message: mask(error.message), path: error.path ?? null };
  if (logError !== undefined) wire.logError = mask(logError.message);
  return wire;
}

/**
 * Starts a worker that runs the jobs of a queue: check jobs (from {@link createBullMQExecutor}) with
 * {@link runCommand}, and calls of named handlers (from {@link processParallelDistributed}).
 *
 * - Secrets: a check job carries the NAMES of its secret-looking variables; the worker sets them from its own
 *   environment (a name it lacks: the command does not run, the result lists it in `missingSecrets`). Every
 *   secret-looking value of the worker's environment is masked (`***`) in the output, the log and error messages it
 *   returns or writes.
 * - Cancel: the worker subscribes to the queue's cancel channel; a cancel for a job it runs terminates the process
 *   group and fails the job with `UnrecoverableError` (never retried), leaving the output in the job's log for the
 *   coordinator.
 * - Death: if this process dies mid-job, another worker re-runs the job once its lock expires (within
 *   `lockDurationMs` + 2 × `stalledIntervalMs`; the result then says `attempts: 2`). The commands it was running
 *   do not run on beside the re-run: a watchdog process (started with the worker, in a session of its own) holds a
 *   pipe from it, and when the pipe closes it terminates every check session whose leader it can verify (pid and
 *   start time), SIGTERM then SIGKILL a second later — even after a `kill -9`, which the worker cannot intercept.
 * - Coordinator's death: a check job names its run and the run's heartbeat ({@link createBullMQExecutor}); once the
 *   heartbeat lapses (no genuine beat for its time to live), the run's commands here are terminated, its waiting
 *   jobs removed, and jobs of it taken later fail with `[fanout:orphaned]` without running (`onRunLost`).
 *
 * @example
 * ```ts
 * import { startCheckWorker } from 'fanout/distributed';
 * const worker = startCheckWorker({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', commit: 'abc123', concurrency: 4 });
 * worker.registerHandler('double', (item) => (item as number) * 2);
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export function startCheckWorker(options: CheckWorkerOptions): CheckWorker {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const connection = assertConnection('options.connection', options.connection);
  const queueName = distributedQueueName(options.queue ?? DEFAULT_QUEUE, options.commit);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const concurrency = assertInteger('options.concurrency', options.concurrency ?? 1, 1);
  const root = resolvePath(options.root ?? process.cwd());
  const logDir = options.logDir === undefined ? undefined : resolvePath(options.logDir);
  // BullMQ's timers take both as they are: beyond the timers' limit they would renew and look every millisecond.
  const lockDuration = assertTimerMs('options.lockDurationMs', options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS, 100);
  const stalledInterval = assertTimerMs('options.stalledIntervalMs', options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS, 100);
  const maxStalledCount = assertInteger('options.maxStalledCount', options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT, 0);
  const handlers = new Map<string, RemoteHandler>();
  for (const [name, handler] of Object.entries(options.handlers ?? {})) {
    assertFunction(`options.handlers.${name}`, handler);
    handlers.set(name, handler);
  }
  const onError = options.onError === undefined ? undefined : repeatLimited(options.onError);
  const connectTimeoutMs = assertLimit('options.connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1);
  const name = `${hostname()}:${process.pid}`;
  // One snapshot: what checks may see of this worker's environment is fixed when it starts.
  const workerEnv: NodeJS.ProcessEnv = { ...process.env };
  const secrets = secretValuesOf(workerEnv);
  const mask = secretMasker(secrets);
  const jobsKey = jobsKeyFrom('options.secret', options.secret);
  const maxJobAgeMs = assertLimit('options.maxJobAgeMs', options.maxJobAgeMs ?? DEFAULT_MAX_JOB_AGE_MS, 1000);
  const jobClock = options.now ?? Date.now;
  assertFunction('options.now', jobClock);
  const envAllow = options.envAllow ?? DEFAULT_ENV_ALLOW;
  if (!Array.isArray(envAllow) || envAllow.some((entry) => typeof entry !== 'string' || entry === '')) throw invalidArgument('options.envAllow', 'an array of variable names', envAllow);
  const baseEnv = allowedEnv(workerEnv, envAllow);
  const pinned = options.pinned;
  const onRefused = options.onRefused;
  const onRunLost = options.onRunLost;
  const cancelled = new Map<string, number>();
  let closing: Promise<void> | undefined;
  let requeueOnClose = true;
  if (logDir !== undefined) makeDirSync(logDir, 0o700);

  /**
   * The runs this worker holds jobs for, each with its heartbeat as last read: the counter, and when (by this
   * worker's clock) it last advanced. A run whose key is gone, or whose counter did not advance for its time to live,
   * lost its coordinator: its commands here are terminated (the abort goes through runCommand's verified kill) and its
   * queued jobs dropped.
   */
  interface RunWatch {
    ttlMs: number;
    controllers: Set<AbortController>;
    counter: number;
    advancedAt: number;
    checkedAt: number;
    reading: boolean;
  }
  const runs = new Map<string, RunWatch>();
  const lostRuns = new Map<string, number>();
  let runTimer: NodeJS.Timeout | undefined;

  /** The run's heartbeat read now: whether the run is alive. Creates its watch at the first read. */
  async function readRun(runId: string, ttlMs: number): Promise<boolean> {
    const redis = parts?.workerRedis;
    if (redis === undefined) return true;
    const value = await redis.get(heartbeatKey(prefix, queueName, runId));
    const counter = heartbeatCounter(value, jobsKey, queueName, runId);
    const now = Date.now();
    const watch = runs.get(runId);
    if (watch === undefined) {
      if (counter === undefined) return false;
      runs.set(runId, { ttlMs, controllers: new Set(), counter, advancedAt: now, checkedAt: now, reading: false });
      return true;
    }
    watch.checkedAt = now;
    // The key expired in Redis: the coordinator wrote nothing for a whole time to live.
    if (value === null) return false;
    if (counter !== undefined && counter > watch.counter) {
      watch.counter = counter;
      watch.advancedAt = now;
    }
    // A copied or forged value is there, but no genuine beat came for a whole time to live.
    return now - watch.advancedAt <= watch.ttlMs;
  }

  /** Registers a job of run `runId`; false when the run lost its coordinator (the job is then dropped, never run). */
  async function joinRun(runId: string, heartbeatMs: number, controller: AbortController): Promise<boolean> {
    if (lostRuns.has(runId)) return false;
    const ttlMs = Math.min(Math.max(heartbeatMs, MIN_HEARTBEAT_TTL_MS), LOST_RUN_MEMORY_MS);
    const watch = runs.get(runId);
    // A run read within the last beat interval needs no new read: jobs of a busy run cost no Redis round trip here.
    if (watch === undefined || Date.now() - watch.checkedAt > beatInterval(watch.ttlMs)) {
      let alive: boolean;
      try {
        alive = await readRun(runId, ttlMs);
      } catch {
        // Redis unreachable: no sign of the coordinator's death. The run is watched from now on, and read again.
        alive = true;
        const now = Date.now();
        if (!runs.has(runId)) runs.set(runId, { ttlMs, controllers: new Set(), counter: 0, advancedAt: now, checkedAt: now, reading: false });
      }
      if (!alive) {
        lose(runId);
        return false;
      }
    }
    // Given up by the watch while this job waited for its read.
    if (lostRuns.has(runId)) return false;
    runs.get(runId)?.controllers.add(controller);
    runTimer ??= setInterval(watchRuns, 250);
    runTimer.unref();
    return true;
  }

  function leaveRun(runId: string, controller: AbortController): void {
    runs.get(runId)?.controllers.delete(controller);
  }

  /** Reads the heartbeat of every run with jobs here, once per beat interval each; forgets runs idle for a while. */
  function watchRuns(): void {
    const now = Date.now();
    for (const [runId, watch] of runs) {
      if (watch.controllers.size === 0 && now - watch.checkedAt > watch.ttlMs) {
        runs.delete(runId);
        continue;
      }
      if (watch.reading || now - watch.checkedAt < beatInterval(watch.ttlMs)) continue;
      watch.reading = true;
      readRun(runId, watch.ttlMs).then(
        (alive) => {
          watch.reading = false;
          if (!alive) lose(runId);
        },
        () => {
          watch.reading = false;
        },
      );
    }
    if (runs.size === 0) {
      clearInterval(runTimer);
      runTimer = undefined;
    }
  }

  /** A run lost its coordinator: its commands here stop, its queued jobs go, later ones are dropped when taken. */
  function lose(runId: string): void {
    if (lostRuns.has(runId)) return;
    const now = Date.now();
    if (lostRuns.size >= LOST_RUN_LIMIT) {
      for (const [id, at] of lostRuns) if (now - at > LOST_RUN_MEMORY_MS || lostRuns.size >= LOST_RUN_LIMIT) lostRuns.delete(id);
    }
    lostRuns.set(runId, now);
    const watch = runs.get(runId);
    runs.delete(runId);
    const stopped = watch?.controllers.size ?? 0;
    for (const controller of watch?.controllers ?? []) controller.abort(ORPHANED);
    void dropQueued(runId).then((dropped) => onRunLost?.({ runId, stopped, dropped }));
  }

  /** Removes the run's jobs still waiting in the queue; how many. Best effort: the others are dropped when taken. */
  async function dropQueued(runId: string): Promise<number> {
    const redis = parts?.workerRedis;
    if (redis === undefined || loaded === undefined) return 0;
    let dropped = 0;
    const queue = new loaded.bullmq.Queue(queueName, { connection: redis, prefix });
    try {
      const waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 9999);
      for (const job of waiting) {
        if (runOf(job.data) !== runId) continue;
        try {
          await job.remove();
          dropped++;
        } catch {
          // taken meanwhile: dropped when it is opened
        }
      }
    } catch {
      // Redis unreachable: the jobs are dropped when taken
    } finally {
      // The connection is the worker's (shared): closing the queue only removes its listeners from it.
      await queue.close().catch(() => undefined);
    }
    return dropped;
  }

  /** The run a job's data names, signed or not (only to find a lost run's jobs: removing a job needs no trust). */
  function runOf(data: unknown): string | undefined {
    let payload = data;
    if (isSignedJob(data)) {
      try {
        payload = JSON.parse(data.body) as unknown;
      } catch {
        return undefined;
      }
    }
    const runId = (payload as { runId?: unknown } | null)?.runId;
    return typeof runId === 'string' ? runId : undefined;
  }

  /**
   * The watchdog process and the check sessions it guards (leader pid → start time). Each check's shell is
   * registered as soon as it started and deregistered once its tree is gone; if this process dies in between, the
   * watchdog terminates the session.
   */
  let watchdog: ChildProcess | undefined;
  const guarded = new Map<number, string>();
  function startWatchdog(): ChildProcess {
    // Nothing of this worker's environment (its secrets) is needed there.
    const child = spawn(process.execPath, [WATCHDOG], { stdio: ['pipe', 'ignore', 'inherit'], detached: true, env: {} });
    child.on('error', (error) => onError?.(new Error(`the watchdog of this worker's checks failed: ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (watchdog === child) watchdog = undefined;
      if (closing === undefined) onError?.(new Error(`the watchdog of this worker's checks exited (${signal ?? String(code)}); another one starts at the next check`));
    });
    child.stdin?.on('error', () => undefined);
    // Neither keeps this process alive; it dies on its own when this process goes.
    child.unref();
    (child.stdin as { unref?: () => void } | null)?.unref?.();
    for (const [pid, start] of guarded) child.stdin?.write(`+ ${pid} ${start}\n`);
    return child;
  }
  function guard(pid: number): void {
    // Read while the shell is this process's unreaped child: the pid cannot belong to anyone else yet. A shell that
    // already exited (a zombie until reaped) is read too: what it left in the background is the watchdog's to follow.
    const start = readProcess(pid)?.start ?? null;
    if (start === null || !/^\d+$/.test(start)) return;
    guarded.set(pid, start);
    watchdog ??= startWatchdog();
    const stdin = watchdog.stdin;
    stdin?.write(`+ ${pid} ${start}\n`);
    // A guard goes out now, with any `-` lines held before it (in order): until the watchdog has it, a kill -9 of this
    // process would leave the check unfollowed.
    while (stdin !== null && stdin.writableCorked > 0) stdin.uncork();
  }
  function unguard(pid: number): void {
    if (!guarded.delete(pid)) return;
    coalesceWrites(watchdog?.stdin);
    watchdog?.stdin?.write(`- ${pid}\n`);
  }

  /** Thrown for a job of a run that lost its coordinator: failed for good, never run. */
  function dropped(runId: string): Error {
    return unrecoverable(`${REASON_ORPHANED} run ${runId} lost its coordinator (its heartbeat lapsed): dropped without running (worker ${name})`);
  }

  /** Thrown for a job that must not run: reported to onRefused, failed for good (never retried). */
  function refuse(job: Job, reason: RefusalReason, message: string): Error {
    onRefused?.({ jobId: job.id ?? '', reason, message });
    return unrecoverable(`${REASON_REFUSED} ${reason}: ${message} (worker ${name})`);
  }

  /**
   * Nonces of signed jobs taken here, and in Redis for every worker of the queue, each with the id of the job that
   * carried it: the same job may run again (a stalled job re-run after its worker died), another job with the same
   * nonce (a copy) may not, nor the same job once it finished. Each is kept until its job's acceptance window closes
   * (`acceptedUntil`: a job signed ahead of this worker's clock stays acceptable that much longer).
   */
  const nonces = new NonceMemory();
  const nonceKey = (nonce: string): string => `${prefix}:${queueName}:nonce:${nonce}`;
  async function claimNonce(nonce: string, jobId: string, acceptedUntil: number): Promise<boolean> {
    const taken = jobClock();
    const local = nonces.get(nonce, taken);
    if (local !== undefined && (local.jobId !== jobId || local.done)) return false;
    const redis = parts?.workerRedis;
    if (redis === undefined) return false;
    const ttl = Math.max(1, Math.ceil(acceptedUntil - taken));
    coalesceWrites(socketOf(redis));
    if ((await redis.set(nonceKey(nonce), jobId, 'PX', ttl, 'NX')) === null && (await redis.get(nonceKey(nonce))) !== jobId) return false;
    nonces.remember(nonce, jobId, acceptedUntil);
    return true;
  }
  /**
   * Marks the nonce used for good. Not awaited, so the job's slot does not wait a round trip for it: it goes out on
   * BullMQ's own connection before the job's end does, and Redis runs a connection's commands in order, so the mark
   * is stored before anyone can see the job finished (and remove it, and re-add a copy under its id).
   */
  function finishNonce(nonce: string, jobId: string): void {
    nonces.finish(nonce);
    const redis = parts?.workerRedis;
    if (redis === undefined) return;
    coalesceWrites(socketOf(redis));
    redis.call('SET', nonceKey(nonce), `done:${jobId}`, 'XX', 'KEEPTTL').catch(() => {
      // this worker still remembers it; others see the job as running and take no copy of it
    });
  }

  /** The job's payload once authenticated (or as it is, on a worker without a secret), or a refusal thrown. */
  async function openJob(job: Job): Promise<{ payload: unknown; nonce: string | undefined }> {
    if (jobsKey === undefined) return { payload: isSignedJob(job.data) ? (JSON.parse(job.data.body) as unknown) : job.data, nonce: undefined };
    const verified = verifyJob(jobsKey, queueName, job.name, job.data, jobClock(), maxJobAgeMs);
    if (!verified.ok) throw refuse(job, verified.reason, verified.message);
    if (!(await claimNonce(verified.nonce, job.id ?? '', verified.acceptedUntil))) throw refuse(job, 'replayed', `the job's nonce was already used (a copy of a job that ran or runs already)`);
    return { payload: verified.payload, nonce: verified.nonce };
  }

  function isCheckData(data: unknown): data is CheckJobData {
    if (typeof data !== 'object' || data === null) return false;
    const d = data as Partial<CheckJobData>;
    if (d.kind !== 'check' || typeof d.spec !== 'object' || d.spec === null || typeof d.spec.command !== 'string') return false;
    if (!Array.isArray(d.secretEnv) || d.secretEnv.some((entry) => typeof entry !== 'string')) return false;
    if (d.runId !== undefined && typeof d.runId !== 'string') return false;
    if (d.heartbeatMs !== undefined && (typeof d.heartbeatMs !== 'number' || !Number.isFinite(d.heartbeatMs) || d.heartbeatMs <= 0)) return false;
    const env = d.spec.env;
    return env === undefined || (typeof env === 'object' && env !== null && Object.values(env).every((value) => typeof value === 'string'));
  }

  /** What a check job runs here: its own spec, or — pinned — the check of this worker's config it names. */
  function commandFor(job: Job, data: CheckJobData): { command: string; cwd: string | undefined; env: Record<string, string> } {
    if (pinned === undefined) return { command: data.spec.command, cwd: data.spec.cwd, env: { ...data.spec.env } };
    if (data.configHash !== pinned.configHash) {
      throw refuse(job, 'pinned', `the job's config (hash ${String(data.configHash ?? 'none').slice(0, 12)}) is not this worker's (hash ${pinned.configHash.slice(0, 12)})`);
    }
    if (data.commit !== pinned.commit) throw refuse(job, 'pinned', `the job is for commit ${String(data.commit)}, this worker's checkout is at ${String(pinned.commit)}`);
    const check = data.checkId === undefined ? undefined : pinned.checks.get(data.checkId);
    if (check === undefined) throw refuse(job, 'pinned', `this worker's config has no check ${JSON.stringify(data.checkId ?? null)}`);
    if (check.command !== data.spec.command || check.cwd !== (data.spec.cwd ?? '.')) {
      throw refuse(job, 'pinned', `the job's command or folder for check ${JSON.stringify(data.checkId)} is not the one in this worker's config`);
    }
    return { command: check.command, cwd: check.cwd, env: { ...check.env } };
  }

  async function runCheck(job: Job, data: CheckJobData, signal: AbortSignal): Promise<WireResult> {
    const { command, cwd, env: jobEnv } = commandFor(job, data);
    // The worker's allow-listed variables, the job's plain ones, the secrets it names: nothing else of this process.
    const env: Record<string, string> = { ...baseEnv, ...jobEnv };
    const missing: string[] = [];
    if (pinned === undefined) {
      for (const secret of data.secretEnv) {
        const value = NEVER_PASSED.has(secret) ? undefined : workerEnv[secret];
        if (value === undefined) missing.push(secret);
        else env[secret] = value;
      }
    }
    for (const key of NEVER_PASSED) delete env[key];
    if (missing.length > 0) {
      const output = `fanout worker ${name}: secret variable(s) ${missing.join(', ')} not set in this worker's environment; secrets travel by name only, so the worker must have them\n`;
      return { exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: 0, output, outputBytes: output.length, worker: name, missingSecrets: missing };
    }
    const { spec } = data;
    const runOptions: RunCommandOptions = { signal, env, extendEnv: false };
    runOptions.cwd = cwd === undefined ? root : isAbsolute(cwd) ? cwd : join(root, cwd);
    if (spec.shell !== undefined && pinned === undefined) runOptions.shell = spec.shell;
    if (spec.timeoutMs !== undefined) runOptions.timeoutMs = spec.timeoutMs;
    if (spec.killGraceMs !== undefined) runOptions.killGraceMs = spec.killGraceMs;
    if (spec.maxOutputBytes !== undefined) runOptions.maxOutputBytes = spec.maxOutputBytes;
    let log: MaskedLog | undefined;
    if (logDir !== undefined) {
      // By run and check: a job id starts again at 1 in a new queue (another commit) or a restarted Redis.
      const runDir = join(logDir, safeFileName(data.runId ?? 'unnamed-run'));
      makeDirSync(runDir, 0o700);
      const attempt = job.attemptsStarted > 1 ? `.attempt-${job.attemptsStarted}` : '';
      const file = join(runDir, `${safeFileName(data.checkId ?? `job-${job.id ?? ''}`)}${attempt}.log`);
      // Only in a private folder of this user, never through a link planted at the log's name: a log dir others can
      // write to gets no log rather than a log written over someone's file.
      const fd = privateFolderProblem(runDir) === undefined ? openLog(file) : undefined;
      if (fd !== undefined) {
        const target = new MaskedLog(createWriteStream('', { fd, mode: 0o600 }), mask, secrets);
        log = target;
        runOptions.onOutput = (chunk, stream) => target.write(chunk, stream);
      }
    }
    let session: number | undefined;
    runOptions.onSpawn = (pid) => {
      session = pid;
      guard(pid);
    };
    try {
      return toWire(await runCommand(command, runOptions), name, mask);
    } finally {
      if (session !== undefined) unguard(session);
      await log?.end();
    }
  }

  async function runCall(job: Job, data: CallJobData, signal: AbortSignal): Promise<{ value: unknown }> {
    const handler = typeof data.handler === 'string' ? handlers.get(data.handler) : undefined;
    if (handler === undefined) throw unrecoverable(`${REASON_UNKNOWN_HANDLER} worker ${name} has no handler named ${JSON.stringify(data.handler)}`);
    try {
      const value = await handler(data.item, { index: data.index, signal, jobId: job.id ?? '' });
      return { value: value ?? null };
    } catch (error) {
      if (signal.aborted) throw error instanceof Error ? error : new Error(messageOf(error));
      throw unrecoverable(`${REASON_HANDLER} ${mask(messageOf(error))}`);
    }
  }

  async function processor(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const controller = new AbortController();
    const follow = (): void => controller.abort(signal?.reason);
    if (signal?.aborted === true) follow();
    else signal?.addEventListener('abort', follow, { once: true });
    if (job.id !== undefined && cancelled.has(job.id)) controller.abort(CANCEL);
    let nonce: string | undefined;
    let requeued = false;
    let run: string | undefined;
    try {
      const opened = await openJob(job);
      nonce = opened.nonce;
      let value: unknown;
      let failure: unknown;
      try {
        if (job.name === CHECK_JOB) {
          if (!isCheckData(opened.payload)) throw refuse(job, 'malformed', 'the job is not a check job');
          const { runId, heartbeatMs } = opened.payload;
          if (runId !== undefined && heartbeatMs !== undefined) {
            if (!(await joinRun(runId, heartbeatMs, controller))) throw dropped(runId);
            run = runId;
          }
          value = await runCheck(job, opened.payload, controller.signal);
        } else if (job.name === CALL_JOB) {
          if (pinned !== undefined) throw refuse(job, 'pinned', 'a pinned worker runs checks of its own config only, no handler calls');
          const call = opened.payload as CallJobData;
          const { runId, heartbeatMs } = call;
          if (typeof runId === 'string' && typeof heartbeatMs === 'number' && Number.isFinite(heartbeatMs) && heartbeatMs > 0) {
            if (!(await joinRun(runId, heartbeatMs, controller))) throw dropped(runId);
            run = runId;
          }
          value = await runCall(job, call, controller.signal);
        } else throw unrecoverable(`${REASON_UNKNOWN_HANDLER} unknown job kind ${JSON.stringify(job.name)}`);
      } catch (error) {
        failure = error;
      }
      if (controller.signal.aborted) {
        if (controller.signal.reason === SHUTDOWN && requeueOnClose && token !== undefined) {
          // Back to the queue: another worker runs it from the start.
          requeued = true;
          await job.moveToWait(token);
          throw new (backend().bullmq.WaitingError)();
        }
        if (controller.signal.reason === ORPHANED) throw unrecoverable(`${REASON_ORPHANED} run ${run ?? ''} lost its coordinator (its heartbeat lapsed): stopped on worker ${name}`);
        if (value !== undefined && job.name === CHECK_JOB) await job.log(RESULT_LOG_PREFIX + JSON.stringify(value));
        throw unrecoverable(`${REASON_CANCELLED} job ${job.id ?? ''} cancelled on worker ${name}`);
      }
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(messageOf(failure));
      return value;
    } finally {
      signal?.removeEventListener('abort', follow);
      if (run !== undefined) leaveRun(run, controller);
      if (nonce !== undefined && !requeued) finishNonce(nonce, job.id ?? '');
    }
  }

  let loaded: Backend | undefined;
  const backend = (): Backend => {
    if (loaded === undefined) throw new Error('fanout worker: BullMQ is not loaded yet');
    return loaded;
  };
  function unrecoverable(message: string): Error {
    return new (backend().bullmq.UnrecoverableError)(message);
  }
  let running = 0;
  const channel = cancelChannel(prefix, queueName);
  let parts: { worker: Worker; workerRedis: Redis; subscriber: Redis } | undefined;
  const setup = (async () => {
    // Without its watchdog, a check would outlive this worker's death and run beside the copy another worker starts.
    if (!existsSync(WATCHDOG)) throw new Error(`fanout worker: its watchdog ${WATCHDOG} is missing (a broken installation)`);
    watchdog ??= startWatchdog();
    loaded = await loadBackend();
    const workerRedis = await connectOrThrow(loaded, connection, 'fanout-worker', connectTimeoutMs);
    const subscriber = openRedis(loaded, connection, 'fanout-worker-cancel');
    const worker = new loaded.bullmq.Worker(queueName, processor, {
      connection: workerRedis,
      prefix,
      concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      name,
      autorun: false,
      removeOnComplete: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
      removeOnFail: { count: RETAIN_COUNT, age: RETAIN_AGE_S },
    });
    parts = { worker, workerRedis, subscriber };
    worker.on('active', () => running++);
    const done = (): void => {
      running = Math.max(0, running - 1);
    };
    worker.on('completed', done);
    worker.on('failed', done);
    worker.on('error', (error) => onError?.(error));
    subscriber.on('message', (_channel: string, jobId: string) => {
      const now = Date.now();
      for (const [id, at] of cancelled) if (now - at > CANCEL_MEMORY_MS) cancelled.delete(id);
      cancelled.set(jobId, now);
      worker.cancelJob(jobId, CANCEL);
    });
    subscriber.on('error', (error: Error) => onError?.(error));
    // Subscribe before taking jobs, so no cancel for a job of ours can be missed.
    await subscriber.subscribe(channel);
    if (closing === undefined) {
      void worker.run().catch((error: unknown) => onError?.(error instanceof Error ? error : new Error(messageOf(error))));
    }
    await worker.waitUntilReady();
  })();
  // A failure to start is ready()'s rejection, and only that: passed to onError as well, a caller that reports both
  // would report it twice.
  setup.catch(() => undefined);

  return {
    queueName,
    name,
    get running() {
      return running;
    },
    async ready() {
      await setup;
    },
    registerHandler(handlerName: string, handler: RemoteHandler) {
      if (typeof handlerName !== 'string' || handlerName === '') throw invalidArgument('name', 'a non-empty string', handlerName);
      assertFunction('handler', handler);
      handlers.set(handlerName, handler);
    },
    close(closeOptions?: { requeue?: boolean }) {
      closing ??= (async () => {
        requeueOnClose = closeOptions?.requeue ?? true;
        await setup.catch(() => undefined);
        if (parts === undefined) {
          watchdog?.stdin?.end();
          return;
        }
        const current = parts;
        const closed = current.worker.close();
        closed.catch(() => undefined);
        current.worker.cancelAllJobs(SHUTDOWN);
        // BullMQ's close waits for Redis, for ever while it is away: then, once every check's process tree is gone,
        // the connections are dropped (the jobs' locks expire and another worker re-runs them).
        let done = false;
        const redisAway = (async () => {
          while (!done) {
            await new Promise((resolve) => setTimeout(resolve, 100).unref());
            if (current.workerRedis.status !== 'ready' && guarded.size === 0) return;
          }
        })();
        await Promise.race([closed, redisAway]);
        done = true;
        clearInterval(runTimer);
        runTimer = undefined;
        parts.subscriber.disconnect();
        parts.workerRedis.disconnect();
        // Every check ended: the watchdog has nothing left to guard, and exits at the end of its input.
        watchdog?.stdin?.end();
      })();
      return closing;
    },
  };
}
