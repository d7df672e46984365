// `fanout hook claude`: Claude Code's hook protocol. The event JSON comes on stdin; the checks it concerns run (for
// an edit: those whose files: match the edited paths, and every check without files:); the answer is the exit
// code: 2 blocks and hands stderr (what failed and what to do) to Claude, 0 lets it go on, and anything else
// (1: a broken config, a bad event) is a non-blocking error shown to the user — so a broken config never blocks the
// edit that would fix it.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { formatDiagnostic, loadConfig, type ResolvedCheck } from '../../config/index.js';
import { messageOf } from '../../common/errors.js';
import { localExecutor } from '../../index.js';
import { blocksRun, checksTouching, runChecks, type RunAbort, type RunReport, type SharedCache } from '../../checks/index.js';
import { briefReason, findingBlock } from '../reporters/human.js';
import { parseDurationFlag, parseParallelOrDefault } from '../options.js';
import { guardSignals } from '../signals.js';
import { styleFor } from '../style.js';
import { formatDuration } from '../../common/duration.js';
import { timeoutWithin } from '../../common/timer.js';
import { editedPaths, parseHookEvent, type HookEvent } from '../hook/event.js';
import { print, printErr } from '../terminal.js';
import { selfCommand } from '../invocation.js';

/**
 * The end of a run the budget stopped, kept out of the budget: the checks' SIGTERM, {@link HOOK_KILL_GRACE_MS}, the
 * report written, the answer printed and the process gone — so that the agent waits no longer than `--budget`,
 * counted from the hook process's start, plus scheduling noise.
 */
export const HOOK_END_RESERVE_MS = 150;
/** What a check the budget stopped gets between SIGTERM and SIGKILL: the budget is a promise to the agent. */
export const HOOK_KILL_GRACE_MS = 100;

/** Hook protocol exit codes. */
export const HOOK_OK = 0;
export const HOOK_ERROR = 1;
export const HOOK_BLOCK = 2;

export interface HookOptions {
  config?: string | undefined;
  strict?: boolean | undefined;
  /** `--log-dir` as given (relative to the event's cwd). @default .fanout/runs in the config's folder */
  logDir?: string | undefined;
  parallel?: string | undefined;
  budget?: string | undefined;
  version?: string | undefined;
  /**
   * `--shared-cache` and the TLS flags as given: the shared cache of passed checks, on with the flag or
   * FANOUT_SHARED_CACHE=1, as for `fanout check`. @default off (unless FANOUT_SHARED_CACHE=1)
   */
  sharedCache?: { on?: boolean | undefined; ca?: string | undefined; cert?: string | undefined; key?: string | undefined; servername?: string | undefined } | undefined;
  /** When the budget starts, on the clock of performance.now(). @default 0 (the start of this process) */
  startedAt?: number | undefined;
}

function fail(message: string): number {
  printErr(`fanout hook: ${message}\n`);
  return HOOK_ERROR;
}

/** The checks an event concerns: for named files, those whose files: match and those without files:. */
export function checksForEvent(all: readonly ResolvedCheck[], paths: readonly string[], root: string): string[] {
  if (paths.length === 0) return all.map((check) => check.id);
  const touched = new Set(checksTouching(all, paths, root).map((check) => check.id));
  return all.filter((check) => check.files.length === 0 || touched.has(check.id)).map((check) => check.id);
}

export async function claudeHook(options: HookOptions, stdin: () => string = () => readFileSync(0, 'utf8')): Promise<number> {
  let event: HookEvent;
  let budgetMs: number | undefined;
  let parallel: number | undefined;
  try {
    budgetMs = options.budget === undefined ? undefined : parseDurationFlag('--budget', options.budget);
    if (options.parallel !== undefined) parallel = parseParallelOrDefault(options.parallel);
    event = parseHookEvent(stdin());
  } catch (error) {
    return fail(messageOf(error));
  }
  // A Stop hook that blocked makes Claude continue; the next Stop says so: let it stop this time, or it loops.
  if (event.stop_hook_active === true) return HOOK_OK;
  const controller = new AbortController();
  // The budget counts from this process's start (performance.now() is time since then): Node's start and the
  // config's load are the agent's wait too. It fires early by the end's reserve, and names itself in the reasons.
  const budget = budgetMs;
  const budgetTimer =
    budget === undefined
      ? undefined
      : timeoutWithin(
          () => controller.abort({ kind: 'max-time', ms: budget, name: `the hook's --budget ${formatDuration(budget)}` } satisfies RunAbort),
          Math.max(0, budget - (performance.now() - (options.startedAt ?? 0)) - HOOK_END_RESERVE_MS),
        );
  try {
    return await answer(event, options, { controller, budgetMs, parallel });
  } finally {
    clearTimeout(budgetTimer);
  }
}

