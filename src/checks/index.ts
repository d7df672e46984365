// The public checks engine: run a check config from code. `fanout check` is one client of it.
export { runChecks, DEFAULT_LOG_DIR, EXIT_INFRASTRUCTURE } from './run.js';
export { planChecks } from './plan.js';
export type { PlanOptions, PlanReason, PlannedCheck, RunPlan } from './plan.js';
export type { RunChecksOptions, CheckRun, PreparedRun } from './run.js';
export { RUN_EVENT_TYPES } from './events.js';
export type { RunEvent, RunStartEvent, CheckStartEvent, CheckSpawnEvent, CheckRetryEvent, CheckEndEvent, RunEndEvent, RunReport, RunNote } from './events.js';
export type { ReportCheck } from './report.js';
export { REPORT_SCHEMA_VERSION } from './report.js';
export type { CheckStatus, FailureReason, ReasonCode, SkipReason as CheckSkipReason } from './record.js';
export type { RunAbort } from './session.js';
export { UsageError } from './errors.js';
export { loadConfigCached as loadChecksConfig, warningNotes } from './load.js';
export type { LoadOptions as LoadChecksConfigOptions, LoadedConfig } from './load.js';
