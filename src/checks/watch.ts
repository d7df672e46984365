// `fanout watch`: the selection runs once through runChecks, then the checks a change of files affects run again.
// A change affecting a check of a run still going cancels that run, and the next one takes both the affected checks
// and what the cancelled run left unfinished; affected checks that no running check blocks start at once, in a run of
// their own beside those going on (-p applies to each run). Prints nothing; everything goes out as events.
import { dirname } from 'node:path';
import type { ResolvedCheck, ResolvedConfig } from '../config/types.js';
import { assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { matchesAny } from '../common/glob.js';
import { MAX_TIMER_MS } from '../common/timer.js';
import { displayPath } from '../common/text.js';
import { globPath } from './changed.js';
import type { RunEvent, RunNote } from './events.js';
import type { SharedCache } from './cache/remote.js';
import type { CheckStatus } from './record.js';
import { runChecks, runLogDir, type RunChecksOptions } from './run.js';
import { watchTree, type WatchError } from './watch-tree.js';

/** The quiet time after the last change before the affected checks run again, in ms. */
export const DEFAULT_WATCH_DEBOUNCE = 200;
/** At most this many changed paths are named in a `watch:change` event (`file_count` counts them all). */
const MAX_NAMED_FILES = 20;

/** The watcher is up: `folders` folders are watched under `root` (the config's folder). */
export interface WatchReadyEvent {
  type: 'watch:ready';
  time: string;
  /** The config's folder, as the report shows paths (relative to `cwd` when below it). */
  root: string;
  /** Folders watched (one inotify watch each on Linux). */
  folders: number;
}

/** Files changed and the quiet time passed: `checks` run again (in a new run, whose events follow). */
export interface WatchChangeEvent {
  type: 'watch:change';
  time: string;
  /** Changed paths relative to the config's folder, `/`-separated, the first 20. */
  files: string[];
  /** How many paths changed. */
  file_count: number;
  /** The checks the next run runs: the affected ones, their dependents, and what a cancelled run left unfinished. */
  checks: string[];
  /** The runs this change cancelled because they were running an affected check (their run_id). */
  cancelled_runs: string[];
}

/** What {@link watchChecks} reports: every event of every run, and the watch's own. */
export type WatchEvent = RunEvent | WatchReadyEvent | WatchChangeEvent;

/** Timer functions the debounce uses (a test gives fake ones). */
export interface WatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link watchChecks}: those of {@link runChecks} for the selection and each run, and the watch's own. */
export interface WatchChecksOptions extends Omit<RunChecksOptions, 'resume' | 'changed' | 'shard' | 'signal' | 'sharedCache'> {
  /** Receives every event, synchronously, in order: each run's RunEvents, `watch:ready`, `watch:change`. */
  onEvent: (event: WatchEvent) => void;
  /**
   * Receives what each run tells besides its events (as `runChecks`' `prepared.notes`: the cache refused, process
   * groups of a dead run killed...), once it is prepared, before its `run:start`: every run's, not only the first's.
   */
  onNotes?: ((notes: readonly RunNote[], runId: string) => void) | undefined;
  /**
   * Opens a shared cache of passed checks for each run (see `runChecks`' `sharedCache`), closed once the run ended:
   * a failure or a spent budget is one run's, not the watch's.
   * @default none
   */
  sharedCache?: (() => SharedCache | Promise<SharedCache>) | undefined;
  /** Stops watching: the running checks are cancelled (their run still reports), then the promise resolves. */
  signal?: AbortSignal | undefined;
  /** Quiet time after the last change before the affected checks run again, in ms, from 0 to 2^31 - 1 (a TypeError beyond: it must end). @default 200 */
  debounce?: number | undefined;
  /** The timers of the debounce. @default the global setTimeout and clearTimeout */
  timers?: WatchTimers | undefined;
}

/** True when a change of `path` (relative to the config's folder) affects `check`; see {@link affectedChecks}. */
function touches(check: ResolvedCheck, path: string): boolean {
  if (check.inputs.length === 0 && check.files.length === 0) return true;
  if (matchesAny(path, check.files)) return true;
  const include = check.inputs.filter((glob) => !glob.startsWith('!'));
  const exclude = check.inputs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1));
  return matchesAny(path, include) && !matchesAny(path, exclude);
}

/**
 * The checks of `checks` that changed `paths` (relative to the config's folder, `/`-separated) affect: a check whose
 * `inputs` (less those a `!` glob excludes) or `files` match one of them, and every check declaring neither; then every check
 * requiring an affected one, transitively. In config order.
 *
 * @example
 * ```ts
 * import { affectedChecks } from 'fanout/checks';
 * import { loadConfigText } from 'fanout/config';
 * const loaded = loadConfigText('checks:\n  - id: lint\n    run: eslint .\n    files: ["src/**"]\n', '/repo/fanout.yaml');
 * if (loaded.ok) console.log(affectedChecks(loaded.config.checks, ['src/a.ts']).map((check) => check.id)); // ['lint']
 * ```
 */
