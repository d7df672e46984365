/**
 * The seam between what to run and where it runs. The CLI hands a serialisable {@link CommandSpec} to an
 * {@link Executor}; {@link localExecutor} runs it here with {@link runCommand}, a queue-backed executor can ship the
 * same JSON to a worker and return the worker's {@link CommandResult}.
 */
import { invalidArgument } from '../common/arguments.js';
import { runCommand, type CommandResult, type RunCommandOptions } from './run-command.js';

/**
 * One command and how to run it — plain data (JSON-serialisable, no functions), so it can cross a process or a
 * queue. The fields mean what the same options of {@link runCommand} mean.
 */
export interface CommandSpec {
  /** The shell command line. */
  command: string;
  /** Working directory. @default the executor's current directory */
  cwd?: string;
  /** Variables merged over the executor's environment. */
  env?: Record<string, string>;
  /** Shell executable, called as `<shell> -c <command>`. @default '/bin/sh' */
  shell?: string;
  /** Terminate the whole tree after this many milliseconds. @default no timeout */
  timeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL. @default 2000 */
  killGraceMs?: number;
  /** Bytes of output kept in the result. @default 1048576 */
  maxOutputBytes?: number;
  /** File that receives the complete output, mode 0600 (on the executor's machine). */
  logFile?: string;
}

/** What stays with the caller and cannot be serialised: the abort signal and the live output callback. */
export interface ExecuteOptions {
  /** Aborting terminates the command's whole tree; the result has `cancelled: true`. */
  signal?: AbortSignal;
  /** Receives output as it is read (a remote executor may deliver it in larger, later pieces). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Called with the pid (= process group id) of the local shell once it started; remote executors never call it. */
  onSpawn?: (pid: number) => void;
  /** What the command is for (a check's id): remote workers pinned to their own config run that check's command. */
  id?: string;
}

/**
 * Runs {@link CommandSpec}s somewhere. Implementations resolve with a {@link CommandResult} for every command that
 * ran, failed, timed out, was cancelled or could not start, and reject only for invalid arguments or infrastructure
 * failures.
 *
 * @example
 * ```ts
 * import { localExecutor, type Executor } from 'fanout';
 * async function lint(executor: Executor = localExecutor) {
 *   const result = await executor.execute({ command: 'npm run lint', timeoutMs: 120_000 });
 *   return result.exitCode === 0;
 * }
 * ```
 */
export interface Executor {
  execute(spec: CommandSpec, options?: ExecuteOptions): Promise<CommandResult>;
}

/**
 * The executor that runs each spec on this machine through {@link runCommand}.
 *
 * @example
 * ```ts
 * import { localExecutor } from 'fanout';
 * const controller = new AbortController();
 * const result = await localExecutor.execute(
 *   { command: 'npm test', timeoutMs: 60_000 },
 *   { signal: controller.signal, onOutput: (chunk) => process.stdout.write(chunk) },
 * );
 * console.log(result.exitCode);
 * ```
 */
export const localExecutor: Executor = /* @__PURE__ */ createLocalExecutor();

/** Options of {@link createLocalExecutor}. */
export interface LocalExecutorOptions {
  /**
   * true: the environment is read once, at the first command, and every command inherits that copy (its spec's `env`
   * merged over it) instead of the live `process.env`. Spawning is then cheaper — Node reads each variable of
   * `process.env` through a native accessor at every spawn — but a change to `process.env` after the first command
   * no longer reaches the commands. For a runner that does not change its own environment while it runs.
   * @default false
   */
  snapshotEnv?: boolean | undefined;
  /**
   * true: every command runs with {@link RunCommandOptions.mergeStderr}: stdout and stderr share one pipe, so the
   * output and the log keep the exact order of the command's writes, and each spawn costs one pipe less.
   * @default false
   */
  mergeStderr?: boolean | undefined;
  /**
   * true: a spec with a `logFile` runs with {@link RunCommandOptions.directLog} — the log file is the command's stdout
   * and stderr, no pipe is read while it runs, and the result's output is read back from the file at the end —
   * unless the caller asks for live output (`onOutput`), which needs the pipes. The cheapest way to run commands
   * whose output is only logged and reported afterwards.
   * @default false
   */
  directLog?: boolean | undefined;
  /**
   * Variables of this process's environment the commands do not inherit (a spec's own `env` may still set them).
   * For a runner whose environment holds keys its commands must never read, such as
   * {@link FANOUT_KEY_VARIABLES}.
   * @default []
   */
  withheldEnv?: readonly string[] | undefined;
}

