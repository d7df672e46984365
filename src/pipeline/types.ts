/**
 * Types of the pipeline engine: steps that create tasks, an executor that runs them, a
 * workspace that persists them, and the results of steps and runs.
 */
import type { Observer } from '../observe/types.js';

/** The least a pipeline task is: an object with an id unique within the run. Your tasks extend it. */
export interface PipelineTask {
  readonly id: string;
}

/** What an executor resolves with for one task. */
export interface ExecutionResult<V = unknown> {
  status: 'completed' | 'failed';
  /** Where the task wrote its output; collected into the step's `outputPaths` for the next step. */
  outputPath?: string;
  /** An in-memory output; collected into the step's `values` for the next step. */
  value?: V;
  /** Why it failed (a message or an error). */
  error?: unknown;
}

/** What {@link PipelineExecutor.execute} receives beside the task. */
export interface ExecutionContext {
  /** Aborts when the pipeline's signal aborts or a sibling task failed (fail-fast). */
  signal: AbortSignal;
}

/**
 * Runs one task, returning its {@link ExecutionResult} or a promise (or any thenable) of it. It is not trusted: a
 * throw or rejection counts as a failed task, and so does a value that is not an {@link ExecutionResult}.
 */
export interface PipelineExecutor<T extends PipelineTask = PipelineTask, V = unknown> {
  execute(task: T, context: ExecutionContext): ExecutionResult<V> | PromiseLike<ExecutionResult<V>>;
}

/** What a step's task factory receives: the previous step's outputs (the pipeline's `inputs` for the first step). */
export interface StepInput<V = unknown> {
  /** `outputPath`s of the previous step's completed tasks, in task order. */
  outputPaths: readonly string[];
  /** `value`s of the previous step's completed tasks, in task order. */
  values: readonly V[];
  /** 0-based position of the step being created. */
  stepIndex: number;
  runId: string;
  /** The pipeline's signal (one that never aborts when none was given). */
  signal: AbortSignal;
}

/** A step that runs one task. */
export interface SequentialStep<T extends PipelineTask = PipelineTask, V = unknown> {
  type: 'sequential';
  name: string;
  createTask: (input: StepInput<V>) => T | PromiseLike<T>;
}

/** A step that runs several tasks at once, created from the previous step's outputs. */
export interface ParallelStep<T extends PipelineTask = PipelineTask, V = unknown> {
  type: 'parallel';
  name: string;
  createTasks: (input: StepInput<V>) => readonly T[] | PromiseLike<readonly T[]>;
}

export type PipelineStep<T extends PipelineTask = PipelineTask, V = unknown> = SequentialStep<T, V> | ParallelStep<T, V>;

/** The codes a failed pipeline run's error carries. */
export type PipelineErrorCode = 'STEP_FAILED' | 'ABORTED' | 'TASK_CREATION_FAILED' | 'WORKSPACE_WRITE_FAILED';

/** Why a step failed. */
export interface StepError {
  code: PipelineErrorCode;
  message: string;
  /** The task at fault: the failure that triggered fail-fast, or the task that could not be written or created. */
  taskId?: string;
  /** The underlying error (the executor's `error` or throw, the factory's or workspace's exception, the abort reason). */
  cause?: unknown;
}

/** The outcome of one step. */
export interface StepResult<T extends PipelineTask = PipelineTask, V = unknown> {
  name: string;
  index: number;
  type: 'sequential' | 'parallel';
  status: 'completed' | 'failed';
  /** Every task the step created (empty if creation failed or the run was aborted before it). */
  tasks: T[];
  /**
   * Results of the tasks that ran, in task order; after a fail-fast stop, tasks that never started have none.
   * Use `taskIds` to pair them with `tasks`.
   */
  executionResults: ExecutionResult<V>[];
  /** The task id of each entry of `executionResults`. */
  taskIds: string[];
  /** `outputPath`s of the completed tasks, in task order: the next step's input. */
  outputPaths: string[];
  /** `value`s of the completed tasks, in task order: the next step's input. */
  values: V[];
  error?: StepError;
  startedAt: Date;
  completedAt: Date;
}

/** The state of a pipeline run. */
export type PipelineStatus = 'running' | 'completed' | 'failed' | 'aborted';

/** The run record: every task id is appended before any task of its step executes. */
export interface PipelineRun {
  id: string;
  status: PipelineStatus;
  taskIds: string[];
  startedAt: Date;
  /** Set before the final status change is announced. */
  completedAt: Date | null;
}

/** What {@link runPipeline} resolves with. */
export interface PipelineResult<T extends PipelineTask = PipelineTask, V = unknown> {
  status: 'completed' | 'failed' | 'aborted';
  /** The steps that ran (the failed one last); steps after a failure do not run. */
  steps: StepResult<T, V>[];
  run: PipelineRun & { completedAt: Date };
  /** The failed step's error, with the step's name. */
  error?: StepError & { step: string };
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions<T extends PipelineTask = PipelineTask, V = unknown> {
  steps: ReadonlyArray<PipelineStep<T, V>>;
  executor: PipelineExecutor<T, V>;
  /**
   * Where tasks are persisted before they run: a {@link Workspace}, a directory path (JSON files, relative to the
   * working directory), or `false` to persist nothing. Nothing is written to disk unless a directory is given.
   * @default an in-memory workspace ({@link createMemoryWorkspace}) keeping tasks by reference: tasks of any shape
   */
  workspace?: Workspace | string | false;
  /** Tasks of a parallel step running at once: an integer >= 1 or Infinity. @default 3 */
  maxConcurrency?: number;
  signal?: AbortSignal;
  /** The run's id. @default crypto.randomUUID() */
  runId?: string;
  /** The first step's input. @default no paths, no values */
  inputs?: { outputPaths?: readonly string[]; values?: readonly V[] };
  /**
   * Called after each step (failed ones included), before the next starts. Not awaited; its exceptions and
   * rejections are contained.
   */
  onStepComplete?: (step: StepResult<T, V>, run: Readonly<PipelineRun>) => unknown;
  /** Called when the run becomes 'running' and when it ends. Not awaited; exceptions and rejections are contained. */
  onStatusChange?: (status: PipelineStatus, run: Readonly<PipelineRun>) => unknown;
  /** Receives the run's events (source 'pipeline', each task event naming its `step`). */
  observer?: Observer;
}

/** Where a task is being written from. */
export interface TaskLocation {
  runId: string;
  step: string;
  stepIndex: number;
}

/**
 * Persists tasks before they run, so a crashed or aborted run leaves a record of what it was about to do. The
 * pipeline writes every task of a step, one after another, before any of them executes; a write that throws fails
 * the step with `WORKSPACE_WRITE_FAILED` and nothing of it runs.
 */
export interface Workspace {
  /** Persists one task; it may finish synchronously or return a promise (or any thenable). */
  writeTask(task: PipelineTask, location: TaskLocation): void | PromiseLike<void>;
}
