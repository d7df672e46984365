// The work of each MCP tool, apart from the protocol: each takes checked arguments and returns its structured result
// and its text, or throws a ToolError (a usage error of the engine is one too) that the agent reads.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { launchPhase, loadChecksConfig, UsageError, warningNotes, type LoadedConfig } from '../../checks/index.js';
import { FanoutError } from '../../common/errors.js';
import { O_NOFOLLOW, O_NONBLOCK } from '../../common/safe-file.js';
import { cancelCommand, resolveRun } from '../actions/background.js';
import { describeCheck } from '../actions/list.js';
import { follow, stateOf } from '../background/follow.js';
import { startSupervisor, supervisorSaid } from '../background/launch.js';
import type { SpareKeeper } from '../background/spare.js';
import { cleanOutput, runText, runView, startingView, type RunState, type RunView, type Untrusted, Fence } from './view.js';

/** A tool's failure the agent can act on: returned as a tool error with this message, never a crash. */
export class ToolError extends FanoutError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MCP_TOOL', message, options);
  }
}

/** Where and how the server runs checks: what `fanout mcp` was given. */
export interface McpContext {
  /** The project folder: runs start here. */
  cwd: string;
  /** `-c`: the config file. @default the one found in cwd */
  config?: string | undefined;
  strict?: boolean | undefined;
  /** `--log-dir`, absolute. */
  logDir: string;
  /** `-p`, passed on to each run when given. */
  parallel?: string | undefined;
  /** The package version (the config cache is keyed by it). */
  version: string;
  /** The flags giving each run the shared cache of passed checks (`--shared-cache`...). @default none */
  sharedCache?: readonly string[] | undefined;
  /** Where runs get their supervisor: a warm spare. @default a new supervisor process per run */
  supervisors?: Pick<SpareKeeper, 'start' | 'warm'> | undefined;
}

/** A tool's answer: the structured result and the text rendering of it. */
export interface ToolAnswer<T> {
  structured: T;
  text: string;
}

/** How long run_checks waits for its run to begin, whatever wait_ms says: its config is parsed by then. */
const START_LIMIT_MS = 15_000;
/** Most bytes of a log check_log reads (from its end). */
const LOG_READ_LIMIT = 1 << 20;

async function loadConfig(context: McpContext): Promise<LoadedConfig> {
  const loaded = await loadChecksConfig({ config: context.config, strict: context.strict, cwd: context.cwd, cache: { logDir: context.logDir, version: context.version } });
  try {
    loaded.save?.();
  } catch {
    // The cache is an optimisation: a log folder that cannot hold it costs the next parse, nothing more.
  }
  return loaded;
}

// ---------------------------------------------------------------------------------------------------------- list

/** A check as list_checks describes it. */
export interface ListedCheck {
  id: string;
  severity: 'error' | 'warning';
  tags: string[];
  requires: string[];
  async: boolean;
  timeout_ms: number | null;
  /** Globs of the files it looks at (what `changed` matches). */
  files: string[];
  /** The check's declared `inputs` globs (what its cached result depends on), when it declares any. */
  inputs?: string[];
}

export interface CheckList {
  config_file: string;
  checks: ListedCheck[];
  warnings: string[];
}

export async function listChecks(context: McpContext): Promise<ToolAnswer<CheckList>> {
  const { config, notes } = await loadConfig(context);
  const checks = config.checks.map((check): ListedCheck => {
    const described = describeCheck(check);
    const listed: ListedCheck = {
      id: described.id,
      severity: described.severity,
      tags: [...described.tags],
      requires: [...described.requires],
      async: described.async,
      timeout_ms: described.timeout_ms,
      files: [...described.files],
    };
    if (check.inputs.length > 0) listed.inputs = [...check.inputs];
    return listed;
  });
  const noted = [...notes, ...warningNotes(config, context.cwd)];
  const warnings = noted.map((note) => note.message);
  // A config warning is its diagnostic, which says `warning:` already (`fanout.yaml:3:5: warning: …`).
  const warningLines = noted.map((note) => (note.code === 'config-warning' ? note.message : `warning: ${note.message}`));
  const width = Math.max(0, ...checks.map((check) => check.id.length));
  const lines = checks.map((check) => {
    const parts = [check.id.padEnd(width)];
    if (check.severity === 'warning') parts.push('(warning only)');
    if (check.tags.length > 0) parts.push(`tags: ${check.tags.join(', ')}`);
    if (check.requires.length > 0) parts.push(`requires: ${check.requires.join(', ')}`);
    if (check.async) parts.push('(async)');
    return parts.join('  ');
  });
  const text = [`${checks.length} check${checks.length === 1 ? '' : 's'} in ${relative(context.cwd, config.file) || config.file}:`, ...lines, ...warningLines];
  return { structured: { config_file: config.file, checks, warnings }, text: `${text.join('\n')}\n` };
}

// ----------------------------------------------------------------------------------------------------------- run

export interface RunChecksArgs {
  ids?: string[] | undefined;
  tags?: string[] | undefined;
  changed?: boolean | string | undefined;
  wait_ms?: number | undefined;
}

