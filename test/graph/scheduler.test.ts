import { EventEmitter, getEventListeners, once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runGraph } from '../../src/graph/scheduler.js';
import type { GraphEvent, GraphResult, GraphTask, TaskOutcome } from '../../src/graph/types.js';
import { GraphError } from '../../src/graph/validate.js';
import { flush } from '../helpers/deferred.js';
import { harness } from './harness.js';

function statuses(result: GraphResult<unknown>): Record<string, string> {
  return Object.fromEntries(result.results.map((r) => [r.id, r.status]));
}

function outcome(result: GraphResult<unknown>, id: string): TaskOutcome<unknown> {
  const found = result.results.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no outcome for ${id}`);
  return found;
}

/** Tracks whether a promise has settled, for asserting that a run is still waiting. */
function track<T>(promise: Promise<T>): { settled: () => boolean } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('runGraph — task objects', () => {
  it('calls run as a method of its task (this is the task object)', async () => {
    class Step implements GraphTask<string> {
      constructor(
        readonly id: string,
        readonly requires: string[] = [],
      ) {}
      run(): Promise<string> {
        return Promise.resolve(`ran ${this.id}`);
      }
    }
    const result = await runGraph([new Step('a'), new Step('b', ['a'])]);
    expect(result.results.map((r) => (r.status === 'passed' ? r.value : r.status))).toEqual(['ran a', 'ran b']);
  });
});

describe('runGraph — ready scheduling', () => {
  it('runs a diamond: the join waits for both branches and receives their values', async () => {
    const h = harness();
    const run = runGraph(
      [h.task('a'), h.task('b', { requires: ['a'] }), h.task('c', { requires: ['a'] }), h.task('d', { requires: ['b', 'c'] })],
      { onEvent: h.onEvent },
    );
    await flush();
    expect(h.started).toEqual(['a']);
    h.pass('a', 1);
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c']);
    expect(h.dependencies.get('b')).toEqual({ a: 1 });
    h.pass('c', 3);
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c']);
    h.pass('b', 2);
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c', 'd']);
    expect(h.dependencies.get('d')).toEqual({ b: 2, c: 3 });
    h.pass('d', 4);
    const result = await run;
    expect(result).toMatchObject({ ok: true, failFastTriggered: false, aborted: false });
    expect(result.results.map((r) => [r.id, r.status, r.status === 'passed' ? r.value : undefined])).toEqual([
      ['a', 'passed', 1],
      ['b', 'passed', 2],
      ['c', 'passed', 3],
      ['d', 'passed', 4],
    ]);
    for (const r of result.results) if (r.status === 'passed') expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('skips everything after a failed middle of a chain, naming the task that failed', async () => {
    const h = harness();
    const boom = new Error('boom');
    const run = runGraph([h.task('a'), h.task('b', { requires: ['a'] }), h.task('c', { requires: ['b'] }), h.task('d', { requires: ['c'] })]);
    await flush();
    h.pass('a');
    await flush();
    h.fail('b', boom);
    const result = await run;
    expect(h.started).toEqual(['a', 'b']);
    expect(result.ok).toBe(false);
    expect(result.failFastTriggered).toBe(false);
    expect(outcome(result, 'b')).toMatchObject({ status: 'failed', error: boom });
    expect(outcome(result, 'c')).toEqual({ id: 'c', status: 'skipped', reason: { blockedBy: 'b' } });
    expect(outcome(result, 'd')).toEqual({ id: 'd', status: 'skipped', reason: { blockedBy: 'b' } });
  });

  it('with failFast false, runs everything that does not depend on a failure', async () => {
    const h = harness();
    const run = runGraph([h.task('a'), h.task('b'), h.task('c', { requires: ['a'] }), h.task('d', { requires: ['b'] })], { maxParallel: 1 });
    await flush();
    h.fail('a');
    await flush();
    h.pass('b');
    await flush();
    h.pass('d');
    const result = await run;
    expect(statuses(result)).toEqual({ a: 'failed', b: 'passed', c: 'skipped', d: 'passed' });
  });

  it('never runs more than maxParallel tasks and starts the next one as soon as a slot frees', async () => {
    const h = harness();
    const ids = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const run = runGraph(
      ids.map((id) => h.task(id)),
      { maxParallel: 3 },
    );
    for (let step = 0; step < 10; step++) {
      await flush();
      expect(h.running().length).toBe(Math.min(3, 10 - step));
      h.pass(h.running()[0] as string);
    }
    expect(h.started).toEqual(ids);
    expect((await run).ok).toBe(true);
  });

  it('keeps input order and both pool bounds over hundreds of settles, however each slot finds its next task', async () => {
    // Long enough that slots go on both by themselves and through the general path (taken every so many settles).
    for (const shape of ['wide', 'chain', 'mixed'] as const) {
      const started: string[] = [];
      const running = { regular: 0, async: 0 };
      const peak = { regular: 0, async: 0 };
      const tasks: GraphTask<number>[] = Array.from({ length: 500 }, (_, k) => {
        const pool = shape === 'mixed' && k % 7 === 3 ? 'async' : 'regular';
        return {
          id: `t${k}`,
          ...(shape === 'chain' && k > 0 ? { requires: [`t${k - 1}`] } : {}),
          ...(pool === 'async' ? { async: true } : {}),
          run: () => {
            started.push(`t${k}`);
            peak[pool] = Math.max(peak[pool], ++running[pool]);
            return Promise.resolve().then(() => {
              running[pool]--;
              return k;
            });
          },
        };
      });
      const result = await runGraph(tasks, { maxParallel: 4, asyncParallel: 2 });
      expect(result.ok).toBe(true);
      expect(result.results.map((r) => (r.status === 'passed' ? r.value : -1))).toEqual(tasks.map((_, k) => k));
      expect(peak).toEqual(shape === 'chain' ? { regular: 1, async: 0 } : { regular: 4, async: shape === 'mixed' ? 2 : 0 });
      if (shape !== 'mixed') expect(started).toEqual(tasks.map((t) => t.id));
      else expect(new Set(started).size).toBe(500);
      expect(running).toEqual({ regular: 0, async: 0 });
    }
  });

  it('treats a synchronous throw as a failure and a plain return value as a pass', async () => {
    const boom = new Error('sync');
    const tasks: GraphTask<unknown>[] = [
      {
        id: 'throws',
        run: () => {
          throw boom;
        },
      },
      { id: 'after', requires: ['throws'], run: () => Promise.resolve(1) },
      { id: 'plain', run: () => 42 },
    ];
    const result = await runGraph(tasks, { maxParallel: 1 });
    expect(outcome(result, 'throws')).toMatchObject({ status: 'failed', error: boom });
    expect(outcome(result, 'after')).toMatchObject({ status: 'skipped', reason: { blockedBy: 'throws' } });
    expect(outcome(result, 'plain')).toMatchObject({ status: 'passed', value: 42 });
  });

  it('resolves an empty graph as ok', async () => {
    const events: GraphEvent<unknown>[] = [];
    const result = await runGraph([], { onEvent: (e) => events.push(e) });
    expect(result).toEqual({ ok: true, failFastTriggered: false, aborted: false, results: [] });
    expect(events.map((e) => e.type)).toEqual(['graph:start', 'graph:end']);
  });

  it('handles a requirement listed twice and odd ids such as __proto__', async () => {
    const seen: Record<string, unknown>[] = [];
    const result = await runGraph<unknown>([
      { id: '__proto__', run: () => Promise.resolve('p') },
      { id: 'x', requires: ['__proto__', '__proto__'], run: ({ dependencies }) => (seen.push({ ...dependencies }), Promise.resolve(1)) },
    ]);
    expect(result.ok).toBe(true);
    expect(Object.keys(seen[0]!)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(seen[0], '__proto__')?.value).toBe('p');
  });

  it('accepts maxParallel Infinity', async () => {
    const h = harness();
    const run = runGraph(
      Array.from({ length: 50 }, (_, i) => h.task(`t${i}`)),
      { maxParallel: Number.POSITIVE_INFINITY },
    );
    await flush();
    expect(h.running()).toHaveLength(50);
    for (const id of h.running()) h.pass(id);
    expect((await run).ok).toBe(true);
  });
});

describe('runGraph — priorities', () => {
  async function order(tasks: GraphTask<unknown>[]): Promise<string[]> {
    const started: string[] = [];
    await runGraph(
      tasks.map((t) => ({ ...t, run: () => (started.push(t.id), Promise.resolve()) })),
      { maxParallel: 1 },
    );
    return started;
  }
  const run = () => Promise.resolve();

  it('starts the task with the longest remaining path first, whatever the input order', async () => {
    // a (3) then b (2); then c (1) ties with x and y (1) and comes after them in input order.
    expect(await order([{ id: 'x', run }, { id: 'y', run }, { id: 'a', run }, { id: 'b', requires: ['a'], run }, { id: 'c', requires: ['b'], run }])).toEqual([
      'a',
      'b',
      'x',
      'y',
      'c',
    ]);
  });

  it('weights paths by estimateMs', async () => {
    expect(
      await order([
        { id: 'short', estimateMs: 10, run },
        { id: 'long', estimateMs: 100, run },
        { id: 'root', estimateMs: 20, run },
        { id: 'leaf', estimateMs: 50, requires: ['root'], run },
      ]),
    ).toEqual(['long', 'root', 'leaf', 'short']);
  });

  it('counts a task without an estimate as the median of the known ones (odd count), ties by input order', async () => {
    // known: 10, 25, 30 -> median 25; 'unknown' ties with 'd' and comes first in input order
    expect(
      await order([
        { id: 'a', estimateMs: 10, run },
        { id: 'unknown', run },
        { id: 'c', estimateMs: 30, run },
        { id: 'd', estimateMs: 25, run },
      ]),
    ).toEqual(['c', 'unknown', 'd', 'a']);
  });

  it('uses the mean of the two middle estimates for an even count', async () => {
    // known: 10, 15, 25, 30 -> median 20: m = 20 (ties with u2, earlier in input), u1 -> u2 = 40
    expect(
      await order([
        { id: 'x', estimateMs: 10, run },
        { id: 'y', estimateMs: 30, run },
        { id: 'z', estimateMs: 25, run },
        { id: 'w', estimateMs: 15, run },
        { id: 'm', run },
        { id: 'u1', run },
        { id: 'u2', requires: ['u1'], run },
      ]),
    ).toEqual(['u1', 'y', 'z', 'm', 'u2', 'w', 'x']);
  });

  it('counts 1 per task when no estimate is known, and breaks ties by input order', async () => {
    expect(await order([{ id: 'p', run }, { id: 'q', run }, { id: 'r', run }, { id: 's', requires: ['r'], run }])).toEqual(['r', 'p', 'q', 's']);
  });
});

describe('runGraph — fail-fast', () => {
  function setup(failFast: 'kill' | 'no-new', triggersFailFast?: boolean) {
    const h = harness();
    const tasks = [
      h.task('a', triggersFailFast === undefined ? {} : { triggersFailFast }),
      h.task('b'),
      h.task('c'),
      h.task('d', { requires: ['a'] }),
    ];
    return { h, run: runGraph(tasks, { maxParallel: 2, failFast, onEvent: h.onEvent }) };
  }

  it("'kill': cancels running tasks (signal aborted), skips the rest, and does not wait for the cancelled", async () => {
    const { h, run } = setup('kill');
    await flush();
    expect(h.started).toEqual(['a', 'b']);
    h.fail('a');
    const result = await run; // b never settles: the run must not wait for it
    expect(result.failFastTriggered).toBe(true);
    expect(result.aborted).toBe(false);
    expect(result.results).toEqual([
      expect.objectContaining({ id: 'a', status: 'failed' }),
      expect.objectContaining({ id: 'b', status: 'cancelled' }),
      { id: 'c', status: 'skipped', reason: { failFast: true } },
      { id: 'd', status: 'skipped', reason: { blockedBy: 'a' } },
    ]);
    const signal = h.signals.get('b') as AbortSignal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ name: 'AbortError' });
    expect(h.signals.get('a')?.aborted).toBe(false);
    // A late result of the cancelled task changes nothing.
    h.pass('b');
    await flush();
    expect(outcome(result, 'b').status).toBe('cancelled');
    expect(h.started).toEqual(['a', 'b']);
  });

  it("'no-new': lets running tasks finish, starts nothing more", async () => {
    const { h, run } = setup('no-new');
    const state = track(run);
    await flush();
    h.fail('a');
    await flush();
    expect(state.settled()).toBe(false);
    expect(h.signals.get('b')?.aborted).toBe(false);
    h.pass('b');
    const result = await run;
    expect(h.started).toEqual(['a', 'b']);
    expect(result.failFastTriggered).toBe(true);
    expect(statuses(result)).toEqual({ a: 'failed', b: 'passed', c: 'skipped', d: 'skipped' });
    expect(outcome(result, 'c')).toMatchObject({ reason: { failFast: true } });
    expect(outcome(result, 'd')).toMatchObject({ reason: { blockedBy: 'a' } });
  });

  it('a task with triggersFailFast false never triggers fail-fast, but its dependents are still skipped', async () => {
    const { h, run } = setup('kill', false);
    await flush();
    h.fail('a');
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c']);
    h.pass('b');
    h.pass('c');
    const result = await run;
    expect(result.failFastTriggered).toBe(false);
    expect(statuses(result)).toEqual({ a: 'failed', b: 'passed', c: 'passed', d: 'skipped' });
  });
});

describe('runGraph — timeouts', () => {
  it('times out a task that ignores its signal at the deadline, frees its slot, discards its late result', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness();
    const run = runGraph([h.task('slow', { timeoutMs: 1000 }), h.task('next'), h.task('after', { requires: ['slow'] })], { maxParallel: 1 });
    await flush();
    expect(h.started).toEqual(['slow']);
    await vi.advanceTimersByTimeAsync(999);
    expect(h.started).toEqual(['slow']);
    expect(h.signals.get('slow')?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const signal = h.signals.get('slow') as AbortSignal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect(signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(h.started).toEqual(['slow', 'next']); // the slot was freed at the deadline
    h.pass('slow', 'too late');
    h.pass('next');
    const result = await run;
    expect(outcome(result, 'slow')).toMatchObject({ status: 'timeout' });
    expect(outcome(result, 'after')).toEqual({ id: 'after', status: 'skipped', reason: { blockedBy: 'slow' } });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the timer of a task that finishes in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness();
    const run = runGraph([h.task('a', { timeoutMs: 1000 })]);
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    h.pass('a');
    expect((await run).ok).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms no timer for timeoutMs Infinity or beyond what setTimeout can hold', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness();
    const run = runGraph([h.task('a', { timeoutMs: Number.POSITIVE_INFINITY }), h.task('b', { timeoutMs: 2 ** 31 })]);
    await flush();
    expect(h.started).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
    h.pass('a');
    h.pass('b');
    expect((await run).ok).toBe(true);
  });

  it('a timeout triggers fail-fast kill like a failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness();
    const run = runGraph([h.task('slow', { timeoutMs: 50 }), h.task('other'), h.task('later')], { maxParallel: 2, failFast: 'kill' });
    await flush();
    await vi.advanceTimersByTimeAsync(50);
    const result = await run;
    expect(statuses(result)).toEqual({ slow: 'timeout', other: 'cancelled', later: 'skipped' });
    expect(result.failFastTriggered).toBe(true);
  });
});

describe('runGraph — async tasks', () => {
  it('runs async tasks outside maxParallel without blocking independent tasks; dependents wait for them', async () => {
    const h = harness();
    const run = runGraph([h.task('long', { async: true }), h.task('x'), h.task('y'), h.task('z', { requires: ['long'] })], {
      maxParallel: 1,
      onEvent: h.onEvent,
    });
    const state = track(run);
    await flush();
    expect(h.started).toEqual(['x', 'long']);
    h.pass('x');
    await flush();
    expect(h.started).toEqual(['x', 'long', 'y']);
    h.pass('y');
    await flush();
    expect(h.started).toEqual(['x', 'long', 'y']);
    expect(state.settled()).toBe(false); // the run waits for the async task
    h.pass('long', 'report');
    await flush();
    expect(h.started).toEqual(['x', 'long', 'y', 'z']);
    expect(h.dependencies.get('z')).toEqual({ long: 'report' });
    h.pass('z');
    expect((await run).ok).toBe(true);
    const startEvent = h.events.find((e) => e.type === 'task:start' && e.id === 'long');
    expect(startEvent).toMatchObject({ async: true });
  });

  it('limits async tasks by asyncParallel', async () => {
    const h = harness();
    const run = runGraph([h.task('l1', { async: true }), h.task('l2', { async: true }), h.task('s')], { maxParallel: 1, asyncParallel: 1 });
    await flush();
    expect(h.started.sort()).toEqual(['l1', 's']);
    h.pass('l1');
    await flush();
    expect(h.started).toContain('l2');
    h.pass('l2');
    h.pass('s');
    expect((await run).ok).toBe(true);
  });
});

describe("runGraph — schedule 'levels'", () => {
  const reference = (h: ReturnType<typeof harness>) => [
    h.task('a'),
    h.task('b'),
    h.task('c'),
    h.task('d', { requires: ['b'] }),
    h.task('e', { requires: ['c'] }),
    h.task('f', { requires: ['d', 'e'] }),
    h.task('g', { requires: ['a'] }),
    h.task('h', { requires: ['f', 'g'] }),
  ];

  it('reproduces the barrier: a level starts only when the whole previous level has ended', async () => {
    const h = harness();
    const run = runGraph(reference(h), { maxParallel: 4, schedule: 'levels' });
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c']);
    h.pass('b');
    h.pass('c');
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c']); // d and e are ready but wait for a
    h.pass('a');
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c', 'd', 'e', 'g']);
    h.pass('d');
    h.pass('e');
    await flush();
    expect(h.started).toEqual(['a', 'b', 'c', 'd', 'e', 'g']); // f waits for g
    h.pass('g');
    await flush();
    h.pass('f');
    await flush();
    h.pass('h');
    expect((await run).ok).toBe(true);
    expect(h.started).toEqual(['a', 'b', 'c', 'd', 'e', 'g', 'f', 'h']);
  });

  it("'ready' starts the same ready task without waiting for the level", async () => {
    const h = harness();
    const run = runGraph(reference(h), { maxParallel: 4 });
    await flush();
    h.pass('b');
    await flush();
    expect(h.started).toContain('d');
    for (const id of ['a', 'c', 'd', 'e', 'g', 'f', 'h']) {
      await flush();
      h.pass(id);
    }
    expect((await run).ok).toBe(true);
  });

  it('levels: an async task does not hold the barrier; a skipped task counts as ended', async () => {
    const h = harness();
    const run = runGraph([h.task('long', { async: true }), h.task('bad'), h.task('next1', { requires: ['bad'] }), h.task('other')], {
      schedule: 'levels',
      maxParallel: 4,
    });
    await flush();
    expect(h.started).toEqual(['bad', 'other', 'long']);
    h.fail('bad');
    h.pass('other');
    const result = track(run);
    await flush();
    expect(result.settled()).toBe(false);
    h.pass('long');
    expect(statuses(await run)).toEqual({ long: 'passed', bad: 'failed', next1: 'skipped', other: 'passed' });
  });
});

describe('runGraph — levels mode with a running async task', () => {
  it('the next level opens while an async task of the previous level still runs', async () => {
    const h = harness();
    const run = runGraph([h.task('long', { async: true }), h.task('a'), h.task('b', { requires: ['a'] })], {
      schedule: 'levels',
      maxParallel: 4,
    });
    await flush();
    expect(h.started).toEqual(['a', 'long']);
    h.pass('a');
    await flush();
    // Level 1 (b) starts although 'long', in level 0, has not ended: async tasks do not hold the barrier.
    expect(h.started).toEqual(['a', 'long', 'b']);
    h.pass('b');
    h.pass('long');
    expect(statuses(await run)).toEqual({ long: 'passed', a: 'passed', b: 'passed' });
  });
});

describe('runGraph — events', () => {
  it('emits a consistent order: start before end, a dependent after what it requires, graph events around', async () => {
    const h = harness();
    const tasks = [h.task('a'), h.task('b'), h.task('c', { requires: ['a', 'b'] }), h.task('d', { requires: ['c'] }), h.task('e', { requires: ['a'] })];
    const run = runGraph(tasks, { maxParallel: 2, onEvent: h.onEvent });
    await flush();
    h.pass('b');
    await flush();
    h.pass('a');
    await flush();
    h.fail('c');
    await flush();
    h.pass('e');
    const result = await run;
    expect(h.trace()).toEqual([
      'graph:start',
      'start:a',
      'start:b',
      'end:b:passed',
      'end:a:passed',
      'start:c',
      'start:e',
      'end:c:failed',
      'end:d:skipped',
      'end:e:passed',
      'graph:end',
    ]);
    const last = h.events.at(-1);
    expect(last).toMatchObject({ type: 'graph:end', result });
    expect(h.events[0]).toMatchObject({ type: 'graph:start', taskCount: 5 });
    const times = h.events.map((e) => e.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const end = h.events.find((e) => e.type === 'task:end' && e.id === 'c');
    expect(end).toMatchObject({ outcome: outcome(result, 'c') });
  });

  it('forwards every event to an observer, tagged with one run id and source graph', async () => {
    const seen: { type: string; runId: string; source: string }[] = [];
    const onEvent: string[] = [];
    await runGraph([{ id: 'a', run: () => Promise.resolve(1) }], {
      onEvent: (e) => onEvent.push(e.type),
      observer: { onEvent: (e) => seen.push({ type: e.type, runId: e.runId, source: e.source }) },
    });
    expect(seen.map((e) => e.type)).toEqual(['graph:start', 'task:start', 'task:end', 'graph:end']);
    expect(onEvent).toEqual(seen.map((e) => e.type));
    expect(new Set(seen.map((e) => e.runId)).size).toBe(1);
    expect(seen.every((e) => e.source === 'graph')).toBe(true);
    await expect(runGraph([], { observer: {} as never })).rejects.toThrow(/options\.observer/);
  });

  it('contains an onEvent that throws', async () => {
    const result = await runGraph([{ id: 'a', run: () => Promise.resolve(1) }], {
      onEvent: () => {
        throw new Error('observer bug');
      },
    });
    expect(result.ok).toBe(true);
  });
});

describe('runGraph — what a task stopped by fail-fast or an abort settles with', () => {
  // Tasks built on Node's abortable APIs: each rejects with an AbortError whose cause is the stop's reason.
  const nodeTasks = (): GraphTask<unknown>[] => [
    { id: 'sleep', run: ({ signal }) => sleep(60_000, undefined, { signal }) },
    { id: 'once', run: ({ signal }) => once(new EventEmitter(), 'never', { signal }) },
    {
      id: 'pipe',
      run: ({ signal }) =>
        pipeline(
          new Readable({ read() {} }),
          new Writable({ write: (_chunk, _encoding, callback) => callback() }),
          { signal },
        ),
    },
    { id: 'reason', run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))) },
  ];

  it("'kill': what a task does about its abort is cancelled, Node's AbortErrors and its own errors alike; a failure already queued is failed", async () => {
    const h = harness();
    const cleanup = new Error('cleanup failed');
    const run = runGraph(
      [
        h.task('a'),
        h.task('queued'),
        ...nodeTasks(),
        { id: 'own', run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(cleanup))) },
        { id: 'deaf', run: () => new Promise(() => {}) },
        h.task('later', { requires: ['queued'] }),
      ],
      { maxParallel: Number.POSITIVE_INFINITY, failFast: 'kill', onEvent: h.onEvent },
    );
    await flush();
    // Both fail in one synchronous block: 'queued' failed before the stop that 'a' triggers reaches it.
    h.fail('a');
    h.fail('queued', new Error('queued own failure'));
    const result = await run;
    expect(statuses(result)).toEqual({
      a: 'failed',
      queued: 'failed',
      sleep: 'cancelled',
      once: 'cancelled',
      pipe: 'cancelled',
      reason: 'cancelled',
      own: 'cancelled',
      deaf: 'cancelled',
      later: 'skipped',
    });
    expect(outcome(result, 'queued')).toMatchObject({ error: { message: 'queued own failure' } });
    // The stop had skipped it already: nothing that ended after the stop changes that.
    expect(outcome(result, 'later')).toMatchObject({ reason: { failFast: true } });
    expect(result).toMatchObject({ ok: false, failFastTriggered: true, aborted: false });
    // Every task ends once, and the run's end comes last.
    const trace = h.trace();
    expect(trace.filter((t) => t.startsWith('end:'))).toHaveLength(9);
    expect(trace.at(-1)).toBe('graph:end');
  });

  it('a parent abort: what tasks do about it is cancelled; a value or an error already queued when it landed is what it is', async () => {
    const h = harness();
    const controller = new AbortController();
    const own = new Error('could not roll back');
    const run = runGraph(
      [
        ...nodeTasks(),
        { id: 'own', run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(own))) },
        h.task('done'),
        h.task('broken'),
      ],
      { maxParallel: Number.POSITIVE_INFINITY, signal: controller.signal },
    );
    await flush();
    h.pass('done', 42);
    h.fail('broken', new Error('broken before the abort'));
    controller.abort(new Error('user pressed ctrl-c'));
    const result = await run;
    expect(statuses(result)).toEqual({
      sleep: 'cancelled',
      once: 'cancelled',
      pipe: 'cancelled',
      reason: 'cancelled',
      own: 'cancelled',
      done: 'passed',
      broken: 'failed',
    });
    expect(outcome(result, 'done')).toMatchObject({ value: 42 });
    expect(outcome(result, 'broken')).toMatchObject({ error: { message: 'broken before the abort' } });
    expect(result.aborted).toBe(true);
  });
});

describe('runGraph — abort', () => {
  it('a parent abort cancels running tasks with its reason, skips the rest and reports aborted', async () => {
    const h = harness();
    const controller = new AbortController();
    const run = runGraph([h.task('a'), h.task('b'), h.task('c'), h.task('d', { requires: ['a'] })], {
      maxParallel: 2,
      signal: controller.signal,
    });
    await flush();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('user pressed ctrl-c');
    controller.abort(reason);
    const result = await run;
    expect(result).toMatchObject({ ok: false, aborted: true, failFastTriggered: false });
    expect(result.results).toEqual([
      expect.objectContaining({ id: 'a', status: 'cancelled' }),
      expect.objectContaining({ id: 'b', status: 'cancelled' }),
      { id: 'c', status: 'skipped', reason: { aborted: true } },
      { id: 'd', status: 'skipped', reason: { aborted: true } },
    ]);
    expect(h.signals.get('a')?.reason).toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted signal runs nothing and skips everything', async () => {
    const run = vi.fn(() => Promise.resolve());
    const result = await runGraph(
      [
        { id: 'a', run },
        { id: 'b', requires: ['a'], run },
      ],
      { signal: AbortSignal.abort() },
    );
    expect(run).not.toHaveBeenCalled();
    expect(result).toEqual({
      ok: false,
      aborted: true,
      failFastTriggered: false,
      results: [
        { id: 'a', status: 'skipped', reason: { aborted: true } },
        { id: 'b', status: 'skipped', reason: { aborted: true } },
      ],
    });
  });

  it('gives a task that reads its signal only after being cancelled an aborted signal', async () => {
    const controller = new AbortController();
    let read: (() => AbortSignal) | undefined;
    const run = runGraph(
      [
        {
          id: 'lazy',
          run: (context) => {
            read = () => context.signal;
            return new Promise(() => {});
          },
        },
      ],
      { signal: controller.signal },
    );
    await flush();
    controller.abort('stop');
    await run;
    expect(read?.().aborted).toBe(true);
    expect(read?.().reason).toBe('stop');
  });

  it('an observer that aborts the run from task:start stops that task before it runs', async () => {
    const controller = new AbortController();
    const run = vi.fn(() => Promise.resolve());
    const result = await runGraph([{ id: 'a', run }], {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'task:start') controller.abort();
      },
    });
    expect(run).not.toHaveBeenCalled();
    expect(statuses(result)).toEqual({ a: 'cancelled' });
  });

  it('removes its abort listener on every way out', async () => {
    const signal = new AbortController().signal;
    const listeners = () => getEventListeners(signal, 'abort').length;
    await runGraph([{ id: 'a', run: () => Promise.resolve() }], { signal });
    expect(listeners()).toBe(0);
    await runGraph([{ id: 'a', run: () => Promise.reject(new Error('x')) }, { id: 'b', run: () => new Promise(() => {}) }], {
      signal,
      failFast: 'kill',
    });
    expect(listeners()).toBe(0);
    await expect(runGraph([{ id: 'a', requires: ['a'], run: () => Promise.resolve() }], { signal })).rejects.toBeInstanceOf(GraphError);
    expect(listeners()).toBe(0);
    // Many tasks, one listener.
    const many = runGraph(
      Array.from({ length: 100 }, (_, i) => ({ id: `t${i}`, run: ({ signal: s }: { signal: AbortSignal }) => (void s, Promise.resolve()) })),
      { signal, maxParallel: 100 },
    );
    expect(listeners()).toBe(1);
    await many;
    expect(listeners()).toBe(0);
  });
});

describe('runGraph — validation', () => {
  it('rejects with GraphError before running anything', async () => {
    const run = vi.fn(() => Promise.resolve());
    await expect(
      runGraph([
        { id: 'a', run },
        { id: 'b', requires: ['nope'], run },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_DEPENDENCY', id: 'b', dependency: 'nope' });
    expect(run).not.toHaveBeenCalled();
  });

  it.each([
    [{ maxParallel: 0 }, /options\.maxParallel must be an integer >= 1 or Infinity, received 0/],
    [{ maxParallel: 1.5 }, /options\.maxParallel/],
    [{ asyncParallel: -1 }, /options\.asyncParallel/],
    [{ failFast: true }, /options\.failFast must be 'kill', 'no-new', false or undefined, received true/],
    [{ schedule: 'fast' }, /options\.schedule/],
    [{ signal: {} }, /options\.signal must be an AbortSignal/],
    [{ onEvent: 'log' }, /options\.onEvent must be a function/],
  ])('rejects bad option %o with a TypeError', async (options, message) => {
    await expect(runGraph([], options as never)).rejects.toThrow(message);
    await expect(runGraph([], options as never)).rejects.toBeInstanceOf(TypeError);
  });
});
