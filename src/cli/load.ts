// Loads the config for a command: diagnostics go to stderr, errors become a UsageError (exit 2).
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from './errors.js';

export interface LoadOptions {
  config?: string | undefined;
  strict?: boolean | undefined;
  cwd?: string | undefined;
}

/** Loads and validates the config; prints its warnings on stderr; throws UsageError (exit 2) listing every error. */
export async function loadForCommand(options: LoadOptions): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadConfig({
    cwd,
    ...(options.config !== undefined ? { file: options.config } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
  });
  if (!loaded.ok) {
    const lines = loaded.diagnostics.map((d) => formatDiagnostic(d, cwd));
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    throw new UsageError(`${lines.join('\n')}\n${errors === 1 ? '1 error' : `${errors} errors`} in the config; nothing was run`, 'ERR_CONFIG', {
      diagnostics: loaded.diagnostics,
    });
  }
  for (const warning of loaded.config.warnings) process.stderr.write(`${formatDiagnostic(warning, cwd)}\n`);
  return loaded.config;
}