/** run_checks' default wait for results. */
export const DEFAULT_WAIT_MS = 30_000;

/** The `fanout check` arguments of a run the server starts. */
function checkArgs(context: McpContext, args: RunChecksArgs): string[] {
  const argv = ['check', '--log-dir', context.logDir, '--no-color'];
  if (context.config !== undefined) argv.push('--config', context.config);
  if (context.strict === true) argv.push('--strict');
  if (context.parallel !== undefined) argv.push('--parallel', context.parallel);
  if (context.sharedCache !== undefined) argv.push(...context.sharedCache);
  if (args.tags !== undefined && args.tags.length > 0) argv.push('--tags', args.tags.join(','));
  if (args.changed === true) argv.push('--changed');
  else if (typeof args.changed === 'string') argv.push(`--changed=${args.changed}`);
  // After `--`, an id is never read as a flag.
  return [...argv, '--', ...(args.ids ?? [])];
}

/** The arguments the config can answer for: every id a check, every tag some check's. */
function checkSelection(loaded: LoadedConfig, args: RunChecksArgs): void {
  const ids = new Set(loaded.config.checks.map((check) => check.id));
  const unknown = (args.ids ?? []).filter((id) => !ids.has(id));
  if (unknown.length > 0) throw new ToolError(`ids: no check ${unknown.map((id) => JSON.stringify(id)).join(', ')} in the config (its checks: ${[...ids].join(', ')})`);
  const tags = new Set(loaded.config.checks.flatMap((check) => check.tags));
  const untagged = (args.tags ?? []).filter((tag) => !tags.has(tag));
  if (untagged.length > 0) throw new ToolError(`tags: no check has the tag ${untagged.map((tag) => JSON.stringify(tag)).join(', ')} (the tags: ${[...tags].join(', ') || 'none'})`);
}

/**
 * Starts an ordinary background run (a detached supervisor, as `fanout check --background` does: `fanout status`,
 * `wait`, `logs` and `cancel` see it, and it outlives this server), waits up to `wait_ms` for its checks, and returns
 * what has ended, failures first, with what is still running.
 */
export async function runChecks(context: McpContext, args: RunChecksArgs, signal: AbortSignal): Promise<ToolAnswer<RunView>> {
  checkSelection(await loadConfig(context), args);
  const waitMs = args.wait_ms ?? DEFAULT_WAIT_MS;
  const argv = checkArgs(context, args);
  const supervisor = context.supervisors === undefined ? startSupervisor(context.logDir, argv) : await context.supervisors.start(argv);
  const begun = performance.now();
  let state: RunState | undefined;
  try {
    ({ state } = await follow(context.logDir, supervisor.runId, (s) => s.start !== undefined && (signal.aborted || performance.now() - begun >= waitMs), {
      gone: () => supervisor.exited() !== undefined || signal.aborted || performance.now() - begun >= START_LIMIT_MS,
    }));
  } finally {
    // The next run's spare starts once this one is answered (or has had its wait), not alongside its checks.
    if (context.supervisors !== undefined) setImmediate(() => context.supervisors?.warm());
  }
  if (state?.start === undefined) {
    if (supervisor.exited() !== undefined) {
      // What the run's `fanout check` said of its arguments, in this tool's names (`changed`, not `--changed`).
      const said = cleanOutput(supervisorSaid(supervisor)).trim().replace(/^fanout: --changed(=\S*)?:/gm, 'changed:');
      throw new ToolError(said || `the run ${supervisor.runId} ended before it started (see ${supervisor.logFile})`);
    }
    const view = startingView(supervisor.runId);
    return { structured: view, text: runText(view) };
  }
  const view = runView(state);
  return { structured: view, text: runText(view) };
}

// -------------------------------------------------------------------------------------------------------- status

/** A run's journal, or a ToolError naming the argument. */
function runState(context: McpContext, run: string): RunState {
  let id: string;
  try {
    id = resolveRun(context.logDir, run).id;
  } catch (error) {
    if (error instanceof UsageError) throw new ToolError(`run_id: ${error.message}`, { cause: error });
    throw error;
  }
  const state = stateOf(context.logDir, id);
  if (state === undefined) throw new ToolError(`run_id: ${noJournal(context, id)}`);
  return state;
}

/** Why run `id` has no journal, as far as its launch record tells: starting, failed to start, or unknown. */
function noJournal(context: McpContext, id: string): string {
  const phase = launchPhase(context.logDir, id);
  if (phase === 'starting') return `run ${id} is starting (its supervisor has not written its journal yet)`;
  // The supervisor's own words stay in its log: they are the run's output, not text for the tool's message.
  if (phase === 'failed') return `run ${id} failed to start: its supervisor exited before the run began (see ${join(context.logDir, id, 'supervisor.log')})`;
  return `run ${id} has no journal (an older fanout ran it, or its launch cannot be told)`;
}

