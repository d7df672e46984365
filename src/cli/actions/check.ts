// `fanout check [ids...]` (alias `run`): select, run as a graph, report, exit.
import { existsSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { FanoutError } from '../../shared/errors.js';
import type { Observer } from '../../observe/types.js';
import { EXIT_INFRASTRUCTURE, logDirError, UsageError } from '../errors.js';
import { constants } from 'node:os';
import { writeNewFileSync } from '../../shared/safe-file.js';
import type { Executor } from '../engine.js';
import { createLocalExecutor } from '../engine.js';
import { humanReport, verboseLine } from '../reporters/human.js';
import { junitXml } from '../reporters/junit.js';
import { LiveView } from '../reporters/live.js';
import { loadConfigCached } from '../../checks/load.js';
import { createRunLogs, previousDurations, writeError, type WriteError } from '../../checks/state/logs.js';
import { createMasker } from '../../shared/mask.js';
import { isBlocking } from '../../checks/record.js';
import { buildReport, reportCheck, type Report } from '../../checks/report.js';
import { isAsync, runChecks, type RunAbort, type RunListener } from '../../checks/session.js';
import { selectForRun, startJournal, type AgentCheckOptions } from '../../checks/prepare.js';
import { earlyFindings } from '../reporters/early.js';
import type { RedisFlag } from '../redis-target.js';
import { remoteExecutor, type RemoteExecutor } from '../remote.js';
import { selectShard, withoutHidden } from '../../checks/shard.js';
import { guardFatal, guardSignals } from '../signals.js';
import { streamListener } from '../reporters/ndjson.js';
import { styleFor } from '../style.js';
import { displayPath } from '../../shared/text.js';
import type { CommonOptions } from '../options.js';
import { jsonText, print, printErr, printJsonText } from '../terminal.js';

export interface CheckOptions extends CommonOptions, AgentCheckOptions {
  parallel: number;
  failFast: boolean;
  logDir: string;
  errorExitCode: number;
  only: string[];
  tags: string[];
  excludeTags: string[];
  schedule: 'ready' | 'levels';
  timeoutMs?: number | undefined;
  maxTimeMs?: number | undefined;
  stream: boolean;
  junit?: string | undefined;
  /** Run the checks as BullMQ jobs on `fanout worker` processes: `--redis URL`, or the Redis flags. */
  redis?: RedisFlag | undefined;
  queue?: string | undefined;
  commit?: string | undefined;
  /** With --redis: dispatch unsigned jobs (no shared secret). */
  insecure?: boolean | undefined;
  /** With --redis: how long jobs may wait with no worker taking any before the run stops (exit 75). @default 30000 */
  workerWaitMs?: number | undefined;
  /** `i/n`: run only this shard's checks (and what they require), report only its own. */
  shard?: string | undefined;
  /** `--observer NAME`: one of the built-in observers (noop, json, otel). */
  observer?: string | undefined;
  /** false with `--no-config-cache`: always parse the config. @default true */
  configCache?: boolean | undefined;
}

// The local executor of a run: fanout does not change its environment during a run (the launcher's FANOUT_RUN_ID is
// taken out before the first check starts), so one snapshot of it spares every spawn a read of process.env; and a
// check's log file is its stdout and stderr: the log holds its writes in their order, and fanout reads no pipe while
// it runs (the report's output tail is read back from the log at its end). mergeStderr keeps that order for a command
// that cannot write to its log directly (one given live output), should there ever be one.
/**
 * Room the log folder's file system must have for checks to write their logs themselves (`directLog`). A check whose
 * stdout is a file on a full disk gets ENOSPC itself, and a passing check can fail of it; with less room, checks
 * write through pipes, fanout keeps their output in memory for the report, and a log it cannot write is a warning and
 * an entry of write_errors. (A disk that fills during the run can still reach a check that writes its log itself.)
 */
const LOG_ROOM_BYTES = 64 * 1024 * 1024;

function roomForLogs(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= LOG_ROOM_BYTES;
  } catch {
    return true; // no statfs here: as before
  }
}

