// `fanout watch` for people: one line per check with its latest status. On a terminal the lines are redrawn in place
// (running checks with a spinner and their elapsed time) and each finding is printed in full above them; on a pipe
// each check's end is one line, as `-v` prints it.
import type { ReportCheck, WatchEvent } from '../../checks/index.js';
import { plural } from '../../common/text.js';
import { formatDuration } from '../../common/duration.js';
import type { Style } from '../style.js';
import { print } from '../terminal.js';
import { findingBlock, verboseLine } from './human.js';
import { FRAMES, type LiveStream } from './live.js';

const INTERVAL_MS = 100;

/** The state of one check in the view. */
type Row = { state: 'waiting' } | { state: 'running'; since: number } | { state: 'ended'; check: ReportCheck };

/** What the watch view draws on a terminal, redrawn in place. */
class WatchView {
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Immediate | undefined;

  constructor(
    private readonly stream: LiveStream,
    private readonly draw: (spinner: string) => string[],
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.redraw(), INTERVAL_MS);
    this.timer.unref();
    this.schedule();
  }

  /** Redraws once in this turn of the event loop, however many checks changed in it. */
  schedule(): void {
    if (this.timer === undefined || this.pending !== undefined) return;
    this.pending = setImmediate(() => this.redraw());
  }

  around(write: () => void): void {
    this.erase();
    write();
    if (this.timer) this.redraw();
  }

  /** Draws the last frame, which stays on the screen, and stops redrawing. */
  stop(): void {
    if (this.timer !== undefined) this.redraw();
    clearInterval(this.timer);
    this.timer = undefined;
    clearImmediate(this.pending);
    this.pending = undefined;
  }

  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\r\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    clearImmediate(this.pending);
    this.pending = undefined;
    // Lines never wrap: a wrapped line takes two rows and erasing would leave one behind.
    const width = Math.max(2, (this.stream.columns || 80) - 1);
    const lines = this.draw(FRAMES[this.frame++ % FRAMES.length] ?? '').map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    this.erase();
    print(`${lines.join('\n')}\n`, this.stream);
    this.drawn = lines.length;
  }
}

/** The watch view as a reporter of watch events. */
export interface WatchReporter {
  onEvent(event: WatchEvent): void;
  /** Erases the view (on a terminal), lets `write` print, and draws the view again below it. */
  around(write: () => void): void;
  /** Stops redrawing; the lines drawn last stay on the screen. */
  stop(): void;
}

/** Options of {@link createWatchReporter}. */
export interface WatchReporterOptions {
  /** Where the view goes. */
  stream: LiveStream;
  /** Redraw in place (a terminal); false prints one line per event that matters, for pipes and logs. */
  tty: boolean;
  style: Style;
  /** The clock of elapsed times (ms). @default performance.now */
  now?: (() => number) | undefined;
}

/**
 * The terminal view of `fanout watch`: every selected check on one line with its latest status (`✓ lint passed
 * (1.2s)`, `⠙ test running 3s`), under a header naming the last change; each failure's finding is printed above the
 * lines as it ends. Without `tty`, each check's end is one line and each change one line.
 *
 * @example
 * ```ts
 * import { createWatchReporter } from './watch.js';
 * import { styleFor } from '../style.js';
 *
 * const view = createWatchReporter({ stream: process.stdout, tty: process.stdout.isTTY === true, style: styleFor(process.stdout, undefined) });
 * // for each event of watchChecks: view.onEvent(event); on Ctrl-C: view.stop()
 * ```
 */
export function createWatchReporter(options: WatchReporterOptions): WatchReporter {
  const { stream, style } = options;
  const now = options.now ?? (() => performance.now());
  const rows = new Map<string, Row>();
  let header = 'fanout watch: starting';
  let stopped = false;
  const write = (text: string) => print(text, stream);

  const draw = (spinner: string): string[] => {
    const lines = [style.bold(header)];
    const at = now();
    for (const [id, row] of rows) {
      if (row.state === 'ended') lines.push(verboseLine(row.check, style));
      else if (row.state === 'running') lines.push(`${spinner} ${id} ${style.dim(`running ${formatDuration(at - row.since)}`)}`);
      else lines.push(style.dim(`· ${id} waiting`));
    }
    return lines;
  };
  const view = options.tty ? new WatchView(stream, draw) : undefined;
  const around = (print: () => void) => (view ? view.around(print) : print());

  return {
    onEvent(event) {
      if (stopped) return;
      switch (event.type) {
        case 'watch:ready':
          header = `fanout watch: ${plural(event.folders, 'folder')} watched · Ctrl-C to stop`;
          if (!view) write(`fanout: watching ${event.root} (${plural(event.folders, 'folder')}); Ctrl-C to stop\n`);
          break;
        case 'watch:change': {
          const named = event.files.slice(0, 3).join(', ');
          const more = event.file_count > 3 ? ` and ${event.file_count - 3} more` : '';
          header = `fanout watch: ${plural(event.file_count, 'file')} changed (${named}${more}) · Ctrl-C to stop`;
          if (!view) write(`fanout: ${plural(event.file_count, 'file')} changed (${named}${more}): running ${event.checks.join(', ')}\n`);
          break;
        }
        case 'run:start':
          for (const check of event.checks) rows.set(check.id, { state: 'waiting' });
          break;
        case 'check:start':
          rows.set(event.id, { state: 'running', since: now() });
          break;
        case 'check:end':
          rows.set(event.id, { state: 'ended', check: event.check });
          if (event.status === 'failed' || event.status === 'timeout' || event.status === 'warned') {
            around(() => write(`${findingBlock(event.check, style).join('\n')}\n\n`));
          }
          if (!view) write(`${verboseLine(event.check, style)}\n`);
          break;
        default:
          break;
      }
      if (!view) return;
      if (event.type === 'run:start' || event.type === 'watch:ready') view.start();
      view.schedule();
    },
    around,
    stop() {
      stopped = true;
      view?.stop();
    },
  };
}