export function runStatus(context: McpContext, args: { run_id: string }): ToolAnswer<RunView> {
  let id: string;
  try {
    id = resolveRun(context.logDir, args.run_id).id;
  } catch (error) {
    if (error instanceof UsageError) throw new ToolError(`run_id: ${error.message}`, { cause: error });
    throw error;
  }
  // A run still starting is a phase of its own, as run_checks answers it, not an error.
  if (stateOf(context.logDir, id) === undefined && launchPhase(context.logDir, id) === 'starting') {
    const starting = startingView(id);
    return { structured: starting, text: runText(starting) };
  }
  const view = runView(runState(context, args.run_id));
  return { structured: view, text: runText(view) };
}

// ----------------------------------------------------------------------------------------------------------- log

export interface CheckLog {
  run_id: string;
  check: string;
  /** ended, running or waiting (not started: no log yet). */
  state: 'ended' | 'running' | 'waiting';
  status: string;
  log_file: string | null;
  /** Lines in `output`. */
  lines: number;
  /** Whether the log has more lines before them. */
  truncated: boolean;
  output: Untrusted;
}

/** The log file of a check in a run, which must be inside the run's folder (the journal names it). */
function logFileOf(context: McpContext, state: RunState, id: string): string {
  const check = state.checks.get(id);
  const dir = join(context.logDir, state.runId);
  const named = check?.end?.check.log_file ?? check?.spawn?.log_file ?? check?.start?.log_file ?? null;
  const file = named === null ? join(dir, `${id}.log`) : resolve(state.start?.cwd ?? context.cwd, named);
  const inside = relative(dir, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new ToolError(`run ${state.runId}: the log of ${id} is named outside the run's folder (${file}): not read`);
  return file;
}

/** The last `lines` lines of a file, reading at most LOG_READ_LIMIT bytes from its end; undefined when it is absent. */
function tailOf(file: string, lines: number): { text: string; count: number; truncated: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ToolError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ToolError(`${file} is not a file: not read`);
    const length = Math.min(stat.size, LOG_READ_LIMIT);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, stat.size - length + read);
      if (n === 0) break;
      read += n;
    }
    let all = buffer.subarray(0, read).toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    if (length < stat.size) all = all.slice(1); // the first line read is cut
    const kept = all.slice(-lines);
    return { text: cleanOutput(kept.join('\n')), count: kept.length, truncated: kept.length < all.length || length < stat.size };
  } finally {
    closeSync(fd);
  }
}

export function checkLog(context: McpContext, args: { run_id: string; check: string; tail_lines?: number | undefined }): ToolAnswer<CheckLog> {
  const state = runState(context, args.run_id);
  const check = state.checks.get(args.check);
  if (state.start !== undefined && check === undefined) throw new ToolError(`check: run ${state.runId} has no check ${JSON.stringify(args.check)} (it ran: ${[...state.checks.keys()].join(', ')})`);
  const where = check?.end !== undefined ? 'ended' : check?.start !== undefined ? 'running' : 'waiting';
  const file = logFileOf(context, state, args.check);
  const tail = tailOf(file, args.tail_lines ?? 100);
  const structured: CheckLog = {
    run_id: state.runId,
    check: args.check,
    state: where,
    status: check?.end?.status ?? 'pending',
    log_file: tail === undefined ? null : file,
    lines: tail?.count ?? 0,
    truncated: tail?.truncated ?? false,
    output: { untrusted: true, text: tail?.text ?? '' },
  };
  if (tail === undefined) return { structured, text: `${args.check} has no log in run ${state.runId} yet (${where === 'waiting' ? 'not started' : 'starting'}).\n` };
  const fence = new Fence();
  const head = `${args.check} in run ${state.runId} (${where === 'ended' ? structured.status : where}): ${tail.truncated ? `its last ${tail.count} lines` : `${tail.count} lines`} of ${file}`;
  return { structured, text: `${fence.legend}\n${head}\n${fence.quote(tail.text)}\n` };
}

// -------------------------------------------------------------------------------------------------------- cancel

export interface CancelResult {
  run_id: string;
  /** Whether this call stopped the run (false when it had already ended or died). */
  cancelled: boolean;
  phase: RunView['phase'];
  message: string;
}

/** Cancels a run as `fanout cancel` does: its verified process is signalled, never a pid it cannot vouch for. */
export async function cancelRun(context: McpContext, args: { run_id: string }): Promise<ToolAnswer<CancelResult>> {
  const before = runState(context, args.run_id);
  // Whether it runs is asked of its process now, before the cancel: asked after, the process would be gone.
  const wasLive = runView(before).phase === 'live';
  const said: string[] = [];
  const code = await cancelCommand(before.runId, { logDir: context.logDir }, (text) => said.push(text.replace(/^fanout: /, '').trimEnd()));
  const message = said.join('\n');
  if (code !== 0) throw new ToolError(message || `run ${before.runId} could not be cancelled`);
  const after = stateOf(context.logDir, before.runId);
  const phase = after === undefined ? 'starting' : runView(after).phase;
  return { structured: { run_id: before.runId, cancelled: wasLive && phase !== 'live', phase, message }, text: `${message}\n` };
}

/** A usage error of the engine (an unknown run, a broken config with its diagnostics) is a tool error as it is. */
export function isToolError(error: unknown): error is FanoutError {
  return error instanceof ToolError || error instanceof UsageError;
}
