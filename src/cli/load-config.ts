// Loads the config for a command: its warnings (and any note of loading) on stderr, errors a UsageError (exit 2).
import { loadChecksConfig, warningNotes, type LoadChecksConfigOptions as LoadOptions, type RunNote } from '../checks/run-entry.js';
import type { ResolvedConfig } from '../config/index.js';
import { printErr } from './terminal.js';

/** Prints notes of a run or of loading on stderr: a config warning as its diagnostic, the others after `fanout: `. */
export function printNotes(notes: readonly RunNote[]): void {
  for (const note of notes) printErr(note.code === 'config-warning' ? `${note.message}\n` : `fanout: ${note.message}\n`);
}

/**
 * Loads and validates the config; prints its warnings on stderr (a vibeguard.* config's unknown keys only, unless
 * `verbose`: VibeGuard prints none); throws UsageError (exit 2) listing every error.
 */
export async function loadForCommand(options: LoadOptions & { verbose?: boolean | undefined }): Promise<ResolvedConfig> {
  const { config, save, notes } = await loadChecksConfig(options);
  printNotes([...notes, ...warningNotes(config, options.cwd ?? process.cwd(), { asVibeguard: options.verbose !== true })]);
  save?.();
  return config;
}
