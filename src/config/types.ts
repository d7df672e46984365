/**
 * The config layer's output: what the CLI turns into a graph. A loaded config is either a list of resolved checks
 * or a list of located diagnostics — never a thrown exception for bad input.
 */
import type { GrokMatcher } from './grok.js';

/** One problem found in a config file, located at `file:line:col`. */
export interface Diagnostic {
  /**
   * Stable identifier; never match on `message`. The codes: `yaml-syntax`, `yaml-warning`, `config-not-found`,
   * `config-unreadable`, `no-checks`, `unsupported-version`, `invalid-type`, `invalid-key`, `unknown-key`,
   * `missing-field`, `empty-field`, `invalid-id`, `duplicate-id`, `invalid-tag`, `invalid-severity`,
   * `invalid-duration`, `unknown-require`, `self-dependency`, `cycle`, `unknown-prompt`, `unknown-var`,
   * `invalid-var-name`, `invalid-grok`, `invalid-assert`, `assert-unknown-name`, `invalid-retries`, `invalid-env`, `invalid-compat`,
   * `invalid-lock`, `invalid-input`, `invalid-input-glob`.
   */
  code: string;
  severity: 'error' | 'warning';
  /** Human text without the location prefix, e.g. `unknown key "requries" (did you mean "requires"?)`. */
  message: string;
  file: string;
  /**
   * 1-based line and column of the offending node. Both are 0 for a problem with the whole file
   * (`config-not-found`, `config-unreadable`); `formatDiagnostic` then prints `file: message`.
   */
  line: number;
  col: number;
}

/** The prompt entries of a config (VibeGuard's `prompts`). */
export interface Prompt {
  id: string;
  description?: string;
  content: string;
  tags: string[];
}

/** What an `on:` event triggers: prompt ids to print, or inline text. */
export type Trigger = { prompts: string[] } | { text: string };

/** A check after validation, with vars substituted and defaults applied. */
export interface ResolvedCheck {
  id: string;
  run: string;
  /** Grok patterns as written (after vars), in order. */
  grok: string[];
  /**
   * The patterns compiled once, when the config was loaded (absent when the check has none): what every attempt of
   * the check extracts values with.
   */
  grokMatcher?: GrokMatcher;
  /**
   * A grok pattern or assert of a VibeGuard config that VibeGuard rejects only once the check has run (a grok pattern
   * after every run, an assert after exit 0): the check then fails with `message` (VibeGuard's words, e.g.
   * `failed to compile grok pattern "%{NOPE:x}": pattern definition "NOPE" unknown: parsing failed`) and the run
   * stops, as VibeGuard's does. Absent in fanout's own configs, where such a pattern is a load error.
   */
  invalid?: { code: 'grok' | 'assert'; message: string };
  /** File that grok/assert read instead of the output, absolute. */
  file?: string;
  assert?: string;
  /**
   * The assert of a VibeGuard config as written (after vars, trimmed), which VibeGuard's errors quote: `assert` may be
   * rewritten to give VibeGuard's result. Absent in fanout's own configs.
   */
  vibeguardAssert?: string;
  severity: 'error' | 'warning';
  /** Templates still holding `{{.name}}` placeholders for values grok extracts; rendered at report time. */
  suggestion?: string;
  fix?: string;
  requires: string[];
  tags: string[];
  /** Per-attempt timeout in ms; `null` means no timeout (a negative duration in the file). */
  timeoutMs: number | null;
  /** True when the file set `timeout` explicitly (the async threshold only looks at a check's own timeout). */
  timeoutExplicit: boolean;
  on: { success?: Trigger; failure?: Trigger; timeout?: Trigger };
  async: boolean;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  retries: number;
  files: string[];
  lock?: string;
  /**
   * Globs of the files whose content decides the outcome, relative to the config's folder (`!` excludes), as written;
   * empty when the check declares none (then it is never served from the cache of passed checks).
   */
  inputs: string[];
  /** Names of environment variables whose values decide the outcome (`env_inputs`). */
  envInputs: string[];
  /** False when the check opts out of the cache (`cache: false`); a check without `inputs` is never cached anyway. */
  cache: boolean;
  /** 1-based line of the check in its file, for messages. */
  line: number;
}

/** A successfully loaded config. */
export interface ResolvedConfig {
  /** Absolute path of the file read. */
  file: string;
  /** The file's folder: default working directory of checks. */
  dir: string;
  /** True when the file is in VibeGuard's naming (vibeguard.yaml …): unknown keys are warnings there. */
  vibeguardCompat: boolean;
  vars: Record<string, string>;
  prompts: Prompt[];
  checks: ResolvedCheck[];
  /** Warnings that did not stop the load. */
  warnings: Diagnostic[];
}

/** The result of loading: checks, or every problem at once. */
export type LoadResult = { ok: true; config: ResolvedConfig } | { ok: false; diagnostics: Diagnostic[] };
