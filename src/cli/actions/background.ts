// `fanout status`, `fanout wait`, `fanout logs`, `fanout cancel`: a run seen and steered through its journal, from
// any process (the one that started it may be long gone).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { briefReason, findingBlock } from '../reporters/human.js';
import { isLive, launchPhase, reapDeadRuns, reapedNotes, resolveRun, runFolderProblem, runInOtherNamespace, runPhase, signalRun, type CheckState, type Reaped, type RunReport as Report, type RunState } from '../../checks/index.js';
import { styleFor } from '../style.js';
import { formatDuration } from '../../common/duration.js';
import { readOwnJsonSync } from '../../common/safe-file.js';
import { follow, POLL_MS, sleep, stateOf } from '../background/follow.js';
import { supervisorSaid } from '../background/launch.js';
import { LogCopy, print, printErr, printJson } from '../terminal.js';
import { selfCommand } from '../invocation.js';

// `fanout mcp` finds runs as these commands do.
export { resolveRun };

/** Tells on stderr what the reaper of dead runs killed and what it left alone. */
function reportReaped(tell: (text: string) => void, reaped: Reaped): void {
  for (const note of reapedNotes(reaped)) tell(`fanout: ${note.message}\n`);
}

/** Exit code of `fanout wait --timeout` when the run is still going (as timeout(1)). */
export const EXIT_WAIT_TIMEOUT = 124;

interface RunOptions {
  logDir: string;
}

function checkView(id: string, check: CheckState, now: number) {
  const state = check.end !== undefined ? 'ended' : check.start !== undefined ? 'running' : 'waiting';
  const status = check.end?.status ?? 'pending';
  const duration = check.end !== undefined ? check.end.check.duration_ms : check.start !== undefined ? now - check.start.time : null;
  return {
    id,
    state,
    status,
    async: check.async,
    severity: check.severity,
    duration_ms: duration === null ? null : Math.round(duration),
    pgid: check.end === undefined ? (check.spawn?.pgid ?? null) : null,
    log_file: check.end?.check.log_file ?? check.spawn?.log_file ?? check.start?.log_file ?? null,
    reason: check.end?.check.reason ?? null,
  };
}

/** The JSON of `fanout status --json`. */
export function statusJson(state: RunState) {
  const now = Date.now();
  const phase = runPhase(state);
  return {
    run_id: state.runId,
    phase,
    pid: state.start?.pid ?? null,
    background: state.start?.background ?? false,
    started_at: state.start ? new Date(state.start.time).toISOString() : null,
    ended_at: state.end ? new Date(state.end.time).toISOString() : null,
    exit_code: state.end?.exit_code ?? null,
    interrupted: state.end?.interrupted ?? null,
    checks: [...state.checks].map(([id, check]) => checkView(id, check, now)),
  };
}

/** Exit code of `fanout status` for a run that ended without passing (a failure, a timeout, a signal, Redis lost). */
export const EXIT_STATUS_FAILED = 1;
/** Exit code of `fanout status` for a crashed run: its fanout died before the end (`check --resume` reruns it). */
export const EXIT_STATUS_CRASHED = 3;

/**
 * `fanout status`: 0 while the run goes on and once it has passed, {@link EXIT_STATUS_FAILED} once it has ended any
 * other way (its own exit code is in what is printed), {@link EXIT_STATUS_CRASHED} when its fanout died before the
 * end; 2 for no such run; the same codes with `--json`.
 */
export function statusCommand(run: string | undefined, options: RunOptions & { json: boolean }): number {
  const { id } = resolveRun(options.logDir, run);
  const state = stateOf(resolve(options.logDir), id);
  if (state === undefined) {
    const phase = launchPhase(options.logDir, id);
    if (phase === 'starting') {
      printErr(`fanout: run ${id} is starting (its supervisor has not written its journal yet)\n`);
      return 0;
    }
    printErr(phase === 'failed' ? failedStart(options.logDir, id) : `fanout: run ${id} has no journal (it is starting, or an older fanout ran it)\n`);
    return EXIT_STATUS_FAILED;
  }
  if (state.problem !== undefined) printErr(`fanout: warning: run ${id}: its journal is read up to ${state.problem} (damaged, or not written by fanout)\n`);
  const view = statusJson(state);
  const code = view.phase === 'live' ? 0 : view.phase === 'ended' ? (view.exit_code === 0 ? 0 : EXIT_STATUS_FAILED) : EXIT_STATUS_CRASHED;
  if (options.json) {
    printJson(view);
    return code;
  }
  const style = styleFor(process.stdout, undefined);
  const head =
    view.phase === 'live'
      ? runInOtherNamespace(state)
        ? `running, or it died: its fanout (pid ${view.pid ?? '?'} there) runs in another PID namespace, where it cannot be checked from here`
        : `running (pid ${view.pid ?? '?'}, ${formatDuration(Date.now() - (state.start?.time ?? Date.now()))})`
      : view.phase === 'ended'
        ? `ended: exit ${view.exit_code ?? '?'}${view.interrupted ? ` (${view.interrupted})` : ''}`
        : `crashed: its fanout died before the end (${selfCommand()} check --resume reruns what did not pass)`;
  const lines = [`run ${id} ${head}`];
  const width = Math.max(...view.checks.map((check) => check.id.length), 4);
  for (const check of view.checks) {
    const label = check.state === 'ended' ? check.status : check.state === 'running' ? (view.phase === 'live' ? 'running' : 'lost') : 'waiting';
    const time = check.duration_ms === null ? '' : ` ${formatDuration(check.duration_ms)}`;
    const paint = check.status === 'passed' ? style.green : check.state !== 'ended' ? style.dim : check.status === 'warned' || check.status === 'skipped' ? style.yellow : style.red;
    lines.push(`  ${check.id.padEnd(width)}  ${paint(label)}${time}${check.async ? style.dim(' (async)') : ''}${check.reason ? style.dim(` — ${check.reason}`) : ''}`);
  }
  print(`${lines.join('\n')}\n`);
  return code;
}

