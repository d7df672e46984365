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

  it('runChecks: a fractional timeout (YAML or option) is rounded up to whole milliseconds, not an internal error', async () => {
    const dir = projectWith('checks:\n  - id: own\n    run: "true"\n    timeout: 2500us\n  - id: quick\n    run: "true"\n');
    // 2.5 ms may well be too short for a shell: timeout is as good as passed; an internal error is neither.
    const own = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir }).report;
    expect(['passed', 'timeout']).toContain(own.checks.find((check) => check.id === 'own')?.status);
    const defaulted = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir, timeout: 1.5, ids: ['quick'] }).report;
    expect(['passed', 'timeout']).toContain(defaulted.checks.find((check) => check.id === 'quick')?.status);
    for (const check of [...own.checks, ...defaulted.checks]) expect(check.reason_code).not.toBe('internal-error');
    const failure = defaulted.checks.find((check) => check.id === 'quick');
    if (failure?.status === 'timeout') expect(failure.reason).toBe('timed out after 2ms');
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
