// Loads the config for a command: diagnostics go to stderr, errors become a UsageError (exit 2).
import { formatDiagnostic } from '../config/diagnostics.js';
import { readConfigFile } from '../config/find.js';
import type { Diagnostic, ResolvedConfig } from '../config/types.js';
import { configCacheKey, readCachedConfig, writeCachedConfig } from './state/config-cache.js';
import { UsageError } from '../cli/errors.js';
import { printErr } from '../cli/terminal.js';

export interface LoadOptions {
  config?: string | undefined;
  strict?: boolean | undefined;
  cwd?: string | undefined;
  /**
   * `fanout check`: reuse the resolution of an unchanged config from `<logDir>/.config-cache/` (see config-cache.ts),
   * and store it there after a parse.
   */
  cache?: { logDir: string; version: string } | undefined;
}

/** Loads and validates the config; prints its warnings on stderr; throws UsageError (exit 2) listing every error. */
export async function loadForCommand(options: LoadOptions): Promise<ResolvedConfig> {
  const { config, save } = await loadConfigCached(options);
  save?.();
  return config;
}

/**
 * {@link loadForCommand} for `fanout check`: the config, and — when it was parsed and `options.cache` is set — `save`,
 * which stores it in the cache. The caller saves once the log folder is known to be usable, so that a usage error
 * found after loading (a bad `--junit` path) still leaves nothing behind. The YAML parser and the schemas are loaded
 * only when the config is actually parsed (never for a cache hit).
 */
export async function loadConfigCached(options: LoadOptions): Promise<{ config: ResolvedConfig; save: (() => void) | undefined }> {
  const cwd = options.cwd ?? process.cwd();
  const found = await readConfigFile({ cwd, file: options.config });
  if (!found.ok) throw configError(found.diagnostics, cwd);
  const strict = options.strict ?? false;
  const { cache } = options;
  const key = cache && configCacheKey(found.file, found.text, { strict, version: cache.version });
  let config = cache && key ? await readCachedConfig(cache.logDir, found.file, key) : undefined;
  let save: (() => void) | undefined;
  if (config === undefined) {
    const { loadConfigText } = await import('../config/load.js');
    const loaded = loadConfigText(found.text, found.file, { strict });
    if (!loaded.ok) throw configError(loaded.diagnostics, cwd);
    const parsed = (config = loaded.config);
    if (cache && key) save = () => writeCachedConfig(cache.logDir, found.file, key, parsed);
  }
  for (const warning of config.warnings) printErr(`${formatDiagnostic(warning, cwd)}\n`);
  return { config, save };
}

function configError(diagnostics: readonly Diagnostic[], cwd: string): UsageError {
  const lines = diagnostics.map((d) => formatDiagnostic(d, cwd));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return new UsageError(`${lines.join('\n')}\n${errors === 1 ? '1 error' : `${errors} errors`} in the config; nothing was run`, 'ERR_CONFIG', {
    diagnostics,
  });
}
