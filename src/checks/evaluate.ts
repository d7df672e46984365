// Turns one attempt's CommandResult into a verdict: exit status, timeout, then grok extraction and the assert.
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { EvaluateAssertResult } from '../config/assert.js';
import type { ResolvedCheck } from '../config/types.js';
import type { FailureReason } from './record.js';
import { messageOf } from '../common/errors.js';
import type { CommandResult } from '../exec/run-command.js';
import { formatDuration } from '../common/duration.js';

/** The outcome of one attempt, before severity and retries are applied. */
export type AttemptStatus = 'passed' | 'failed' | 'timeout' | 'cancelled';

export interface Verdict {
  status: AttemptStatus;
  /** Why it did not pass: `exit code 1`, `timed out after 5.0s`, `assert failed: coverage >= 80`, with its code. */
  failure?: FailureReason;
  extracted: Record<string, string>;
}

const failed = (failure: FailureReason, extracted: Record<string, string>): Verdict => ({ status: 'failed', failure, extracted });
const cancelled = (extracted: Record<string, string>): Verdict => ({ status: 'cancelled', failure: { code: 'cancelled', message: 'cancelled' }, extracted });

/** Options of {@link evaluateAttempt}. */
export interface EvaluateOptions {
  /** Stops grok and the assert: the verdict is then `cancelled`. */
  signal?: AbortSignal | undefined;
  /** How long grok and the assert may run over one attempt's output. @default 5000 */
  matchTimeoutMs?: number | undefined;
  /**
   * A `vibeguard.*` config: an unreadable `file:` (or one outside the check's folder) fails the check whatever the
   * command did, in VibeGuard's words (the run then stops, as VibeGuard's does). @default false
   */
  vibeguard?: boolean | undefined;
}

/**
 * VibeGuard's rules, with its silent failures fixed: values are extracted whatever the exit status (suggestions can
 * use them); the assert runs only after exit 0; an identifier grok did not extract fails the check, naming it (in a
 * vibeguard.* config it reads as "", as in VibeGuard).
 * Extraction uses the grok matcher the config loader compiled once for the check, in a worker thread under a
 * deadline (`matchTimeoutMs`): a pattern that backtracks without end fails its check, naming itself, and fanout's
 * own thread stays free to answer signals and timers meanwhile.
 */
