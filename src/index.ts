// fanout: the core of the engine (semaphore, concurrency, process-parallel, parallel-map), dependency graphs and
// child processes, with no runtime dependency. Heavier parts have entry points of their own: fanout/config,
// fanout/checks, fanout/pipeline, fanout/threads, fanout/observe, fanout/distributed.
export { FanoutError, TaskError, ParallelError } from './common/errors.js';
export { FailFastError } from './common/errors.js';
export type { FailureGroup, FailureSummary } from './common/errors.js';
export { isAbortOf } from './common/abort.js';
export { Semaphore } from './core/semaphore.js';
export type { AcquireOptions, Release } from './core/semaphore.js';
export { runWithConcurrency } from './core/run-with-concurrency.js';
export type { ConcurrencyOptions, ConcurrencyResult, ConcurrencyTask, ConcurrencyTaskValue } from './core/run-with-concurrency.js';
export { processParallel } from './core/process-parallel.js';
export type { ItemContext, ProcessParallelOptions, ProcessParallelResult } from './core/process-parallel.js';
export { parallelMap } from './core/parallel-map.js';
export type { ParallelMapOptions, ParallelMapIterator } from './core/parallel-map.js';
export { runGraph, compileGraph, CompiledGraph } from './graph/scheduler.js';
export { defineGraph, dependencyValue, outcomeOf } from './graph/define.js';
export type { DefinedTaskOptions, GraphDefinition, TypedGraphOptions, TypedGraphResult, TypedGraphTasks } from './graph/define.js';
export { streamGraph } from './graph/stream.js';
export type { GraphStream } from './graph/stream.js';
export { validateGraph, GraphError } from './graph/validate.js';
export type { GraphErrorCode } from './graph/validate.js';
export { graphLevels, criticalPath } from './graph/analysis.js';
export type { CriticalPath } from './graph/analysis.js';
export type { GraphTask, GraphTaskContext, GraphOptions, FailFastMode, SkipReason, TaskOutcome, GraphResult, GraphEvent, ThreadGraphTask, ThreadTaskInput } from './graph/types.js';
export type { AnyGraphTask, GraphTaskValue, TaskOutcomeOf, TaskOutcomeOfList } from './graph/types.js';
export { parseDuration, formatDuration } from './common/duration.js';
export { runCommand } from './exec/run-command.js';
export type { RunCommandOptions, CommandResult } from './exec/run-command.js';
export { SpawnError } from './exec/spawn-error.js';
export type { SpawnErrorReason } from './exec/spawn-error.js';
export { createLocalExecutor, FANOUT_KEY_VARIABLES, localExecutor } from './exec/executor.js';
export type { CommandSpec, ExecuteOptions, Executor, LocalExecutorOptions } from './exec/executor.js';
export type { Observer, ObservedEvent, RunSource, RunSummary, RunTag } from './observe/types.js';
