// The shared cache's trust and failure rules, on a backend in memory: only an entry signed with the cache key, for
// this key, check and version, is a hit; anything else is a miss with a warning. A backend that fails or never
// answers turns the shared cache off with one warning, within its timeout. Claims make a second run wait for the
// first one's result, and a claim whose holder is gone is taken over.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SHARED_ENTRY_BYTES, SharedCache, type CacheEntry, type SharedCacheBackend } from '../../src/checks/index.js';
import { openSharedEntry, sealSharedEntry } from '../../src/checks/cache/remote.js';
import { CACHE_FORMAT } from '../../src/checks/cache/key.js';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const VERSION = '1.2.3';
const K1 = 'a'.repeat(64);
const K2 = 'b'.repeat(64);

const entry = (id = 'lint', overrides: Partial<CacheEntry> = {}): CacheEntry => ({
  id,
  status: 'passed',
  exitCode: 0,
  durationMs: 1234,
  attempts: 1,
  extracted: { count: '3' },
  outputTail: ['ok'],
  outputBytes: 3,
  storedAt: 1_700_000_000_000,
  ...overrides,
});

/** A backend in memory, with times to live on an injected clock, that can fail or hang on demand. */
class MemoryBackend implements SharedCacheBackend {
  readonly values = new Map<string, { value: string; until: number }>();
  now = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  /** How long each call takes. */
  delayMs = 0;
  calls = 0;
  closed = false;

  private live(name: string): string | undefined {
    const found = this.values.get(name);
    if (found === undefined || found.until <= this.now) {
      this.values.delete(name);
      return undefined;
    }
    return found.value;
  }

