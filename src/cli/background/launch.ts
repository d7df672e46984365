// `fanout check --background`: a detached supervisor runs the whole run from the start (no process can adopt
// another's children, so the run must be the supervisor's own); the launcher follows the run's journal and returns
// as soon as the non-async checks have ended, with their exit code, listing the async ones as pending.
// The supervisor inherits none of the launcher's pipes (its stdout and stderr go to supervisor.log in the run
// folder): a hook runner or `$(…)` reading the launcher's output would otherwise wait for end-of-file until the
// slowest check ends.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CREATE_EXCLUSIVE, readOwnFileSync } from '../../common/safe-file.js';
import { makeDirSync } from '../../common/make-dir.js';
import { logDirError, UsageError } from '../errors.js';
import { briefReason, findingBlock } from '../reporters/human.js';
import { createRunFolder, isLive, newRunId, recordLaunch, RUN_MARKER, type ReportCheck } from '../../checks/index.js';
import { styleFor } from '../style.js';
import { blocks, follow, pendingCheck } from './follow.js';
import { print, printErr, printJson } from '../terminal.js';
import { selfCommand } from '../invocation.js';

/** The environment variable that hands the run id to the supervisor (removed from its environment at once). */
export const RUN_ID_ENV = 'FANOUT_RUN_ID';

export interface LaunchOptions {
  logDir: string;
  errorExitCode: number;
  json: boolean;
  stream: boolean;
  color: boolean;
}

/** The launcher's arguments minus `--background`: the supervisor runs the same check in the foreground. */
function supervisorArgs(argv: readonly string[]): string[] {
  return argv.filter((arg) => arg !== '--background');
}

/**
 * The checks the launcher does not wait for: the async ones and every check that requires one (directly or not) —
 * they cannot end before it.
 */
export function deferred(checks: ReadonlyArray<{ id: string; requires: readonly string[]; async: boolean }>): Set<string> {
  const later = new Set(checks.filter((check) => check.async).map((check) => check.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const check of checks) {
      if (!later.has(check.id) && check.requires.some((id) => later.has(id))) {
        later.add(check.id);
        grew = true;
      }
    }
  }
  return later;
}

/** A supervisor started by {@link startSupervisor}: its run's id and folder, and whether it has exited yet. */
export interface Supervisor {
  runId: string;
  /** The run's folder. */
  dir: string;
  /** The supervisor's own stdout and stderr (a config error it met before its run began is said here). */
  logFile: string;
  pid: number | undefined;
  /** How it exited; undefined while it runs. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Makes the folder of a new background run in `logDir` (and `logDir` itself when absent); its supervisor's output
 * goes to `logFile`, which is not made here. Throws the log dir's error when it cannot be made.
 */
export function newRunFolder(logDir: string): { runId: string; dir: string; logFile: string } {
  const runId = newRunId();
  const dir = join(resolve(logDir), runId);
  try {
    makeDirSync(resolve(logDir), 0o700);
    createRunFolder(dir);
  } catch (error) {
    throw logDirError(logDir, error);
  }
  return { runId, dir, logFile: join(dir, 'supervisor.log') };
}

/** Removes a run folder {@link newRunFolder} made that nothing was written to yet (its marker only); never throws. */
export function discardRunFolder(dir: string): void {
  try {
    unlinkSync(join(dir, RUN_MARKER));
    rmdirSync(dir); // fails, leaving it, if anything else is there
  } catch {
    // Left for the pruning.
  }
}

/**
 * Starts a detached supervisor running `fanout <args>` in the foreground under a new run id (the run folder made
 * first, its supervisor.log the supervisor's stdout and stderr). `fanout mcp` starts its runs this way too, so that
 * they are ordinary background runs.
 */
export function startSupervisor(logDir: string, args: readonly string[]): Supervisor {
  const { runId, dir, logFile } = newRunFolder(logDir);
  let fd: number;
  try {
    fd = openSync(logFile, CREATE_EXCLUSIVE | constants.O_APPEND, 0o600);
  } catch (error) {
    throw logDirError(logDir, error);
  }
  const script = process.argv[1];
  if (script === undefined) {
    closeSync(fd);
    throw new UsageError('--background: cannot tell how fanout was started');
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let child;
  try {
    child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      detached: true, // its own session: the launcher's terminal and process group can end without ending the run
      stdio: ['ignore', fd, fd],
      env: { ...process.env, [RUN_ID_ENV]: runId },
    });
  } finally {
    closeSync(fd);
  }
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.unref();
  launched(dir, child.pid);
  return { runId, dir, logFile, pid: child.pid, exited: () => exited };
}

