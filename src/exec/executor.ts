/**
 * The seam between what to run and where it runs. The CLI hands a serialisable {@link CommandSpec} to an
 * {@link Executor}; {@link localExecutor} runs it here with {@link runCommand}, a queue-backed executor can ship the
 * same JSON to a worker and return the worker's {@link CommandResult}.
 */
import { invalidArgument } from '../core/arguments.js';
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

const SPEC_KEYS = ['cwd', 'env', 'shell', 'timeoutMs', 'killGraceMs', 'maxOutputBytes', 'logFile'] as const;

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
export const localExecutor: Executor = {
  execute(spec: CommandSpec, options?: ExecuteOptions): Promise<CommandResult> {
    if (typeof spec !== 'object' || spec === null) return Promise.reject(invalidArgument('spec', 'a CommandSpec object', spec));
    const runOptions: RunCommandOptions = { signal: options?.signal, onOutput: options?.onOutput, onSpawn: options?.onSpawn };
    for (const key of SPEC_KEYS) {
      if (spec[key] !== undefined) (runOptions as Record<string, unknown>)[key] = spec[key];
    }
    return runCommand(spec.command, runOptions);
  },
};
