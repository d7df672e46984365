/**
 * The graph scheduler: a ready queue ordered by longest remaining path (or VibeGuard's level barrier), a separate
 * pool for async tasks, timeouts, fail-fast and abort. One `GraphRun` per run; per-task state lives in typed arrays
 * indexed by input position, and a task's AbortController is only created when the task reads its signal.
 */
// The module's binding, not the global: in Node `globalThis.performance` is a lazy getter, read once per task here.
import { performance } from 'node:perf_hooks';
import { assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { isAbortOf } from '../common/abort.js';
import { graphEventSink } from '../observe/run-events.js';
import { optionalObserver } from '../observe/safe.js';
import { levelIndices, remainingPaths, taskWeights } from './analysis.js';
import { RankQueue, rankByPriority, type PrioritySummary, type Ranks } from './heap.js';
import type { CompiledGraph as GraphTables } from './validate.js';
import { compileGraph as compileTables, effectiveTimeout, permuteGraph } from './validate.js';
import { bindThreadTasks, checkWorker, type ThreadTasks } from './thread-tasks.js';
import type { TypedGraphOptions, TypedGraphResult, TypedGraphTasks } from './define.js';
import type {
  AnyGraphTask,
  FailFastMode,
  GraphEvent,
  GraphOptions,
  GraphResult,
  GraphTask,
  GraphTaskContext,
  GraphTaskValue,
  SkipReason,
  TaskOutcome,
  TaskOutcomeOf,
  TaskOutcomeOfList,
  ThreadGraphTask,
} from './types.js';

/** The built-in `then`, taken before any task runs: see {@link GraphRun} `#slot`. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its promise as `this`
const promiseThen = Promise.prototype.then as <T>(this: Promise<T>, onValue: (value: T) => void, onError: (error: unknown) => void) => Promise<void>;

const PENDING = 0; // waiting for what it requires
const HELD = 1; // everything it requires passed; its level has not opened yet ('levels')
const READY = 2; // in a ready heap
const RUNNING = 3;
const DONE = 4;
const MARKED = 5; // collected for a blockedBy skip, about to end
const STOPPED = 6; // running when 'kill' or an abort stopped the run: its slot is free, its outcome set in a microtask

// Outcome statuses, kept in a Uint8Array during the run (see GraphRun's #status).
const PASSED = 1;
const FAILED = 2;
const TIMED_OUT = 3;
const CANCELLED = 4;
const SKIPPED = 5;

/** Options after validation and defaults. */
interface ResolvedOptions<V> {
  maxParallel: number;
  asyncParallel: number;
  failFast: FailFastMode;
  schedule: 'ready' | 'levels';
  signal: AbortSignal | undefined;
  onEvent: ((event: GraphEvent<V>) => void) | undefined;
  worker: string | URL | undefined;
}

function resolveOptions<V>(options: GraphOptions<V> | undefined): ResolvedOptions<V> {
  if (options === undefined) {
    return { maxParallel: 4, asyncParallel: 4, failFast: false, schedule: 'ready', signal: undefined, onEvent: undefined, worker: undefined };
  }
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object or undefined', options);
  const maxParallel = options.maxParallel === undefined ? 4 : assertLimit('options.maxParallel', options.maxParallel);
  const asyncParallel = options.asyncParallel === undefined ? maxParallel : assertLimit('options.asyncParallel', options.asyncParallel);
  const failFast = options.failFast ?? false;
  if (failFast !== false && failFast !== 'kill' && failFast !== 'no-new') {
    throw invalidArgument('options.failFast', "'kill', 'no-new', false or undefined", failFast);
  }
  const schedule = options.schedule ?? 'ready';
  if (schedule !== 'ready' && schedule !== 'levels') {
    throw invalidArgument('options.schedule', "'ready', 'levels' or undefined", schedule);
  }
  const signal = assertOptionalSignal('options.signal', options.signal);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw invalidArgument('options.onEvent', 'a function or undefined', options.onEvent);
  }
  const onEvent = graphEventSink(options.onEvent, optionalObserver('options.observer', options.observer));
  const worker = checkWorker(options.worker);
  return { maxParallel, asyncParallel, failFast, schedule, signal, onEvent, worker };
}

/**
 * What a running task sees. Id, signal and dependencies are read on demand: most tasks never read them, and on a
 * large graph run in priority order even looking up the id string is a cache miss.
 */
class TaskContext<V> implements GraphTaskContext<V> {
  readonly #run: GraphRun<V>;
  readonly #index: number;
  #dependencies: Readonly<Record<string, V>> | undefined;

  constructor(run: GraphRun<V>, index: number) {
    this.#run = run;
    this.#index = index;
  }

  get id(): string {
    return this.#run.idOf(this.#index);
  }

  get signal(): AbortSignal {
    return this.#run.signalOf(this.#index);
  }

  get dependencies(): Readonly<Record<string, V>> {
    return (this.#dependencies ??= this.#run.dependenciesOf(this.#index));
  }
}

function onTimeout<V>(run: GraphRun<V>, index: number): void {
  try {
    run.timeout(index);
  } catch (error) {
    run.crash(error);
  }
}

function cancelStopped<V>(run: GraphRun<V>): void {
  try {
    run.cancelStopped();
  } catch (error) {
    run.crash(error);
  }
}

/**
 * One slot of a pool: the task it runs and the two reactions its task's promise gets, made once per slot rather than
 * once per task.
 */
class Slot<V> {
  /** The task running in this slot (its last one, once the slot is given back). */
  task = -1;
  readonly queue: RankQueue;
  readonly onValue: (value: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(run: GraphRun<V>, queue: RankQueue) {
    this.queue = queue;
    this.onValue = (value) => run.settled(this, true, value);
    this.onError = (error) => run.settled(this, false, error);
  }
}

/** What settle returns when the slot's next step is #continueOrRelease's to decide. */
const GENERAL = -2;
/** One settle in this many takes the general path whatever settle could decide alone (a power of 2). */
const GENERAL_EVERY = 16;

const FAIL_FAST: SkipReason = /* @__PURE__ */ Object.freeze({ failFast: true as const });
const ABORTED: SkipReason = /* @__PURE__ */ Object.freeze({ aborted: true as const });

/** One execution of a validated graph. */
export class GraphRun<V> {
  /** The graph as this run numbers it: task i of the run is task `#inputOf[i]` of the input (the same without it). */
  readonly #graph: GraphTables<V>;
  readonly #inputOf: Int32Array | undefined;
  /** The inverse of `#inputOf`. */
  readonly #internalOf: Int32Array | undefined;
  /** The tasks' `run` functions and the tasks, read at validation: a snapshot, whatever the caller does with its array. */
  readonly #runs: (GraphTask<V>['run'] | GraphTask<V>)[];
  readonly #n: number;
  readonly #options: ResolvedOptions<V>;
  readonly #sink: ((event: GraphEvent<V>) => void) | undefined;
  readonly #threads: ThreadTasks<V> | undefined;

