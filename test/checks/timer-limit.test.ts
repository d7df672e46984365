// Durations beyond the longest Node timer (2^31 - 1 ms): a limit beyond it is no limit, a debounce beyond it is
// refused, and a fractional timeout is rounded up, never a crash. A timer that overflowed fired after 1 ms.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks, SharedCache, watchChecks, type SharedCacheBackend } from '../../src/checks/index.js';
import { deferred } from '../helpers/deferred.js';
import { projectWith } from '../cli/helpers.js';

const BEYOND = 2 ** 31;

describe('durations beyond the timers\' limit', () => {
  it('runChecks: a maxTime beyond the limit is no limit (the check runs to its end and passes)', async () => {
    const dir = projectWith('checks:\n  - id: slow\n    run: sleep 0.3\n');
    const report = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir, maxTime: BEYOND }).report;
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([['slow', 'passed']]);
    expect(report.exit_code).toBe(0);
  });

  it('runChecks: a fractional timeout (YAML, option) or kill grace is rounded up to whole milliseconds, not an internal error', async () => {
    // `sleep 1` outlives every one of these timeouts: each check times out, and its reason says the rounded limit.
    const dir = projectWith('checks:\n  - id: own\n    run: sleep 1\n    timeout: 2500us\n  - id: tiny\n    run: sleep 1\n    timeout: 400us\n  - id: quick\n    run: sleep 1\n');
    const own = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir, ids: ['own', 'tiny'], killGrace: 1.5 }).report;
    const defaulted = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir, timeout: 1.5, ids: ['quick'] }).report;
    expect([...own.checks, ...defaulted.checks].map((check) => [check.id, check.status, check.reason])).toEqual([
      ['own', 'timeout', 'timed out after 3ms'],
      ['tiny', 'timeout', 'timed out after 1ms'],
      ['quick', 'timeout', 'timed out after 2ms'],
    ]);
  });

  it('runChecks: a timeout of 0 is refused, naming the option (every check failed with an internal error)', () => {
    expect(() => runChecks({ config: 'x', timeout: 0 })).toThrow('options.timeout must be a number of milliseconds > 0, received 0');
  });

  it('SharedCache: durations that are not a number of milliseconds in range are refused, naming the option', () => {
    const backend = { close: () => Promise.resolve() } as unknown as SharedCacheBackend;
    const base = { backend, key: new Uint8Array(32).fill(7), version: '1.0.0' };
    for (const [name, value, expectation] of [
      ['timeoutMs', Number.NaN, 'a number of milliseconds >= 1 (Infinity: none), received NaN'],
      ['timeoutMs', 0, 'a number of milliseconds >= 1 (Infinity: none), received 0'],
      ['budgetMs', -1, 'a number of milliseconds >= 0 (Infinity: none), received -1'],
      ['ttlMs', 1.5, 'a whole number of milliseconds from 1 to 9007199254740991, received 1.5'],
      ['claimTtlMs', Number.NaN, 'a whole number of milliseconds from 1 to 9007199254740991, received NaN'],
      ['claimTtlMs', -5, 'a whole number of milliseconds from 1 to 9007199254740991, received -5'],
      ['pollMs', Number.NaN, 'a number of milliseconds from 1 to 2147483647, received NaN'],
      ['pollMs', BEYOND, 'a number of milliseconds from 1 to 2147483647, received 2147483648'],
    ] as const) {
      expect(() => new SharedCache({ ...base, [name]: value }), `${name}: ${value}`).toThrow(`${name} must be ${expectation}`);
    }
    expect(() => new SharedCache({ ...base, timeoutMs: Infinity, budgetMs: Infinity, ttlMs: 1, claimTtlMs: 1, pollMs: 1 })).not.toThrow();
  });

  it('SharedCache: a timeoutMs beyond the limit never gives up on a call; the answer, however late, is used', async () => {
    const answer = deferred<string | null>();
    let gets = 0;
    const backend: SharedCacheBackend = {
      get: () => {
        gets++;
        return answer.promise;
      },
      has: () => Promise.resolve(false),
      set: () => Promise.resolve(),
      claim: () => Promise.resolve(true),
      renew: () => Promise.resolve(true),
      release: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const cache = new SharedCache({ backend, key: new Uint8Array(32).fill(7), version: '1.0.0', timeoutMs: BEYOND });
    let settled = false;
    const read = cache.read('a', 'k'.repeat(64)).finally(() => (settled = true));
    // An overflowed timer gives up after 1 ms: the fixed code has no timer, so it cannot settle here whatever the load.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gets).toBe(1);
    expect(settled).toBe(false);
    answer.resolve(null);
    await expect(read).resolves.toBeUndefined();
    expect(cache.failure).toBeUndefined();
    await cache.close();
  });

  it('SharedCache: a claim whose third of claimTtlMs is beyond the limit is renewed at the limit, not every millisecond', async () => {
    let renewals = 0;
    const backend: SharedCacheBackend = {
      get: () => Promise.resolve(null),
      has: () => Promise.resolve(false),
      set: () => Promise.resolve(),
      claim: () => Promise.resolve(true),
      renew: () => {
        renewals++;
        return Promise.resolve(true);
      },
      release: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const cache = new SharedCache({ backend, key: new Uint8Array(32).fill(7), version: '1.0.0', claimTtlMs: 3 * BEYOND });
    const found = await cache.find('a', 'k'.repeat(64), 1000);
    expect('claim' in found).toBe(true);
    // An overflowed interval renewed every millisecond: the fixed one is 24.8 days, so none can come here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(renewals).toBe(0);
    if ('claim' in found) await found.claim.complete(undefined);
    await cache.close();
  });

  it('watchChecks: a debounce beyond the limit (or Infinity) is refused, naming the option', async () => {
    for (const debounce of [BEYOND, Infinity]) {
      await expect(watchChecks({ config: 'x', onEvent: () => {}, debounce })).rejects.toThrow(`options.debounce must be a number of milliseconds from 0 to 2147483647, received ${debounce}`);
    }
  });
});