/**
 * Records the supervisor of the run folder `dir` (see recordLaunch), so that a supervisor dying before it writes the
 * run's journal is told as a failed start, and a run starting is not taken for one without a journal. Without the
 * record (a full disk) the run goes on all the same.
 */
export function launched(dir: string, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    recordLaunch(dir, pid);
  } catch {
    // Housekeeping only.
  }
}

/** What the supervisor wrote to its log (a config or usage error, when it died before its run began). */
export function supervisorSaid(supervisor: Pick<Supervisor, 'logFile'>): string {
  try {
    return readOwnFileSync(supervisor.logFile) ?? '';
  } catch {
    return '';
  }
}

export async function launchBackground(options: LaunchOptions): Promise<number> {
  if (options.stream) throw new UsageError('--background and --stream: a background run is followed with fanout status / wait / logs, not streamed');
  const supervisor = startSupervisor(options.logDir, supervisorArgs(process.argv.slice(2)));
  const { runId, logFile, pid } = supervisor;
  const exited = () => supervisor.exited();

  const { state } = await follow(
    options.logDir,
    runId,
    (s) => {
      if (s.start === undefined) return false;
      const later = deferred(s.start.checks);
      return [...s.checks].every(([id, check]) => later.has(id) || check.end !== undefined);
    },
    { gone: () => exited() !== undefined },
  );
  if (state?.start === undefined) {
    // It died before its run began: a config or usage error, said in its log.
    printErr(supervisorSaid(supervisor) || `fanout: the background run ${runId} (pid ${pid ?? '?'}) ended before it started\n`);
    return exited()?.code ?? 1;
  }

  if (state.end === undefined && !isLive(state)) {
    printErr(`fanout: the background run ${runId} died before its checks ended (see ${logFile}); ${selfCommand()} check --resume ${runId} reruns what did not pass\n`);
    return exited()?.code ?? 1;
  }
  const style = styleFor(process.stdout, options.color);
  const ended: ReportCheck[] = [];
  const pending: ReportCheck[] = [];
  /** The checks not ended that have started: running, not waiting. */
  const started = new Set<string>();
  for (const [id, check] of state.checks) {
    if (check.end !== undefined) ended.push(check.end.check);
    else {
      pending.push(pendingCheck(id, check.severity, check.spawn?.log_file ?? check.start?.log_file ?? null));
      if (check.start !== undefined) started.add(id);
    }
  }
  const later = deferred(state.start.checks);
  const syncFailed = ended.some((check) => !later.has(check.id) && blocks(check));
  const exitCode = state.end !== undefined ? state.end.exit_code : syncFailed ? options.errorExitCode : 0;
  if (options.json) {
    printJson({ run_id: runId, pid: state.start.pid, background: true, finished: state.end !== undefined, exit_code: exitCode, checks: [...ended, ...pending] });
    return exitCode;
  }
  const out: string[] = [];
  for (const check of ended) {
    if (check.status === 'failed' || check.status === 'warned' || check.status === 'timeout') out.push(findingBlock(check, style).join('\n'));
    else if (check.status === 'skipped' || check.status === 'cancelled') out.push(`FAIL ${check.id} (${check.status})  ${briefReason(check)}`);
  }
  const passed = ended.filter((check) => check.status === 'passed').length;
  if (pending.length > 0) {
    const fanout = selfCommand();
    out.push(
      `${style.dim('…')} run ${runId} goes on in the background (pid ${state.start.pid}): ${pending.map((check) => `${check.id} (${started.has(check.id) ? 'running' : 'pending'})`).join(', ')}\n` +
        `  ${passed} passed so far. See: ${[`status ${runId}`, `wait ${runId}`, `logs ${runId} ${pending[0]?.id ?? 'CHECK'} -f`, `cancel ${runId}`].map((command) => `${fanout} ${command}`).join(' · ')}`,
    );
  } else {
    out.push(`run ${runId} ended: exit ${exitCode} (${passed} passed)`);
  }
  print(`${out.join('\n\n')}\n`);
  return exitCode;
}