export function affectedChecks(checks: readonly ResolvedCheck[], paths: readonly string[]): ResolvedCheck[] {
  const affected = new Set<string>();
  for (const check of checks) if (paths.some((path) => touches(check, path))) affected.add(check.id);
  return withDependents(checks, affected);
}

/** `ids` and every check of `checks` requiring one of them, transitively, in config order. */
function withDependents(checks: readonly ResolvedCheck[], ids: ReadonlySet<string>): ResolvedCheck[] {
  const chosen = new Set(ids);
  for (let grown = true; grown; ) {
    grown = false;
    for (const check of checks) {
      if (chosen.has(check.id) || !check.requires.some((id) => chosen.has(id))) continue;
      chosen.add(check.id);
      grown = true;
    }
  }
  return checks.filter((check) => chosen.has(check.id));
}

/** The requirements (transitively) of `ids` whose latest status is not a pass: they run again with them. */
function unpassedRequirements(checks: readonly ResolvedCheck[], ids: ReadonlySet<string>, latest: ReadonlyMap<string, CheckStatus>): string[] {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const found = new Set<string>();
  const visit = (id: string) => {
    for (const required of byId.get(id)?.requires ?? []) {
      if (found.has(required) || ids.has(required) || !byId.has(required)) continue;
      const status = latest.get(required);
      if (status === 'passed' || status === 'warned') continue;
      found.add(required);
      visit(required);
    }
  };
  for (const id of ids) visit(id);
  return [...found];
}

/** True when `check` requires one of `ids`, directly or through other checks of `checks`. */
function requiresAny(checks: readonly ResolvedCheck[], check: ResolvedCheck, ids: ReadonlySet<string>): boolean {
  const byId = new Map(checks.map((each) => [each.id, each]));
  const seen = new Set<string>();
  const pending = [...check.requires];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (ids.has(id)) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(byId.get(id)?.requires ?? []));
  }
  return false;
}

/** A run going on: which checks it runs and which of them have not ended. */
interface CurrentRun {
  runId: string | undefined;
  controller: AbortController;
  unfinished: Set<string>;
  /** Set once a change cancelled it: what it left unfinished runs again. */
  superseded: boolean;
}

/**
 * Runs the selected checks, then watches the config's folder and runs again the checks each change affects (see
 * {@link affectedChecks}); a change affecting a check still running cancels that run. The watcher never enters
 * `.git`, the log folder or git-ignored folders, and ignores git-ignored files. Resolves once `signal` aborts and
 * the last run has ended (its checks cancelled and reported); rejects as `runChecks` does for a bad config or
 * selection, and with a {@link WatchError} when the files cannot be watched.
 *
 * @example
 * ```ts
 * import { watchChecks } from 'fanout/checks';
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort({ kind: 'signal', signal: 'SIGINT' }));
 * await watchChecks({
 *   config: 'fanout.yaml',
 *   signal: controller.signal,
 *   onEvent: (event) => {
 *     if (event.type === 'check:end') console.log(event.id, event.status);
 *   },
 * });
 * ```
 */
