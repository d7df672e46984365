// The public checks engine: run a check config from code. `fanout check` is one client of it.
export { runChecks, DEFAULT_LOG_DIR, EXIT_INFRASTRUCTURE } from './run.js';
export { planChecks } from './plan.js';
export type { PlanOptions, PlanReason, PlannedCheck, RunPlan } from './plan.js';
export type { RunChecksOptions, CheckRun, PreparedRun } from './run.js';
export { RUN_EVENT_TYPES } from './events.js';
export type { RunEvent, RunStartEvent, CheckStartEvent, CheckSpawnEvent, CheckRetryEvent, CheckEndEvent, RunEndEvent, RunReport, RunNote } from './events.js';
export type { ReportCheck, CacheWarning } from './report.js';
export { REPORT_SCHEMA_VERSION } from './report.js';
export type { CheckStatus, FailureReason, ReasonCode } from './record.js';
export type { RunAbort } from './session.js';
export { UsageError } from './errors.js';
export { loadConfigCached as loadChecksConfig, warningNotes } from './load.js';
// The config a run of a folder uses, found without loading the config's parser (fanout/config's lookup, re-exported).
export { findConfigFile } from '../config/find.js';
export type { LoadOptions as LoadChecksConfigOptions, LoadedConfig, WarningNotesOptions } from './load.js';
export { logDirError } from './errors.js';
export { selectChecks } from './select.js';
export type { Selection, Selected } from './select.js';
export { checksTouching } from './changed.js';
export { isAsync } from './session.js';
export { blocksRun } from './record.js';
export { stopsVibeguardRun } from './evaluate.js';
export { countStatuses } from './report.js';
export { previousDurations } from './state/logs.js';
export { killChildGroups } from '../exec/kill-groups.js';
// Runs in a log dir, seen and steered through their journals from any process (what `fanout status`, `wait`, `logs`,
// `cancel` and `report` read): naming a run, its state, whether its process still runs it, signalling it, and reaping
// what a dead run left running.
export { listRuns, resolveRun, loadRunState, isLive, runInOtherNamespace, runPhase, signalRun, reapDeadRuns, unreadableJournal } from './state/runs.js';
export type { Reaped, LeftGroup, RefusedGroup } from './state/runs.js';
export { readRunEvents, runReportProblem } from './state/journal.js';
export type { RunState, CheckState } from './state/journal.js';
export { reapedNotes } from './prepare.js';
export { runFolderProblem } from './state/run-folder.js';
// Internal, shared with the CLI (marked @internal): how a `fanout check --background` launcher makes the run folder
// its supervisor then runs in.
export { newRunId } from './state/logs.js';
export { createRunFolder, RUN_MARKER } from './state/run-folder.js';
export { launchPhase, processRecord, recordedProcessGone, recordLaunch } from './state/runs.js';
export type { ProcessRecord } from './state/runs.js';
export { cacheInfo, cleanCache, DEFAULT_CACHE_MAX_BYTES } from './cache/store.js';
export type { CacheInfo, CacheEntry } from './cache/store.js';
export { SharedCache, MAX_SHARED_ENTRY_BYTES } from './cache/remote.js';
export type { SharedCacheBackend, SharedCacheOptions, SharedClaim, SharedFind } from './cache/remote.js';
export { watchChecks, affectedChecks, DEFAULT_WATCH_DEBOUNCE } from './watch.js';
export type { WatchChecksOptions, WatchEvent, WatchReadyEvent, WatchChangeEvent, WatchTimers } from './watch.js';
export { WatchError } from './watch-tree.js';
