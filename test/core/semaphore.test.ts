import { getEventListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/core/semaphore.js';
import type { Release } from '../../src/core/semaphore.js';
import { deferred, flush } from '../helpers/deferred.js';

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** Records when an acquire settles, so tests can ask "has it got its permit yet?" without awaiting it. */
function track(promise: Promise<Release>): { state: 'pending' | 'resolved' | 'rejected'; release?: Release; reason?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; release?: Release; reason?: unknown } = { state: 'pending' };
  promise.then(
    (release) => {
      t.state = 'resolved';
      t.release = release;
    },
    (reason: unknown) => {
      t.state = 'rejected';
      t.reason = reason;
    },
  );
  return t;
}

describe('Semaphore constructor', () => {
  it('defaults permits to os.availableParallelism()', () => {
    const semaphore = new Semaphore();
    expect(semaphore.available).toBe(availableParallelism());
    expect(semaphore.waiting).toBe(0);
  });

  it('takes an explicit integer >= 1', () => {
    expect(new Semaphore(1).available).toBe(1);
    expect(new Semaphore(7).available).toBe(7);
  });

  it.each([
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    ['2', '"2"'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('throws a TypeError naming permits for %s', (permits, shown) => {
    expect(() => new Semaphore(permits as number)).toThrow(TypeError);
    expect(() => new Semaphore(permits as number)).toThrow(`permits must be an integer >= 1 or Infinity, received ${shown}`);
  });
});

describe('Semaphore.acquire', () => {
  it('hands out permits until none is left, then queues; available and waiting follow', async () => {
    const semaphore = new Semaphore(2);
    const r1 = await semaphore.acquire();
    expect(semaphore.available).toBe(1);
    const r2 = await semaphore.acquire();
    expect(semaphore.available).toBe(0);
    const third = track(semaphore.acquire());
    await flush();
    expect(third.state).toBe('pending');
    expect(semaphore.waiting).toBe(1);
    r1();
    await flush();
    expect(third.state).toBe('resolved');
    // The freed permit went straight to the waiter, not back to the pool.
    expect(semaphore.available).toBe(0);
    expect(semaphore.waiting).toBe(0);
    r2();
    third.release?.();
    expect(semaphore.available).toBe(2);
  });

  it('serves waiters first in, first out', async () => {
    const semaphore = new Semaphore(1);
    const first = await semaphore.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3].map((i) =>
      semaphore.acquire().then((release) => {
        order.push(i);
        return release;
      }),
    );
    expect(semaphore.waiting).toBe(4);
    first();
    for (const waiter of waiters) (await waiter)();
    expect(order).toEqual([0, 1, 2, 3]);
    expect(semaphore.available).toBe(1);
  });

  it('does not let a late caller overtake a queued waiter when a permit frees', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const queued = track(semaphore.acquire());
    release();
    // A caller arriving right after the release must queue behind the waiter that got the permit.
    const late = track(semaphore.acquire());
    await flush();
    expect(queued.state).toBe('resolved');
    expect(late.state).toBe('pending');
    queued.release?.();
    await flush();
    expect(late.state).toBe('resolved');
    late.release?.();
    expect(semaphore.available).toBe(1);
  });

  it('release is idempotent: a second call adds no permit and serves no extra waiter', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    expect(semaphore.available).toBe(1);

    const held = await semaphore.acquire();
    const a = track(semaphore.acquire());
    const b = track(semaphore.acquire());
    held();
    held();
    await flush();
    expect(a.state).toBe('resolved');
    expect(b.state).toBe('pending');
    expect(semaphore.waiting).toBe(1);
    a.release?.();
    await flush();
    expect(b.state).toBe('resolved');
    b.release?.();
    expect(semaphore.available).toBe(1);
  });

  it('rejects at once with signal.reason when the signal is already aborted, and queues nothing', async () => {
    const semaphore = new Semaphore(1);
    const reason = new Error('gone');
    const controller = new AbortController();
    controller.abort(reason);
    // Even with a permit free, a pre-aborted signal gets no permit.
    await expect(semaphore.acquire({ signal: controller.signal })).rejects.toBe(reason);
    expect(semaphore.available).toBe(1);
    expect(semaphore.waiting).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('an abort while waiting rejects with signal.reason, removes the waiter, and it never gets a permit later', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const aborted = track(semaphore.acquire({ signal: controller.signal }));
    const next = track(semaphore.acquire());
    expect(semaphore.waiting).toBe(2);
    expect(abortListeners(controller.signal)).toBe(1);

    const reason = { custom: 'reason' };
    controller.abort(reason);
    await flush();
    expect(aborted.state).toBe('rejected');
    expect(aborted.reason).toBe(reason);
    expect(semaphore.waiting).toBe(1);
    expect(abortListeners(controller.signal)).toBe(0);

    held();
    await flush();
    // The permit skipped the removed waiter and went to the one behind it.
    expect(next.state).toBe('resolved');
    expect(aborted.state).toBe('rejected');
    next.release?.();
    expect(semaphore.available).toBe(1);
    expect(semaphore.waiting).toBe(0);
  });

  it('removing a waiter from the middle of the queue keeps the others in order', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controllers = [0, 1, 2, 3, 4].map(() => new AbortController());
    const order: number[] = [];
    const waiters = controllers.map((c, i) => {
      const t = track(
        semaphore.acquire({ signal: c.signal }).then((release) => {
          order.push(i);
          return release;
        }),
      );
      return t;
    });
    controllers[2]?.abort();
    controllers[0]?.abort();
    controllers[4]?.abort();
    await flush();
    expect(semaphore.waiting).toBe(2);
    held();
    await flush();
    waiters[1]?.release?.();
    await flush();
    waiters[3]?.release?.();
    expect(order).toEqual([1, 3]);
    expect(waiters.map((w) => w.state)).toEqual(['rejected', 'resolved', 'rejected', 'resolved', 'rejected']);
    expect(semaphore.available).toBe(1);
    for (const c of controllers) expect(abortListeners(c.signal)).toBe(0);
  });

  it('removing waiters next to each other (middle, then its neighbour) keeps the rest of the queue intact', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controllers = [0, 1, 2, 3, 4].map(() => new AbortController());
    const order: number[] = [];
    const waiters = controllers.map((c, i) =>
      track(
        semaphore.acquire({ signal: c.signal }).then((release) => {
          order.push(i);
          return release;
        }),
      ),
    );
    controllers[2]?.abort();
    controllers[3]?.abort();
    controllers[1]?.abort();
    await flush();
    expect(semaphore.waiting).toBe(2);
    held();
    await flush();
    expect(order).toEqual([0]);
    waiters[0]?.release?.();
    await flush();
    expect(order).toEqual([0, 4]);
    waiters[4]?.release?.();
    expect(semaphore.available).toBe(1);
    expect(semaphore.waiting).toBe(0);
  });

  it('leaves no abort listener once acquire resolves, immediately or after waiting', async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    const release = await semaphore.acquire({ signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(0);
    const waiting = semaphore.acquire({ signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    release();
    const second = await waiting;
    expect(abortListeners(controller.signal)).toBe(0);
    // Aborting after the permit was granted changes nothing: the holder keeps it.
    controller.abort();
    expect(semaphore.available).toBe(0);
    second();
    expect(semaphore.available).toBe(1);
  });

  it('throws a TypeError for a signal that is not an AbortSignal', async () => {
    const semaphore = new Semaphore(1);
    await expect(async () => semaphore.acquire({ signal: 'nope' as unknown as AbortSignal })).rejects.toThrow(
      /options\.signal must be an AbortSignal or undefined, received "nope"/,
    );
    expect(semaphore.available).toBe(1);
  });
});

describe('Semaphore.run', () => {
  it('releases the permit after fn resolves and returns its value', async () => {
    const semaphore = new Semaphore(1);
    const gate = deferred<string>();
    const running = semaphore.run(() => gate.promise);
    await flush();
    expect(semaphore.available).toBe(0);
    gate.resolve('value');
    await expect(running).resolves.toBe('value');
    expect(semaphore.available).toBe(1);
  });

  it('releases the permit after fn rejects and passes the rejection on', async () => {
    const semaphore = new Semaphore(1);
    const error = new Error('rejected');
    await expect(semaphore.run(() => Promise.reject(error))).rejects.toBe(error);
    expect(semaphore.available).toBe(1);
  });

  it('releases the permit after fn throws synchronously', async () => {
    const semaphore = new Semaphore(1);
    const error = new Error('sync throw');
    await expect(
      semaphore.run(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(semaphore.available).toBe(1);
  });

  it('accepts a synchronous fn', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => 42)).resolves.toBe(42);
    expect(semaphore.available).toBe(1);
  });

  it('never runs more than `permits` fns at once, and starts them in call order', async () => {
    const semaphore = new Semaphore(3);
    const gates = Array.from({ length: 10 }, () => deferred());
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const all = gates.map((gate, i) =>
      semaphore.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(semaphore.waiting).toBe(7);
    // Finish them out of order; each freed permit goes to the next caller in line.
    for (const i of [1, 0, 2, 4, 3, 5, 9, 6, 7, 8]) {
      gates[i]?.resolve();
      await flush();
    }
    await Promise.all(all);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(semaphore.available).toBe(3);
  });

  it('does not call fn when the signal aborts while waiting, rejects with the reason, leaves no listener', async () => {
    const semaphore = new Semaphore(1);
    const gate = deferred();
    const holder = semaphore.run(() => gate.promise);
    const controller = new AbortController();
    let called = false;
    const waiting = semaphore.run(
      () => {
        called = true;
      },
      { signal: controller.signal },
    );
    await flush();
    expect(semaphore.waiting).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(semaphore.waiting).toBe(0);
    gate.resolve();
    await holder;
    expect(called).toBe(false);
    expect(semaphore.available).toBe(1);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('does not call fn with a pre-aborted signal', async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    controller.abort();
    let called = false;
    await expect(
      semaphore.run(
        () => {
          called = true;
        },
        { signal: controller.signal },
      ),
    ).rejects.toBe(controller.signal.reason);
    expect(called).toBe(false);
    expect(semaphore.available).toBe(1);
  });

  it('leaves no abort listener after run completes', async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    const gate = deferred();
    const first = semaphore.run(() => gate.promise, { signal: controller.signal });
    const second = semaphore.run(() => Promise.resolve('second'), { signal: controller.signal });
    await flush();
    expect(abortListeners(controller.signal)).toBe(1);
    gate.resolve();
    await first;
    await expect(second).resolves.toBe('second');
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('throws a TypeError naming fn when fn is not a function', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(42 as unknown as () => void)).rejects.toThrow(/fn must be a function, received 42/);
    expect(semaphore.available).toBe(1);
  });
});
