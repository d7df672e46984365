/* eslint-disable no-control-regex -- the view is made of terminal escape codes */
// The live reporter replaying a recorded run on a stand-in terminal, with fake timers: the view appears at run:start,
// follows check:start and check:end, lets text print above it, and is gone at run:end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveReporter } from '../../../src/cli/reporters/live.js';
import { styleFor } from '../../../src/cli/style.js';
import { recorded } from './replay.js';

function terminal() {
  const writes: string[] = [];
  return { stream: { columns: 80, write: (text: string) => writes.push(text) }, writes };
}

const ERASE = /\r?\x1b\[\d+A\x1b\[J/;
/** The lines of the last frame drawn (what follows the last erase), the spinner's frame as `*`. */
const lastFrame = (writes: readonly string[]) =>
  (writes.join('').split(ERASE).at(-1) ?? '')
    .replace(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, '*')
    .split('\n')
    .slice(0, -1);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createLiveReporter', () => {
  it('draws the running checks from check:start to check:end and erases the view at run:end', () => {
    const { stream, writes } = terminal();
    const live = createLiveReporter({ stream, style: styleFor({ isTTY: false }, false) });
    const events = recorded('early');
    const next = () => {
      const event = events.shift();
      if (event === undefined) throw new Error('no more events');
      live.onEvent(event);
      vi.advanceTimersByTime(0);
    };
    expect(writes).toEqual([]);
    next(); // run:start
    expect(lastFrame(writes)).toEqual(['* 0/3 done · 0 running · 0s']);
    next(); // lint starts
    next(); // types starts
    next(); // e2e starts, async
    expect(lastFrame(writes)).toEqual(['* 0/3 done · 3 running · 0s', '  lint 0s', '  types 0s', '  e2e 0s (background)']);
    live.around(() => stream.write('FAIL lint (error)\n'));
    // Erased, printed, drawn again below.
    expect(writes.join('').split(ERASE).at(-1)).toMatch(/^FAIL lint \(error\)\n. 0\/3 done · 3 running · 0s\n/u);
    next(); // lint ends
    next(); // types ends
    // lint failed: counted and named at once, while e2e still runs.
    expect(lastFrame(writes)).toEqual(['* 2/3 done · 1 failed · 1 running · 0s', '  ✗ lint', '  e2e 0s (background)']);
    next(); // e2e ends
    const drawn = writes.length;
    next(); // run:end
    expect(writes).toHaveLength(drawn + 1);
    expect(writes.at(-1)).toMatch(/^\r?\x1b\[2A\x1b\[J$/);
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(drawn + 1);
    live.around(() => stream.write('report\n'));
    expect(writes.at(-1)).toBe('report\n');
  });

  it('draws nothing once stopped (a signal), nor for a run without checks', () => {
    const { stream, writes } = terminal();
    const stopped = createLiveReporter({ stream, style: styleFor({ isTTY: false }, false) });
    stopped.stop();
    for (const event of recorded('early')) stopped.onEvent(event);
    vi.advanceTimersByTime(1000);
    expect(writes).toEqual([]);
    const empty = createLiveReporter({ stream, style: styleFor({ isTTY: false }, false) });
    const start = recorded('early')[0];
    if (start?.type !== 'run:start') throw new Error('the recording starts with run:start');
    empty.onEvent({ ...start, total: 0, checks: [] });
    vi.advanceTimersByTime(1000);
    expect(writes).toEqual([]);
  });
});
