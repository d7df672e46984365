// The one place the CLI takes the engine from. It is the public API (src/index.ts); while the exec and graph
// exports are not appended there yet, it points at their modules directly.
export { localExecutor } from '../exec/executor.js';
export type { CommandSpec, ExecuteOptions, Executor } from '../exec/executor.js';
export type { CommandResult } from '../exec/run-command.js';
export { runGraph } from '../graph/scheduler.js';
export { criticalPath, graphLevels } from '../graph/analysis.js';
export type { GraphEvent, GraphTask, TaskOutcome } from '../graph/types.js';
