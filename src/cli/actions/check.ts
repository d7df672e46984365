// `fanout check [ids...]` (alias `run`): parse, run through the checks engine, report, exit.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { FanoutError } from '../../shared/errors.js';
import type { Observer } from '../../observe/types.js';
import { UsageError } from '../errors.js';
import type { Executor } from '../engine.js';
import { runChecks, loadChecksConfig, warningNotes, type RunAbort, type RunEvent, type RunReport } from '../../checks/index.js';
import type { AgentCheckOptions } from '../commands/runs.js';
import { findingBlock, humanReport, verboseLine } from '../reporters/human.js';
import { junitXml } from '../reporters/junit.js';
import { LiveView } from '../reporters/live.js';
import type { Reporter } from '../reporters/reporter.js';
import type { RedisFlag } from '../redis-target.js';
import { remoteExecutor, type RemoteExecutor } from '../remote.js';
import { guardFatal, guardSignals } from '../signals.js';
import { styleFor, type Style } from '../style.js';
import { displayPath } from '../../shared/text.js';
import type { CommonOptions } from '../options.js';
import { printNotes } from '../load-config.js';
import { EXIT_INFRASTRUCTURE } from '../errors.js';
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
  /** With --redis: time to live of the run's heartbeat (workers drop the run once it lapses). @default 5000 */
  heartbeatTtlMs?: number | undefined;
  /** `i/n`: run only this shard's checks (and what they require), report only its own. */
  shard?: string | undefined;
  /** `--observer NAME`: one of the built-in observers (noop, json, otel). */
  observer?: string | undefined;
  /** false with `--no-config-cache`: always parse the config. @default true */
  configCache?: boolean | undefined;
}

