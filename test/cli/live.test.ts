/* eslint-disable no-control-regex -- the view is made of terminal escape codes */
// The live view on its own, on a stream that records what a terminal would receive, with fake timers: what it draws
// and when, without a real terminal's timing (tty.test.ts runs it on a real one).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveView, failedLine } from '../../src/cli/reporters/live.js';
import { styleFor } from '../../src/cli/style.js';

/** A terminal `columns` wide that keeps every write. */
function terminal(columns = 80) {
  const writes: string[] = [];
  const stream = { columns, isTTY: true, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

/** Back to the first row of the view (from the start of a line), and clear to the end of the screen. */
const ERASE = /\r?\x1b\[\d+A\x1b\[J/;
const eraseOf = (rows: number) => new RegExp(`^\\r?\\x1b\\[${rows}A\\x1b\\[J$`);

/** The lines of the last frame drawn (what follows the last erase), without styles. */
function lastFrame(writes: readonly string[]): string[] {
  const text = writes.join('').split(ERASE).at(-1) ?? '';
  return text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, -1);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveView', () => {
  it('shows a start and an end at the next turn of the event loop, not at the next tick', () => {
    const { stream, writes } = terminal();
    const view = new LiveView(stream, styleFor({ isTTY: false }, false), 3);
    view.start();
    expect(lastFrame(writes)).toEqual(['⠋ 0/3 done · 0 running · 0s']);
    view.checkStarted('build', false);
    view.checkStarted('lint', true);
    const before = writes.length;
    vi.advanceTimersByTime(0); // the next turn: the 100 ms tick is not due
    expect(writes.length - before).toBe(2); // one erase and one frame for both starts
    expect(lastFrame(writes)).toEqual(['⠙ 0/3 done · 2 running · 0s', '  build 0s', '  lint 0s (background)']);
    vi.advanceTimersByTime(40);
    view.checkEnded('build');
    view.checkStarted('test', false);
    vi.advanceTimersByTime(0);
    expect(lastFrame(writes)).toEqual(['⠹ 1/3 done · 2 running · 40ms', '  lint 40ms (background)', '  test 0s']);
    view.checkEnded('lint');
    view.checkEnded('test');
    vi.advanceTimersByTime(0);
    expect(lastFrame(writes)).toEqual(['⠸ 3/3 done · 0 running · 40ms']);
    view.stop();
    expect(writes.at(-1)).toMatch(eraseOf(1));
  });

  it('stop() erases the view and cancels a redraw asked for: nothing is drawn after it', () => {
    const { stream, writes } = terminal();
    const view = new LiveView(stream, styleFor({ isTTY: false }, false), 1);
    view.start();
    view.checkStarted('build', false);
    view.stop();
    const erased = writes.length;
    expect(writes.at(-1)).toMatch(eraseOf(1));
    view.checkEnded('build');
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(erased);
  });

  it('fits every line to a narrow terminal, the count line too, so that each erase takes back exactly what was drawn', () => {
    const { stream, writes } = terminal(16);
    const view = new LiveView(stream, styleFor({ isTTY: true }, true), 120);
    view.start();
    for (let i = 0; i < 10; i++) view.checkStarted(`check-with-a-long-name-${i}`, false);
    vi.advanceTimersByTime(250);
    view.stop();
    const frames = writes.filter((text) => !new RegExp(`^${ERASE.source}$`).test(text));
    expect(frames.length).toBeGreaterThan(2);
    for (const [index, frame] of frames.entries()) {
      const lines = frame.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, -1);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(15);
      // The next erase moves up as many rows as this frame took.
      expect(writes[writes.indexOf(frame) + 1]).toMatch(eraseOf(lines.length));
      if (index === 0) expect(lines).toEqual(['⠋ 0/120 done ·…']);
    }
    expect(lastFrame(writes.slice(0, -1))).toEqual(['⠸ 0/120 done ·…', ...Array<string>(8).fill('  check-with-a…'), '  … and 2 more']);
  });

  it('counts and names the checks that failed as they end, in red, while the others still run', () => {
    const { stream, writes } = terminal();
    const view = new LiveView(stream, styleFor({ isTTY: true }, true), 4);
    view.start();
    for (const id of ['lint', 'types', 'test', 'e2e']) view.checkStarted(id, false);
    view.checkEnded('lint', true);
    view.checkEnded('types', false);
    vi.advanceTimersByTime(0);
    expect(lastFrame(writes)).toEqual(['⠙ 2/4 done · 1 failed · 2 running · 0s', '  ✗ lint', '  test 0s', '  e2e 0s']);
    const raw = writes.at(-1) ?? '';
    expect(raw).toContain('\x1b[31m · 1 failed\x1b[39m');
    expect(raw).toContain('\x1b[31m  ✗ lint\x1b[39m');
    view.checkEnded('test', true);
    vi.advanceTimersByTime(0);
    expect(lastFrame(writes)).toEqual(['⠹ 3/4 done · 2 failed · 1 running · 0s', '  ✗ lint, test', '  e2e 0s']);
    view.stop();
    // Erased whole: the line of failures is one of the rows taken back.
    expect(writes.at(-1)).toMatch(eraseOf(3));
  });

  it('fits the failures to the width: whole names, then how many more', () => {
    expect(failedLine(['lint', 'types'], 40)).toBe('  ✗ lint, types');
    const ids = Array.from({ length: 30 }, (_, i) => `check-${i}`);
    expect(failedLine(ids, 40)).toBe('  ✗ check-0, check-1, … +28 more');
    expect(failedLine(ids, 41)).toBe('  ✗ check-0, check-1, check-2, … +27 more');
    for (let width = 2; width < 60; width++) expect(failedLine(ids, width).length).toBeLessThanOrEqual(width);
    expect(failedLine(['a-very-long-check-name-indeed'], 12)).toBe('  ✗ a-very-…');
    expect(failedLine([], 40)).toBe('  ✗ ');
  });
});
