// The narrow entry of the CLI's `fanout check` path (and of the modules every command shares: errors, signals, the
// log folder). Through src/checks/index.ts a start would load, and compile, the whole checks engine as well: watch,
// the shared cache, run state, cache maintenance. Everything here is also exported by src/checks/index.ts.

export { runChecks, DEFAULT_LOG_DIR } from './run.js';
export { planChecks } from './plan.js';
export type { PlanReason, RunPlan } from './plan.js';
export type { RunNote, RunReport } from './events.js';
export type { RunAbort } from './session.js';
export { UsageError, logDirError } from './errors.js';
export { loadConfigCached as loadChecksConfig, warningNotes } from './load.js';
export type { LoadOptions as LoadChecksConfigOptions } from './load.js';
export { findConfigFile } from '../config/find.js';
export { stopsVibeguardRun } from './evaluate.js';
export { killChildGroups } from '../exec/kill-groups.js';