/** Runs the checks; resolves to the exit code (or never returns when a signal ends the run: fanout dies by it). */
export async function checkCommand(ids: string[], options: CheckOptions, version: string, executor?: Executor): Promise<number> {
  if (options.background === true) return (await import('../background/launch.js')).launchBackground(options);
  const cwd = process.cwd();
  // Loaded here, not by the engine: its warnings are told at once, before anything the selection may refuse.
  const loaded = await loadChecksConfig(options.configCache === false ? options : { ...options, cache: { logDir: options.logDir, version } });
  printNotes([...loaded.notes, ...warningNotes(loaded.config, cwd)]);
  const { config } = loaded;
  const junitPath = options.junit === undefined ? undefined : resolve(cwd, options.junit);
  // Fail before running anything rather than lose the report after the run.
  if (junitPath !== undefined && !existsSync(dirname(junitPath))) throw new UsageError(`--junit: the folder ${dirname(junitPath)} does not exist`);
  const observer = options.observer === undefined ? undefined : await createObserver(options.observer);

  const controller = new AbortController();
  const abort = (reason: RunAbort) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  /** The live view, once the run is prepared (a signal stops it before anything else is printed). */
  const screen: { live?: LiveView | undefined } = {};
  const signals = guardSignals((signal) => {
    screen.live?.stop();
    abort({ kind: 'signal', signal });
  });
  const releaseFatal = guardFatal((message) => printErr(`${message}\n`));
  /** With --redis: the infrastructure failure that stopped the run. */
  let infrastructure: string | undefined;
  let remote: RemoteExecutor | undefined;
  const { redis } = options;
  const run = runChecks({
    config,
    ids,
    only: options.only,
    tags: options.tags,
    excludeTags: options.excludeTags,
    changed: options.changed,
    resume: options.resume,
    shard: options.shard,
    parallel: options.parallel,
    asyncParallel: options.asyncParallel,
    asyncThreshold: options.asyncThresholdMs,
    failFast: options.failFast,
    schedule: options.schedule,
    timeout: options.timeoutMs,
    maxTime: options.maxTimeMs,
    logDir: options.logDir,
    keepRuns: options.keepRuns,
    errorExitCode: options.errorExitCode,
    observer,
    cwd,
    version,
    argv: process.argv.slice(2),
    signal: controller.signal,
    executor:
      redis === undefined
        ? executor
        : async (loadedConfig) =>
            (remote = await remoteExecutor({
              redis,
              queue: options.queue,
              commit: options.commit,
              root: dirname(loadedConfig.file),
              configFile: loadedConfig.file,
              insecure: options.insecure,
              workerWaitMs: options.workerWaitMs,
              heartbeatTtlMs: options.heartbeatTtlMs,
              onInfrastructureError: (message) => {
                if (infrastructure !== undefined) return;
                infrastructure = message;
                printErr(`fanout: ${message}; stopping the run (exit ${EXIT_INFRASTRUCTURE})\n`);
                abort({ kind: 'infrastructure', message });
              },
            })),
  });
  let prepared;
  try {
    prepared = await run.prepared;
  } catch (error) {
    await remote?.close();
    releaseFatal();
    signals.release();
    throw error;
  }
  printNotes(prepared.notes.filter((note) => note.code !== 'pulled-in' || options.verbose === true));
  if (loaded.save !== undefined) loaded.save();

  const out = styleFor(process.stdout, options.color);
  const err = styleFor(process.stderr, options.color);
  const reportOnStdout = !options.json && !options.stream;
  const live = (screen.live = process.stderr.isTTY && prepared.checks.length > 0 ? new LiveView(process.stderr, err, prepared.checks.length) : undefined);
  const view = live;
  // Whatever is printed while the live view is up goes above it.
  const write = (emit: () => void) => (view ? view.around(emit) : emit());

  // The outputs of the run, each a Reporter (the reporters' factories plug in here): the stream or the human report
  // on stdout, findings shown early, the live view and verbose lines.
  const reporters: Reporter[] = [];
  if (options.stream) reporters.push(streamReporter((line) => write(() => printJsonText(line))));
  else if (options.json) reporters.push({ onEvent: () => undefined, end: (report) => printJsonText(`${jsonText(report, 2)}\n`) });
  const early = reportOnStdout ? earlyReporter((text) => write(() => print(text)), out) : undefined;
  if (early) reporters.push(early);
  if (view) reporters.push(liveReporter(view));
  if (options.verbose) {
    const target = reportOnStdout ? process.stdout : process.stderr;
    const style = reportOnStdout ? out : err;
    reporters.push({ onEvent: (event) => event.type === 'check:end' && write(() => print(`${verboseLine(event.check, style)}\n`, target)) });
  }
  if (reportOnStdout) {
    reporters.push({
      onEvent: () => undefined,
      end: (report) => {
        const text = humanReport(summaryOf(report, options.maxTimeMs), report.checks, report.exit_code, { style: out, summaryOnSuccess: process.stdout.isTTY === true, shownEarly: early?.shown });
        if (text) print(text);
      },
    });
  }

  live?.start();
  let report: RunReport;
  try {
    for await (const event of run) for (const reporter of reporters) reporter.onEvent(event);
    report = await run.report;
  } finally {
    live?.stop();
    await remote?.close();
  }
  // Files the engine could not write (logs, the journal, report.json), then the JUnit file: warnings, and entries of
  // write_errors in what is printed, never another exit code.
  const writeErrors = [...(report.write_errors ?? [])];
  if (junitPath !== undefined) {
    try {
      writeFileSync(junitPath, junitXml(report, `fanout.${basename(config.file).replace(/\.ya?ml$/, '')}`));
    } catch (error) {
      writeErrors.push({ file: displayPath(junitPath, cwd), error: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const failure of writeErrors) printErr(`fanout: warning: could not write ${failure.file}: ${failure.error}\n`);
  const final: RunReport = writeErrors.length === 0 ? report : { ...report, write_errors: writeErrors };
  for (const reporter of reporters) await reporter.end?.(final);
  releaseFatal();
  signals.release(); // re-raises the signal that interrupted the run: the process dies by it
  return final.exit_code;
}

/** `--stream`: each event as one JSON line; run:end once the report is final (with the JUnit file's write error). */
function streamReporter(write: (line: string) => void): Reporter {
  return {
    onEvent: (event) => event.type !== 'run:end' && write(`${jsonText(event)}\n`),
    end: (report) => write(`${jsonText({ type: 'run:end', time: new Date().toISOString(), run_id: report.run_id, exit_code: report.exit_code, counts: report.counts, report } satisfies RunEvent)}\n`),
  };
}

/**
 * Findings reported as they happen: while an async check runs, a non-async check's finding is printed in full the
 * moment it ends; the final report then names it in one line (`shown`).
 */
function earlyReporter(write: (text: string) => void, style: Style): Reporter & { shown: Set<string> } {
  const pendingAsync = new Set<string>();
  const shown = new Set<string>();
  return {
    shown,
    onEvent(event) {
      if (event.type === 'run:start') for (const check of event.checks) if (check.async) pendingAsync.add(check.id);
      if (event.type !== 'check:end') return;
      if (pendingAsync.delete(event.id) || pendingAsync.size === 0) return;
      if (event.status !== 'failed' && event.status !== 'warned' && event.status !== 'timeout') return;
      shown.add(event.id);
      write(`${findingBlock(event.check, style).join('\n')}\n  ${style.dim(`(still running: ${[...pendingAsync].join(', ')})`)}\n\n`);
    },
  };
}

/** The live view: running checks and the n/m count. */
function liveReporter(view: LiveView): Reporter {
  return {
    onEvent(event) {
      if (event.type === 'check:start') view.checkStarted(event.id, event.async);
      else if (event.type === 'check:end') view.checkEnded(event.id); // skipped ones count as done too
    },
  };
}

/** What the human report's summary line reads of a run, from its report. */
function summaryOf(report: RunReport, maxTimeMs: number | undefined): Parameters<typeof humanReport>[0] {
  const abort =
    report.interrupted !== null
      ? { kind: 'signal' as const, signal: report.interrupted as NodeJS.Signals }
      : report.max_time_exceeded
        ? { kind: 'max-time' as const, ms: maxTimeMs ?? 0 }
        : report.infrastructure_error !== undefined
          ? { kind: 'infrastructure' as const, message: report.infrastructure_error }
          : undefined;
  return {
    records: [],
    failFastTriggered: report.fail_fast_triggered,
    ...(report.root_failure !== null ? { rootFailure: report.root_failure } : {}),
    ...(abort !== undefined ? { abort } : {}),
    startedAt: Date.parse(report.started_at),
    endedAt: Date.parse(report.ended_at),
    durationMs: report.duration_ms,
  };
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
