// The option type src/checks/prepare.ts reads, under the name it imports. The checks engine is to own that type
// (the CLI maps flags to it, never the reverse): this module goes once prepare.ts no longer imports it.
import type { RunControlOptions } from '../options.js';

/** @deprecated The same as {@link RunControlOptions}. */
export type AgentCheckOptions = RunControlOptions;