  readonly #state: Uint8Array;
  readonly #waiting: Int32Array;
  /** The tasks that require nothing, in index order, when the plan lists them (a compiled graph's). */
  readonly #sources: Int32Array | undefined;
  /** Every task is ready at the start and goes to the regular queue (no edges, no async task, no levels). */
  readonly #allReady: boolean;
  readonly #isAsync: Uint8Array;
  // Outcomes are recorded in flat arrays and become objects once, when the run ends: a million outcome objects kept
  // alive while the run allocates promises and contexts were promoted by the young-generation GC and then paid for a
  // full mark-compact of the caller's heap (about 0.25 s on a 1M-task DAG).
  /** The task's start time (performance.now()) while it runs, then its duration in ms. */
  readonly #time: Float64Array;
  /** PASSED ... SKIPPED once the task has ended, else 0. */
  readonly #status: Uint8Array;
  /** Value (passed), error (failed) or skip reason (skipped), by index; holes read as undefined. */
  readonly #payload: unknown[];
  /** The outcome objects already handed to an event sink, so `results` holds the very same objects. */
  #outcomes: (TaskOutcome<V> | undefined)[] | undefined;
  /** When the task a slot starts next started: a clock reading handed from where a slot settles to where it starts. */
  #clock = Number.NaN;
  /** Counts calls into code outside the scheduler (task starts, events): a clock reading is reused only if unchanged. */
  #foreignCalls = 0;
  readonly #ready: RankQueue;
  readonly #asyncReady: RankQueue;
  // Cold per-task state, only for tasks that have a timeout or read their signal.
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();
  readonly #controllers = new Map<number, AbortController>();
  readonly #abortReasons = new Map<number, unknown>();

  // 'levels' only.
  readonly #level: Int32Array | undefined;
  readonly #levelRemaining: Int32Array | undefined;
  #buckets: number[][] = [];
  #currentLevel = 0;

  #running = 0;
  #asyncRunning = 0;
  #ended = 0;
  #passed = 0;
  #stopped = false;
  /**
   * True until start() (a run not started has nothing to finish) and once the run has settled. Written at the start of
   * every run, not first at its end: V8 compiles code on the assumption that a field written once stays as it is, and
   * a first change at the end of a run threw away the optimized slot loop for the next run of a compiled graph.
   */
  #finished = true;
  #dispatching = false;
  /** Settles so far, for GENERAL_EVERY. */
  #settles = 0;
  #failFastTriggered = false;
  #aborted = false;
  #resolve: (result: GraphResult<V>) => void = () => {};
  #reject: (error: unknown) => void = () => {};

  /** Validates everything (TypeError, GraphError) before any state exists; nothing runs until {@link start}. */
  constructor(
    input: ReadonlyArray<GraphTask<V> | ThreadGraphTask<V>> | CompiledGraph<V>,
    options: GraphOptions<V> | undefined,
    sink?: (event: GraphEvent<V>) => void,
  ) {
    if (shapeAnchors === undefined) anchorShapes();
    const resolved = resolveOptions(options);
    const compiled = input instanceof CompiledGraph ? input : undefined;
    if (compiled !== undefined && resolved.worker !== undefined) {
      throw invalidArgument('options.worker', 'undefined for a compiled graph (its tasks all have run)', resolved.worker);
    }
    const threads = resolved.worker === undefined || !Array.isArray(input) ? undefined : bindThreadTasks<V>(input, resolved.worker);
    // Without a worker, a task without `run` is a TypeError from compileTables.
    const tasks = threads?.tasks ?? (input as ReadonlyArray<GraphTask<V>>);
    const schedule = resolved.schedule;
    // A compiled graph's reruns reuse its plan (analyses, numbering, start counts) and copy the counts (a memcpy).
    const plan =
      compiled === undefined
        ? planRun(compileTables(tasks), schedule, false)
        : schedule === 'levels'
          ? (compiled[CACHE].levels ??= planRun(compiled[TABLES], 'levels', true))
          : (compiled[CACHE].ready ??= planRun(compiled[TABLES], 'ready', true));
    const graph = plan.graph;
    const n = graph.n;
    this.#threads = threads;
    this.#graph = graph;
    this.#inputOf = plan.inputOf;
    this.#internalOf = plan.internalOf;
    this.#runs = graph.runs;
    this.#n = n;
    this.#options = resolved;
    const onEvent = resolved.onEvent;
    if (onEvent === undefined) this.#sink = sink;
    else {
      const observe = (event: GraphEvent<V>): void => {
        try {
          onEvent(event);
        } catch {
          // An observer must never break the run it observes.
        }
      };
      this.#sink =
        sink === undefined
          ? observe
          : (event) => {
              observe(event);
              sink(event);
            };
    }

    this.#state = new Uint8Array(n);
    this.#waiting = compiled === undefined ? plan.waiting : plan.waiting.slice();
    this.#sources = plan.sources;
    this.#allReady = plan.sourceCount === n && plan.asyncCount === 0 && plan.levels === undefined;
    this.#isAsync = graph.isAsync;
    this.#time = new Float64Array(n);
    this.#status = new Uint8Array(n);
    this.#payload = new Array<unknown>(n);
    this.#outcomes = undefined;

    const levels = plan.levels;
    if (levels !== undefined) {
      // VibeGuard's order: level by level, input order within a level.
      const { level, count } = levels;
      this.#level = level;
      const remaining = new Int32Array(count);
      for (let i = 0; i < n; i++) if (this.#isAsync[i] === 0) remaining[level[i]!]! += 1;
      this.#levelRemaining = remaining;
      for (let l = 0; l < count; l++) this.#buckets.push([]);
    } else {
      this.#level = undefined;
      this.#levelRemaining = undefined;
    }
    this.#ready = new RankQueue(n, plan.ranks);
    // Without async tasks the async queue stays empty: give it no bitmap to speak of.
    this.#asyncReady = new RankQueue(plan.asyncCount > 0 ? n : 0, plan.ranks);
  }

  /** Starts the run; the promise settles once every task has an outcome (abandoned tasks are not waited for). */
  start(): Promise<GraphResult<V>> {
    return new Promise<GraphResult<V>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#finished = false;
      try {
        this.#begin();
      } catch (error) {
        this.crash(error);
      }
    });
  }