/** Runs the checks the event concerns and answers in the hook protocol; `controller` aborts the run (the budget). */
async function answer(event: HookEvent, options: HookOptions, run: { controller: AbortController; budgetMs: number | undefined; parallel: number | undefined }): Promise<number> {
  const { controller, budgetMs, parallel } = run;
  const cwd = typeof event.cwd === 'string' && isAbsolute(event.cwd) ? event.cwd : process.cwd();
  let loaded;
  try {
    loaded = await loadConfig({ cwd, ...(options.config !== undefined ? { file: resolve(cwd, options.config) } : {}), ...(options.strict !== undefined ? { strict: options.strict } : {}) });
  } catch (error) {
    return fail(`cannot read the fanout config: ${messageOf(error)}`);
  }
  if (!loaded.ok) {
    const lines = loaded.diagnostics.map((d) => formatDiagnostic(d, cwd));
    return fail(`the fanout config is broken, no check ran (fix it; this does not block):\n${lines.join('\n')}`);
  }
  const config = loaded.config;
  const paths = editedPaths(event, cwd);
  const ids = checksForEvent(config.checks, paths, config.dir);
  if (ids.length === 0) return HOOK_OK;
  // A shared cache that cannot be used (no secret, no URL) is the protocol's non-blocking error, as a bad flag is:
  // blocking would hand the agent a task about a secret it must not see.
  let shared: { cache: SharedCache; secrets: string[] } | undefined;
  try {
    const { openSharedCache, sharedCacheTarget } = await import('../redis-cache.js');
    const { on, ca, cert, key, servername } = options.sharedCache ?? {};
    const target = sharedCacheTarget({ sharedCache: on, redisCa: ca, redisCert: cert, redisKey: key, redisServername: servername });
    if (target !== undefined) shared = await openSharedCache(target, options.version ?? '', (message) => printErr(`fanout: warning: ${message}\n`));
  } catch (error) {
    return fail(messageOf(error));
  }
  const signals = guardSignals((signal) => controller.abort({ kind: 'signal', signal } satisfies RunAbort));
  let report: RunReport;
  try {
    report = await runChecks({
      config,
      ids,
      logDir: options.logDir,
      cwd,
      parallel,
      ...(budgetMs !== undefined ? { killGrace: HOOK_KILL_GRACE_MS } : {}),
      signal: controller.signal,
      executor: localExecutor,
      sharedCache: shared?.cache,
      secrets: shared?.secrets,
      // The run's own record keeps fanout's exit code (1 for a failure): `fanout status`/`wait` read it, and 2 there
      // means a config or usage error. Whether the agent is blocked is the hook's answer below, not the run's.
      ...(options.version !== undefined ? { version: options.version } : {}),
      argv: process.argv.slice(2),
    }).report;
  } catch (error) {
    signals.release();
    await shared?.cache.close();
    return fail(messageOf(error));
  }
  signals.release();
  // Its last writes go on while the answer is made; the hook ends once they are done (bounded).
  const sharedClosed = shared?.cache.close();
  try {
    return answerFor(report, paths, config.dir, budgetMs);
  } finally {
    await sharedClosed;
  }
}

/** Prints the hook's answer to `report` and returns its exit code. */
function answerFor(report: RunReport, paths: readonly string[], configDir: string, budgetMs: number | undefined): number {
  const overBudget = report.max_time_exceeded;
  // What the budget cut off is pending, not failed: it says nothing about the edit yet.
  const cut = (status: string) => overBudget && (status === 'cancelled' || status === 'skipped');
  const reported = report.checks.map((check) => (cut(check.status) ? { ...check, status: 'pending' as const } : check));
  const failed = reported.filter((check) => blocksRun(check));
  const exitCode = report.interrupted !== null ? 128 : failed.length > 0 ? HOOK_BLOCK : HOOK_OK;

  const style = styleFor({ isTTY: false }, false);
  const pending = reported.filter((check) => check.status === 'pending');
  const pendingLine =
    pending.length > 0
      ? `fanout: time budget ${formatDuration(budgetMs ?? 0)} spent; not finished, so not blocking: ${pending.map((c) => c.id).join(', ')} (run them with: ${selfCommand()} check ${pending.map((c) => c.id).join(' ')})`
      : '';
  if (exitCode === HOOK_BLOCK) {
    const edited = paths.length > 0 ? ` after the edit of ${paths.map((p) => resolve(p).replace(`${configDir}/`, '')).join(', ')}` : '';
    const blocks = [`fanout: ${failed.length === 1 ? '1 check' : `${failed.length} checks`} failed${edited}. Fix these before going on:`];
    for (const check of reported) {
      if (check.status === 'failed' || check.status === 'timeout') blocks.push(findingBlock(check, style).join('\n'));
      else if (check.status === 'skipped' || check.status === 'cancelled') blocks.push(`FAIL ${check.id} (${check.status})  ${briefReason(check)}`);
    }
    if (pendingLine) blocks.push(pendingLine);
    printErr(`${blocks.join('\n\n')}\n`);
  } else if (exitCode === HOOK_OK) {
    const warned = reported.filter((check) => check.status === 'warned');
    const passed = reported.filter((check) => check.status === 'passed').length;
    const lines = [`fanout: ${passed} passed${warned.length > 0 ? `, ${warned.length} warned (${warned.map((c) => c.id).join(', ')})` : ''}`];
    if (pendingLine) lines.push(pendingLine);
    print(`${lines.join('\n')}\n`);
  }
  return exitCode;
}
