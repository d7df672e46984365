import { randomUUID } from 'node:crypto';
import { assertLimit, assertOptionalSignal, describeValue, invalidArgument } from '../common/arguments.js';
import { isAbortOf } from '../common/abort.js';
import { messageOf } from '../common/errors.js';
import { runWithConcurrency } from '../core/run-with-concurrency.js';
import { startRun } from '../observe/run-events.js';
import type { RunEmitter } from '../observe/run-events.js';
import { optionalObserver } from '../observe/safe.js';
import type {
  ExecutionResult,
  PipelineExecutor,
  PipelineErrorCode,
  PipelineOptions,
  PipelineResult,
  PipelineRun,
  PipelineStatus,
  PipelineStep,
  PipelineTask,
  StepError,
  StepInput,
  StepResult,
} from './types.js';
import { createDirectoryWorkspace, createMemoryWorkspace } from './workspace.js';
import type { Workspace } from './workspace.js';

const DEFAULT_MAX_CONCURRENCY = 3;

interface Context<T extends PipelineTask, V> {
  run: PipelineRun;
  executor: PipelineExecutor<T, V>;
  workspace: Workspace | undefined;
  maxConcurrency: number;
  signal: AbortSignal | undefined;
  /** Handed to task factories: the caller's signal, or one that never aborts. */
  factorySignal: AbortSignal;
  emitter: RunEmitter | undefined;
  seenIds: Set<string>;
}

/**
 * Runs a pipeline of steps: each step creates its tasks from the previous step's outputs, then runs them — one
 * task for a sequential step, many at once (at most `maxConcurrency`) for a parallel one.
 *
 * For every step, in this order: create the tasks (a factory that throws, or tasks without a unique string `id`,
 * fail the step with `TASK_CREATION_FAILED`); append every task id to `run.taskIds`; persist every task to the
 * workspace (by default in memory: nothing is written to disk unless `workspace` names a directory), one after another (`WORKSPACE_WRITE_FAILED` names the task); only then execute them under
 * {@link runWithConcurrency}. `executor.execute` is untrusted: a throw, a rejection or a malformed result is a
 * failed task. The first failed task fails the step (`STEP_FAILED`, naming it): its running siblings see their signal
 * abort, tasks not yet started never start, and later steps do not run. Aborting `signal` fails the current step
 * with `ABORTED` and resolves with status 'aborted'. It never rejects except for invalid options (TypeError).
 *
 * Callbacks run in order — `onStatusChange('running')`, `onStepComplete` after each step, then the final
 * `onStatusChange` (with `run.completedAt` already set) — and whatever they throw is contained.
 *
 * @example
 * ```ts
 * import { runPipeline } from 'fanout/pipeline';
 * const result = await runPipeline({
 *   steps: [
 *     { type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan', files: ['a.ts', 'b.ts'] }) },
 *     {
 *       type: 'parallel',
 *       name: 'review',
 *       createTasks: ({ values }) => (values[0] as string[]).map((file) => ({ id: `review:${file}`, files: [file] })),
 *     },
 *   ],
 *   executor: {
 *     async execute(task, { signal }) {
 *       signal.throwIfAborted();
 *       return { status: 'completed', value: task.files };
 *     },
 *   },
 *   maxConcurrency: 2,
 * });
 * console.log(result.status, result.run.taskIds);
 * ```
 */
