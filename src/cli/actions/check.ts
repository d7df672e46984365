// `fanout check [ids...]` (alias `run`): parse, run through the checks engine, report, exit.
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { FanoutError, messageOf } from '../../common/errors.js';
import type { Observer } from '../../observe/index.js';
import { UsageError } from '../errors.js';
import type { Executor } from '../../index.js';
import { runChecks, loadChecksConfig, stopsVibeguardRun, warningNotes, type RunAbort, type RunReport } from '../../checks/run-entry.js';
import type { RunControlOptions } from '../options.js';
import { createHumanReporter } from '../reporters/human.js';
import { createJsonReporter } from '../reporters/json.js';
import { createJunitReporter } from '../reporters/junit.js';
import { createLiveReporter, type LiveReporter } from '../reporters/live.js';
import { createNdjsonReporter } from '../reporters/ndjson.js';
import type { RedisFlag, RedisTargetOptions } from '../redis-target.js';
import type { RemoteExecutor } from '../remote.js';
import { guardFatal, guardSignals } from '../signals.js';
import { styleFor } from '../style.js';
import { displayPath } from '../../common/text.js';
import type { CommonOptions } from '../options.js';
import { printNotes } from '../load-config.js';
import { selectionOf } from './dry-run.js';
import { compiledCodeUse, noteCheckRunDone } from '../compile-cache.js';
import { EXIT_INFRASTRUCTURE, EXIT_USAGE } from '../errors.js';
import { print, printErr, printJsonText } from '../terminal.js';

export interface CheckOptions extends CommonOptions, RunControlOptions {
  /** undefined: the run's default (the CPUs fanout may use; 4 for a vibeguard.* file). */
  parallel: number | undefined;
  failFast: boolean;
  /** The log folder, absolute (see logDirOf). */
  logDir: string;
  /** `--log-dir` as given, if it was. */
  logDirFlag?: string | undefined;
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
  /** false with `--no-cache`: run checks whose inputs are unchanged too. @default true */
  resultCache?: boolean | undefined;
  /** `--shared-cache` (or FANOUT_SHARED_CACHE=1): where the Redis of the shared cache of passed checks is. */
  sharedCache?: RedisTargetOptions | undefined;
  /** `--dry-run`: print what would run and why; run nothing. @default false */
  dryRun?: boolean | undefined;
}