export async function watchChecks(options: WatchChecksOptions): Promise<void> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  if (typeof options.onEvent !== 'function') throw invalidArgument('options.onEvent', 'a function', options.onEvent);
  const { debounce = DEFAULT_WATCH_DEBOUNCE, timers = { setTimeout, clearTimeout } } = options;
  // A debounce past the timers' limit would fire after 1 ms, and one that never fires would never run anything again.
  if (typeof debounce !== 'number' || !(debounce >= 0 && debounce <= MAX_TIMER_MS)) throw invalidArgument('options.debounce', `a number of milliseconds from 0 to ${MAX_TIMER_MS}`, debounce);
  assertOptionalSignal('options.signal', options.signal);
  // The selection is the first run's; later runs name their checks with `only`.
  const { onEvent, onNotes, sharedCache, signal, debounce: _debounce, timers: _timers, ids: _ids, only: _only, tags: _tags, excludeTags: _excludeTags, ...runOptions } = options;
  const cwd = options.cwd ?? process.cwd();
  if (signal?.aborted) return;

  const latest = new Map<string, CheckStatus>();
  /** The runs going on: more than one when a change affects no check of those running. */
  const active = new Set<CurrentRun>();
  /** What the next run runs. */
  const queued = new Set<string>();
  let changedPaths = new Set<string>();
  let timer: unknown;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const stop = () => {
    for (const run of active) run.controller.abort(signal?.reason);
    poke();
  };
  signal?.addEventListener('abort', stop, { once: true });
  const watching = new AbortController();

  /** The first run's selection, once prepared: what every later run picks from. */
  let selection: { config: ResolvedConfig; checks: readonly ResolvedCheck[]; root: string } | undefined;
  let selected!: () => void;
  const prepared = new Promise<void>((resolvePrepared) => (selected = resolvePrepared));

  const flush = () => {
    timer = undefined;
    if (selection === undefined) return;
    const { checks, root } = selection;
    const relativePaths = [...changedPaths].map((path) => globPath(path, root));
    changedPaths = new Set();
    const affected = affectedChecks(checks, relativePaths).map((check) => check.id);
    if (affected.length === 0) return;
    for (const id of affected) queued.add(id);
    // The runs still running an affected check are cancelled; what they left unfinished runs again with the rest.
    const cancelled = [...active].filter((run) => !run.superseded && affected.some((id) => run.unfinished.has(id)));
    for (const run of cancelled) {
      run.superseded = true;
      for (const id of run.unfinished) queued.add(id);
    }
    for (const id of unpassedRequirements(checks, queued, latest)) queued.add(id);
    onEvent({
      type: 'watch:change',
      time: new Date().toISOString(),
      files: relativePaths.slice(0, MAX_NAMED_FILES),
      file_count: relativePaths.length,
      checks: checks.filter((check) => queued.has(check.id)).map((check) => check.id),
      cancelled_runs: cancelled.map((run) => run.runId ?? ''),
    });
    for (const run of cancelled) run.controller.abort(new Error('files changed: the run starts again'));
    poke();
  };

  /** Starts watching the config's folder, as soon as the first run has selected its checks. */
  const startWatching = (root: string) => {
    const tree = watchTree({
      root,
      exclude: [runLogDir(options, cwd)],
      signal: watching.signal,
      onChange: (paths) => {
        for (const path of paths) changedPaths.add(path);
        if (timer !== undefined) timers.clearTimeout(timer);
        timer = timers.setTimeout(flush, debounce);
      },
      onError: (error: WatchError) => {
        failure = { error };
        for (const run of active) run.controller.abort(error);
        poke();
      },
    });
    tree.ready.then(
      () => {
        if (!watching.signal.aborted && failure === undefined) onEvent({ type: 'watch:ready', time: new Date().toISOString(), root: displayPath(root, cwd), folders: tree.folders });
      },
      (error: unknown) => {
        failure ??= { error };
        poke();
      },
    );
  };

  /** Runs one run to its end, its events to onEvent. */
  const runOnce = async (select: Pick<RunChecksOptions, 'ids' | 'only' | 'tags' | 'excludeTags' | 'config'>): Promise<void> => {
    const controller = new AbortController();
    const run: CurrentRun = { runId: undefined, controller, unfinished: new Set(), superseded: false };
    active.add(run);
    if (signal?.aborted) controller.abort(signal.reason);
    let shared: SharedCache | undefined;
    try {
      shared = await sharedCache?.();
      const checkRun = runChecks({ ...runOptions, ...select, sharedCache: shared, signal: controller.signal });
      const prepared = await checkRun.prepared;
      run.runId = prepared.runId;
      if (prepared.notes.length > 0) onNotes?.(prepared.notes, prepared.runId);
      for (const check of prepared.checks) run.unfinished.add(check.id);
      if (selection === undefined) {
        selection = { config: prepared.config, checks: prepared.checks, root: dirname(prepared.config.file) };
        startWatching(selection.root);
        selected();
      }
      for await (const event of checkRun) {
        if (event.type === 'check:end') {
          run.unfinished.delete(event.id);
          latest.set(event.id, event.status);
        }
        onEvent(event);
      }
      await checkRun.report;
    } finally {
      active.delete(run);
      poke();
      // Its last writes go on while the next run starts; the watch ends once they are done.
      await shared?.close();
    }
  };

  /** Every run until it ends (its failure, past its preparation, stops the watch). */
  const reruns = new Set<Promise<void>>();
  const track = (rerun: Promise<void>) => {
    const settled = rerun.catch((error: unknown) => {
      failure ??= { error };
      poke();
    });
    reruns.add(settled);
    void settled.finally(() => reruns.delete(settled));
    return settled;
  };
  try {
    // The first run goes on while the watch begins: a change during it reruns (or cancels) what it affects.
    const first = runOnce({ config: options.config, ids: options.ids, only: options.only, tags: options.tags, excludeTags: options.excludeTags });
    await Promise.race([track(first), prepared]);
    for (;;) {
      if (signal?.aborted || failure !== undefined || selection === undefined) break;
      // A queued check waits while it, or a check it requires, is still running in another run.
      const busy = new Set([...active].flatMap((run) => [...run.unfinished]));
      const ready = selection.checks.filter((check) => queued.has(check.id) && !busy.has(check.id) && !requiresAny(selection?.checks ?? [], check, busy)).map((check) => check.id);
      if (ready.length === 0) {
        await new Promise<void>((resolveWake) => (wake = resolveWake));
        continue;
      }
      for (const id of ready) queued.delete(id);
      void track(runOnce({ config: selection.config, only: ready }));
    }
    for (const run of active) run.controller.abort(signal?.aborted ? signal.reason : failure?.error);
    await Promise.all(reruns);
    if (failure !== undefined) throw failure.error;
  } finally {
    signal?.removeEventListener('abort', stop);
    watching.abort();
    if (timer !== undefined) timers.clearTimeout(timer);
    wake = undefined;
  }
}