export async function runPipeline<T extends PipelineTask, V = unknown>(options: PipelineOptions<T, V>): Promise<PipelineResult<T, V>> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const { steps, executor, onStepComplete, onStatusChange } = options;
  if (!Array.isArray(steps)) throw invalidArgument('options.steps', 'an array of steps', steps);
  steps.forEach((step: unknown, i) => assertStep(`options.steps[${i}]`, step));
  if (typeof executor !== 'object' || executor === null || typeof (executor as Partial<PipelineExecutor>).execute !== 'function') {
    throw invalidArgument('options.executor', 'an object with an execute(task, { signal }) method', executor);
  }
  const maxConcurrency =
    options.maxConcurrency === undefined ? DEFAULT_MAX_CONCURRENCY : assertLimit('options.maxConcurrency', options.maxConcurrency);
  const signal = assertOptionalSignal('options.signal', options.signal);
  if (onStepComplete !== undefined && typeof onStepComplete !== 'function') {
    throw invalidArgument('options.onStepComplete', 'a function', onStepComplete);
  }
  if (onStatusChange !== undefined && typeof onStatusChange !== 'function') {
    throw invalidArgument('options.onStatusChange', 'a function', onStatusChange);
  }
  const workspace = resolveWorkspace(options.workspace);
  const observer = optionalObserver('options.observer', options.observer);
  const runId = options.runId ?? randomUUID();
  if (typeof runId !== 'string' || runId === '') throw invalidArgument('options.runId', 'a non-empty string', runId);
  const inputs = options.inputs ?? {};
  if (typeof inputs !== 'object' || inputs === null) throw invalidArgument('options.inputs', 'an object', inputs);

  const run: PipelineRun = { id: runId, status: 'running', taskIds: [], startedAt: new Date(), completedAt: null };
  const announce = (status: PipelineStatus): void => contain(() => onStatusChange?.(status, run));
  const emitter = observer === undefined ? undefined : startRun(observer, 'pipeline', undefined, runId);
  const results: StepResult<T, V>[] = [];
  let failure: (StepError & { step: string }) | undefined;

  if (signal?.aborted) {
    // Nothing starts, not even the 'running' status; the error names the step that would have run first.
    const reason: unknown = signal.reason;
    failure = { code: 'ABORTED', message: abortMessage(reason), cause: reason, step: (steps[0] as PipelineStep<T, V> | undefined)?.name ?? '' };
    return finish();
  }
  announce('running');

  const context: Context<T, V> = {
    run,
    executor,
    workspace,
    maxConcurrency,
    signal,
    factorySignal: signal ?? new AbortController().signal,
    emitter,
    seenIds: new Set(),
  };
  let input: { outputPaths: readonly string[]; values: readonly V[] } = {
    outputPaths: inputs.outputPaths ?? [],
    values: inputs.values ?? [],
  };
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index] as PipelineStep<T, V>;
    const result = await runStep(context, step, index, input);
    results.push(result);
    contain(() => onStepComplete?.(result, run));
    if (result.error !== undefined) {
      failure = { ...result.error, step: step.name };
      break;
    }
    input = { outputPaths: result.outputPaths, values: result.values };
  }
  return finish();

  function finish(): PipelineResult<T, V> {
    const status = failure === undefined ? 'completed' : failure.code === 'ABORTED' ? 'aborted' : 'failed';
    run.status = status;
    const completedAt = new Date();
    run.completedAt = completedAt;
    emitter?.end({ ok: status === 'completed', aborted: status === 'aborted', failFastTriggered: failure?.code === 'STEP_FAILED' });
    announce(status);
    const result: PipelineResult<T, V> = { status, steps: results, run: run as PipelineRun & { completedAt: Date } };
    if (failure !== undefined) result.error = failure;
    return result;
  }
}

async function runStep<T extends PipelineTask, V>(
  context: Context<T, V>,
  step: PipelineStep<T, V>,
  index: number,
  input: { outputPaths: readonly string[]; values: readonly V[] },
): Promise<StepResult<T, V>> {
  const { run, signal, emitter } = context;
  const result: StepResult<T, V> = {
    name: step.name,
    index,
    type: step.type,
    status: 'completed',
    tasks: [],
    executionResults: [],
    taskIds: [],
    outputPaths: [],
    values: [],
    startedAt: new Date(),
    completedAt: new Date(),
  };
  const fail = (code: PipelineErrorCode, message: string, cause: unknown, taskId?: string): StepResult<T, V> => {
    result.status = 'failed';
    const error: StepError = { code, message, cause };
    if (taskId !== undefined) error.taskId = taskId;
    result.error = error;
    result.completedAt = new Date();
    return result;
  };
  if (signal?.aborted) return fail('ABORTED', abortMessage(signal.reason), signal.reason);

  // 1. Create the tasks.
  const stepInput: StepInput<V> = { ...input, stepIndex: index, runId: run.id, signal: context.factorySignal };
  let tasks: T[];
  try {
    if (step.type === 'sequential') {
      tasks = [await step.createTask(stepInput)];
    } else {
      const created: unknown = await step.createTasks(stepInput);
      if (!Array.isArray(created)) throw invalidArgument(`createTasks() of step "${step.name}"`, 'an array of tasks', created);
      tasks = [...(created as T[])];
    }
  } catch (error) {
    return fail('TASK_CREATION_FAILED', `step "${step.name}": task creation failed: ${messageOf(error)}`, error);
  }
  const ids = new Set<string>();
  for (let i = 0; i < tasks.length; i++) {
    const task: unknown = tasks[i];
    const id = typeof task === 'object' && task !== null ? (task as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || id === '') {
      const error = invalidArgument(`task ${i} of step "${step.name}"`, 'an object with a non-empty string id', task);
      return fail('TASK_CREATION_FAILED', `step "${step.name}": ${error.message}`, error);
    }
    if (ids.has(id) || context.seenIds.has(id)) {
      const error = new TypeError(`task id "${id}" is used twice in run ${run.id}`);
      return fail('TASK_CREATION_FAILED', `step "${step.name}": ${error.message}`, error, id);
    }
    ids.add(id);
  }
  result.tasks = tasks;

  // 2. Record every id, then 3. persist every task — all before anything executes.
  for (const id of ids) {
    context.seenIds.add(id);
    run.taskIds.push(id);
  }
  if (context.workspace !== undefined) {
    for (const task of tasks) {
      try {
        await context.workspace.writeTask(task, { runId: run.id, step: step.name, stepIndex: index });
      } catch (error) {
        return fail('WORKSPACE_WRITE_FAILED', `step "${step.name}": writing task "${task.id}" failed: ${messageOf(error)}`, error, task.id);
      }
    }
  }
  if (signal?.aborted) return fail('ABORTED', abortMessage(signal.reason), signal.reason);

  // 4. Execute.
  const started = new Uint8Array(tasks.length);
  const stepName = step.name;
  const execute = context.executor;
  const closures = tasks.map((task, i) => async (taskSignal: AbortSignal): Promise<ExecutionResult<V>> => {
    started[i] = 1;
    const t0 = performance.now();
    emitter?.taskStart(task.id, stepName);
    let outcome: ExecutionResult<V>;
    try {
      outcome = checkResult(await execute.execute(task, { signal: taskSignal }));
    } catch (error) {
      outcome = { status: 'failed', error };
    }
    if (emitter !== undefined) {
      const durationMs = performance.now() - t0;
      const id = task.id;
      emitter.taskEnd(
        id,
        outcome.status === 'completed'
          ? { id, status: 'passed', value: outcome, durationMs }
          : isAbortOf(outcome.error, taskSignal) // the stop's abort is its consequence; any other failure is the task's own
            ? { id, status: 'cancelled', durationMs }
            : { id, status: 'failed', error: outcome.error, durationMs },
        stepName,
      );
    }
    return outcome;
  });
  const outcome = await runWithConcurrency({
    tasks: closures,
    maxConcurrency: context.maxConcurrency,
    isFailed: (r) => r.status === 'failed',
    ...(signal === undefined ? {} : { signal }),
  });

  for (let i = 0; i < tasks.length; i++) {
    const r = outcome.resultsByIndex[i];
    if (r === undefined) {
      if (emitter !== undefined && started[i] === 0) {
        const id = (tasks[i] as T).id;
        emitter.taskEnd(id, { id, status: 'skipped', reason: outcome.aborted ? { aborted: true } : { failFast: true } }, stepName);
      }
      continue;
    }
    result.executionResults.push(r);
    result.taskIds.push((tasks[i] as T).id);
    if (r.status === 'completed') {
      if (r.outputPath !== undefined) result.outputPaths.push(r.outputPath);
      if (r.value !== undefined) result.values.push(r.value);
    }
  }
  // An abort that lands after every task completed loses nothing: the step stands, the next one sees the abort.
  const allCompleted = result.executionResults.length === tasks.length && result.executionResults.every((r) => r.status === 'completed');
  if (outcome.aborted && !allCompleted) return fail('ABORTED', abortMessage(signal?.reason), signal?.reason);
  if (outcome.firstFailureIndex !== null) {
    const task = tasks[outcome.firstFailureIndex] as T;
    const cause = outcome.resultsByIndex[outcome.firstFailureIndex]?.error;
    const detail = cause === undefined ? 'no error given' : messageOf(cause);
    return fail('STEP_FAILED', `step "${step.name}": task "${task.id}" failed: ${detail}`, cause, task.id);
  }
  result.completedAt = new Date();
  return result;
}