  #begin(): void {
    const sink = this.#sink;
    if (sink !== undefined) sink({ type: 'graph:start', time: performance.now(), taskCount: this.#n });
    const signal = this.#options.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#aborted = true;
        this.#stop(true, ABORTED, signal.reason);
        this.#next();
        return;
      }
      signal.addEventListener('abort', this.#onAbort);
    }
    this.#readySources();
    this.#next();
  }

  /**
   * Readies every task that requires nothing. A loop of its own: V8 compiles a long loop while it runs, for the code
   * seen so far, and a loop followed by code it has not run yet is thrown away, in every run, when it ends.
   */
  #readySources(): void {
    const sources = this.#sources;
    if (sources !== undefined) {
      for (let k = 0; k < sources.length; k++) this.#makeReady(sources[k]!);
      return;
    }
    const n = this.#n;
    if (this.#allReady) {
      this.#state.fill(READY);
      this.#ready.fillAll(n);
      return;
    }
    const waiting = this.#waiting;
    for (let i = 0; i < n; i++) if (waiting[i] === 0) this.#makeReady(i);
  }

  readonly #onAbort = (): void => {
    if (this.#finished) return;
    try {
      this.#aborted = true;
      this.#stop(true, ABORTED, this.#options.signal?.reason);
      this.#next();
    } catch (error) {
      this.crash(error);
    }
  };

