// Parsing of flag values: every bad value is a UsageError naming the flag, what it expects and what it got.
import { parseDuration } from '../common/duration.js';
import { splitList } from '../common/text.js';
import { MAX_TIMER_MS } from '../common/timer.js';
import { UsageError } from './errors.js';

/** Options every command that reads a config takes. */
export interface CommonOptions {
  config?: string | undefined;
  verbose: boolean;
  json: boolean;
  /** false with --no-color. */
  color: boolean;
  strict?: boolean | undefined;
}

/**
 * The flags of `fanout check` that choose how a run is narrowed (`--resume`, `--changed`), detached
 * (`--background`), kept (`--keep-runs`) and how its async checks run.
 */
export interface RunControlOptions {
  /** `--resume [RUN]`: true for the latest run. */
  resume?: string | true | undefined;
  /** `--changed [REF]`: true for HEAD. */
  changed?: string | true | undefined;
  background?: boolean | undefined;
  /** Run folders kept. @default 20 */
  keepRuns?: number | undefined;
  /** null or undefined: only `async: true` checks are async (`--async-threshold off`, or not given). */
  asyncThresholdMs?: number | null | undefined;
  asyncParallel?: number | undefined;
}

/** `-p/--parallel` (or `flag`, read the same way): an integer; 0 or less means the default 4, as in VibeGuard. */
export function parseParallel(text: string, flag = '--parallel'): number {
  const value = Number(text);
  if (!/^[-+]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`${flag} must be an integer, received "${text}"`);
  return value <= 0 ? 4 : value;
}

/** `-p/--parallel` of `check`: an integer, or undefined for 0 or less (the run's default: see `RunChecksOptions.parallel`). */
export function parseParallelOrDefault(text: string): number | undefined {
  const value = parseParallel(text);
  return Number(text) <= 0 ? undefined : value;
}

/** The parser of a flag read like `-p` (`--async-parallel`, `--concurrency`), for commander's `.argParser()`. */
export function parallelFlag(flag: string): (text: string) => number {
  return (text) => parseParallel(text, flag);
}

/** `--error-exit-code`: an integer from 1 to 255 (0 would report failures as success). */
export function parseExitCode(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > 255) throw new UsageError(`--error-exit-code must be an integer from 1 to 255, received "${text}"`);
  return value;
}

/** A positive duration flag such as `--timeout 30s` or `--max-time 5m`, in milliseconds. */
export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new UsageError(`${flag} must be a positive duration such as 500ms, 30s, 2m or 1h30m, received "${text}"`);
  return ms;
}

/** A duration flag's parser for commander's `.argParser()`: milliseconds, rounded up when `whole`. */
export function durationFlag(flag: string, whole = false): (text: string) => number {
  return (text) => {
    const ms = parseDurationFlag(flag, text);
    return whole ? Math.ceil(ms) : ms;
  };
}

/**
 * A duration flag for a delay that must end (a debounce): at most 2^31 - 1 ms, the longest a timer keeps; a longer one
 * would fire at once, and one that never fires would never do its work.
 */
export function boundedDurationFlag(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDurationFlag(flag, text);
    if (ms > MAX_TIMER_MS) throw new UsageError(`${flag} must be at most ${MAX_TIMER_MS}ms (about 24.8 days), received "${text}"`);
    return ms;
  };
}

/** `--only`, `--tags`, `--exclude-tags`: repeated or comma/space-separated, collected into one list. */
export function parseList(text: string, previous: readonly string[] = []): string[] {
  return [...previous, ...splitList([text])];
}

/**
 * `--async-threshold`: a positive duration in milliseconds, or `off` (commander stores a parser's null as '', so
 * the word stays a word).
 */
export function parseAsyncThreshold(text: string): number | 'off' {
  return text === 'off' ? 'off' : parseDurationFlag('--async-threshold', text);
}

/** `--keep-runs`: an integer of at least 1. */
export function parseKeepRuns(text: string): number {
  const keep = Number(text);
  if (!/^\d+$/.test(text.trim()) || keep < 1) throw new UsageError(`--keep-runs must be an integer of at least 1, received "${text}"`);
  return keep;
}
