// `fanout validate`: every problem at once, as file:line:col: message; exit 2 when any is an error. A valid vibeguard.*
// config is confirmed in VibeGuard's words (`Configuration is valid (N checks defined)`, `-v`: each check's severity and
// requirements).
import { formatDiagnostic, loadConfig } from '../../config/index.js';
import { EXIT_USAGE } from '../errors.js';
import type { CommonOptions } from '../options.js';
import { styleFor } from '../style.js';
import { displayPath, plural } from '../../common/text.js';
import { print, printErr, printJson } from '../terminal.js';

export async function validateCommand(options: CommonOptions): Promise<number> {
  const cwd = process.cwd();
  const loaded = await loadConfig({ cwd, ...(options.config !== undefined ? { file: options.config } : {}), ...(options.strict !== undefined ? { strict: options.strict } : {}) });
  const diagnostics = loaded.ok ? loaded.config.warnings : loaded.diagnostics;
  // VibeGuard's validate prints its text whatever --json says (a global flag only `check` reads).
  if (options.json && !(loaded.ok && loaded.config.vibeguardCompat)) {
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
  if (!loaded.ok && options.config === undefined && loaded.diagnostics.length === 1 && loaded.diagnostics[0]?.code === 'config-not-found') {
    printErr(`${loaded.diagnostics[0].message}\n`);
    return EXIT_USAGE;
  }
  // VibeGuard's validate prints no warning: a vibeguard.* config's are told with -v, its unknown keys always.
  const told = loaded.ok && loaded.config.vibeguardCompat && !options.verbose ? diagnostics.filter((d) => d.code === 'unknown-key') : diagnostics;
  for (const d of told) printErr(`${formatDiagnostic(d, cwd)}\n`);
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    printErr(`${plural(errors, 'error')}\n`);
    return EXIT_USAGE;
  }
  const { config } = loaded;
  if (config.vibeguardCompat) {
    let text = `Configuration is valid (${config.checks.length} checks defined)\n`;
    if (options.verbose) {
      text += '\nChecks:\n';
      for (const check of config.checks) text += `  - ${check.id}: ${check.severity}${check.requires.length > 0 ? ` (requires: [${check.requires.join(' ')}])` : ''}\n`;
    }
    print(text);
    return 0;
  }
  const style = styleFor(process.stdout, options.color);
  const warnings = config.warnings.length > 0 ? `, ${plural(config.warnings.length, 'warning')}` : '';
  print(`${style.green('✓')} ${displayPath(config.file, cwd)}: ${plural(config.checks.length, 'check')}, ${plural(config.prompts.length, 'prompt')}${warnings}\n`);
  return 0;
}