/** Runs the checks; resolves to the exit code (or never returns when a signal ends the run: fanout dies by it). */
export async function checkCommand(ids: string[], options: CheckOptions, version: string, executor?: Executor): Promise<number> {
  if (options.background === true && options.dryRun !== true) {
    // A shared cache the run could not use is said here, before a run is started in the background.
    if (options.sharedCache !== undefined) await (await import('../redis-cache.js')).prepareSharedCache(options.sharedCache, version);
    return (await import('../background/launch.js')).launchBackground(options);
  }
  if (process.env.FANOUT_DEBUG) {
    // After the exit handler of the compiled code's cache, registered before this code ran.
    process.once('exit', () => {
      const use = compiledCodeUse();
      if (use !== undefined) printErr(`fanout: compiled code ${use.used ? 'used' : 'not used'}${use.written ? ', written' : ''}\n`);
    });
  }
  const cwd = process.cwd();
  // Loaded here, not by the engine: its warnings are told at once, before anything the selection may refuse.
  const loaded = await loadChecksConfig(options.configCache === false ? options : { ...options, cache: { logDir: options.logDir, version } });
  printNotes([...loaded.notes, ...warningNotes(loaded.config, cwd, { asVibeguard: options.verbose !== true })]);
  const { config } = loaded;
  if (options.dryRun === true) return (await import('./dry-run.js')).dryRunCommand(ids, options, config);
  if (config.vibeguardCompat) {
    // VibeGuard's check takes one id at most, and names an unknown one in its words (exit 1 and 2, as it does).
    if (ids.length > 1) {
      printErr(`Error: accepts at most 1 arg(s), received ${ids.length}\n`);
      return 1;
    }
    const unknown = ids.find((id) => !config.checks.some((check) => check.id === id));
    if (unknown !== undefined) {
      printErr(`Error: check with ID ${JSON.stringify(unknown)} not found\n`);
      return EXIT_USAGE;
    }
  }
  const junitPath = options.junit === undefined ? undefined : resolve(cwd, options.junit);
  // Fail before running anything rather than lose the report after the run.
  if (junitPath !== undefined && !existsSync(dirname(junitPath))) throw new UsageError(`--junit: the folder ${dirname(junitPath)} does not exist`);
  const observer = options.observer === undefined ? undefined : await createObserver(options.observer);
  /** The live view, once the run is prepared (a signal stops it before anything else is printed). */
  const screen: { live?: LiveReporter | undefined } = {};
  // Before the signal guards: a shared cache that cannot be used (no secret, no URL) is a usage error, nothing to undo.
  const warn = (message: string) => {
    const write = () => printErr(`fanout: warning: ${message}\n`);
    if (screen.live === undefined) write();
    else screen.live.around(write);
  };
  const shared = options.sharedCache === undefined ? undefined : await (await import('../redis-cache.js')).openSharedCache(options.sharedCache, version, warn);

  const controller = new AbortController();
  const abort = (reason: RunAbort) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
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
    ...selectionOf(options),
    parallel: options.parallel,
    asyncParallel: options.asyncParallel,
    failFast: options.failFast,
    schedule: options.schedule,
    timeout: options.timeoutMs,
    maxTime: options.maxTimeMs,
    keepRuns: options.keepRuns,
    errorExitCode: options.errorExitCode,
    cache: options.resultCache,
    sharedCache: shared?.cache,
    secrets: shared?.secrets,
    observer,
    cwd,
    version,
    argv: process.argv.slice(2),
    signal: controller.signal,
    executor:
      redis === undefined
        ? executor
        : async (loadedConfig) =>
            (remote = await (await import('../remote.js')).remoteExecutor({
              redis,
              queue: options.queue,
              commit: options.commit,
              root: dirname(loadedConfig.file),
              configFile: loadedConfig.file,
              insecure: options.insecure,
              workerWaitMs: options.workerWaitMs,
              heartbeatTtlMs: options.heartbeatTtlMs,
              signal: controller.signal,
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
    await Promise.all([remote?.close(), shared?.cache.close()]);
    releaseFatal();
    signals.release();
    // Stopped by a signal while preparing (the probe of Redis): the process ends by that signal once its output is
    // out (see guardSignals), with nothing to report; the code a shell gives such an end, should it not.
    if (signals.received !== undefined && controller.signal.aborted) return 128 + (constants.signals[signals.received] ?? 0);
    throw error;
  }
  printNotes(prepared.notes.filter((note) => note.code !== 'pulled-in' || options.verbose === true));
  if (loaded.save !== undefined) loaded.save();

  const out = styleFor(process.stdout, options.color);
  const err = styleFor(process.stderr, options.color);
  // A vibeguard.* config: VibeGuard's report on stderr (its text, or its JSON with --json), no live view.
  const vibeguard = config.vibeguardCompat && !options.stream;
  const reportOnStdout = !options.json && !options.stream && !vibeguard;
  const live = (screen.live = process.stderr.isTTY && prepared.checks.length > 0 && !vibeguard ? createLiveReporter({ stream: process.stderr, style: err }) : undefined);
  // Whatever is printed while the live view is up goes above it.
  const above = (emit: () => void) => (live ? live.around(emit) : emit());
  const human =
    !vibeguard && (reportOnStdout || options.verbose)
      ? createHumanReporter({
          write: (text) => above(() => print(text, reportOnStdout ? process.stdout : process.stderr)),
          style: reportOnStdout ? out : err,
          verbose: options.verbose,
          report: reportOnStdout,
          summaryOnSuccess: process.stdout.isTTY === true,
          maxTimeMs: options.maxTimeMs,
        })
      : undefined;
  // Files the engine could not write (logs, the journal, report.json), then the JUnit file: warnings, and entries of
  // write_errors in what is printed, never another exit code.
  const writeErrors: Array<{ file: string; error: string }> = [];
  const output = options.stream
    ? createNdjsonReporter({ write: (line) => above(() => printJsonText(line)) })
    : vibeguard
      ? (await import('../reporters/vibeguard.js')).createVibeguardReporter({
          config,
          write: printErr,
          json: options.json,
          verbose: options.verbose,
          cwd,
          // fanout's --log-dir given: VibeGuard's logs go there too, as VibeGuard's --log-dir sends them.
          logDir: options.logDirFlag,
          onWriteError: (file, error) => printErr(`fanout: warning: could not write ${displayPath(file, cwd)}: ${messageOf(error)}\n`),
        })
      : options.json
        ? createJsonReporter({ write: printJsonText })
        : undefined;
  const junit =
    junitPath === undefined
      ? undefined
      : createJunitReporter(junitPath, {
          suiteName: `fanout.${basename(config.file).replace(/\.ya?ml$/, '')}`,
          onError: (file, error) => writeErrors.push({ file: displayPath(file, cwd), error: messageOf(error) }),
        });
  // The live view first: the count it redraws above a finding or a -v line already counts the check that ended.
  const reporters = [live, output, human, junit].filter((reporter) => reporter !== undefined);

  let report: RunReport;
  /** The shared cache closing: it waits for its last writes (bounded), which the report does not wait for. */
  let sharedClosed: Promise<void> | undefined;
  try {
    // The engine pushes each event and the iteration takes it in the same turn of the event loop (microtasks only,
    // before any timer, signal or I/O callback): nothing else prints in between, and the live view never lags.
    for await (const event of run) for (const reporter of reporters) reporter.onEvent(event);
    report = await run.report;
    noteCheckRunDone();
  } finally {
    live?.stop();
    sharedClosed = shared?.cache.close();
    await remote?.close();
  }
  writeErrors.unshift(...(report.write_errors ?? []));
  await junit?.end?.(report);
  // What the cache could not do (inputs that match no file, a check it ran uncached): warnings in their own words.
  for (const warning of report.cache_warnings ?? []) printErr(`fanout: warning: cache: ${warning.message}\n`);
  for (const failure of writeErrors) printErr(`fanout: warning: could not write ${failure.file}: ${failure.error}\n`);
  const final: RunReport = writeErrors.length === 0 ? report : { ...report, write_errors: writeErrors };
  // VibeGuard stops a run whose check could not be judged (its file: unreadable, a grok pattern or assert it rejects,
  // an assert it cannot evaluate) and prints the error alone, no report: so does a vibeguard.* config (the engine
  // stopped the run).
  const judgedBy = (entry: (typeof final.checks)[number]) => config.checks.find((check) => check.id === entry.id);
  const unjudged = config.vibeguardCompat
    ? final.checks.find((entry) => stopsVibeguardRun(judgedBy(entry), { code: entry.reason_code, message: entry.reason }))
    : undefined;
  if (unjudged !== undefined) {
    const reason = unjudged.reason ?? '';
    const what = unjudged.reason_code === 'grok' ? 'failed to compile grok pattern' : unjudged.reason_code === 'assert' ? 'failed to evaluate assertion' : reason;
    printErr(`Error: ${what} in check ${JSON.stringify(unjudged.id)}: ${reason} (line ${judgedBy(unjudged)?.line ?? 0})\n`);
  } else {
    await output?.end?.(final);
    await human?.end?.(final);
    // VibeGuard's command returns an error for a failed run, which its main prints.
    if (vibeguard && final.exit_code !== 0) printErr(`Error: exit code ${final.exit_code}\n`);
  }
  await sharedClosed;
  releaseFatal();
  signals.release(); // re-raises the signal that interrupted the run: the process dies by it
  return final.exit_code;
}

/**
 * The `--observer` named, made before anything runs: `otel` needs @opentelemetry/api, an optional peer dependency
 * the user may not have installed — a usage error (exit 2) saying what to install, not an internal one after the run
 * has started.
 */
async function createObserver(name: string): Promise<Observer> {
  const registry = await import('../../observe/index.js');
  try {
    return registry.createObserver(name);
  } catch (error) {
    if (error instanceof FanoutError && error.code === 'ERR_MISSING_DEPENDENCY') {
      throw new UsageError(`--observer ${name}: ${error.message}`, 'ERR_USAGE', { cause: error });
    }
    throw error;
  }
}
