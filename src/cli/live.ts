// The live view on a terminal: the running checks with their elapsed times and an n/m count, redrawn in place
// on stderr. Only ever used when stderr is a TTY; pipes and CI logs never see an escape code.
import type { Style } from './style.js';
import { print } from './terminal.js';
import { formatDuration } from './text.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MAX_ROWS = 8;
const INTERVAL_MS = 100;

export class LiveView {
  private readonly running = new Map<string, { since: number; async: boolean }>();
  private done = 0;
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
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

  checkStarted(id: string, async: boolean): void {
    this.running.set(id, { since: performance.now(), async });
  }

  checkEnded(id: string): void {
    this.running.delete(id);
    this.done++;
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
    this.erase();
  }

  private erase(): void {
    // From the start of the line: a Ctrl-C echoed as ^C has moved the cursor off column 1, and clearing from there
    // would leave the first columns of the view (its spinner) above the report.
    if (this.drawn > 0) this.stream.write(`\r\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    const now = performance.now();
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const fit = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
    const spinner = FRAMES[this.frame++ % FRAMES.length] ?? '';
    const lines = [`${this.style.bold(spinner)} ${this.done}/${this.total} done · ${this.running.size} running · ${formatDuration(now - this.since)}`];
    const entries = [...this.running].sort((a, b) => a[1].since - b[1].since);
    for (const [id, { since, async }] of entries.slice(0, MAX_ROWS)) {
      lines.push(this.style.dim(fit(`  ${id} ${formatDuration(now - since)}${async ? ' (background)' : ''}`)));
    }
    if (entries.length > MAX_ROWS) lines.push(this.style.dim(`  … and ${entries.length - MAX_ROWS} more`));
    this.erase();
    print(`${lines.join('\n')}\n`, this.stream);
    this.drawn = lines.length;
  }
}
