// Parsing of flag values: every bad value is a UsageError naming the flag, what it expects and what it got.
import { parseDuration } from '../shared/duration.js';
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

/** `-p/--parallel`: an integer; 0 or less means the default 4, as in VibeGuard. */
export function parseParallel(text: string): number {
  const value = Number(text);
  if (!/^[-+]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`--parallel must be an integer, received "${text}"`);
  return value <= 0 ? 4 : value;
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

export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag} must be one of ${choices.join(', ')}, received "${text}"`);
}
