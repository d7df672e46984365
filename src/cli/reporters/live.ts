// The live view on a terminal: the running checks with their elapsed times and an n/m count, redrawn in place
// on stderr. Only ever used when stderr is a TTY; pipes and CI logs never see an escape code.
import type { Style } from '../style.js';
import { print } from '../terminal.js';
import { formatDuration } from '../../shared/text.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MAX_ROWS = 8;
const INTERVAL_MS = 100;

export class LiveView {
  private readonly running = new Map<string, { since: number; async: boolean }>();
  private done = 0;
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The redraw a start or an end asked for: one per turn of the event loop, however many checks changed in it. */
  private pending: NodeJS.Immediate | undefined;
  private readonly since = performance.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
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

  checkEnded(id: string): void {
    this.running.delete(id);
    this.done++;
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
    const count = fit(`${spinner} ${this.done}/${this.total} done · ${this.running.size} running · ${formatDuration(now - this.since)}`);
    const lines = [`${this.style.bold(count.slice(0, spinner.length))}${count.slice(spinner.length)}`];
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
