// The key of a cached check result: a SHA-256 over everything that can change a check's outcome. Each part is
// written as JSON inside one JSON array, so no two different sets of parts encode to the same text (a path holding
// a newline, a value holding a separator, an env var set to "" and one unset all stay apart).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedCheck } from '../../config/types.js';

/**
 * Bumped whenever the meaning of a key or the shape of an entry changes, or what decides an outcome changes under the
 * same spec (grok and assert semantics): older entries are then never read.
 */
export const CACHE_FORMAT = 2;

let build: string | undefined;

/** A bundler's chunk name: `<name>-<8 characters of the hash of its content>.js`. */
const HASHED_CHUNK = /-[A-Za-z0-9_-]{8}\.js$/;

/**
 * What identifies this build of fanout beyond its version: the module holding this code. Bundled into a chunk whose
 * name holds the hash of its content (the CLI's), that name; else the SHA-256 of the module's text (the library's
 * entry file, 140 KB: about 0.2 ms), whose imports name every chunk by its content hash. Either way a change
 * anywhere in the code it runs changes it, while machines with the same build (the same release, or the same commit
 * built twice) agree and share entries. Computed once per process.
 */
export function buildIdentity(): string {
  if (build === undefined) {
    try {
      const file = fileURLToPath(import.meta.url);
      build = HASHED_CHUNK.test(basename(file)) ? basename(file) : createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 32);
    } catch {
      // Unreadable (a bundle whose file is gone): the version alone tells builds apart, as before.
      build = 'unknown';
    }
  }
  return build;
}

/** One input file as it counts in a key: its path relative to the config's folder (`/`-separated) and content. */
export interface InputDigest {
  path: string;
  /** The content's git blob name (SHA-1 of `blob <size>\0` and the bytes); a link's is that of its target text, prefixed `link:`. */
  hash: string;
  /** Whether its owner may execute it (a script losing `+x` changes what running it does). */
  executable: boolean;
}

/**
 * What the outcome of a check depends on, besides fanout's version and the platform. Of a {@link ResolvedCheck}'s
 * fields, these decide an outcome: `run`, `env`, `cwd`, `timeoutMs` (the effective one), `grok` (and `grokMatcher`,
 * compiled from it under the config's mode, and `invalid`, derived from it), `assert`, `file`, `severity`, `retries`
 * (a flaky check may pass only on a retry) and the config's mode (`vibeguard`: another grok engine, missing values
 * read as "", other assert rules, another reading of `file`); `id`, `requires`, `envInputs` and the content of the
 * files `inputs` matches are parts of the key beside the spec. The others cannot change whether a check passes:
 * `suggestion`, `fix` and `on` are rendered from the current config even on a hit; `tags`, `files`, `line` and
 * `cache` only select or describe; `async`, `timeoutExplicit` and `lock` only decide when it runs.
 */
export interface CheckSpec {
  run: string;
  env: ReadonlyArray<readonly [string, string]>;
  /** Relative to the config's folder, `/`-separated (`.` for the folder itself). */
  cwd: string;
  /** The timeout each attempt runs under (the run's `timeout` for checks without their own); null: none. */
  timeoutMs: number | null;
  grok: readonly string[];
  assert: string | null;
  /** Relative to the config's folder, `/`-separated. */
  file: string | null;
  severity: 'error' | 'warning';
  /** Attempts after the first one (a pass may need them). */
  retries: number;
  /** Whether the config is in VibeGuard's naming: its grok engine, values and assert rules. */
  vibeguard: boolean;
}

/** Every part of a key. */
export interface CacheKeyParts {
  version: string;
  /** {@link buildIdentity}: two builds of one version do not replay each other's results. */
  build: string;
  platform: string;
  arch: string;
  nodeMajor: number;
  id: string;
  spec: CheckSpec;
  inputs: readonly InputDigest[];
  /** Each declared variable and its value; null when it is not set (not the same as set to ""). */
  env: ReadonlyArray<readonly [string, string | null]>;
  /** Each required check and the key of the result it had in this run. */
  requires: ReadonlyArray<readonly [string, string]>;
}

const toPosix = (path: string): string => (sep === '/' ? path : path.split(sep).join('/'));

/** A path under the config's folder as keys write it. */
export function keyPath(dir: string, path: string): string {
  return toPosix(relative(dir, path)) || '.';
}

/** The outcome-deciding fields of a check, free of absolute paths (a moved checkout keeps its keys). */
export function checkSpec(check: ResolvedCheck, dir: string, timeoutMs: number | null, vibeguard: boolean): CheckSpec {
  return {
    run: check.run,
    env: Object.entries(check.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    cwd: keyPath(dir, check.cwd),
    timeoutMs,
    grok: check.grok,
    assert: check.assert ?? null,
    file: check.file === undefined ? null : keyPath(dir, check.file),
    severity: check.severity,
    retries: check.retries,
    vibeguard,
  };
}

const byFirst = <T extends readonly [string, unknown]>(a: T, b: T): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The key of a check's result: 64 hex digits. Inputs, variables and requirements count whatever order they come in;
 * the inputs may be given as their {@link inputsDigest} (the same key).
 *
 * @example
 * ```ts
 * import { cacheKey } from './key.js';
 * const spec = { run: 'npm run lint', env: [], cwd: '.', timeoutMs: 30_000, grok: [], assert: null, file: null, severity: 'error' as const, retries: 0, vibeguard: false };
 * cacheKey({ version: '1.0.0', build: 'dev', platform: 'linux', arch: 'x64', nodeMajor: 22, id: 'lint', spec, inputs: [], env: [], requires: [] }); // 'e3b0…'
 * ```
 */
export function cacheKey(parts: CacheKeyParts | (Omit<CacheKeyParts, 'inputs'> & { inputs: string })): string {
  const inputs = typeof parts.inputs === 'string' ? parts.inputs : inputsDigest(parts.inputs);
  const text = JSON.stringify([
    'fanout-check-cache',
    CACHE_FORMAT,
    parts.version,
    parts.build,
    parts.platform,
    parts.arch,
    parts.nodeMajor,
    parts.id,
    parts.spec,
    [...parts.env].sort(byFirst),
    [...parts.requires].sort(byFirst),
    inputs,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The SHA-256 of a check's input files (paths, contents, executable bits), whatever order they come in: what a key
 * holds of them. A rerun whose listing git gave alike reuses it without going through the files again.
 *
 * @example
 * ```ts
 * import { inputsDigest } from './key.js';
 * inputsDigest([{ path: 'src/a.ts', hash: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', executable: false }]); // '5f1c…'
 * ```
 */
export function inputsDigest(inputs: readonly InputDigest[]): string {
  const list = [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((input) => [input.path, input.hash, input.executable]);
  return createHash('sha256').update(JSON.stringify(['fanout-inputs', list])).digest('hex');
}

/**
 * What a passed or warned check that is not cacheable contributes to the keys of the checks requiring it: its
 * status and values in this run, so a dependent is a hit only when the requirement ended the same way.
 */
export function uncachedResultKey(id: string, spec: CheckSpec, status: string, extracted: Readonly<Record<string, string>>): string {
  const values = Object.entries(extracted).sort(byFirst);
  return createHash('sha256').update(JSON.stringify(['fanout-uncached-result', CACHE_FORMAT, id, spec, status, values])).digest('hex');
}