/** An executor's result, checked: anything but `{ status: 'completed' | 'failed' }` is a failure. */
function checkResult<V>(value: unknown): ExecutionResult<V> {
  if (typeof value === 'object' && value !== null) {
    const status = (value as { status?: unknown }).status;
    if (status === 'completed' || status === 'failed') return value as ExecutionResult<V>;
  }
  return {
    status: 'failed',
    error: new TypeError(`executor.execute() must resolve with { status: 'completed' | 'failed' }, received ${describeValue(value)}`),
  };
}

function assertStep(name: string, step: unknown): void {
  if (typeof step !== 'object' || step === null) throw invalidArgument(name, 'a step object', step);
  const { type, name: stepName } = step as { type?: unknown; name?: unknown };
  if (typeof stepName !== 'string' || stepName === '') throw invalidArgument(`${name}.name`, 'a non-empty string', stepName);
  if (type === 'sequential') {
    if (typeof (step as { createTask?: unknown }).createTask !== 'function') {
      throw invalidArgument(`${name}.createTask`, 'a function', (step as { createTask?: unknown }).createTask);
    }
  } else if (type === 'parallel') {
    if (typeof (step as { createTasks?: unknown }).createTasks !== 'function') {
      throw invalidArgument(`${name}.createTasks`, 'a function', (step as { createTasks?: unknown }).createTasks);
    }
  } else {
    throw invalidArgument(`${name}.type`, "'sequential' or 'parallel'", type);
  }
}

function resolveWorkspace(value: unknown): Workspace | undefined {
  if (value === false) return undefined;
  // A library writes to disk only when asked: by default tasks are kept in memory by reference, so a task of any
  // shape (functions, class instances) runs; only a workspace the caller chose can refuse one.
  if (value === undefined) return createMemoryWorkspace();
  if (typeof value === 'string') return createDirectoryWorkspace(value);
  if (typeof value === 'object' && value !== null && typeof (value as Partial<Workspace>).writeTask === 'function') {
    return value as Workspace;
  }
  throw invalidArgument('options.workspace', 'a directory path, false, or an object with a writeTask(task, location) method', value);
}

function abortMessage(reason: unknown): string {
  return `pipeline aborted: ${messageOf(reason)}`;
}

/** Runs a user callback; its exception (or rejected promise) must never change the run. */
function contain(callback: () => unknown): void {
  try {
    const returned = callback();
    if (returned instanceof Promise) returned.catch(() => {});
  } catch {
    // contained by contract
  }
}
