// Loads a run's config: from its file (or from the cache of its resolution), errors as a UsageError listing every
// diagnostic; warnings stay in the config (`config.warnings`) for the caller to tell.
import { formatDiagnostic } from '../config/diagnostics.js';
import { readConfigFile } from '../config/find.js';
import type { Diagnostic, ResolvedConfig } from '../config/types.js';
import { configCacheKey, readCachedConfig, writeCachedConfig } from './state/config-cache.js';
import { UsageError } from './errors.js';
import type { RunNote } from './events.js';

export interface LoadOptions {
  config?: string | undefined;
  strict?: boolean | undefined;
  cwd?: string | undefined;
  /**
   * Reuse the resolution of an unchanged config from `<logDir>/.config-cache/` (see config-cache.ts), and store it
   * there after a parse.
   */
  cache?: { logDir: string; version: string } | undefined;
}

/** A loaded config; `save` (when it was parsed and a cache was asked for) stores it in the cache. */
export interface LoadedConfig {
  config: ResolvedConfig;
  save: (() => void) | undefined;
  /** What loading told besides the config's own warnings (a cache folder refused). */
  notes: RunNote[];
}

/**
 * The config, and — when it was parsed and `options.cache` is set — `save`, which stores it in the cache. The caller
 * saves once the log folder is known to be usable, so that a usage error found after loading still leaves nothing
 * behind. The YAML parser and the schemas are loaded only when the config is actually parsed (never for a cache
 * hit). Throws UsageError (`ERR_CONFIG`) listing every error.
 */
export async function loadConfigCached(options: LoadOptions): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const found = await readConfigFile({ cwd, file: options.config });
  if (!found.ok) throw options.config === undefined ? notFoundError(found.diagnostics, cwd) : configError(found.diagnostics, cwd);
  const strict = options.strict ?? false;
  const { cache } = options;
  const notes: RunNote[] = [];
  const key = cache && configCacheKey(found.file, found.text, { strict, version: cache.version });
  let config = cache && key ? await readCachedConfig(cache.logDir, found.file, key, notes) : undefined;
  let save: (() => void) | undefined;
  if (config === undefined) {
    const { loadConfigText } = await import('../config/load.js');
    const loaded = loadConfigText(found.text, found.file, { strict });
    if (!loaded.ok) throw configError(loaded.diagnostics, cwd);
    const parsed = (config = loaded.config);
    if (cache && key) save = () => writeCachedConfig(cache.logDir, found.file, key, parsed);
  }
  return { config, save, notes };
}

/** Options of {@link warningNotes}. */
export interface WarningNotesOptions {
  /**
   * Print as VibeGuard does: in a vibeguard.* config only the unknown keys are told (VibeGuard prints no warning, and
   * its output is what scripts read); the rest waits for verbose output (`-v`) or `fanout validate --json`.
   * @default false
   */
  asVibeguard?: boolean;
}

/**
 * The config's warnings as notes, formatted relative to `cwd`.
 *
 * @example
 * ```ts
 * import { loadChecksConfig, warningNotes } from 'fanout/checks';
 * const { config } = await loadChecksConfig({ cwd: process.cwd() });
 * for (const note of warningNotes(config, process.cwd(), { asVibeguard: true })) console.error(note.message);
 * ```
 */
export function warningNotes(config: ResolvedConfig, cwd: string, options: WarningNotesOptions = {}): RunNote[] {
  const told = options.asVibeguard === true && config.vibeguardCompat ? config.warnings.filter((warning) => warning.code === 'unknown-key') : config.warnings;
  return told.map((warning) => ({ code: 'config-warning', message: formatDiagnostic(warning, cwd) }));
}

/** No config in the folders looked in: said plainly, with the command that writes one (no "error in the config"). */
function notFoundError(diagnostics: readonly Diagnostic[], cwd: string): UsageError {
  const [only] = diagnostics;
  if (diagnostics.length !== 1 || only?.code !== 'config-not-found') return configError(diagnostics, cwd);
  return new UsageError(only.message, 'ERR_CONFIG', { diagnostics });
}

function configError(diagnostics: readonly Diagnostic[], cwd: string): UsageError {
  const lines = diagnostics.map((d) => formatDiagnostic(d, cwd));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return new UsageError(`${lines.join('\n')}\n${errors === 1 ? '1 error' : `${errors} errors`} in the config; nothing was run`, 'ERR_CONFIG', {
    diagnostics,
  });
}
