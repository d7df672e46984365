// The live view on a terminal: the running checks with their elapsed times, an n/m count and the checks that have
// already failed, redrawn in place on stderr. Only ever used when stderr is a TTY; pipes and CI logs never see an escape code.
import type { Style } from '../style.js';
import { print, type Out } from '../terminal.js';
import type { Reporter } from './reporter.js';
import { formatDuration } from '../../common/duration.js';

/** The spinner's frames, one per redraw. */
export const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MAX_ROWS = 8;
const INTERVAL_MS = 100;

/** The terminal the view is drawn on: process.stderr, or a test's stand-in. */
export interface LiveStream extends Out {
  /** Its width; 80 when unknown. */
  readonly columns?: number | undefined;
}

export class LiveView {
  private readonly running = new Map<string, { since: number; async: boolean }>();
  /** The checks that failed or timed out so far, in the order they ended. */
  private readonly failed: string[] = [];
  private done = 0;
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The redraw a start or an end asked for: one per turn of the event loop, however many checks changed in it. */
  private pending: NodeJS.Immediate | undefined;
  private readonly since = performance.now();

  constructor(
    private readonly stream: LiveStream,
    private readonly style: Style,
    private readonly total: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.redraw(), INTERVAL_MS);
    this.timer.unref();
    this.redraw();
  }

  // A start or an end shows at once, not at the next tick: a check shorter than the interval still appears, and the
  // view never counts as running a check that has ended.
  checkStarted(id: string, async: boolean): void {
    this.running.set(id, { since: performance.now(), async });
    this.schedule();
  }

  /** `failed`: the check failed or timed out (the run will not pass); the view names it at once. */
  checkEnded(id: string, failed = false): void {
    this.running.delete(id);
    this.done++;
    if (failed) this.failed.push(id);
    this.schedule();
  }

  /** Erases the view, lets `write` print, and draws it again below. */
  around(write: () => void): void {
    this.erase();
    write();
    if (this.timer) this.redraw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    clearImmediate(this.pending);
    this.pending = undefined;
    this.erase();
  }

  private schedule(): void {
    if (this.timer === undefined || this.pending !== undefined) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.redraw();
    });
  }

  private erase(): void {
    // From the start of the line: a Ctrl-C echoed as ^C has moved the cursor off column 1, and clearing from there
    // would leave the first columns of the view (its spinner) above the report.
    if (this.drawn > 0) this.stream.write(`\r\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    clearImmediate(this.pending); // this draw shows what it was asked for
    this.pending = undefined;
    const now = performance.now();
    // Every line fits the terminal, the count line too: a line that wrapped would take two rows, and erasing would
    // leave one behind at each redraw.
    const width = Math.max(2, (this.stream.columns || 80) - 1);
    const fit = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
    const spinner = FRAMES[this.frame++ % FRAMES.length] ?? '';
    const failed = this.failed.length === 0 ? '' : ` · ${this.failed.length} failed`;
    const count = fit(`${spinner} ${this.done}/${this.total} done${failed} · ${this.running.size} running · ${formatDuration(now - this.since)}`);
    // The count of failures in red, as far as the fitted line still holds it.
    const red = spinner.length + ` ${this.done}/${this.total} done`.length;
    const shown = count.slice(red, red + failed.length);
    const lines = [`${this.style.bold(count.slice(0, spinner.length))}${count.slice(spinner.length, red)}${shown === '' ? '' : this.style.red(shown)}${count.slice(red + failed.length)}`];
    if (this.failed.length > 0) lines.push(this.style.red(failedLine(this.failed, width)));
    const entries = [...this.running].sort((a, b) => a[1].since - b[1].since);
    for (const [id, { since, async }] of entries.slice(0, MAX_ROWS)) {
      lines.push(this.style.dim(fit(`  ${id} ${formatDuration(now - since)}${async ? ' (background)' : ''}`)));
    }
    if (entries.length > MAX_ROWS) lines.push(this.style.dim(fit(`  … and ${entries.length - MAX_ROWS} more`)));
    this.erase();
    print(`${lines.join('\n')}\n`, this.stream);
    this.drawn = lines.length;
  }
}

/**
 * `  ✗ a, b, c` naming as many of `ids` as fit in `width` columns, the others counted (`… +3 more`): a name is never
 * cut, but for a single one too long for the line.
 */
export function failedLine(ids: readonly string[], width: number): string {
  const head = '  ✗ ';
  const more = (rest: number) => (rest > 0 ? `, … +${rest} more` : '');
  // The longest run of names that fits with the count of the others after it (one pass: a run may fail thousands).
  let shown = 0;
  let length = head.length;
  for (const [index, id] of ids.entries()) {
    const next = length + (index > 0 ? 2 : 0) + id.length;
    if (next + more(ids.length - index - 1).length > width) break;
    length = next;
    shown = index + 1;
  }
  if (shown > 0) return `${head}${ids.slice(0, shown).join(', ')}${more(ids.length - shown)}`;
  const only = `${head}${ids[0] ?? ''}${more(ids.length - 1)}`;
  return only.length <= width ? only : `${only.slice(0, Math.max(1, width - 1))}…`;
}

/** The live view as a reporter: what prints while it is up goes above it through {@link LiveReporter.around}. */
export interface LiveReporter extends Reporter {
  /** Erases the view, lets `write` print, and draws the view again below it (just calls `write` when none is up). */
  around(write: () => void): void;
  /** Erases the view for good (a signal stops the run: the report follows); later events draw nothing. */
  stop(): void;
}

/**
 * The status of a run on a terminal, redrawn in place: the view appears at `run:start` (for a run with checks), a
 * check is running from its `check:start` to its `check:end`, and the view is erased at `run:end`, before the report.
 * Give it a terminal only (`stream.isTTY`): pipes and CI logs must never see its escape codes.
 *
 * @example
 * ```ts
 * import { createLiveReporter } from './live.js';
 * import { styleFor } from '../style.js';
 *
 * const live = createLiveReporter({ stream: process.stderr, style: styleFor(process.stderr, undefined) });
 * // print above the view: live.around(() => print(text))
 * ```
 */
export function createLiveReporter(options: { stream: LiveStream; style: Style }): LiveReporter {
  let view: LiveView | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    view?.stop();
  };
  return {
    onEvent(event) {
      if (event.type === 'run:start') {
        if (stopped || event.total === 0) return;
        view?.stop();
        view = new LiveView(options.stream, options.style, event.total);
        view.start();
      } else if (event.type === 'check:start') view?.checkStarted(event.id, event.async);
      // Skipped checks count as done too; a failure is what fails the run as it ends (a warning does not).
      else if (event.type === 'check:end') view?.checkEnded(event.id, event.status === 'timeout' || (event.status === 'failed' && event.check.severity === 'error'));
      else if (event.type === 'run:end') stop();
    },
    around(write) {
      if (view) view.around(write);
      else write();
    },
    stop,
  };
}