/** Runs the checks; resolves to the exit code (or never returns when a signal ends the run: fanout dies by it). */
export async function checkCommand(ids: string[], options: CheckOptions, version: string, executor?: Executor): Promise<number> {
  if (options.background === true) return (await import('../background/launch.js')).launchBackground(options);
  /** With --redis: the infrastructure failure that stopped the run, and how to stop it (set once the run starts). */
  let infrastructure: string | undefined;
  const runControl: { abort?: (reason: RunAbort) => void } = {};
  const cwd = process.cwd();
  const { config, save: saveConfig } = await loadConfigCached(options.configCache === false ? options : { ...options, cache: { logDir: options.logDir, version } });
  const selection = selectForRun(config, { ids, only: options.only, tags: options.tags, excludeTags: options.excludeTags }, options);
  const { pulledIn } = selection;
  const { checks, hidden, shard } =
    options.shard === undefined ? { checks: selection.checks, hidden: new Set<string>(), shard: undefined } : selectShard(selection.checks, options.shard);
  if (options.redis !== undefined) {
    executor = await remoteExecutor({
      redis: options.redis,
      queue: options.queue,
      commit: options.commit,
      root: dirname(config.file),
      configFile: config.file,
      insecure: options.insecure,
      workerWaitMs: options.workerWaitMs,
      onInfrastructureError: (message) => {
        if (infrastructure !== undefined) return;
        infrastructure = message;
        printErr(`fanout: ${message}; stopping the run (exit ${EXIT_INFRASTRUCTURE})\n`);
        runControl.abort?.({ kind: 'infrastructure', message });
      },
    });
  }
  const remote = options.redis !== undefined ? (executor as RemoteExecutor) : undefined;
  if (checks.length === 0) printErr('fanout: no check matches the selection\n');
  if (options.verbose && pulledIn.length > 0) printErr(`fanout: also running ${pulledIn.join(', ')}: required by the selected checks\n`);

  const junitPath = options.junit === undefined ? undefined : resolve(cwd, options.junit);
  // Fail before running anything rather than lose the report after the run.
  if (junitPath !== undefined && !existsSync(dirname(junitPath))) throw new UsageError(`--junit: the folder ${dirname(junitPath)} does not exist`);
  const observer = options.observer === undefined ? undefined : await createObserver(options.observer);
  const estimates = await previousDurations(options.logDir, checks.map((check) => check.id));
  const logs = await createRunLogs(options.logDir).catch((error: unknown) => {
    throw logDirError(options.logDir, error);
  });
  saveConfig?.();
  executor ??= createLocalExecutor({ snapshotEnv: true, mergeStderr: true, directLog: roomForLogs(logs.dir) });
  const mask = createMasker(process.env, ...checks.map((check) => check.env));
  const out = styleFor(process.stdout, options.color);
  const err = styleFor(process.stderr, options.color);
  const reportOnStdout = !options.json && !options.stream;
  const live = process.stderr.isTTY && checks.length > 0 ? new LiveView(process.stderr, err, checks.length) : undefined;
  // Whatever is printed while the live view is up goes above it.
  const write = (emit: () => void) => (live ? live.around(emit) : emit());

  const listeners: RunListener[] = [];
  const stream = options.stream
    ? streamListener((line) => write(() => printJsonText(line)), { runId: logs.runId, cwd, mask, isAsync })
    : undefined;
  if (stream) listeners.push(stream);
  const journal = await startJournal(logs, { logDir: options.logDir, config, checks, cwd, mask, keepRuns: options.keepRuns });
  listeners.push(journal);
  const early = reportOnStdout ? earlyFindings(checks, (text) => write(() => print(text)), { style: out, cwd, mask }) : undefined;
  if (early) listeners.push(early);
  if (live) {
    listeners.push({
      onCheckStart: (record) => live.checkStarted(record.check.id, isAsync(record.check)),
      onCheckEnd: (record) => live.checkEnded(record.check.id), // skipped ones count as done too
    });
  }
  if (options.verbose) {
    const target = reportOnStdout ? process.stdout : process.stderr;
    const style = reportOnStdout ? out : err;
    listeners.push({ onCheckEnd: (record) => write(() => print(`${verboseLine(reportCheck(record, cwd, mask), style)}\n`, target)) });
  }
  const everyListener: RunListener = {
    onRunStart: (records) => listeners.forEach((l) => l.onRunStart?.(records)),
    onCheckStart: (record, attempt) => listeners.forEach((l) => l.onCheckStart?.(record, attempt)),
    onCheckRetry: (record, attempt, previous) => listeners.forEach((l) => l.onCheckRetry?.(record, attempt, previous)),
    onCheckSpawn: (record, attempt, pid) => listeners.forEach((l) => l.onCheckSpawn?.(record, attempt, pid)),
    onCheckEnd: (record) => listeners.forEach((l) => l.onCheckEnd?.(record)),
  };

  const controller = new AbortController();
  const abort = (reason: RunAbort) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  runControl.abort = abort;
  const signals = guardSignals((signal) => {
    live?.stop();
    abort({ kind: 'signal', signal });
  });
  const releaseFatal = guardFatal((message) => printErr(`${message}\n`));
  const maxTime =
    options.maxTimeMs !== undefined ? setTimeout(() => abort({ kind: 'max-time', ms: options.maxTimeMs ?? 0 }), options.maxTimeMs) : undefined;

  live?.start();
  let run;
  try {
    run = await runChecks(checks, {
      observer,
      executor,
      maxParallel: options.parallel,
      asyncParallel: options.asyncParallel,
      failFast: options.failFast,
      schedule: options.schedule,
      defaultTimeoutMs: options.timeoutMs,
      signal: controller.signal,
      logs,
      estimates,
      prompts: config.prompts,
      mask,
      listener: withoutHidden(everyListener, hidden),
    });
  } finally {
    clearTimeout(maxTime);
    live?.stop();
    await remote?.close();
  }
  if (hidden.size > 0) run = { ...run, records: run.records.filter((record) => !hidden.has(record.check.id)) };

  const interrupted = run.abort?.kind === 'signal' ? run.abort.signal : undefined;
  const failed = run.records.some(isBlocking) || run.abort?.kind === 'max-time';
  const exitCode =
    interrupted !== undefined ? 128 + constants.signals[interrupted] : run.abort?.kind === 'infrastructure' ? EXIT_INFRASTRUCTURE : failed ? options.errorExitCode : 0;
  const report = buildReport(run, { version, runId: logs.runId, configFile: config.file, logDir: logs.dir, cwd, exitCode, mask, shard });
  // The report is complete in memory: what follows writes copies of it, and a file that cannot be written (a full
  // disk...) is a warning and an entry of write_errors, never a lost report nor another exit code.
  const writeErrors: WriteError[] = [...logs.writeErrors];
  for (const record of run.records) if (record.logError !== undefined) writeErrors.push({ file: record.logFile ?? record.check.id, error: record.logError });
  journal.end(report);
  if (journal.journal.error !== undefined) writeErrors.push(writeError(journal.journal.file, journal.journal.error));
  const shown = (failure: WriteError): WriteError => ({ file: displayPath(failure.file, cwd), error: failure.error });
  const withErrors = (): Report => (writeErrors.length === 0 ? report : { ...report, write_errors: writeErrors.map(shown) });
  const reportFile = resolve(logs.dir, 'report.json');
  try {
    writeNewFileSync(reportFile, `${jsonText(withErrors(), 2)}\n`);
  } catch (error) {
    writeErrors.push(writeError(reportFile, error));
  }
  if (junitPath !== undefined) {
    try {
      writeFileSync(junitPath, junitXml(report, `fanout.${basename(config.file).replace(/\.ya?ml$/, '')}`));
    } catch (error) {
      writeErrors.push(writeError(junitPath, error));
    }
  }
  for (const failure of writeErrors.map(shown)) printErr(`fanout: warning: could not write ${failure.file}: ${failure.error}\n`);
  if (stream) stream.end(withErrors());
  else if (options.json) printJsonText(`${jsonText(withErrors(), 2)}\n`);
  else {
    const text = humanReport(run, report.checks, exitCode, { style: out, summaryOnSuccess: process.stdout.isTTY === true, shownEarly: early?.shown });
    if (text) print(text);
  }
  releaseFatal();
  signals.release(); // re-raises the signal that interrupted the run: the process dies by it
  return exitCode;
}

/**
 * The `--observer` named, made before anything runs: `otel` needs @opentelemetry/api, an optional peer dependency
 * the user may not have installed — a usage error (exit 2) saying what to install, not an internal one after the run
 * has started.
 */
async function createObserver(name: string): Promise<Observer> {
  const registry = await import('../../observe/registry.js');
  try {
    return registry.createObserver(name);
  } catch (error) {
    if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') {
      throw new UsageError(`--observer ${name}: ${error.message}`, 'ERR_USAGE', { cause: error });
    }
    throw error;
  }
}