  private async gate(): Promise<void> {
    this.calls++;
    if (this.mode === 'fail') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    if (this.mode === 'hang') await new Promise(() => undefined);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  async get(name: string, maxBytes: number): Promise<string | null> {
    await this.gate();
    const value = this.live(name);
    return value === undefined ? null : Buffer.from(value).subarray(0, maxBytes + 1).toString();
  }
  async has(name: string): Promise<boolean> {
    await this.gate();
    return this.live(name) !== undefined;
  }
  async set(name: string, value: string, ttlMs: number): Promise<void> {
    await this.gate();
    this.values.set(name, { value, until: this.now + ttlMs });
  }
  async claim(name: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.gate();
    if (this.live(name) !== undefined) return false;
    this.values.set(name, { value: owner, until: this.now + ttlMs });
    return true;
  }
  async renew(name: string, current: string, next: string, ttlMs: number): Promise<boolean> {
    await this.gate();
    if (this.live(name) !== current) return false;
    this.values.set(name, { value: next, until: this.now + ttlMs });
    return true;
  }
  async release(name: string, owner: string): Promise<void> {
    await this.gate();
    if (this.live(name) === owner) this.values.delete(name);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  plant(cacheKey: string, value: string): void {
    this.values.set(`fanout:cache:${cacheKey}`, { value, until: Infinity });
  }
}

/** `backend` for one more run, and a promise kept once that run has read who holds a claim (it is then waiting). */
function watchHolderReads(backend: SharedCacheBackend): { backend: SharedCacheBackend; read: Promise<void> } {
  let seen!: () => void;
  const read = new Promise<void>((resolve) => (seen = resolve));
  const watched: SharedCacheBackend = {
    get: async (name, maxBytes) => {
      const value = await backend.get(name, maxBytes);
      if (name.includes(':cache-claim:') && value !== null) seen();
      return value;
    },
    has: (name) => backend.has(name),
    set: (name, value, ttlMs) => backend.set(name, value, ttlMs),
    claim: (name, owner, ttlMs) => backend.claim(name, owner, ttlMs),
    renew: (name, current, next, ttlMs) => backend.renew(name, current, next, ttlMs),
    release: (name, owner) => backend.release(name, owner),
    close: () => Promise.resolve(),
  };
  return { backend: watched, read };
}

const caches: SharedCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

function open(backend: SharedCacheBackend, options: Partial<ConstructorParameters<typeof SharedCache>[0]> = {}): { cache: SharedCache; warnings: string[] } {
  const warnings: string[] = [];
  const cache = new SharedCache({ backend, key: KEY, version: VERSION, onWarning: (message) => warnings.push(message), pollMs: 5, ...options });
  caches.push(cache);
  return { cache, warnings };
}

describe('shared cache entries', () => {
  it('an entry written by a holder of the key is read back whole by another reader', async () => {
    const backend = new MemoryBackend();
    await open(backend).cache.write(K1, entry());
    const { cache, warnings } = open(backend);
    expect(await cache.read('lint', K1)).toEqual(entry());
    expect(warnings).toEqual([]);
  });

  it('a warned entry keeps its failure', async () => {
    const backend = new MemoryBackend();
    const warned = entry('docs', { status: 'warned', exitCode: 3, failure: { code: 'exit-code', message: 'exited with 3' } });
    await open(backend).cache.write(K1, warned);
    expect(await open(backend).cache.read('docs', K1)).toEqual(warned);
  });

  const refused: Array<[string, (backend: MemoryBackend) => void, RegExp]> = [
    ['signed with another key (a writer without the secret)', (b) => b.plant(K1, sealSharedEntry(OTHER_KEY, VERSION, K1, entry())), /signature does not verify/],
    ['unsigned', (b) => b.plant(K1, JSON.stringify({ v: 1, version: VERSION, mac: '', entry: JSON.stringify(entry()) })), /signature does not verify/],
    ['replayed under another key', (b) => b.plant(K1, sealSharedEntry(KEY, VERSION, K2, entry())), /signature does not verify/],
    [
      'changed after signing (a failure turned into a pass)',
      (b) => {
        const sealed = JSON.parse(sealSharedEntry(KEY, VERSION, K1, entry('lint', { outputTail: ['1 failed'] }))) as Record<string, string>;
        sealed.entry = JSON.stringify(entry());
        b.plant(K1, JSON.stringify(sealed));
      },
      /signature does not verify/,
    ],
    ['truncated', (b) => b.plant(K1, sealSharedEntry(KEY, VERSION, K1, entry()).slice(0, 80)), /not JSON/],
    ['garbage', (b) => b.plant(K1, '\u0000\uffff\u001b[2Jnot an entry'), /not JSON/],
    ['JSON of another shape', (b) => b.plant(K1, '[1,2,3]'), /not an entry/],
    ['oversized', (b) => b.plant(K1, `${'x'.repeat(MAX_SHARED_ENTRY_BYTES + 10)}`), /larger than/],
    ['of another fanout version', (b) => b.plant(K1, sealSharedEntry(KEY, '9.9.9', K1, entry())), /stored by fanout 9\.9\.9/],
    ['the entry of another check', (b) => b.plant(K1, sealSharedEntry(KEY, VERSION, K1, entry('build'))), /result of check build/],
    [
      'signed but malformed inside',
      (b) => {
        const body = JSON.stringify({ ...entry(), status: 'failed' });
        const mac = createHmac('sha256', KEY).update(JSON.stringify(['fanout-shared-cache', CACHE_FORMAT, VERSION, K1, body])).digest('base64url');
        b.plant(K1, JSON.stringify({ v: 1, version: VERSION, mac, entry: body }));
      },
      /not one fanout writes/,
    ],
  ];
  it.each(refused)('an entry %s is a miss with a warning, never a pass', async (_name, plant, message) => {
    const backend = new MemoryBackend();
    plant(backend);
    const { cache, warnings } = open(backend);
    expect(await cache.read('lint', K1)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(message);
    expect(warnings[0]).toContain('check lint');
    // The shared cache stays on: one bad entry does not stop the others being read.
    await open(backend).cache.write(K2, entry());
    expect(await cache.read('lint', K2)).toEqual(entry());
  });

  it('the MAC covers the version: the same entry under another version does not verify', () => {
    const sealed = JSON.parse(sealSharedEntry(KEY, '1.0.0', K1, entry())) as Record<string, string>;
    sealed.version = VERSION;
    expect(openSharedEntry(KEY, VERSION, K1, 'lint', JSON.stringify(sealed))).toMatchObject({ reason: 'forged' });
  });

  it('an entry too large to be read back is not written', async () => {
    const backend = new MemoryBackend();
    await open(backend).cache.write(K1, entry('lint', { outputTail: ['x'.repeat(MAX_SHARED_ENTRY_BYTES)] }));
    expect(backend.values.size).toBe(0);
  });

  it('refuses a key shorter than a derived one', () => {
    expect(() => new SharedCache({ backend: new MemoryBackend(), key: Buffer.alloc(8), version: VERSION })).toThrow(/key must be a derived key of at least 32 bytes/);
  });
});

describe('a backend that fails or does not answer', () => {
  it('a failing backend turns the shared cache off with one warning, and the run goes on', async () => {
    const backend = new MemoryBackend();
    backend.mode = 'fail';
    const { cache, warnings } = open(backend);
    expect(await cache.find('lint', K1, 1000)).toEqual({ miss: true });
    expect(await cache.read('lint', K2)).toBeUndefined();
    await cache.write(K1, entry());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/shared cache is off for the rest of this run \(reading an entry: connect ECONNREFUSED/);
    expect(backend.calls).toBe(1);
  });

  it('a backend that never answers costs one timeout, then nothing; closing does not wait for it', async () => {
    const backend = new MemoryBackend();
    backend.mode = 'hang';
    const { cache, warnings } = open(backend, { timeoutMs: 50 });
    const started = performance.now();
    expect(await cache.find('lint', K1, 60_000)).toEqual({ miss: true });
    expect(await cache.find('unit', K2, 60_000)).toEqual({ miss: true });
    await cache.write(K1, entry());
    await cache.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(warnings).toEqual([expect.stringMatching(/no answer within 50 ms/)]);
    expect(backend.calls).toBe(1);
    expect(backend.closed).toBe(true);
  });

  it('a slow backend is turned off once it has cost the run its budget in all, with one warning', async () => {
    const backend = new MemoryBackend();
    backend.delayMs = 40; // each call at least that: three calls exceed the budget
    const { cache, warnings } = open(backend, { budgetMs: 100, timeoutMs: 10_000 });
    for (let i = 0; i < 10; i++) await cache.read('lint', K1);
    expect(warnings).toEqual([expect.stringMatching(/shared cache is off for the rest of this run \(it kept this run waiting more than 100 ms in all\)/)]);
    expect(backend.calls).toBeLessThanOrEqual(3);
  });

  it('connecting is bounded apart from the first call, and a connection that never comes turns the cache off', async () => {
    const backend = new MemoryBackend();
    let connects = 0;
    const hanging: SharedCacheBackend = Object.assign(Object.create(backend) as MemoryBackend, {
      connect: () => {
        connects++;
        return new Promise<void>(() => undefined);
      },
    });
    const { cache, warnings } = open(hanging, { timeoutMs: 50 });
    expect(await cache.find('lint', K1, 60_000)).toEqual({ miss: true });
    await cache.write(K1, entry());
    expect(warnings).toEqual([expect.stringMatching(/\(connecting: no answer within 50 ms\)/)]);
    expect(connects).toBe(1);
    expect(backend.calls).toBe(0);
  });

  it('closing gives the pushes of local hits a short grace, then drops them without a warning', async () => {
    const backend = new MemoryBackend();
    backend.mode = 'hang';
    const { cache, warnings } = open(backend, { timeoutMs: 600_000 });
    cache.share('lint', K1, entry());
    // The push waits for an answer for ten minutes at most; closing does not.
    await cache.close();
    expect(backend.calls).toBe(1);
    expect(backend.closed).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('pushGraceMs: closing waits that long for the pushes of local hits (here past the default grace), and must be a number of ms', async () => {
    const backend = new MemoryBackend();
    backend.delayMs = 400; // each call outlasts the default grace of 250 ms; the push makes two (has, set)
    const { cache } = open(backend, { pushGraceMs: 600_000 });
    cache.share('lint', K1, entry());
    await cache.close();
    expect(openSharedEntry(KEY, VERSION, K1, 'lint', backend.values.get(`fanout:cache:${K1}`)?.value ?? '')).toEqual({ entry: entry() });
    for (const pushGraceMs of [-1, Number.NaN, 2 ** 31, '100']) {
      expect(() => new SharedCache({ backend, key: KEY, version: VERSION, pushGraceMs: pushGraceMs as number })).toThrow(/pushGraceMs must be a number of milliseconds from 0 to 2147483647/);
    }
  });

  it('a local hit only asks whether the shared store has an entry, and stores one where it has none', async () => {
    const backend = new MemoryBackend();
    const { cache } = open(backend);
    backend.plant(K1, 'spoilt');
    cache.share('lint', K1, entry());
    cache.share('lint', K2, entry());
    await cache.close();
    // Left for the next run that misses locally: it refuses it, runs the check and replaces it.
    expect(backend.values.get(`fanout:cache:${K1}`)?.value).toBe('spoilt');
    expect(openSharedEntry(KEY, VERSION, K2, 'lint', backend.values.get(`fanout:cache:${K2}`)?.value ?? '')).toEqual({ entry: entry() });
  });

  it('a write under way when the run ends is finished before the backend closes', async () => {
    const backend = new MemoryBackend();
    const { cache } = open(backend);
    void cache.write(K1, entry());
    await cache.close();
    expect(backend.values.has(`fanout:cache:${K1}`)).toBe(true);
    expect(backend.closed).toBe(true);
  });
});

describe('claims: a check another run is running', () => {
  it('the second run waits for the first one\'s result instead of running the check', async () => {
    const backend = new MemoryBackend();
    const first = open(backend).cache;
    const second = open(backend).cache;
    const claimed = await first.find('build', K1, 60_000);
    expect(claimed).toHaveProperty('claim');
    let done = false;
    const waiting = second.find('build', K1, 60_000).finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    if ('claim' in claimed) await claimed.claim.complete(entry('build'));
    expect(await waiting).toEqual({ entry: entry('build') });
    expect(backend.values.has(`fanout:cache-claim:${K1}`)).toBe(false);
  });

  it('a claim freed without a result (the check failed): every waiting run runs the check at once, none waits for another', async () => {
    const backend = new MemoryBackend();
    const first = await open(backend, { claimTtlMs: 60_000 }).cache.find('build', K1, 60_000);
    expect(first).toHaveProperty('claim');
    const waiters = [1, 2, 3].map(() => {
      const watched = watchHolderReads(backend);
      return { read: watched.read, found: open(watched.backend).cache.find('build', K1, 60_000) };
    });
    // Every waiter has seen the claim held: it waits for that holder.
    await Promise.all(waiters.map((waiter) => waiter.read));
    if ('claim' in first) await first.claim.complete(undefined);
    // None claims it again (the others would wait for it): all run it.
    expect(await Promise.all(waiters.map((waiter) => waiter.found))).toEqual([{ miss: true }, { miss: true }, { miss: true }]);
    expect(backend.values.has(`fanout:cache-claim:${K1}`)).toBe(false);
  });

  it('a passed check whose entry is not stored (too large) is released the same way', async () => {
    const backend = new MemoryBackend();
    const first = await open(backend).cache.find('build', K1, 60_000);
    const watched = watchHolderReads(backend);
    const waiting = open(watched.backend).cache.find('build', K1, 60_000);
    await watched.read;
    if ('claim' in first) await first.claim.complete(entry('build', { outputTail: ['x'.repeat(MAX_SHARED_ENTRY_BYTES)] }));
    expect(await waiting).toEqual({ miss: true });
  });

  it('a release told for another claim (stale or forged) does not end the wait; it can only make a check run', async () => {
    const backend = new MemoryBackend();
    const first = await open(backend).cache.find('build', K1, 60_000);
    backend.values.set(`fanout:cache-released:${K1}`, { value: 'someone-else.1', until: Infinity });
    const watched = watchHolderReads(backend);
    let settled = false;
    const waiting = open(watched.backend).cache.find('build', K1, 60_000).finally(() => (settled = true));
    await watched.read;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    if ('claim' in first) await first.claim.complete(entry('build'));
    expect(await waiting).toEqual({ entry: entry('build') });
  });

  it('a holder renews its claim with a later signed expiry, and frees the renewed claim', async () => {
    const backend = new MemoryBackend();
    let clock = 1000;
    let renewed!: () => void;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    const renew = backend.renew.bind(backend);
    backend.renew = async (...args) => {
      const done = await renew(...args);
      renewed();
      return done;
    };
    const holder = await open(backend, { claimTtlMs: 150, now: () => clock }).cache.find('build', K1, 60_000);
    const name = `fanout:cache-claim:${K1}`;
    const first = backend.values.get(name)?.value;
    expect(first).toMatch(/^c1\.[\w-]+\.1\.1150\./);
    clock = 10_000;
    await renewal;
    expect(backend.values.get(name)?.value).toMatch(/^c1\.[\w-]+\.1\.10150\./);
    // Past the first expiry, within the renewed one: a run still waits for it.
    const watched = watchHolderReads(backend);
    const { cache, warnings } = open(watched.backend, { now: () => 10_100 });
    let settled = false;
    const waiting = cache.find('build', K1, 60_000).finally(() => (settled = true));
    await watched.read;
    expect(settled).toBe(false);
    if ('claim' in holder) await holder.claim.complete(entry('build'));
    expect(await waiting).toEqual({ entry: entry('build') });
    expect(warnings).toEqual([]);
    expect(backend.values.has(name)).toBe(false);
  });

  it('a claim whose holder died lapses, and the waiting run takes it over', async () => {
    const backend = new MemoryBackend();
    const holder = await open(backend, { claimTtlMs: 1000 }).cache.find('build', K1, 60_000);
    expect(holder).toHaveProperty('claim');
    let settled = false;
    const waiting = open(backend).cache.find('build', K1, 60_000).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    backend.now += 1001; // the holder renewed nothing for a whole time to live
    expect(await waiting).toHaveProperty('claim');
  });

  it('a wait is bounded: past it the check runs here, with a warning', async () => {
    const backend = new MemoryBackend();
    await open(backend).cache.find('build', K1, 60_000);
    const { cache, warnings } = open(backend);
    expect(await cache.find('build', K1, 30)).toEqual({ miss: true });
    expect(warnings).toEqual([expect.stringMatching(/check build, which another run is running; running it here/)]);
  });

  it('a wait ends when the run is stopped', async () => {
    const backend = new MemoryBackend();
    await open(backend).cache.find('build', K1, 60_000);
    const controller = new AbortController();
    const waiting = open(backend).cache.find('build', K1, 60_000, controller.signal);
    controller.abort();
    expect(await waiting).toEqual({ miss: true });
  });

  it('without claims a miss is a plain miss', async () => {
    const backend = new MemoryBackend();
    expect(await open(backend, { claims: false }).cache.find('build', K1, 60_000)).toEqual({ miss: true });
    expect(backend.values.size).toBe(0);
  });
});
