/**
 * Why a command could not start. {@link runCommand} never throws or rejects for these: it resolves with a
 * {@link CommandResult} whose `error` is a {@link SpawnError}, so a batch of checks reports a missing directory as
 * that check's failure instead of crashing the run.
 */
import { fs } from '../common/builtins.js';
import { FanoutError } from '../common/errors.js';

const { accessSync, constants, statSync } = fs;

/**
 * What kept a command from starting:
 * - `cwd-missing`, `cwd-not-directory`, `cwd-not-accessible`: the working directory;
 * - `shell-missing`, `shell-not-executable`: the shell (`/bin/sh` unless `shell` is given);
 * - `log-file-unwritable`: `logFile` could not be opened for writing (checked before anything is spawned);
 * - `resources-exhausted`: the system refused a new process or pipe (EAGAIN, EMFILE, ENFILE, ENOMEM);
 * - `unknown`: anything else; `cause` holds the operating system's error.
 */
export type SpawnErrorReason =
  | 'cwd-missing'
  | 'cwd-not-directory'
  | 'cwd-not-accessible'
  | 'shell-missing'
  | 'shell-not-executable'
  | 'log-file-unwritable'
  | 'resources-exhausted'
  | 'unknown';

/**
 * A command that could not be started. Branch on `reason` (or `code === 'ERR_SPAWN'`), never on the message.
 *
 * @example
 * ```ts
 * import { runCommand } from 'fanout';
 * const result = await runCommand('make', { cwd: '/no/such/dir' });
 * if (result.error?.reason === 'cwd-missing') console.error(`missing directory: ${result.error.path}`);
 * ```
 */
export class SpawnError extends FanoutError {
  declare readonly code: 'ERR_SPAWN';
  /** What kept the command from starting. */
  readonly reason: SpawnErrorReason;
  /** The command that was to run. */
  readonly command: string;
  /** The path the reason is about (the working directory, the shell or the log file), when there is one. */
  readonly path: string | undefined;

  constructor(reason: SpawnErrorReason, command: string, path: string | undefined, message: string, options?: { cause?: unknown }) {
    super('ERR_SPAWN', message, options);
    this.reason = reason;
    this.command = command;
    this.path = path;
  }
}

const RESOURCE_CODES = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);

/** The `code` of an operating-system error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns the error of a failed spawn into a {@link SpawnError}. Node reports a missing working directory and a
 * missing shell alike (`spawn /bin/sh ENOENT`), so the directory is examined after the fact — off the hot path,
 * only when spawning already failed.
 */
export function diagnoseSpawnFailure(error: unknown, command: string, cwd: string | undefined, shell: string): SpawnError {
  const code = errnoCode(error);
  const quoted = JSON.stringify(command.length > 80 ? `${command.slice(0, 77)}...` : command);
  if (code !== undefined && RESOURCE_CODES.has(code)) {
    return new SpawnError('resources-exhausted', command, undefined, `cannot run ${quoted}: the system refused a new process (${code})`, { cause: error });
  }
  const directory = cwd ?? process.cwd();
  let directoryProblem: SpawnErrorReason | undefined;
  try {
    if (!statSync(directory).isDirectory()) directoryProblem = 'cwd-not-directory';
    else accessSync(directory, constants.X_OK);
  } catch (statError) {
    directoryProblem = errnoCode(statError) === 'ENOENT' ? 'cwd-missing' : errnoCode(statError) === 'ENOTDIR' ? 'cwd-not-directory' : 'cwd-not-accessible';
  }
  if (directoryProblem !== undefined) {
    const what = { 'cwd-missing': 'does not exist', 'cwd-not-directory': 'is not a directory', 'cwd-not-accessible': 'is not accessible' } as Record<string, string>;
    return new SpawnError(directoryProblem, command, directory, `cannot run ${quoted}: working directory ${JSON.stringify(directory)} ${what[directoryProblem]}`, { cause: error });
  }
  if (code === 'ENOENT') {
    return new SpawnError('shell-missing', command, shell, `cannot run ${quoted}: shell ${JSON.stringify(shell)} not found`, { cause: error });
  }
  if (code === 'EACCES' || code === 'ENOEXEC') {
    return new SpawnError('shell-not-executable', command, shell, `cannot run ${quoted}: shell ${JSON.stringify(shell)} is not executable (${code})`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SpawnError('unknown', command, undefined, `cannot run ${quoted}: ${detail}`, { cause: error });
}