/** What is said of a run whose supervisor died before the run began: that, and what it wrote to its log. */
function failedStart(logDir: string, id: string): string {
  const said = supervisorSaid({ logFile: join(resolve(logDir), id, 'supervisor.log') }).trimEnd();
  return `fanout: run ${id} failed to start: its supervisor exited before the run began${said === '' ? '' : `; it said:\n${said}`}\n`;
}

export async function waitCommand(run: string | undefined, options: RunOptions & { timeoutMs?: number | undefined; json: boolean }): Promise<number> {
  const { id, dir } = resolveRun(options.logDir, run);
  const deadline = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
  const { state, timedOut } = await follow(resolve(options.logDir), id, (s) => s.end !== undefined, {
    ...(deadline !== undefined ? { deadline } : {}),
    // No journal: waited for while its supervisor starts, else there is nothing to wait for.
    gone: () => launchPhase(options.logDir, id) !== 'starting',
  });
  if (timedOut) {
    printErr(`fanout: run ${id} still running after ${formatDuration(options.timeoutMs ?? 0)}\n`);
    return EXIT_WAIT_TIMEOUT;
  }
  if (state === undefined && launchPhase(options.logDir, id) === 'failed') {
    printErr(failedStart(options.logDir, id));
    return 1;
  }
  if (state?.end === undefined) {
    const unread = state?.problem === undefined ? '' : ` (its journal is read up to ${state.problem})`;
    printErr(`fanout: run ${id} ${state === undefined ? 'has no journal' : `died before its end${unread}`}; ${selfCommand()} check --resume ${id} reruns what did not pass\n`);
    return 1;
  }
  const report = readOwnJsonSync(join(dir, 'report.json')) as Report | undefined;
  if (options.json) {
    if (report !== undefined) printJson(report);
  } else if (report !== undefined) {
    const style = styleFor(process.stdout, undefined);
    const blocks: string[] = [];
    try {
      for (const check of report.checks) {
        if (check.status === 'failed' || check.status === 'warned' || check.status === 'timeout') blocks.push(findingBlock(check, style).join('\n'));
        else if (check.status === 'skipped' || check.status === 'cancelled') blocks.push(`FAIL ${check.id} (${check.status})  ${briefReason(check)}`);
      }
      const counts = Object.entries(report.counts).filter(([key, n]) => key !== 'total' && n > 0).map(([key, n]) => `${n} ${key}`);
      blocks.push(`run ${id} ended: exit ${state.end.exit_code} (${counts.join(', ') || 'no checks'})`);
    } catch {
      // A report.json of another shape (an older fanout, or not fanout's): the journal's end still tells the outcome.
      blocks.splice(0, blocks.length, `run ${id} ended: exit ${state.end.exit_code} (its report.json is not one this fanout can read)`);
    }
    print(`${blocks.join('\n\n')}\n`);
  }
  return state.end.exit_code;
}

/** Copies bytes [from, end of file) to `out`; returns the new offset. */
function copyFrom(file: string, from: number, out: LogCopy): number {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return from;
  }
  if (size < from) from = 0; // truncated: a retry's new attempt
  if (size === from) return from;
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size - from, 1 << 20));
    let offset = from;
    while (offset < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (n === 0) break;
      out.write(buffer.subarray(0, n));
      offset += n;
    }
    return offset;
  } finally {
    closeSync(fd);
  }
}