/**
 * The variables holding fanout's own keys: the shared secret that signs jobs and cached results, and where Redis is
 * (its URL may hold a password). The checks fanout runs never inherit them, locally or on a worker: a check that could
 * read the secret could sign a result saying that another check passed.
 */
export const FANOUT_KEY_VARIABLES: readonly string[] = Object.freeze(['FANOUT_SECRET', 'FANOUT_SECRET_FILE', 'FANOUT_REDIS_URL', 'FANOUT_REDIS_URL_FILE']);

/**
 * An executor that runs each spec on this machine through {@link runCommand}, as {@link localExecutor} does, with
 * options.
 *
 * @example
 * ```ts
 * import { createLocalExecutor } from 'fanout';
 * const executor = createLocalExecutor({ snapshotEnv: true, directLog: true });
 * // Each command writes straight into its log file; the results' output is read back from it.
 * const results = await Promise.all(['true', 'echo hi'].map((command, i) => executor.execute({ command, logFile: `/tmp/check-${i}.log` })));
 * console.log(results.map((result) => result.output));
 * ```
 */
export function createLocalExecutor(options: LocalExecutorOptions = {}): Executor {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const { snapshotEnv = false, mergeStderr = false, directLog = false, withheldEnv = [] } = options;
  if (typeof snapshotEnv !== 'boolean') throw invalidArgument('options.snapshotEnv', 'a boolean or undefined', snapshotEnv);
  if (typeof mergeStderr !== 'boolean') throw invalidArgument('options.mergeStderr', 'a boolean or undefined', mergeStderr);
  if (typeof directLog !== 'boolean') throw invalidArgument('options.directLog', 'a boolean or undefined', directLog);
  if (!Array.isArray(withheldEnv) || !withheldEnv.every((name) => typeof name === 'string')) {
    throw invalidArgument('options.withheldEnv', 'an array of variable names', withheldEnv);
  }
  const withheld = new Set(withheldEnv);
  // Without a snapshot, a withheld variable still needs a copy of the live environment at each spawn.
  const copyEnv = (): Record<string, string> => {
    const copy: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !withheld.has(key)) copy[key] = value;
    return copy;
  };
  let snapshot: Record<string, string> | undefined;
  const environment = (): Record<string, string> => {
    if (snapshot === undefined) {
      const copy = copyEnv();
      // Frozen: runCommand then checks its variables once, not at every spawn.
      snapshot = Object.freeze(copy);
    }
    return snapshot;
  };
  return {
    execute(spec: CommandSpec, options?: ExecuteOptions): Promise<CommandResult> {
      if (typeof spec !== 'object' || spec === null) return Promise.reject(invalidArgument('spec', 'a CommandSpec object', spec));
      // One literal (runCommand takes an undefined option as absent): this runs once per command.
      const runOptions: RunCommandOptions = {
        signal: options?.signal,
        onOutput: options?.onOutput,
        onSpawn: options?.onSpawn,
        cwd: spec.cwd,
        env: spec.env,
        shell: spec.shell,
        timeoutMs: spec.timeoutMs,
        killGraceMs: spec.killGraceMs,
        maxOutputBytes: spec.maxOutputBytes,
        logFile: spec.logFile,
        mergeStderr,
        directLog: directLog && spec.logFile !== undefined && options?.onOutput === undefined,
      };
      if (snapshotEnv || withheld.size > 0) {
        // Spread over the snapshot, a string or an array would pass for variables: refused as runCommand refuses it.
        if (spec.env !== undefined && (typeof spec.env !== 'object' || spec.env === null || Array.isArray(spec.env))) {
          return Promise.reject(invalidArgument('spec.env', 'an object of strings', spec.env));
        }
        const base = snapshotEnv ? environment() : copyEnv();
        // The spec's variables over the snapshot (runCommand checks the merged object, the spec's variables included).
        runOptions.env = spec.env === undefined ? base : { ...base, ...spec.env };
        runOptions.extendEnv = false;
      }
      return runCommand(spec.command, runOptions);
    },
  };
}
