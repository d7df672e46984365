// Where a command's run logs are: one folder per project, whichever of its folders the command starts in.
import { dirname, join, resolve } from 'node:path';
// From the checks entry, not fanout/config's: that one holds the config's parser, which `fanout check` of an unchanged
// config never loads.
import { DEFAULT_LOG_DIR, findConfigFile } from '../checks/run-entry.js';

/**
 * The log folder (absolute): `--log-dir` as given, relative to `cwd`; else `.fanout/runs` in the folder of the config
 * (`-c FILE`, or the one the lookup from `cwd` finds, as every command finds it: `fanout check` in a subfolder and
 * `fanout status` in another see the same runs); with no config found, in `cwd`.
 */
export async function logDirOf(flags: { logDir?: string | undefined; config?: string | undefined }, cwd = process.cwd()): Promise<string> {
  if (flags.logDir !== undefined) return resolve(cwd, flags.logDir);
  const file = await findConfigFile({ cwd, file: flags.config });
  return join(file === undefined ? resolve(cwd) : dirname(file), DEFAULT_LOG_DIR);
}
