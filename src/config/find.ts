/**
 * Finding and reading a config file, apart from parsing it: this module loads no YAML parser, so a caller that can
 * answer from elsewhere (the CLI's config cache) reads the file without paying for one.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import type { Diagnostic } from './types.js';

/**
 * File names looked up in the working directory, first found wins; the `fanout.*` ones (the first four) also in the
 * folders above it (see {@link readConfigFile}).
 */
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

/** The names looked up in the folders above the working directory: fanout's own (VibeGuard looks in one folder). */
const UPWARD_NAMES: readonly string[] = CONFIG_FILE_NAMES.filter((name) => !/^\.?vibeguard\./.test(name));

/** The command a folder without a config is told to run. */
export const INIT_COMMAND = 'npx --no-install fanout init';

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
 * The folders a config is looked for in: `cwd`, then each folder above it up to the repository's root (the first
 * holding `.git`, a folder or a worktree's file), the nearest first. Outside a repository, `cwd` alone: a folder
 * above that nobody vouches for (`/tmp`, a shared home) must not hand its commands to whoever runs fanout below it.
 *
 * @example
 * ```ts
 * import { configFolders } from 'fanout/config';
 * const { folders, root } = await configFolders('/repo/packages/app'); // ['/repo/packages/app', '/repo/packages', '/repo'], '/repo'
 * ```
 */
export async function configFolders(cwd: string, signal?: AbortSignal): Promise<{ folders: string[]; root: string }> {
  const folders = [path.resolve(cwd)];
  for (;;) {
    signal?.throwIfAborted();
    const folder = folders.at(-1) ?? cwd;
    if (await present(path.join(folder, '.git'))) return { folders, root: folder };
    const parent = path.dirname(folder);
    if (parent === folder) return { folders: [path.resolve(cwd)], root: path.resolve(cwd) };
    folders.push(parent);
  }
}

async function present(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds and reads the config: an explicit `file` (relative to `cwd`), else the first of {@link CONFIG_FILE_NAMES} in
 * `cwd`, else the first `fanout.*` name in the folders above it up to the repository's root (see
 * {@link configFolders}; the nearest folder wins; `vibeguard.*` files count in `cwd` only, as VibeGuard finds them).
 * `file` in the result is absolute. A missing or unreadable file is a diagnostic (`config-not-found`,
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
  const { lookup, candidates } = await candidatesOf(base, file, signal);
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
    lookup === undefined
      ? 'config file not found'
      : `no fanout.yaml found in ${base}${lookup.root === base ? '' : ` or its parents up to ${lookup.root}`}; run \`${INIT_COMMAND}\``;
  return { ok: false, diagnostics: [fileDiagnostic('config-not-found', lookup === undefined ? (candidates[0] ?? base) : base, message)] };
}

/** The files {@link readConfigFile} tries, in order; `lookup` when no `file` is given. */
async function candidatesOf(base: string, file: string | undefined, signal: AbortSignal | undefined): Promise<{ lookup: { folders: string[]; root: string } | undefined; candidates: string[] }> {
  signal?.throwIfAborted();
  const lookup = file === undefined ? await configFolders(base, signal) : undefined;
  const candidates =
    lookup === undefined
      ? [path.resolve(base, file ?? '')]
      : lookup.folders.flatMap((folder) => (folder === base ? CONFIG_FILE_NAMES : UPWARD_NAMES).map((name) => path.join(folder, name)));
  return { lookup, candidates };
}

/**
 * The absolute path of the config file {@link readConfigFile} would read with the same options (an explicit `file`,
 * present or not, else the lookup from `cwd`), without reading it; undefined when the lookup finds none. For what
 * lives beside the config, such as the log folder.
 *
 * @example
 * ```ts
 * import { findConfigFile } from 'fanout/config';
 * const file = await findConfigFile({ cwd: process.cwd() }); // '/repo/fanout.yaml' from /repo/packages/app
 * ```
 */
export async function findConfigFile(options: FindConfigOptions): Promise<string | undefined> {
  const signal = assertOptionalSignal('options.signal', options.signal);
  if (typeof options.cwd !== 'string' || options.cwd === '') throw invalidArgument('options.cwd', 'a non-empty string', options.cwd);
  const { lookup, candidates } = await candidatesOf(path.resolve(options.cwd), options.file, signal);
  if (lookup === undefined) return candidates[0];
  for (const candidate of candidates) {
    signal?.throwIfAborted();
    // As readConfigFile: a name that is missing (or under a file) is passed over; anything else is the config.
    try {
      await stat(candidate);
      return candidate;
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return candidate;
    }
  }
  return undefined;
}

function fileDiagnostic(code: string, file: string, message: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 0, col: 0 };
}
