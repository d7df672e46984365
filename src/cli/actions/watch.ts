// `fanout watch [ids...]`: the checks engine's watch mode, shown as one line per check (or NDJSON with --stream),
// until a signal ends it; then nothing of the checks is left running and fanout dies by the signal.
import { loadChecksConfig, warningNotes, watchChecks, WatchError, type RunAbort, type RunNote, type WatchEvent } from '../../checks/index.js';
import { jsonText } from '../../common/text.js';
import { printNotes } from '../load-config.js';
import type { CommonOptions } from '../options.js';
import type { RedisTargetOptions } from '../redis-target.js';
import { createWatchReporter } from '../reporters/watch.js';
import { guardFatal, guardSignals } from '../signals.js';
import { styleFor } from '../style.js';
import { printErr, printJsonText } from '../terminal.js';

/** The options of `fanout watch`. */
export interface WatchOptions extends CommonOptions {
  parallel: number;
  failFast: boolean;
  logDir: string;
  errorExitCode: number;
  only: string[];
  tags: string[];
  excludeTags: string[];
  timeoutMs?: number | undefined;
  /** Quiet time after the last change before the affected checks run again. @default 200 */
  debounceMs: number;
  stream: boolean;
  keepRuns?: number | undefined;
  /** `--shared-cache` (or FANOUT_SHARED_CACHE=1): where the Redis of the shared cache of passed checks is. */
  sharedCache?: RedisTargetOptions | undefined;
}

/** Watches until a signal (fanout then dies by it); resolves to an exit code only when watching fails. */
export async function watchCommand(ids: string[], options: WatchOptions, version: string): Promise<number> {
  const cwd = process.cwd();
  const loaded = await loadChecksConfig({ ...options, cache: { logDir: options.logDir, version } });
  printNotes([...loaded.notes, ...warningNotes(loaded.config, cwd, { asVibeguard: options.verbose !== true })]);
  if (loaded.save !== undefined) loaded.save();
  // Before anything runs: a shared cache that cannot be used (no secret, no URL) is a usage error.
  const shared = options.sharedCache === undefined ? undefined : await (await import('../redis-cache.js')).prepareSharedCache(options.sharedCache, version);

  // The view goes where people look: stdout on a terminal; with --stream, stderr (when a terminal) beside the events.
  const out = options.stream ? process.stderr : process.stdout;
  const tty = out.isTTY === true;
  const view = !options.stream || tty ? createWatchReporter({ stream: out, tty, style: styleFor(out, options.color) }) : undefined;
  const line = (event: WatchEvent) => () => printJsonText(`${jsonText(event)}\n`);
  const stream = options.stream ? (event: WatchEvent) => (view ? view.around(line(event)) : line(event)()) : undefined;
  // What `fanout check` says on stderr besides its report, said for every run: above the view when there is one.
  const say = (write: () => void) => (view ? view.around(write) : write());
  const warn = (message: string) => say(() => printErr(`fanout: warning: ${message}\n`));
  const notes = (told: readonly RunNote[]) => {
    const shown = told.filter((note) => note.code !== 'pulled-in' || options.verbose === true);
    if (shown.length > 0) say(() => printNotes(shown));
  };

  const controller = new AbortController();
  // The view stays up until the runs have ended: it shows the cancelled checks last.
  const signals = guardSignals((signal) => controller.abort({ kind: 'signal', signal } satisfies RunAbort));
  const releaseFatal = guardFatal((message) => printErr(`${message}\n`));
  let code = 0;
  try {
    await watchChecks({
      config: loaded.config,
      ids,
      only: options.only,
      tags: options.tags,
      excludeTags: options.excludeTags,
      parallel: options.parallel,
      failFast: options.failFast,
      timeout: options.timeoutMs,
      logDir: options.logDir,
      keepRuns: options.keepRuns,
      sharedCache: shared === undefined ? undefined : () => shared.open(warn),
      secrets: shared?.secrets,
      onNotes: notes,
      errorExitCode: options.errorExitCode,
      debounce: options.debounceMs,
      cwd,
      version,
      argv: process.argv.slice(2),
      signal: controller.signal,
      onEvent: (event) => {
        view?.onEvent(event);
        stream?.(event);
        // What the cache could not do, and files a run could not write (logs, the journal, report.json, the cache's
        // store): warnings, as check prints them.
        if (event.type === 'run:end') {
          for (const warning of event.report.cache_warnings ?? []) warn(`cache: ${warning.message}`);
          for (const failure of event.report.write_errors ?? []) warn(`could not write ${failure.file}: ${failure.error}`);
        }
      },
    });
  } catch (error) {
    if (!(error instanceof WatchError)) throw error;
    printErr(`fanout: ${error.message}\n`);
    code = 1;
  } finally {
    view?.stop();
    releaseFatal();
    signals.release(); // re-raises the signal that ended the watch: the process dies by it
  }
  return code;
}
