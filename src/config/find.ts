/**
 * Finding and reading a config file, apart from parsing it: this module loads no YAML parser, so a caller that can
 * answer from elsewhere (the CLI's config cache) reads the file without paying for one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import type { Diagnostic } from './types.js';

/** File names looked up in the working directory, first found wins. */
export const CONFIG_FILE_NAMES: readonly string[] = [
  'fanout.yaml',
  'fanout.yml',
  '.fanout.yaml',
  '.fanout.yml',
  'vibeguard.yaml',
  'vibeguard.yml',
  '.vibeguard.yaml',
  '.vibeguard.yml',
];

/** Options of {@link readConfigFile}: those of `loadConfig` that say which file to read. */
export interface FindConfigOptions {
  /** Folder the lookup starts in (and a relative `file` is resolved against). */
  cwd: string;
  /** Explicit config path: overrides the lookup. */
  file?: string | undefined;
  /** Cancels the lookup and reads: the promise rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** The config file found and its text, or the diagnostic saying why there is none. */
export type FoundConfig = { ok: true; file: string; text: string } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Finds and reads the config: an explicit `file` (relative to `cwd`), else the first of {@link CONFIG_FILE_NAMES} in
 * `cwd`. `file` in the result is absolute. A missing or unreadable file is a diagnostic (`config-not-found`,
 * `config-unreadable`) with line 0, never a throw; an aborted `signal` rejects with its reason.
 */
export async function readConfigFile(options: FindConfigOptions): Promise<FoundConfig> {
  const { cwd, file } = options;
  const signal = assertOptionalSignal('options.signal', options.signal);
  if (typeof cwd !== 'string' || cwd === '') throw invalidArgument('options.cwd', 'a non-empty string', cwd);
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    throw invalidArgument('options.file', 'a non-empty string', file);
  }
  const base = path.resolve(cwd);
  signal?.throwIfAborted();
  const candidates = file === undefined ? CONFIG_FILE_NAMES.map((name) => path.join(base, name)) : [path.resolve(base, file)];
  for (const candidate of candidates) {
    signal?.throwIfAborted();
    let text: string;
    try {
      text = await readFile(candidate, signal === undefined ? { encoding: 'utf8' } : { encoding: 'utf8', signal });
    } catch (error: unknown) {
      if (signal?.aborted === true) throw signal.reason;
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT' || (code === 'ENOTDIR' && file === undefined)) continue;
      const reason = code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error);
      return { ok: false, diagnostics: [fileDiagnostic('config-unreadable', candidate, `cannot read the config file: ${reason}`)] };
    }
    return { ok: true, file: candidate, text };
  }
  const message =
    file === undefined
      ? `no config file found in ${base} (looked for ${CONFIG_FILE_NAMES.join(', ')})`
      : 'config file not found';
  return { ok: false, diagnostics: [fileDiagnostic('config-not-found', file === undefined ? base : (candidates[0] ?? base), message)] };
}

function fileDiagnostic(code: string, file: string, message: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 0, col: 0 };
}
