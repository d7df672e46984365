// The config cache of `fanout check`: the resolved config of a file whose text has not changed since the last run is
// read back from <log-dir>/.config-cache/ instead of being parsed and validated again. Parsing a config cold (the
// `yaml` parser and valibot loaded and run once each, in a fresh process) costs tens of milliseconds for a couple of
// hundred checks; reading the cached JSON costs well under one, and the parser is then not even loaded.
//
// An entry is used only when its key matches: the file's text, its absolute path, `--strict`, the fanout version and
// the identity of this build of fanout (the content-hashed name of the chunk that computes it: not the mtime and size
// of a file, which npm stamps and a same-size change keeps), so a changed file, a different flag, an upgrade or a
// rebuild all parse afresh. The key is that text itself, compared whole, not a digest of it: no hash
// function to load (node:crypto costs milliseconds at every start) and no collision to rule out. Only configs that loaded without errors are
// stored (their warnings with them, printed again on every run). Anything unexpected — an unreadable, foreign or
// malformed entry, a full disk — just means parsing as usual; a cache folder that is a link, someone else's or open
// to others' writes is not used at all (one warning).
import { lstatSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildIdentity } from '../cache/key.js';
import type { ResolvedConfig } from '../../config/types.js';
import { privateFolderProblem, readOwnJsonSync, replaceFileSync } from '../../common/safe-file.js';
import { makeDirSync } from '../../common/make-dir.js';
import type { RunNote } from '../events.js';

/** Folder of the cache, inside the log dir (its run folders are pruned by name; this one never is). */
export const CONFIG_CACHE_DIR = '.config-cache';
/** Bumped whenever the stored shape of a resolved config changes. */
const FORMAT = 1;

/** The key of a config: everything its resolution depends on, the file's text last. */
export function configCacheKey(file: string, text: string, options: { strict: boolean; version: string }): string {
  return `${JSON.stringify([FORMAT, options.version, buildIdentity(), resolve(file), options.strict])}\0${text}`;
}

/**
 * The cache file of one config file (one entry per config: the last one loaded), named by a 64-bit FNV-1a hash of
 * its absolute path. Two paths of the same name share a file, each entry replacing the other's, and never answer for
 * each other: the key holds the path.
 */
export function configCacheFile(logDir: string, file: string): string {
  const path = resolve(file);
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < path.length; index++) hash = ((hash ^ BigInt(path.charCodeAt(index))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return join(resolve(logDir), CONFIG_CACHE_DIR, `${hash.toString(16).padStart(16, '0')}.json`);
}

interface Entry {
  format: number;
  key: string;
  config: ResolvedConfig;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The checks' shape, as far as running them relies on it: a malformed entry is a miss, never a crash later. */
function looksResolved(config: unknown): config is ResolvedConfig {
  if (!isObject(config) || typeof config.file !== 'string' || typeof config.dir !== 'string') return false;
  if (!Array.isArray(config.checks) || !Array.isArray(config.prompts) || !Array.isArray(config.warnings) || !isObject(config.vars)) return false;
  return config.checks.every(
    (check) =>
      isObject(check) &&
      typeof check.id === 'string' &&
      typeof check.run === 'string' &&
      typeof check.cwd === 'string' &&
      Array.isArray(check.requires) &&
      Array.isArray(check.grok) &&
      isObject(check.env) &&
      isObject(check.on),
  );
}

/** Cache folders already warned about: one warning per run, not one per read and write. */
const refused = new Set<string>();

/**
 * The cache folder of `logDir` when it may be used: a real folder of this user that neither its group nor others may
 * write to (anyone who can write there decides what commands a later run runs, or plants links for its writes).
 * Made (mode 0700) when `create` and missing. Another folder is refused: the cache is skipped, with one warning.
 */
function cacheFolder(logDir: string, create: boolean, notes: RunNote[]): string | undefined {
  const folder = join(resolve(logDir), CONFIG_CACHE_DIR);
  let exists = true;
  try {
    lstatSync(folder);
  } catch {
    exists = false;
  }
  if (!exists) {
    if (!create) return undefined;
    try {
      makeDirSync(resolve(logDir), 0o700);
      mkdirSync(folder, { mode: 0o700 });
    } catch {
      // made meanwhile (checked below), or the log dir is not writable: no cache this time
    }
  }
  const problem = privateFolderProblem(folder);
  if (problem === undefined) return folder;
  if (exists && !refused.has(folder)) {
    refused.add(folder);
    notes.push({ code: 'config-cache-refused', message: `warning: not using the config cache ${folder}: ${problem}` });
  }
  return undefined;
}

/**
 * The cached resolution of `file` under `key`, or undefined (no entry, another key, not ours, malformed). Checks
 * with grok patterns get their matchers compiled again (they are code, not data).
 */
export async function readCachedConfig(logDir: string, file: string, key: string, notes: RunNote[] = []): Promise<ResolvedConfig | undefined> {
  if (cacheFolder(logDir, false, notes) === undefined) return undefined;
  // Someone else's file is not trusted to say what commands to run.
  const entry = readOwnJsonSync(configCacheFile(logDir, file));
  if (!isObject(entry) || entry.format !== FORMAT || entry.key !== key || !looksResolved(entry.config)) return undefined;
  const { config } = entry as unknown as Entry;
  const withGrok = config.checks.filter((check) => check.grok.length > 0);
  if (withGrok.length > 0) {
    const { compileGrok } = await import('../../config/grok.js');
    try {
      for (const check of withGrok) check.grokMatcher = compileGrok(check.grok);
    } catch {
      return undefined;
    }
  }
  return config;
}

/**
 * Stores a resolution: written to a new file of a random name, created exclusively and never through a link, then
 * renamed over the entry, so a reader sees the old entry or the new one, never half of one.
 */
export function writeCachedConfig(logDir: string, file: string, key: string, config: ResolvedConfig): void {
  // A refused folder was told about when the entry was read, before any write.
  if (cacheFolder(logDir, true, []) === undefined) return;
  const entry: Entry = { format: FORMAT, key, config };
  try {
    replaceFileSync(configCacheFile(logDir, file), JSON.stringify(entry, (name, value: unknown) => (name === 'grokMatcher' ? undefined : value)));
  } catch {
    // nothing more to do: the next run parses again
  }
}
