/* eslint-disable no-control-regex -- the view is made of terminal escape codes */
// The watch view replaying recorded runs on a stand-in terminal, with fake timers: one line per check with its latest
// status, a header naming the last change, findings printed above the lines, and plain lines on a pipe.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WatchEvent } from '../../../src/checks/index.js';
import { createWatchReporter } from '../../../src/cli/reporters/watch.js';
import { styleFor } from '../../../src/cli/style.js';
import { recorded } from './replay.js';

function terminal() {
  const writes: string[] = [];
  return { stream: { columns: 120, write: (text: string) => writes.push(text) }, writes };
}

const ERASE = /\r?\x1b\[\d+A\x1b\[J/;
/** The lines of the last frame drawn (what follows the last erase), the spinner's frame as `*`. */
const lastFrame = (writes: readonly string[]) =>
  (writes.join('').split(ERASE).at(-1) ?? '')
    .replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g, '*')
    .replace(/\(\d+(\.\d+)?m?s\)/g, '(T)')
    .split('\n')
    .slice(0, -1);

const ready: WatchEvent = { type: 'watch:ready', time: '2026-12-06T06:08:43.000Z', root: '.', folders: 12 };
const change: WatchEvent = { type: 'watch:change', time: '2026-12-06T06:09:00.000Z', files: ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts'], file_count: 5, checks: ['lint'], cancelled_runs: [] };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createWatchReporter', () => {
  it('on a terminal: one line per check with its latest status, redrawn in place; findings above; a rerun updates only its checks', () => {
    const { stream, writes } = terminal();
    let clock = 0;
    const view = createWatchReporter({ stream, tty: true, style: styleFor({ isTTY: false }, false), now: () => clock });
    view.onEvent(ready);
    const events = recorded('early');
    const [start, lintStart, typesStart, e2eStart] = events;
    for (const event of [start, lintStart, typesStart, e2eStart]) if (event) view.onEvent(event);
    clock = 1500;
    vi.advanceTimersByTime(100);
    expect(lastFrame(writes)).toEqual(['fanout watch: 12 folders watched · Ctrl-C to stop', '* e2e running 1.5s', '* lint running 1.5s', '* types running 1.5s']);
    for (const event of events.slice(4)) view.onEvent(event);
    vi.advanceTimersByTime(0);
    const frame = lastFrame(writes);
    expect(frame[0]).toBe('fanout watch: 12 folders watched · Ctrl-C to stop');
    expect(frame.slice(1).map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual(['✗ e2e failed', '✗ lint failed', '✓ types passed']);
    expect(writes.join('')).toContain('FAIL lint (error)');

    // A rerun of lint alone: types and e2e keep their latest status.
    view.onEvent(change);
    view.onEvent({ ...start, checks: [{ id: 'lint', requires: [], severity: 'error', async: false }], total: 1 } as WatchEvent);
    view.onEvent(lintStart as WatchEvent);
    vi.advanceTimersByTime(0);
    expect(lastFrame(writes).map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      'fanout watch: 5',
      '✗ e2e failed',
      '* lint running',
      '✓ types passed',
    ]);
    expect(lastFrame(writes)[0]).toBe('fanout watch: 5 files changed (src/a.ts, src/b.ts, src/c.ts and 2 more) · Ctrl-C to stop');
    view.stop();
    const drawn = writes.length;
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(drawn); // stopped: no more redraws
  });

  it('on a pipe: a line when watching starts, per change, and per check that ends; no escape codes', () => {
    const { stream, writes } = terminal();
    const view = createWatchReporter({ stream, tty: false, style: styleFor({ isTTY: false }, false) });
    view.onEvent(ready);
    for (const event of recorded('early')) view.onEvent(event);
    view.onEvent(change);
    const text = writes.join('');
    expect(text).not.toMatch(/\x1b/);
    expect(text).toContain('fanout: watching . (12 folders); Ctrl-C to stop\n');
    expect(text).toMatch(/^✓ types passed \(\d/m);
    expect(text).toMatch(/^✗ lint failed/m);
    expect(text).toContain('fanout: 5 files changed (src/a.ts, src/b.ts, src/c.ts and 2 more): running lint\n');
  });
});
