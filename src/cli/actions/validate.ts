// `fanout validate`: every problem at once, as file:line:col: message; exit 2 when any is an error.
import { formatDiagnostic } from '../../config/diagnostics.js';
import { loadConfig } from '../../config/load.js';
import { EXIT_USAGE } from '../errors.js';
import type { CommonOptions } from '../options.js';
import { styleFor } from '../style.js';
import { displayPath, plural } from '../../shared/text.js';
import { print, printErr, printJson } from '../terminal.js';

export async function validateCommand(options: CommonOptions): Promise<number> {
  const cwd = process.cwd();
  const loaded = await loadConfig({ cwd, ...(options.config !== undefined ? { file: options.config } : {}), ...(options.strict !== undefined ? { strict: options.strict } : {}) });
  const diagnostics = loaded.ok ? loaded.config.warnings : loaded.diagnostics;
  if (options.json) {
    const body = {
      valid: loaded.ok,
      config_file: loaded.ok ? loaded.config.file : (loaded.diagnostics[0]?.file ?? null),
      checks: loaded.ok ? loaded.config.checks.length : 0,
      prompts: loaded.ok ? loaded.config.prompts.length : 0,
      diagnostics: diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d, cwd) })),
    };
    printJson(body);
    return loaded.ok ? 0 : EXIT_USAGE;
  }
  for (const d of diagnostics) printErr(`${formatDiagnostic(d, cwd)}\n`);
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    printErr(`${plural(errors, 'error')}\n`);
    return EXIT_USAGE;
  }
  const style = styleFor(process.stdout, options.color);
  const { config } = loaded;
  const warnings = config.warnings.length > 0 ? `, ${plural(config.warnings.length, 'warning')}` : '';
  print(`${style.green('✓')} ${displayPath(config.file, cwd)}: ${plural(config.checks.length, 'check')}, ${plural(config.prompts.length, 'prompt')}${warnings}\n`);
  return 0;
}
