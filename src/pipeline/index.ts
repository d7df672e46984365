// fanout/pipeline: pipelines of steps that create tasks, and chains of steps over items.
export { runPipeline } from './run-pipeline.js';
export type { PipelineTask, ExecutionResult, ExecutionContext, PipelineExecutor, StepInput, SequentialStep, ParallelStep, PipelineStep, PipelineErrorCode, StepError, StepResult, PipelineStatus, PipelineRun, PipelineResult, PipelineOptions } from './types.js';
export { createDirectoryWorkspace, createMemoryWorkspace } from './workspace.js';
export type { Workspace, TaskLocation, StoredTask, MemoryWorkspaceOptions } from './workspace.js';
export { processChain, ChainError } from './chain.js';
export type { ChainContext, ChainOptions, ChainResult, ChainStep } from './chain.js';