export async function logsCommand(run: string | undefined, checkId: string, options: RunOptions & { follow: boolean }): Promise<number> {
  const { id, dir } = resolveRun(options.logDir, run);
  const logDir = resolve(options.logDir);
  const logFileOf = (state: RunState | undefined) => {
    const check = state?.checks.get(checkId);
    return check?.end?.check.log_file != null
      ? resolve(state?.start?.cwd ?? '.', check.end.check.log_file)
      : (check?.spawn?.log_file ?? check?.start?.log_file ?? join(dir, `${checkId}.log`));
  };
  let state = stateOf(logDir, id);
  if (state !== undefined && state.start !== undefined && !state.checks.has(checkId)) {
    printErr(`fanout: run ${id} has no check "${checkId}" (it ran: ${[...state.checks.keys()].join(', ')})\n`);
    return 1;
  }
  if (!options.follow) {
    const file = logFileOf(state);
    if (!existsSync(file)) {
      printErr(`fanout: ${checkId} has no log in run ${id} yet (${state?.checks.get(checkId)?.start ? 'starting' : 'not started'})\n`);
      return 1;
    }
    const out = new LogCopy();
    copyFrom(file, 0, out);
    out.end();
    return 0;
  }
  let offset = 0;
  let file = logFileOf(state);
  const out = new LogCopy();
  for (;;) {
    state = stateOf(logDir, id);
    const current = logFileOf(state);
    if (current !== file) {
      file = current;
      offset = 0;
    }
    offset = copyFrom(file, offset, out);
    const check = state?.checks.get(checkId);
    const over = check?.end !== undefined || state?.end !== undefined || (state?.start !== undefined && !isLive(state));
    if (over) {
      copyFrom(file, offset, out);
      out.end();
      return 0;
    }
    await sleep(POLL_MS * 5);
  }
}

/**
 * `fanout cancel`: stops a live run through its verified process (SIGTERM, then SIGKILL after 15 s, then the reaper
 * of what it left). `tell` receives each line said about it (stderr by default; `fanout mcp` returns them instead).
 */
export async function cancelCommand(run: string | undefined, options: RunOptions, tell: (text: string) => void = printErr): Promise<number> {
  const { id } = resolveRun(options.logDir, run);
  const logDir = resolve(options.logDir);
  const state = stateOf(logDir, id);
  if (state?.start === undefined) {
    tell(`fanout: run ${id} has no journal: nothing to cancel\n`);
    return 1;
  }
  if (state.end !== undefined) {
    tell(`fanout: run ${id} has already ended (exit ${state.end.exit_code})\n`);
    return 0;
  }
  // A journal names processes to signal only in a run folder fanout made for this user, with the boot it was written
  // in (one of another boot is a run that died with the machine: the reaper below leaves it alone too).
  const untrusted = runFolderProblem(join(logDir, id)) ?? (typeof state.start.boot_id === 'string' ? undefined : 'its journal records no boot id');
  if (untrusted !== undefined) {
    tell(`fanout: warning: run ${id}: its process ${state.start.pid} was left alone: ${untrusted}\n`);
    return 1;
  }
  if (!isLive(state)) {
    const reaped = await reapDeadRuns(logDir);
    reportReaped(tell, { killed: [], refused: reaped.refused });
    const mine = reaped.killed.filter((group) => group.run === id);
    tell(`fanout: run ${id} had died; ${mine.length > 0 ? `killed what it left running: ${mine.map((g) => g.id).join(', ')}` : 'nothing of it was left running'}\n`);
    return 0;
  }
  const { pid } = state.start;
  // Signalled only if it is still the very process that started the run (a pid reused since is someone else's).
  const sent = signalRun(state, 'SIGTERM');
  if (!sent.ok) {
    tell(`fanout: warning: run ${id}: its process ${pid} was left alone: ${sent.reason}\n`);
    return 1;
  }
  // Its signal handling kills every group, writes the partial report and the journal's end.
  const { state: after } = await follow(logDir, id, (s) => s.end !== undefined, { deadline: performance.now() + 15_000 });
  if (after?.end === undefined) {
    // It did not stop in time: force it (if it is still the same process), then kill what it left.
    const forced = signalRun(state, 'SIGKILL').ok;
    // The reaper takes a run only once its process is gone (it never touches a live run): wait for that, bounded.
    const gone = performance.now() + 5_000;
    while (isLive(state) && performance.now() < gone) await sleep(POLL_MS);
    // What its checks left running: the reaper kills each group only if its leader is still the shell recorded at
    // the spawn (a pid reused since is left alone).
    reportReaped(tell, { killed: [], refused: (await reapDeadRuns(logDir, 0)).refused });
    tell(forced ? `fanout: run ${id} did not stop within 15s of SIGTERM: killed\n` : `fanout: run ${id}: its process ended without writing the run's end\n`);
    return 0;
  }
  tell(`fanout: cancelled run ${id}\n`);
  return 0;
}