export async function evaluateAttempt(check: ResolvedCheck, result: CommandResult, timeoutMs?: number, options: EvaluateOptions = {}): Promise<Verdict> {
  let extracted: Record<string, string> = {};
  const matcher = check.grokMatcher;
  let source: string | undefined = result.output;
  let sourceError: string | undefined;
  // The file is read whatever grok and the assert need: a report the command should have written and did not
  // fails the check, never a silent pass.
  if (check.file !== undefined && !result.cancelled) {
    const read = options.vibeguard === true ? await readAsVibeguard(check.file, check.cwd) : await readFile(check.file, 'utf8').then(
      (text) => ({ text }),
      (error: unknown) => ({ error: `cannot read ${check.file}: ${messageOf(error)}` }),
    );
    source = 'text' in read ? read.text : undefined;
    sourceError = 'error' in read ? read.error : undefined;
    if (sourceError !== undefined && options.vibeguard === true) return failed({ code: 'file-missing', message: sourceError, file: check.file }, extracted);
  }
  // VibeGuard compiles a check's patterns once it has run and read its file, whatever the command did: a broken one
  // fails it then (after an unreadable file, which VibeGuard reports first).
  if (check.invalid?.code === 'grok') return result.cancelled ? cancelled(extracted) : failed({ code: 'grok', message: check.invalid.message }, extracted);
  if (matcher === undefined && check.grok.length > 0) {
    // Only a check built by hand (not by the loader) can lack it: say so rather than report values as missing.
    return failed({ code: 'grok', message: 'grok patterns not compiled: the check did not come from loadConfig' }, extracted);
  }
  const ran = !result.cancelled && !result.timedOut && !result.error && result.exitCode === 0;
  let asserted: EvaluateAssertResult | undefined;
  if (matcher !== undefined && source !== undefined) {
    // grok, the assert and their worker thread load with the first check that has them: most runs have none.
    const [{ assertIdentifiers, parseAssert }, { MATCH_TIMEOUT_MS, runMatch }] = await Promise.all([import('../config/assert.js'), import('../config/match-runner.js')]);
    // The assert runs with the patterns (same worker, same deadline) when it is due: only after exit 0.
    const assert = ran && check.assert !== undefined ? parseAssert(check.assert) : undefined;
    const limit = options.matchTimeoutMs ?? MATCH_TIMEOUT_MS;
    try {
      const ast = assert?.ok ? assert.ast : undefined;
      // VibeGuard reads a value grok did not extract as "": so does a vibeguard.* config.
      const defaults = ast !== undefined && options.vibeguard === true ? Object.fromEntries(assertIdentifiers(ast).map((name) => [name, ''])) : undefined;
      const outcome = await runMatch({ patterns: matcher.patterns, text: source, assert: ast, defaults }, { signal: options.signal, timeoutMs: limit });
      if (!outcome.finished) {
        const what = check.file === undefined ? 'output' : check.file;
        const over = `within ${formatDuration(limit)} over ${formatSize(Buffer.byteLength(source))} of ${what}`;
        const reason =
          outcome.stage === 'assert'
            ? `assert "${check.assert}" did not finish ${over}`
            : `grok pattern ${JSON.stringify(matcher.patterns[outcome.stage]?.pattern)} did not finish ${over} (it backtracks: anchor it or make it less ambiguous)`;
        return failed(outcome.stage === 'assert' ? { code: 'assert', message: reason, assert: check.assert ?? '' } : { code: 'grok', message: reason }, extracted);
      }
      extracted = outcome.extracted;
      asserted = outcome.assert;
    } catch (error) {
      if (options.signal?.aborted) return cancelled(extracted);
      return failed({ code: 'grok', message: `grok failed: ${messageOf(error)}` }, extracted);
    }
  }
  if (result.cancelled) return cancelled(extracted);
  if (result.timedOut) {
    const limit = timeoutMs ?? result.durationMs;
    return { status: 'timeout', failure: { code: 'timeout', message: `timed out after ${formatDuration(limit)}`, timeoutMs: limit }, extracted };
  }
  if (result.error) return failed({ code: 'spawn-error', message: `could not start: ${result.error.message}` }, extracted);
  if (result.exitCode !== 0) {
    const hint = result.exitCode === 127 ? ' (command not found)' : result.exitCode === 126 ? ' (command not executable)' : '';
    if (result.exitCode === null) {
      const signal = result.signal ?? 'a signal';
      return failed({ code: 'signal', message: `killed by ${signal}`, signal }, extracted);
    }
    return failed({ code: 'exit-code', message: `exit code ${result.exitCode}${hint}`, exitCode: result.exitCode }, extracted);
  }
  if (sourceError !== undefined && check.file !== undefined) return failed({ code: 'file-missing', message: sourceError, file: check.file }, extracted);
  // VibeGuard parses the assert when it is due (after exit 0): one its parser rejects fails the check then.
  if (check.invalid?.code === 'assert') return failed({ code: 'assert', message: check.invalid.message, assert: '' }, extracted);
  if (check.assert === undefined) return { status: 'passed', extracted };
  const [{ evaluateAssert }, { goQuote }] = await Promise.all([import('../config/assert.js'), import('../config/match-core.js')]);
  // Without grok there are no values: evaluating costs at most the assert's own size, here.
  const verdict = asserted ?? evaluateAssert(check.assert, extracted);
  if (!verdict.ok && options.vibeguard === true && verdict.vibeguard !== undefined) {
    // VibeGuard stops its run on an assert it cannot evaluate (not a false one), quoting the assert as written.
    const written = check.vibeguardAssert ?? check.assert;
    return failed({ code: 'assert', message: `${VIBEGUARD_EVAL_ERROR} ${goQuote(written)}: ${verdict.vibeguard}`, assert: check.assert }, extracted);
  }
  if (!verdict.ok) return failed({ code: 'assert', message: `assert "${check.assert}": ${verdict.error}`, assert: check.assert }, extracted);
  if (!verdict.value) {
    const values = Object.entries(extracted).map(([name, value]) => `${name} = ${value}`).join(', ');
    return failed({ code: 'assert', message: `assert failed: ${check.assert}${values ? ` (${values})` : ''}`, assert: check.assert }, extracted);
  }
  return { status: 'passed', extracted };
}

/** How VibeGuard's report of an assert it could not evaluate begins. */
const VIBEGUARD_EVAL_ERROR = 'eval error in assertion';

/**
 * Whether a check's failure stops a VibeGuard run: its `file:` could not be read, its grok pattern or assert is one
 * VibeGuard rejects when the check has run ({@link ResolvedCheck.invalid}), or its assert could not be evaluated
 * (arithmetic on text...). VibeGuard then prints the error alone and exits 1. `failure` is the check's failure, or
 * its code and message as a run report gives them.
 *
 * @example
 * ```ts
 * import { stopsVibeguardRun } from 'fanout/checks';
 * stopsVibeguardRun(undefined, { code: 'file-missing', message: 'open out.txt: no such file or directory' }); // true
 * stopsVibeguardRun(undefined, { code: 'assert', message: 'assert failed: n > 3 (n = 1)' }); // false
 * ```
 */
export function stopsVibeguardRun(check: ResolvedCheck | undefined, failure: { code: string | null; message?: string | null } | undefined): boolean {
  if (failure?.code === 'file-missing') return true;
  if (check?.invalid !== undefined && failure?.code === check.invalid.code) return true;
  return failure?.code === 'assert' && (failure.message ?? '').startsWith(`${VIBEGUARD_EVAL_ERROR} `);
}

/** Go's text for the errno codes a read meets (`os.ReadFile`'s `open FILE: no such file or directory`). */
const GO_ERRNO: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** VibeGuard's read of `file:`: inside the check's folder only, its errors in Go's words. */
async function readAsVibeguard(file: string, cwd: string): Promise<{ text: string } | { error: string }> {
  const written = relative(cwd, file);
  if (written === '..' || written.startsWith(`..${sep}`) || isAbsolute(written)) return { error: `file path ${JSON.stringify(written)} is outside the working directory` };
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const verb = code === 'EISDIR' ? 'read' : 'open';
    return { error: `failed to read file ${JSON.stringify(written)}: ${verb} ${file}: ${GO_ERRNO[code] ?? messageOf(error)}` };
  }
}

/** `512 B`, `100 KB`, `3.5 MB`. */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
