// The one place the CLI takes the engine from. Every symbol here is public API (re-exported by src/index.ts);
// it is imported from its own module rather than from the index because the index also pulls in pino,
// @opentelemetry/api and piscina (about 150 ms of start-up here) that no command of the CLI uses.
export { createLocalExecutor, localExecutor } from '../exec/executor.js';
export type { CommandSpec, ExecuteOptions, Executor } from '../exec/executor.js';
export type { CommandResult } from '../exec/run-command.js';
export { runGraph } from '../graph/scheduler.js';
export { criticalPath, graphLevels } from '../graph/analysis.js';
export type { GraphEvent, GraphTask, TaskOutcome } from '../graph/types.js';
// The one exception, internal to the package: the exec layer's mkdir -p that fails instead of hanging.
export { makeDir, makeDirSync } from '../common/make-dir.js';
