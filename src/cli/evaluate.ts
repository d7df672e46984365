// Turns one attempt's CommandResult into a verdict: exit status, timeout, then grok extraction and the assert.
import { readFile } from 'node:fs/promises';
import { evaluateAssert } from '../config/assert.js';
import type { ResolvedCheck } from '../config/types.js';
import { messageOf } from '../core/errors.js';
import type { CommandResult } from './engine.js';
import { formatDuration } from './text.js';

/** The outcome of one attempt, before severity and retries are applied. */
export type AttemptStatus = 'passed' | 'failed' | 'timeout' | 'cancelled';

export interface Verdict {
  status: AttemptStatus;
  /** Why it did not pass, for humans: `exit code 1`, `timed out after 5.0s`, `assert failed: coverage >= 80`. */
  reason?: string;
  extracted: Record<string, string>;
}

/**
 * VibeGuard's rules, with its silent failures fixed: values are extracted whatever the exit status (suggestions can
 * use them); the assert runs only after exit 0; an identifier grok did not extract fails the check, naming it.
 * Extraction uses the grok matcher the config loader compiled once for the check.
 */
export async function evaluateAttempt(check: ResolvedCheck, result: CommandResult, timeoutMs?: number): Promise<Verdict> {
  let extracted: Record<string, string> = {};
  const matcher = check.grokMatcher;
  if (matcher === undefined && check.grok.length > 0) {
    // Only a check built by hand (not by the loader) can lack it: say so rather than report values as missing.
    return { status: 'failed', reason: 'grok patterns not compiled: the check did not come from loadConfig', extracted };
  }
  let source: string | undefined = result.output;
  let sourceError: string | undefined;
  if (check.file !== undefined && (matcher !== undefined || check.assert !== undefined)) {
    try {
      source = await readFile(check.file, 'utf8');
    } catch (error) {
      source = undefined;
      sourceError = `cannot read ${check.file}: ${messageOf(error)}`;
    }
  }
  if (matcher !== undefined && source !== undefined) {
    try {
      extracted = matcher.extract(source);
    } catch (error) {
      return { status: 'failed', reason: `grok failed: ${messageOf(error)}`, extracted };
    }
  }
  if (result.cancelled) return { status: 'cancelled', reason: 'cancelled', extracted };
  if (result.timedOut) {
    return { status: 'timeout', reason: `timed out after ${formatDuration(timeoutMs ?? result.durationMs)}`, extracted };
  }
  if (result.error) return { status: 'failed', reason: `could not start: ${result.error.message}`, extracted };
  if (result.exitCode !== 0) {
    const hint = result.exitCode === 127 ? ' (command not found)' : result.exitCode === 126 ? ' (command not executable)' : '';
    const reason = result.exitCode === null ? `killed by ${result.signal ?? 'a signal'}` : `exit code ${result.exitCode}${hint}`;
    return { status: 'failed', reason, extracted };
  }
  if (check.assert === undefined) return { status: 'passed', extracted };
  if (sourceError !== undefined) return { status: 'failed', reason: sourceError, extracted };
  const verdict = evaluateAssert(check.assert, extracted);
  if (!verdict.ok) return { status: 'failed', reason: `assert "${check.assert}": ${verdict.error}`, extracted };
  if (!verdict.value) {
    const values = Object.entries(extracted).map(([name, value]) => `${name} = ${value}`).join(', ');
    return { status: 'failed', reason: `assert failed: ${check.assert}${values ? ` (${values})` : ''}`, extracted };
  }
  return { status: 'passed', extracted };
}