  #makeReady(i: number): void {
    const level = this.#level;
    if (level !== undefined && level[i]! > this.#currentLevel) {
      this.#state[i] = HELD;
      (this.#buckets[level[i]!] as number[]).push(i);
      return;
    }
    this.#state[i] = READY;
    if (this.#isAsync[i] === 1) this.#asyncReady.push(i);
    else this.#ready.push(i);
  }

  /** Opens the next levels while the current one has ended (async tasks never hold the barrier). */
  #advanceLevels(): void {
    const remaining = this.#levelRemaining as Int32Array;
    const last = remaining.length - 1;
    while (this.#currentLevel < last && remaining[this.#currentLevel] === 0) {
      const bucket = this.#buckets[++this.#currentLevel] as number[];
      this.#buckets[this.#currentLevel] = [];
      for (const i of bucket) if (this.#state[i] === HELD) this.#makeReady(i);
    }
  }

  /** After any state change: finish when every task has an outcome, else start what can start. */
  #next(): void {
    if (this.#finished) return;
    if (this.#level !== undefined && !this.#stopped) this.#advanceLevels();
    if (this.#ended === this.#n) this.#finish();
    else this.#dispatch();
  }

  #dispatch(): void {
    // A task that throws synchronously settles inside #slot; the outer loop picks up what that made ready.
    if (this.#dispatching) return;
    const { maxParallel, asyncParallel } = this.#options;
    const ready = this.#ready;
    const asyncReady = this.#asyncReady;
    // Most calls come from a settling task while the other slots are busy: nothing to start, nothing to set up.
    if ((this.#running >= maxParallel || ready.size === 0) && (this.#asyncRunning >= asyncParallel || asyncReady.size === 0)) return;
    this.#dispatching = true;
    try {
      for (;;) {
        if (this.#stopped) break;
        if (this.#running < maxParallel && ready.size > 0) {
          this.#running++;
          const first = ready.pop();
          this.#clock = performance.now();
          this.#slot(new Slot(this, ready), first);
        } else if (this.#asyncRunning < asyncParallel && asyncReady.size > 0) {
          this.#asyncRunning++;
          const first = asyncReady.pop();
          this.#clock = performance.now();
          this.#slot(new Slot(this, asyncReady), first);
        } else break;
      }
    } finally {
      this.#dispatching = false;
    }
  }

  /**
   * One slot of the pool: starts task `first` at `this.#clock` (the slot's count is already held), then, when the task
   * ends, whatever is ready next in the slot's queue, until the queue is empty. A slot waits for its task with one
   * promise reaction to the slot's own two handlers, made once per slot: an `await` per task in an async loop cost a
   * third more memory per task (its resume closures and context), and the collections that came with it.
   *
   * The promise is `Promise.resolve(value)`, as `await value` takes it (a value, a native promise or a thenable end the
   * task after as many ticks as an `await` would), and the reaction is made with the built-in `then`, as `await` makes
   * it: a native promise returned by a task may carry a `then` of its own, which could call the slot's shared handlers
   * twice (ending the slot's next task with this one's value) or never. A task that throws synchronously ends at once, without a tick, and
   * the slot goes on to the next task in this loop. A task abandoned at its deadline or by 'kill' gives the slot back
   * at once; its reaction, when the task eventually settles, finds the task no longer running and ends the slot.
   */
  #slot(slot: Slot<V>, first: number): void {
    let i = first;
    for (;;) {
      const context = this.#start(i, this.#clock);
      if (context === undefined) return; // the run stopped during the task:start event; the slot went with it
      slot.task = i;
      let error: unknown;
      try {
        const runs = this.#runs;
        // Called on the task object, as `task.run(context)` would be: a method may use `this`.
        void promiseThen.call(Promise.resolve((runs[i * 2] as GraphTask<V>['run']).call(runs[i * 2 + 1], context)), slot.onValue, slot.onError);
        return;
      } catch (thrown) {
        error = thrown;
      }
      i = this.#afterTask(slot, false, error);
      if (i < 0) return;
    }
  }

  /** The reaction to the promise of a slot's task: records its end and starts the slot's next task, if any. */
  settled(slot: Slot<V>, ok: boolean, result: unknown): void {
    const next = this.#afterTask(slot, ok, result);
    if (next >= 0) this.#slot(slot, next);
  }

  /**
   * Task `slot.task` ended: records it and returns the next task for the slot, to start at `this.#clock`, or -1 when
   * the slot is given back (or went with a stop or a crash).
   */
  #afterTask(slot: Slot<V>, ok: boolean, result: unknown): number {
    const i = slot.task;
    // Abandoned (the slot was given back when it timed out or was stopped), or the run crashed.
    if (this.#state[i] !== RUNNING || this.#finished) {
      if (this.#state[i] === STOPPED && !this.#finished) this.#settleStopped(i, ok, result);
      return -1;
    }
    const queue = slot.queue;
    const now = performance.now();
    const calls = this.#foreignCalls;
    let next: number;
    let general: boolean;
    try {
      next = this.settle(i, ok, result, queue, now);
      general = next === GENERAL;
      if (general) next = this.#continueOrRelease(i, queue);
    } catch (error) {
      this.crash(error);
      return -1;
    }
    // One clock reading per task: the end of one task is the start of the next in this slot, unless settling ran
    // other code meanwhile (tasks started in other slots, event observers); then the clock is read again. It is read
    // again after every general step too (one task in GENERAL_EVERY), so that V8 sees this call early: a call first
    // met late in a run (when other slots start, at its start and end) discarded the compiled loop in every rerun.
    this.#clock = general || this.#foreignCalls !== calls ? performance.now() : now;
    return next;
  }

  /**
   * Marks task i running at `now` (its slot is already counted) and arms its timer; undefined if the run stopped
   * meanwhile. The caller invokes the task's `run` right after.
   */
  #start(i: number, now: number): TaskContext<V> | undefined {
    this.#state[i] = RUNNING;
    this.#time[i] = now;
    this.#foreignCalls++;
    const sink = this.#sink;
    if (sink !== undefined) {
      sink({ type: 'task:start', time: now, id: this.idOf(i), async: this.#isAsync[i] === 1 });
      if (this.#state[i] !== RUNNING) return undefined; // the observer aborted the run
    }
    const timeouts = this.#graph.timeouts;
    if (timeouts !== undefined) {
      const timeoutMs = timeouts[i]!;
      const ms = Number.isNaN(timeoutMs) ? undefined : effectiveTimeout(timeoutMs);
      if (ms !== undefined) this.#timers.set(i, setTimeout(onTimeout, ms, this, i));
    }
    return new TaskContext(this, i);
  }

  idOf(i: number): string {
    return this.#graph.ids[i] as string;
  }

  /** Gives back task i's slot (it timed out or was cancelled, or its loop found nothing more to run). */
  #release(i: number): void {
    if (this.#isAsync[i] === 1) this.#asyncRunning--;
    else this.#running--;
    this.#clearTimer(i);
  }

  #clearTimer(i: number): void {
    if (this.#timers.size !== 0) {
      const timer = this.#timers.get(i);
      if (timer !== undefined) {
        clearTimeout(timer);
        this.#timers.delete(i);
      }
    }
  }

  /**
   * Task i settled in its slot: records the outcome, readies or skips what requires it, and returns the next task for
   * this slot from `queue` (its own pool's) when nothing else could start now, else GENERAL (#continueOrRelease).
   */
  settle(i: number, ok: boolean, result: unknown, queue: RankQueue, now: number): number {
    const durationMs = now - this.#time[i]!;
    this.#clearTimer(i);
    if (ok) {
      this.#end(i, PASSED, result, durationMs);
      const { depStart, depIdx } = this.#graph;
      const state = this.#state;
      const waiting = this.#waiting;
      for (let p = depStart[i]!, end = depStart[i + 1]!; p < end; p++) {
        const d = depIdx[p]!;
        // Counting down a dependent that already ended (skipped) is harmless; its state is read only at zero.
        if (--waiting[d]! === 0 && state[d] === PENDING) this.#makeReady(d);
      }
    } else {
      this.#end(i, FAILED, result, durationMs);
      this.#afterNonPass(i);
    }
    // When nothing else could start now, this slot takes the best ready task itself: the same task, started in the
    // same order, without a new slot loop per task (a chain readies one task at a time) or a dispatch pass.
    if ((++this.#settles & (GENERAL_EVERY - 1)) !== 0 && this.#level === undefined && !this.#stopped && queue.size > 0 && this.#startsAlone(queue)) {
      return queue.pop();
    }
    return GENERAL;
  }

  /**
   * The general way on after task i settled, always right: the other free slots take the best ready tasks (or the run
   * finishes), this slot the next best, or it is given back (-1).
   *
   * A method of its own, entered every GENERAL_EVERY settles even where settle's shortcut applies (same task, same
   * order): V8 compiles the slot loop for the paths it has seen, and meeting a new one throws the compiled loop away.
   * In a graph without branching (no edges, a chain) the general path was first met when the first slot ended, at
   * the end of the run, so a compiled graph's next run started in the interpreter and paid for a recompile.
   */
  #continueOrRelease(i: number, queue: RankQueue): number {
    this.#next();
    if (!this.#stopped && !this.#finished && queue.size > 0) return queue.pop();
    this.#release(i);
    return -1;
  }

  /**
   * True when the best task of `queue` (the settling slot's pool) would be the only one a dispatch starts: no other
   * slot of that pool is free or it holds one task, and the other pool has no free slot or nothing ready.
   */
  #startsAlone(queue: RankQueue): boolean {
    const { maxParallel, asyncParallel } = this.#options;
    const regular = queue === this.#ready;
    const ownFree = regular ? this.#running < maxParallel : this.#asyncRunning < asyncParallel;
    // Read whether or not it is needed: a read V8 first meets late in a run discards the compiled loop.
    const more = queue.size > 1;
    if (ownFree && more) return false;
    const other = regular ? this.#asyncReady : this.#ready;
    return other.size === 0 || (regular ? this.#asyncRunning >= asyncParallel : this.#running >= maxParallel);
  }

  /** The deadline of a running task: 'timeout' now, whether or not the task honours its signal. */
  timeout(i: number): void {
    if (this.#state[i] !== RUNNING) return;
    const durationMs = performance.now() - this.#time[i]!;
    this.#release(i);
    const id = this.#graph.ids[i] as string;
    this.#end(i, TIMED_OUT, undefined, durationMs);
    const ms = (this.#graph.timeouts as Float64Array)[i]!;
    this.#abortTask(i, new DOMException(`task "${id}" timed out after ${ms} ms`, 'TimeoutError'));
    this.#afterNonPass(i);
    this.#next();
  }

  /** Records task i's outcome; `payload` is its value, error or skip reason, `durationMs` 0 for a skip. */
  #end(i: number, status: number, payload: unknown, durationMs: number): void {
    this.#state[i] = DONE;
    this.#status[i] = status;
    this.#time[i] = durationMs;
    if (payload !== undefined) this.#payload[i] = payload;
    this.#ended++;
    if (status === PASSED) this.#passed++;
    if (this.#levelRemaining !== undefined && this.#isAsync[i] === 0) this.#levelRemaining[this.#level![i]!]! -= 1;
    const sink = this.#sink;
    if (sink !== undefined) {
      const outcome = this.#outcomeOf(i);
      (this.#outcomes ??= new Array<TaskOutcome<V> | undefined>(this.#n))[i] = outcome;
      this.#foreignCalls++;
      sink({ type: 'task:end', time: performance.now(), id: outcome.id, outcome });
    }
  }

  /** The outcome object of an ended task, from the flat arrays. */
  #outcomeOf(i: number): TaskOutcome<V> {
    const id = this.#graph.ids[i] as string;
    const durationMs = this.#time[i]!;
    switch (this.#status[i]) {
      case PASSED:
        return { id, status: 'passed', value: this.#payload[i] as V, durationMs };
      case FAILED:
        return { id, status: 'failed', error: this.#payload[i], durationMs };
      case TIMED_OUT:
        return { id, status: 'timeout', durationMs };
      case CANCELLED:
        return { id, status: 'cancelled', durationMs };
      default:
        return { id, status: 'skipped', reason: this.#payload[i] as SkipReason };
    }
  }

  /** Skips everything that transitively requires task i, in input order, then applies fail-fast. */
  #afterNonPass(i: number): void {
    const { depStart, depIdx, ids } = this.#graph;
    const state = this.#state;
    const collected: number[] = [];
    const stack = [i];
    while (stack.length > 0) {
      const v = stack.pop() as number;
      for (let p = depStart[v]!, end = depStart[v + 1]!; p < end; p++) {
        const d = depIdx[p]!;
        if (state[d] === PENDING) {
          state[d] = MARKED;
          collected.push(d);
          stack.push(d);
        }
      }
    }
    if (collected.length > 0) {
      const inputOf = this.#inputOf;
      if (inputOf === undefined) collected.sort((a, b) => a - b);
      else collected.sort((a, b) => inputOf[a]! - inputOf[b]!);
      const reason: SkipReason = Object.freeze({ blockedBy: ids[i] as string });
      for (const d of collected) if (state[d] === MARKED) this.#end(d, SKIPPED, reason, 0);
    }
    const failFast = this.#options.failFast;
    if (failFast !== false && !this.#stopped && this.#graph.noFailFast?.[i] !== 1) {
      this.#failFastTriggered = true;
      const id = ids[i] as string;
      this.#stop(failFast === 'kill', FAIL_FAST, new DOMException(`fail-fast: task "${id}" did not pass`, 'AbortError'));
    }
  }

  /**
   * Starts nothing more: every task not yet started is skipped (input order); with `kill`, running tasks are
   * cancelled and their signals aborted with `reason`.
   */
  #stop(kill: boolean, skip: SkipReason, reason: unknown): void {
    this.#stopped = true;
    this.#ready.clear();
    this.#asyncReady.clear();
    const state = this.#state;
    const internalOf = this.#internalOf;
    let stopped: number[] | undefined;
    for (let j = 0; j < this.#n; j++) {
      const i = internalOf === undefined ? j : internalOf[j]!;
      const s = state[i];
      if (s === DONE || s === STOPPED) continue;
      if (s === RUNNING) {
        if (!kill) continue;
        this.#time[i] = performance.now() - this.#time[i]!; // its duration: the run stops waiting for it now
        this.#release(i);
        state[i] = STOPPED;
        (stopped ??= []).push(i);
      } else {
        this.#end(i, SKIPPED, skip, 0);
      }
    }
    if (stopped === undefined) return;
    // A task that settled before the stop has its reaction queued already, ahead of this microtask: it ends as what it
    // did. Queued before the signals abort, the microtask also runs ahead of what a task does about its abort, so
    // that — the stop's AbortError, or any error a task makes of it — is cancelled, never a failure of its own.
    queueMicrotask(() => cancelStopped(this));
    for (const i of stopped) this.#abortTask(i, reason);
  }

  /**
   * A stopped task whose result was settled before the stop: a value passed, an error failed — unless it is the
   * stop's abort ({@link isAbortOf}; a task listening to the caller's signal may see it before the run does).
   */
  #settleStopped(i: number, ok: boolean, result: unknown): void {
    try {
      const status = ok ? PASSED : isAbortOf(result, this.signalOf(i)) ? CANCELLED : FAILED;
      this.#end(i, status, status === CANCELLED ? undefined : result, this.#time[i]!);
      this.#next();
    } catch (error) {
      this.crash(error);
    }
  }

  /** Right after the stop: every stopped task that had not settled before it is cancelled. */
  cancelStopped(): void {
    if (this.#finished) return;
    const state = this.#state;
    const internalOf = this.#internalOf;
    for (let j = 0; j < this.#n; j++) {
      const i = internalOf === undefined ? j : internalOf[j]!;
      if (state[i] === STOPPED) this.#end(i, CANCELLED, undefined, this.#time[i]!);
    }
    this.#next();
  }

  #abortTask(i: number, reason: unknown): void {
    const controller = this.#controllers.get(i);
    if (controller !== undefined) controller.abort(reason);
    else this.#abortReasons.set(i, reason);
  }

  /** The task's signal, created on first read; aborted already if the task was abandoned before reading it. */
  signalOf(i: number): AbortSignal {
    let controller = this.#controllers.get(i);
    if (controller === undefined) {
      controller = new AbortController();
      this.#controllers.set(i, controller);
      if (this.#abortReasons.has(i)) {
        controller.abort(this.#abortReasons.get(i));
        this.#abortReasons.delete(i);
      }
    }
    return controller.signal;
  }

  dependenciesOf(i: number): Readonly<Record<string, V>> {
    const { reqStart, reqIdx, ids } = this.#graph;
    const record: Record<string, V> = {};
    for (let p = reqStart[i]!, end = reqStart[i + 1]!; p < end; p++) {
      const r = reqIdx[p]!;
      if (this.#status[r] !== PASSED) continue;
      Object.defineProperty(record, ids[r] as string, { value: this.#payload[r], enumerable: true });
    }
    return Object.freeze(record);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    // The outcome objects are built when `results` is first read: a caller that only reads `ok` (or a rerun loop)
    // never pays for a million objects, and one that reads it gets the same array every time.
    let results: TaskOutcome<V>[] | undefined;
    const outcomes = (): TaskOutcome<V>[] => {
      if (results !== undefined) return results;
      const built = this.#outcomes;
      const n = this.#n;
      results = new Array<TaskOutcome<V>>(n);
      // In input order. Walking the run's arrays in its own numbering reads them in order; the writes land at random.
      const inputOf = this.#inputOf;
      if (built !== undefined) {
        for (let i = 0; i < n; i++) results[inputOf === undefined ? i : inputOf[i]!] = built[i] ?? this.#outcomeOf(i);
        return results;
      }
      // The common case inline, with the arrays in locals: on 100k tasks this loop is most of reading `results`.
      const { ids } = this.#graph;
      const status = this.#status;
      const time = this.#time;
      const payload = this.#payload;
      for (let i = 0; i < n; i++) {
        results[inputOf === undefined ? i : inputOf[i]!] =
          status[i] === PASSED
            ? { id: ids[i] as string, status: 'passed', value: payload[i] as V, durationMs: time[i]! }
            : this.#outcomeOf(i);
      }
      return results;
    };
    const result: GraphResult<V> = {
      ok: this.#passed === this.#n,
      failFastTriggered: this.#failFastTriggered,
      aborted: this.#aborted,
      get results() {
        return outcomes();
      },
    };
    const threads = this.#threads;
    if (threads === undefined) this.#publish(result);
    else {
      // The run settles once its threads are gone, so a caller that exits next leaves none behind.
      const done = (): void => this.#publish(result);
      threads.close().then(done, done);
    }
  }

  #publish(result: GraphResult<V>): void {
    const sink = this.#sink;
    if (sink !== undefined) sink({ type: 'graph:end', time: performance.now(), result });
    this.#resolve(result);
  }

  /** An internal error: release everything this run holds and reject its promise. */
  crash(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopped = true;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    const threads = this.#threads;
    if (threads === undefined) this.#reject(error);
    else {
      const fail = (): void => this.#reject(error);
      threads.close().then(fail, fail);
    }
  }
}

/**
 * Runs a dependency graph of tasks with bounded parallelism and resolves with every task's outcome.
 *
 * - Validation first: a malformed task or option rejects with a TypeError, a graph that cannot run with a
 *   {@link GraphError} (`ERR_DUPLICATE_ID`, `ERR_UNKNOWN_DEPENDENCY`, `ERR_CYCLE`); nothing has started then.
 * - `schedule: 'ready'` (default): a task starts as soon as everything it `requires` has passed and a slot is free;
 *   among ready tasks the one with the longest remaining path to a sink (by `estimateMs`; missing estimates count as
 *   the median of the known ones, or 1) goes first, ties by input order. `'levels'`: VibeGuard's barrier — a level
 *   starts when the non-async tasks of the previous level have all ended.
 * - `async` tasks run in their own pool (`asyncParallel`, default `maxParallel`) and never hold a `maxParallel` slot;
 *   what requires them waits for them, and the run settles only after they have ended.
 * - A task that does not pass skips everything that transitively requires it (`{ blockedBy: id }`, naming that task).
 * - `timeoutMs`: at the deadline the task's signal aborts with a `TimeoutError` DOMException and its status is
 *   'timeout' even if it ignores the signal; its slot is freed and a late result is discarded.
 * - `failFast: 'kill'`: the first failure or timeout of a task whose `triggersFailFast` is not false cancels every
 *   running task (signal aborted) and skips the rest (`{ failFast: true }`); `'no-new'` lets running
 *   tasks finish and skips the rest; `false` (default) runs everything that can run.
 * - A task running when 'kill' or an abort stops the run is 'cancelled' and not waited for: whatever it does once
 *   its signal aborts (the stop's `AbortError`, or any error it makes of it) is the stop's doing. A task that had
 *   already settled when the stop landed (its result was queued behind the one that triggered the stop) ends as what
 *   it did: its own error 'failed', a value 'passed', the stop's abort ({@link isAbortOf}) 'cancelled'. Nothing that
 *   ends after the stop triggers fail-fast or unskips a task.
 * - `signal` aborting acts like 'kill' with `aborted: true` and skip reason `{ aborted: true }`; an already aborted
 *   signal runs nothing. The result never rejects for a task's failure or an abort.
 * - `worker`: a module whose default export runs, on worker threads, every task that has no `run`
 *   ({@link ThreadGraphTask}), called with `{ id, input, dependencies }`; its value is the task's value. Aborting the
 *   task's signal (timeout, 'kill', abort) terminates its thread. The threads end before the result settles.
 *
 * Caveat: tasks abandoned by a timeout, 'kill' or an abort are not awaited; whoever owns resources behind them
 * (processes, sockets) must release them when the signal aborts.
 *
 * @param tasks - The graph; every task appears exactly once in `result.results`, in this order.
 * @param options - maxParallel (@default 4), failFast (@default false), schedule (@default 'ready'), asyncParallel
 *   (@default maxParallel), signal, onEvent (called synchronously with every event; exceptions are ignored),
 *   observer (an observer from fanout's observe API that receives the same events).
 * @example
 * ```ts
 * import { runGraph } from 'fanout';
 * const result = await runGraph(
 *   [
 *     { id: 'build', run: async () => 'dist/' },
 *     { id: 'test', requires: ['build'], run: async ({ dependencies }) => `tested ${dependencies.build}` },
 *   ],
 *   { maxParallel: 2, failFast: 'kill' },
 * );
 * console.log(result.ok, result.results.map((r) => `${r.id}: ${r.status}`));
 * ```
 */
export function runGraph<M extends Record<string, unknown>>(
  tasks: TypedGraphTasks<M>,
  options?: TypedGraphOptions<M>,
): Promise<TypedGraphResult<M>>;
export function runGraph<const Tasks extends ReadonlyArray<GraphTask<unknown, unknown> | ThreadGraphTask<unknown>>>(
  tasks: Tasks,
  options?: GraphOptions<GraphTaskValue<Tasks[number]>>,
): Promise<GraphResult<GraphTaskValue<Tasks[number]>, TaskOutcomeOfList<Tasks>>>;
export function runGraph<V>(tasks: ReadonlyArray<GraphTask<V> | ThreadGraphTask<V>>, options?: GraphOptions<V>): Promise<GraphResult<V>>;
export async function runGraph(
  tasks: ReadonlyArray<AnyGraphTask>,
  options?: GraphOptions<never>,
): Promise<GraphResult<unknown, { id: string }>> {
  // async: a validation error becomes a rejection, never a synchronous throw.
  return new GraphRun(tasks as ReadonlyArray<GraphTask<unknown>>, options as GraphOptions<unknown> | undefined).start();
}

/**
 * One object of each class a run creates, alive for as long as this module. V8 keeps an object layout (a hidden
 * class, built field by field as a constructor runs) only while some object has it, and throws away the optimized
 * code that was built for a layout when it goes. Without these, the collection after a run (its GraphRun, queues and
 * task contexts all garbage) discarded the optimized slot loop, and the next run of a compiled graph started in the
 * interpreter and compiled it again while it ran: measured on a 100k-task chain, a rerun after a collection took 50-56
 * instead of 29-32 ms of CPU.
 */
let shapeAnchors: readonly object[] | undefined;

function anchorShapes(): void {
  if (shapeAnchors !== undefined) return;
  shapeAnchors = []; // set first: the GraphRun below runs this constructor too
  const run = new GraphRun<unknown>([], undefined);
  const queue = new RankQueue(0, undefined);
  shapeAnchors = [run, new TaskContext(run, -1), queue, new Slot(run, queue)];
}

/**
 * What a run of a validated graph needs beyond its own state, shared by a compiled graph's runs: the start order
 * ('ready': longest remaining path first, ties by input order; 'levels': input order), how many tasks each waits
 * for, the levels ('levels').
 *
 * A compiled graph's plan renumbers the graph in start order, so that its runs walk their per-task arrays nearly in
 * order instead of at random (on a 1M-task random DAG, a rerun took half the CPU time) and the ready queue takes the
 * smallest index. A one-shot run keeps input numbering and ranks in the queue: renumbering costs a pass of random
 * reads about as long as what it saves in a single run (measured on a 1M-task random DAG: 0.4 s more).
 */
interface RunPlan<V> {
  graph: GraphTables<V>;
  /** Task i of `graph` is task `inputOf[i]` of the input; undefined when `graph` is in input numbering. */
  inputOf: Int32Array | undefined;
  internalOf: Int32Array | undefined;
  /** The ready queues' order of `graph`'s tasks; undefined: by index. */
  ranks: Ranks | undefined;
  waiting: Int32Array;
  /**
   * The tasks that require nothing, in index order; in a compiled graph's plan and wherever there are edges, so that a
   * run starts without a pass over every task (in each run a loop V8 first met in the interpreter). Undefined for a
   * one-shot run without edges: every task is a source.
   */
  sources: Int32Array | undefined;
  asyncCount: number;
  /** How many tasks require nothing. */
  sourceCount: number;
  levels: { level: Int32Array; count: number } | undefined;
}

function planRun<V>(input: GraphTables<V>, schedule: 'ready' | 'levels', renumber: boolean): RunPlan<V> {
  let graph = input;
  let inputOf: Int32Array | undefined;
  let internalOf: Int32Array | undefined;
  let ranks: Ranks | undefined;
  let levels: { level: Int32Array; count: number } | undefined;
  if (schedule === 'levels') levels = levelIndices(input);
  else if (input.reqIdx.length > 0 || input.estimates !== undefined) {
    // Without estimates every weight is 1: no weight array at all. Without edges and estimates every priority is 1.
    const summary: PrioritySummary = { known: false, max: 0, integers: true, sorted: true };
    ranks = rankByPriority(remainingPaths(input, input.estimates === undefined ? undefined : taskWeights(input), summary), summary);
    if (ranks !== undefined && renumber) {
      ({ graph, inputOf, internalOf } = permuteGraph(input, ranks.byRank, ranks.rankOf));
      ranks = undefined;
    }
  }
  const { n, reqStart, reqIdx, isAsync } = graph;
  const waiting = new Int32Array(n);
  // Whether there are async tasks is a builtin's scan; they are counted only when there are some.
  let asyncCount = 0;
  if (isAsync.includes(1)) for (let i = 0; i < n; i++) asyncCount += isAsync[i]!;
  let sourceCount = n;
  let sources: Int32Array | undefined;
  if (reqIdx.length > 0) {
    // A single loop: each pass over every task is paid in the interpreter first, in a run that cannot be warmed.
    sourceCount = 0;
    for (let i = 0; i < n; i++) {
      const count = reqStart[i + 1]! - reqStart[i]!;
      waiting[i] = count;
      if (count === 0) sourceCount++;
    }
  }
  // A one-shot run with edges takes its sources from this list too: the loop ends at the last source (the first task
  // in a chain or in a DAG listed in dependency order), where a scan for them at the start read every task.
  if (renumber || reqIdx.length > 0) {
    sources = new Int32Array(sourceCount);
    for (let i = 0, k = 0; k < sourceCount; i++) if (waiting[i] === 0) sources[k++] = i;
  }
  return { graph, inputOf, internalOf, ranks, waiting, sources, asyncCount, sourceCount, levels };
}

const TABLES: unique symbol = Symbol('tables');
const CACHE: unique symbol = Symbol('cache');
declare const OUTCOME: unique symbol;

/**
 * A task graph validated once, for running many times: {@link compileGraph} makes one. Each {@link CompiledGraph.run}
 * skips validation and reuses the analyses of earlier runs (priorities, levels); only the run's own state is new.
 *
 * It is a snapshot: the ids, `requires`, `run` functions and other fields are read at compile time, so changing the
 * task array or its objects afterwards does not change the graph (`run` is still called with the task object as
 * `this`).
 *
 * @example
 * ```ts
 * import { compileGraph } from 'fanout';
 * const graph = compileGraph([
 *   { id: 'build', run: async () => 'dist/' },
 *   { id: 'test', requires: ['build'], run: async () => 'ok' },
 * ]);
 * for (let round = 0; round < 3; round++) {
 *   const result = await graph.run({ maxParallel: 2 });
 *   console.log(round, result.ok);
 * }
 * ```
 */
export class CompiledGraph<V, O extends { id: string } = TaskOutcome<V>> {
  /** @internal The outcome type of {@link CompiledGraph.run}'s results (types only). */
  declare readonly [OUTCOME]?: O;
  /** @internal */
  readonly [TABLES]: GraphTables<V>;
  /** @internal */
  readonly [CACHE]: { ready?: RunPlan<V>; levels?: RunPlan<V> } = {};

  /** @internal Use {@link compileGraph}. */
  constructor(tables: GraphTables<V>) {
    this[TABLES] = tables;
  }

  /** How many tasks the graph has. */
  get size(): number {
    return this[TABLES].n;
  }

  /**
   * Runs the graph as {@link runGraph} would run the task list it was compiled from, with the same options except
   * `worker` (every task of a compiled graph has its `run`). Runs may overlap; each has its own state.
   *
   * @example
   * ```ts
   * import { compileGraph } from 'fanout';
   * const graph = compileGraph([{ id: 'ping', run: async () => 'pong' }]);
   * const { results } = await graph.run({ failFast: 'kill' });
   * ```
   */
  async run(options?: GraphOptions<V>): Promise<GraphResult<V, O>> {
    // async: an option error becomes a rejection, as with runGraph.
    return new GraphRun(this as unknown as CompiledGraph<V>, options).start() as unknown as Promise<GraphResult<V, O>>;
  }
}

/**
 * Validates a task list once (the same checks as {@link validateGraph}: TypeError for a malformed task, GraphError
 * for a duplicate id, an unknown dependency or a cycle) and returns a {@link CompiledGraph} that runs it any number
 * of times without validating again. Worth it when the same graph runs more than once, or to validate early.
 *
 * @throws TypeError for a malformed task (every task needs `run`); {@link GraphError} for a graph that cannot run.
 * @example
 * ```ts
 * import { compileGraph } from 'fanout';
 * const graph = compileGraph([
 *   { id: 'a', run: async () => 1 },
 *   { id: 'b', requires: ['a'], run: async ({ dependencies }) => (dependencies.a ?? 0) + 1 },
 * ]);
 * const first = await graph.run();
 * const second = await graph.run({ maxParallel: 1 });
 * console.log(graph.size, first.ok, second.ok); // 2 true true
 * ```
 */
export function compileGraph<M extends Record<string, unknown>>(tasks: TypedGraphTasks<M>): CompiledGraph<M[keyof M], TaskOutcomeOf<M>>;
export function compileGraph<const Tasks extends ReadonlyArray<GraphTask<unknown, unknown>>>(
  tasks: Tasks,
): CompiledGraph<GraphTaskValue<Tasks[number]>, TaskOutcomeOfList<Tasks>>;
export function compileGraph<V>(tasks: ReadonlyArray<GraphTask<V>>): CompiledGraph<V>;
export function compileGraph(tasks: ReadonlyArray<AnyGraphTask>): CompiledGraph<unknown, { id: string }> {
  return new CompiledGraph(compileTables(tasks as ReadonlyArray<GraphTask<unknown>>));
}
