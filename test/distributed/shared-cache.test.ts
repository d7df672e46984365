// The shared cache of passed checks on a real redis-server, through the public engine: runs with log folders of their
// own (two CI machines) share passes; entries planted by a writer without the secret are misses; a Redis that is down
// or never answers leaves the run to its local cache with one warning; a check another run is running is waited for.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { runChecks, SharedCache, type RunReport } from '../../src/checks/index.js';
import { sealClaim, sealReleased, sealSharedEntry } from '../../src/checks/cache/remote.js';
import { deriveKey } from '../../src/distributed/auth.js';
import { openSharedCacheRedis } from '../../src/distributed/shared-cache.js';
import { tempDir } from '../cli/helpers.js';
import { builtLibrary, hasRedis, refusedPort, startRedis, until, type RedisServer } from './harness.js';

const SECRET = 'the secret every machine of the team has';
const VERSION = '0.0.0-shared-cache-test';

const CONFIG = `version: "1"
checks:
  - id: build
    run: "while [ ! -e go ]; do sleep 0.02; done; echo build >> ran.log; if [ -e fail ]; then exit 1; fi; echo built"
    inputs: [src.txt]
  - id: unit
    run: "echo unit >> ran.log; echo '3 passed'"
    inputs: [src.txt]
    requires: [build]
`;

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
  writeFileSync(join(dir, 'src.txt'), 'source\n');
  writeFileSync(join(dir, '.gitignore'), 'ran.log\ngo\nfail\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

const ran = (dir: string): string[] => (existsSync(join(dir, 'ran.log')) ? readFileSync(join(dir, 'ran.log'), 'utf8').split('\n').filter(Boolean) : []);

interface SharedRun {
  report: RunReport;
  warnings: string[];
}

/** One run of `dir`'s config with a log folder of its own (another machine), sharing the cache at `url`. */
async function sharedRun(dir: string, url: string, logDir: string, options: { secret?: string; timeoutMs?: number; claimTtlMs?: number } = {}): Promise<SharedRun> {
  const warnings: string[] = [];
  const backend = await openSharedCacheRedis(url, { connectTimeoutMs: options.timeoutMs });
  const shared = new SharedCache({ backend, key: deriveKey(options.secret ?? SECRET, 'cache'), version: VERSION, onWarning: (message) => warnings.push(message), pollMs: 20, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.claimTtlMs === undefined ? {} : { claimTtlMs: options.claimTtlMs }) });
  try {
    const report = await runChecks({ config: join(dir, 'fanout.yaml'), logDir: join(dir, logDir), cwd: dir, version: VERSION, sharedCache: shared }).report;
    return { report, warnings };
  } finally {
    await shared.close();
  }
}

/** A server that accepts connections and reads every command, answering none: a Redis that never answers. */
async function silentRedis(): Promise<{ url: string; sockets: Set<Socket>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const cached = (report: RunReport): Record<string, boolean> => Object.fromEntries(report.checks.map((check) => [check.id, check.cached === true]));

describe.skipIf(!hasRedis)('the shared cache on a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a check passed by one run is a hit in another run with its own log folder; a forged entry is a miss', async () => {
    await redis.client.flushall();
    const dir = project();
    writeFileSync(join(dir, 'go'), '');
    const first = await sharedRun(dir, redis.url, 'machine-1');
    expect(first.report.exit_code).toBe(0);
    expect(cached(first.report)).toEqual({ build: false, unit: false });
    expect(ran(dir)).toEqual(['build', 'unit']);
    const keys = (await redis.client.keys('fanout:cache:*')).sort();
    expect(keys).toHaveLength(2);

    const second = await sharedRun(dir, redis.url, 'machine-2');
    expect(second.report.exit_code).toBe(0);
    expect(cached(second.report)).toEqual({ build: true, unit: true });
    expect(second.report.checks.find((check) => check.id === 'unit')?.output_tail).toEqual(['3 passed']);
    expect(second.warnings).toEqual([]);
    expect(ran(dir)).toEqual(['build', 'unit']);
    // The hit is kept locally too: the same machine does not ask Redis again.
    expect(existsSync(join(dir, 'machine-2', 'cache', 'entries'))).toBe(true);

    // A writer without the secret replaces every entry with a pass of its own making.
    for (const key of keys) {
      const cacheKey = key.slice('fanout:cache:'.length);
      const envelope = JSON.parse((await redis.client.get(key)) as string) as { entry: string };
      const { id } = JSON.parse(envelope.entry) as { id: string };
      const forged = { id, status: 'passed' as const, exitCode: 0, durationMs: 1, attempts: 1, extracted: {}, outputTail: ['forged'], outputBytes: 7, storedAt: Date.now() };
      await redis.client.set(key, sealSharedEntry(deriveKey('a secret the writer made up itself', 'cache'), VERSION, cacheKey, forged));
    }
    const third = await sharedRun(dir, redis.url, 'machine-3');
    expect(cached(third.report)).toEqual({ build: false, unit: false });
    expect(third.report.checks.map((check) => check.output_tail)).not.toContainEqual(['forged']);
    expect(third.warnings).toEqual([expect.stringMatching(/entry for check build is not used: its signature does not verify/), expect.stringMatching(/entry for check unit is not used/)]);
    expect(ran(dir)).toEqual(['build', 'unit', 'build', 'unit']);

    // A run with another secret verifies none of the genuine entries the third run stored.
    const other = await sharedRun(dir, redis.url, 'machine-4', { secret: 'another team, another secret!' });
    expect(cached(other.report)).toEqual({ build: false, unit: false });
  });

  it('a local hit the shared store lacks is written to it, without holding up the run; a verified entry there is left as it is', async () => {
    await redis.client.flushall();
    const dir = project();
    writeFileSync(join(dir, 'go'), '');
    // The first run on this machine shares nothing: the local store has both passes, Redis none.
    const local = await runChecks({ config: join(dir, 'fanout.yaml'), logDir: join(dir, 'machine-1'), cwd: dir, version: VERSION }).report;
    expect(local.exit_code).toBe(0);
    expect(await redis.client.keys('fanout:cache:*')).toEqual([]);

    // The next run there, with the shared cache: two local hits; their writes wait at a gate the test opens.
    const backend = await openSharedCacheRedis(redis.url);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const set = backend.set.bind(backend);
    let sets = 0;
    let reached!: () => void;
    const bothReached = new Promise<void>((resolve) => (reached = resolve));
    backend.set = async (name, value, ttlMs) => {
      if (++sets === 2) reached();
      await gate;
      return set(name, value, ttlMs);
    };
    const warnings: string[] = [];
    const shared = new SharedCache({ backend, key: deriveKey(SECRET, 'cache'), version: VERSION, onWarning: (message) => warnings.push(message), timeoutMs: 600_000 });
    const report = await runChecks({ config: join(dir, 'fanout.yaml'), logDir: join(dir, 'machine-1'), cwd: dir, version: VERSION, sharedCache: shared }).report;
    // The report is out while both writes wait at the gate.
    expect(cached(report)).toEqual({ build: true, unit: true });
    await bothReached;
    expect(await redis.client.keys('fanout:cache:*')).toEqual([]);
    open();
    // Closing would give them a short grace only: they are waited for here.
    await until(async () => (await redis.client.keys('fanout:cache:*')).length === 2, 10_000, 'both writes');
    await shared.close();
    expect(warnings).toEqual([]);
    const keys = await redis.client.keys('fanout:cache:*');
    expect(keys).toHaveLength(2);

    // Another machine hits both; nothing ran again.
    const other = await sharedRun(dir, redis.url, 'machine-2');
    expect(cached(other.report)).toEqual({ build: true, unit: true });
    expect(other.warnings).toEqual([]);
    expect(ran(dir)).toEqual(['build', 'unit']);

    // Once entries are there, a local hit only asks whether one is and writes nothing — not even over a spoilt one,
    // which the next run that misses locally refuses, runs and replaces.
    const [spoiltKey, keptKey] = keys as [string, string];
    const kept = await redis.client.get(keptKey);
    await redis.client.set(spoiltKey, 'not an entry');
    const again = await sharedRun(dir, redis.url, 'machine-1');
    expect(cached(again.report)).toEqual({ build: true, unit: true });
    expect(again.warnings).toEqual([]);
    expect(await redis.client.get(keptKey)).toBe(kept);
    expect(await redis.client.get(spoiltKey)).toBe('not an entry');
    const elsewhere = await sharedRun(dir, redis.url, 'machine-3');
    expect(elsewhere.warnings).toEqual([expect.stringMatching(/is not used: it is not JSON/)]);
    expect(JSON.parse((await redis.client.get(spoiltKey)) as string)).toHaveProperty('mac');
  });

  it('an entry replayed under another key, or of another type, is a miss', async () => {
    await redis.client.flushall();
    const dir = project();
    writeFileSync(join(dir, 'go'), '');
    await sharedRun(dir, redis.url, 'machine-1');
    const keys = await redis.client.keys('fanout:cache:*');
    const [a, b] = keys as [string, string];
    const [valueA, valueB] = [await redis.client.get(a), await redis.client.get(b)];
    await redis.client.set(a, valueB as string);
    await redis.client.del(b);
    await redis.client.rpush(b, valueA as string);
    const swapped = await sharedRun(dir, redis.url, 'machine-2');
    expect(cached(swapped.report)).toEqual({ build: false, unit: false });
    expect(swapped.warnings).toHaveLength(2);
    expect(swapped.report.exit_code).toBe(0);
  });

  it('a second run waits for the check the first run is running (its claim) instead of running it too', async () => {
    await redis.client.flushall();
    const dir = project();
    const first = sharedRun(dir, redis.url, 'machine-1');
    // The first run holds build's claim once build runs (it waits for the file go).
    await until(async () => (await redis.client.keys('fanout:cache-claim:*')).length === 1, 10_000, 'the claim of build');
    const second = sharedRun(dir, redis.url, 'machine-2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(join(dir, 'go'), '');
    const [one, two] = await Promise.all([first, second]);
    expect(one.report.exit_code).toBe(0);
    expect(two.report.exit_code).toBe(0);
    expect(ran(dir).filter((line) => line === 'build')).toEqual(['build']);
    expect(cached(two.report).build).toBe(true);
    expect(await redis.client.keys('fanout:cache-claim:*')).toEqual([]);
  });

  it('a claim is freed as soon as its check fails: the waiting run runs it at once, not after the claim lapses', async () => {
    await redis.client.flushall();
    const dir = project();
    // A claim of a minute: only its release, not its lapse, lets the second run go on within the test's time.
    const first = sharedRun(dir, redis.url, 'machine-1', { claimTtlMs: 60_000 });
    await until(async () => (await redis.client.keys('fanout:cache-claim:*')).length === 1, 10_000, 'the claim of build');
    const second = sharedRun(dir, redis.url, 'machine-2', { claimTtlMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(join(dir, 'fail'), '');
    writeFileSync(join(dir, 'go'), '');
    const [one, two] = await Promise.all([first, second]);
    expect(one.report.exit_code).toBe(1);
    expect(two.report.exit_code).toBe(1);
    expect(ran(dir)).toEqual(['build', 'build']);
    // No entry; the claim is gone; only the short-lived word that it was released without a result is left.
    expect((await redis.client.keys('fanout:cache*')).map((name) => name.split(':')[1])).toEqual(['cache-released']);
  });

  it('a claim freed without a result: every run waiting for it runs the check at once, none waits for another', async () => {
    await redis.client.flushall();
    const key = deriveKey(SECRET, 'cache');
    const opened: SharedCache[] = [];
    try {
      const holder = new SharedCache({ backend: await openSharedCacheRedis(redis.url), key, version: VERSION, pollMs: 20, claimTtlMs: 60_000 });
      opened.push(holder);
      const claimed = await holder.find('build', 'c'.repeat(64), 60_000);
      expect(claimed).toHaveProperty('claim');
      const waiters = await Promise.all(
        [1, 2, 3].map(async () => {
          const backend = await openSharedCacheRedis(redis.url);
          let seen!: () => void;
          const waiting = new Promise<void>((resolve) => (seen = resolve));
          // Kept once this run has read who holds the claim: it is waiting for that holder.
          const get = backend.get.bind(backend);
          backend.get = async (name, maxBytes) => {
            const value = await get(name, maxBytes);
            if (name.includes(':cache-claim:') && value !== null) seen();
            return value;
          };
          const cache = new SharedCache({ backend, key, version: VERSION, pollMs: 20, claimTtlMs: 60_000 });
          opened.push(cache);
          return { waiting, found: cache.find('build', 'c'.repeat(64), 60_000) };
        }),
      );
      await Promise.all(waiters.map((waiter) => waiter.waiting));
      if ('claim' in claimed) await claimed.claim.complete(undefined);
      // With a claim of a minute, a waiter that claimed it again would hold the others for that long.
      expect(await Promise.all(waiters.map((waiter) => waiter.found))).toEqual([{ miss: true }, { miss: true }, { miss: true }]);
      expect(await redis.client.keys('fanout:cache-claim:*')).toEqual([]);
    } finally {
      await Promise.all(opened.map((cache) => cache.close()));
    }
  });

  describe('claims and releases are signed: a writer without the secret delays no check', () => {
    const key = deriveKey(SECRET, 'cache');
    const opened: SharedCache[] = [];
    const open = async (options: { claimTtlMs?: number; beforeGet?: (name: string) => Promise<void>; onGet?: (name: string, value: string | null) => void } = {}) => {
      const warnings: string[] = [];
      const backend = await openSharedCacheRedis(redis.url);
      const get = backend.get.bind(backend);
      backend.get = async (name, maxBytes) => {
        await options.beforeGet?.(name);
        const value = await get(name, maxBytes);
        options.onGet?.(name, value);
        return value;
      };
      const cache = new SharedCache({ backend, key, version: VERSION, pollMs: 20, claimTtlMs: options.claimTtlMs ?? 60_000, onWarning: (message) => warnings.push(message) });
      opened.push(cache);
      return { cache, warnings };
    };
    const K1 = '1'.repeat(64);
    const K2 = '2'.repeat(64);
    const K3 = '3'.repeat(64);
    afterAll(async () => {
      await Promise.all(opened.map((cache) => cache.close()));
    });

    it('a planted claim (unsigned, or signed with another secret) is not waited for: the check runs at once, with one warning a run', async () => {
      await redis.client.flushall();
      await redis.client.set(`fanout:cache-claim:${K1}`, 'attacker.1', 'PX', 600_000);
      await redis.client.set(`fanout:cache-claim:${K2}`, sealClaim(deriveKey('a secret the writer made up', 'cache'), VERSION, K2, 'attacker.2', Date.now() + 600_000), 'PX', 600_000);
      const { cache, warnings } = await open();
      // Each would wait ten minutes for the planted claim's holder if it believed it.
      expect(await cache.find('build', K1, 600_000)).toEqual({ miss: true });
      expect(await cache.find('unit', K2, 600_000)).toEqual({ miss: true });
      expect(warnings).toEqual([expect.stringMatching(/^shared cache: a claim of check build is not used: it is not a claim fanout makes; running the check here at once/)]);
    });

    it('an empty claim (SET to "" without a time to live) is not waited for: the check runs at once, without one more poll', async () => {
      await redis.client.flushall();
      await redis.client.set(`fanout:cache-claim:${K1}`, '');
      let claimReads = 0;
      let polled!: () => void;
      const pollAgain = new Promise<'polled again'>((resolve) => (polled = () => resolve('polled again')));
      const { cache, warnings } = await open({
        onGet: (name) => {
          if (name.includes(':cache-claim:') && ++claimReads === 2) polled();
        },
      });
      const controller = new AbortController();
      try {
        // Believed, it would be polled for ten minutes: a second read of it is the proof of waiting.
        expect(await Promise.race([cache.find('build', K1, 600_000, controller.signal), pollAgain])).toEqual({ miss: true });
      } finally {
        controller.abort();
      }
      expect(claimReads).toBe(1);
      expect(warnings).toEqual([expect.stringMatching(/^shared cache: a claim of check build is not used: it is not a claim fanout makes; running the check here at once/)]);
    });

    it('a claim freed between the try to take it and the read of its holder is taken at once, not slept on', async () => {
      await redis.client.flushall();
      const holder = await open();
      expect(await holder.cache.find('build', K1, 600_000)).toHaveProperty('claim');
      const reads: string[] = [];
      const waiter = await open({
        // The holder's claim lapses right after the waiter found it held: its read of the holder finds none.
        beforeGet: async (name) => {
          if (name.includes(':cache-claim:')) await redis.client.del(name);
        },
        onGet: (name) => reads.push(name.split(':')[1] as string),
      });
      const found = await waiter.cache.find('build', K1, 600_000);
      expect(found).toHaveProperty('claim');
      // The entry, the holder (gone), then at once the claim and the entry again: no poll, no look for a release.
      expect(reads).toEqual(['cache', 'cache-claim', 'cache']);
      expect(waiter.warnings).toEqual([]);
      if ('claim' in found) await found.claim.complete(undefined);
    });

    it('a genuine claim copied to another check, or kept past its signed expiry, is not waited for either', async () => {
      await redis.client.flushall();
      const holder = await open();
      expect(await holder.cache.find('build', K1, 600_000)).toHaveProperty('claim');
      const genuine = (await redis.client.get(`fanout:cache-claim:${K1}`)) as string;
      expect(genuine).toMatch(/^c1\./);
      await redis.client.set(`fanout:cache-claim:${K2}`, genuine, 'PX', 600_000);
      const copied = await open();
      expect(await copied.cache.find('unit', K2, 600_000)).toEqual({ miss: true });
      expect(copied.warnings).toEqual([expect.stringMatching(/a claim of check unit is not used: its signature does not verify/)]);
      // Signed with the secret, for this check, but its expiry passed: a copy of an old claim put back.
      await redis.client.set(`fanout:cache-claim:${K3}`, sealClaim(key, VERSION, K3, 'holder.1', Date.now() - 1), 'PX', 600_000);
      const stale = await open();
      expect(await stale.cache.find('lint', K3, 600_000)).toEqual({ miss: true });
      expect(stale.warnings).toEqual([expect.stringMatching(/a claim of check lint is not used: it expired/)]);
    });

    it('a planted release does not end the wait: the waiting run still gets the holder\'s result', async () => {
      await redis.client.flushall();
      const holder = await open();
      const claimed = await holder.cache.find('build', K1, 600_000);
      if (!('claim' in claimed)) throw new Error('the first run did not claim the check');
      const token = /^c1\.([^.]+\.\d+)\./.exec((await redis.client.get(`fanout:cache-claim:${K1}`)) as string)?.[1] as string;
      // A release naming the holder's token, as an unsigned one would, then a genuine release of another check's claim.
      const plants = [token, sealReleased(key, VERSION, K2, token)];
      let plant = '';
      let read = false;
      let continued!: () => void;
      const waiter = await open({
        onGet: (name, value) => {
          if (name.includes(':cache-released:') && value === plant) read = true;
          // Read the claim again after the planted release: it did not take it for the end of the wait.
          else if (name.includes(':cache-claim:') && read) continued();
        },
      });
      let settled = false;
      const found = waiter.cache.find('build', K1, 600_000).finally(() => (settled = true));
      for (const next of plants) {
        const again = new Promise<void>((resolve) => (continued = resolve));
        read = false;
        plant = next;
        await redis.client.set(`fanout:cache-released:${K1}`, plant, 'PX', 600_000);
        await again;
        expect(settled).toBe(false);
      }
      expect(waiter.warnings).toEqual([expect.stringMatching(/a release of the claim of check build is not used: its signature does not verify.*still waiting for the holder/)]);
      await claimed.claim.complete({ id: 'build', status: 'passed', exitCode: 0, durationMs: 5, attempts: 1, extracted: {}, outputTail: ['built'], outputBytes: 6, storedAt: 1 });
      expect(await found).toMatchObject({ entry: { id: 'build', outputTail: ['built'] } });
    });
  });

  it('a run of local hits against a Redis that never answers ends without waiting for its pushes, and without a warning', async () => {
    const silent = await silentRedis();
    try {
      const dir = project();
      writeFileSync(join(dir, 'go'), '');
      expect((await runChecks({ config: join(dir, 'fanout.yaml'), logDir: join(dir, 'machine-1'), cwd: dir, version: VERSION }).report).exit_code).toBe(0);
      // Calls bounded at ten minutes: closing returns while both pushes still wait for an answer that never comes.
      const { report, warnings } = await sharedRun(dir, silent.url, 'machine-1', { timeoutMs: 600_000 });
      expect(cached(report)).toEqual({ build: true, unit: true });
      // It needed nothing from Redis: nothing to warn about.
      expect(warnings).toEqual([]);
      await until(() => silent.sockets.size === 0, 5000, 'the connection to be closed');
    } finally {
      await silent.close();
    }
  });

  it('a failure only a push saw is told once the run needs the shared cache', async () => {
    const down = await refusedPort();
    const backend = await openSharedCacheRedis(`redis://127.0.0.1:${down.port}`);
    const warnings: string[] = [];
    const shared = new SharedCache({ backend, key: deriveKey(SECRET, 'cache'), version: VERSION, onWarning: (message) => warnings.push(message) });
    const entry = { id: 'build', status: 'passed' as const, exitCode: 0, durationMs: 5, attempts: 1, extracted: {}, outputTail: [], outputBytes: 0, storedAt: 1 };
    try {
      shared.share('build', 'e'.repeat(64), entry);
      await until(() => shared.failure !== undefined, 10_000, 'the push to fail');
      expect(warnings).toEqual([]);
      expect(await shared.find('unit', 'f'.repeat(64), 600_000)).toEqual({ miss: true });
      expect(warnings).toEqual([expect.stringMatching(/shared cache is off for the rest of this run \(connecting: .*ECONNREFUSED/)]);
    } finally {
      await shared.close();
      await down.close();
    }
  });

  it('Redis refusing connections: the run passes on its own, with one warning', async () => {
    const dir = project();
    writeFileSync(join(dir, 'go'), '');
    const down = await refusedPort();
    try {
      const started = performance.now();
      const { report, warnings } = await sharedRun(dir, `redis://127.0.0.1:${down.port}`, 'machine-1');
      expect(report.exit_code).toBe(0);
      expect(ran(dir)).toEqual(['build', 'unit']);
      expect(warnings).toEqual([expect.stringMatching(/shared cache is off for the rest of this run .*ECONNREFUSED.*going on with the local cache/)]);
      expect(performance.now() - started).toBeLessThan(20_000);
      // The local cache still works: the next run on this machine is a hit without Redis.
      const again = await sharedRun(dir, `redis://127.0.0.1:${down.port}`, 'machine-1');
      expect(cached(again.report)).toEqual({ build: true, unit: true });
    } finally {
      await down.close();
    }
  });

  it('a Redis that accepts and never answers costs one bounded timeout, and its connection is closed', async () => {
    const silent = await silentRedis();
    try {
      const dir = project();
      writeFileSync(join(dir, 'go'), '');
      const started = performance.now();
      const { report, warnings } = await sharedRun(dir, silent.url, 'machine-1', { timeoutMs: 300 });
      expect(report.exit_code).toBe(0);
      expect(ran(dir)).toEqual(['build', 'unit']);
      expect(warnings).toEqual([expect.stringMatching(/shared cache is off for the rest of this run \(connecting: .*300 ms\)/)]);
      expect(performance.now() - started).toBeLessThan(20_000);
      await until(() => silent.sockets.size === 0, 5000, 'the connection to be closed');
    } finally {
      await silent.close();
    }
  });
});

/**
 * A process using the shared cache against `url`: one lookup, then close. How long it lives after that (it never
 * calls process.exit: only what it still holds keeps it alive; ioredis used to hold it 2 s or more).
 */
async function closedProcess(url: string, timeoutMs = 300): Promise<{ afterCloseMs: number; warnings: string[] }> {
  const lib = dirname(await builtLibrary());
  const script = `
    const { openSharedCacheRedis, deriveKey } = await import(${JSON.stringify(join(lib, 'distributed.js'))});
    const { SharedCache } = await import(${JSON.stringify(join(lib, 'checks.js'))});
    const warnings = [];
    const shared = new SharedCache({ backend: await openSharedCacheRedis(${JSON.stringify(url)}), key: deriveKey('${SECRET}', 'cache'), version: '1', timeoutMs: ${timeoutMs}, onWarning: (m) => warnings.push(m) });
    await shared.find('build', '${'d'.repeat(64)}', 60000);
    await shared.close();
    process.stdout.write(JSON.stringify({ warnings }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let closedAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('\n') && closedAt === 0) closedAt = performance.now();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const { warnings } = JSON.parse(out) as { warnings: string[] };
  return { warnings, afterCloseMs: performance.now() - closedAt };
}

describe('closing the shared cache ends its connection at once', () => {
  it('against a Redis that accepts and never answers, and against a refused port', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // reads every command, answers none, never closes
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const silent = await closedProcess(`redis://127.0.0.1:${(server.address() as { port: number }).port}`);
      expect(silent.warnings).toEqual([expect.stringMatching(/no answer within 300 ms/)]);
      expect(silent.afterCloseMs).toBeLessThan(1500); // vs 2 s or more when a socket or timer was left behind
      // A refused port answers at once, but the bound counts from the lookup and covers loading ioredis, which a loaded
      // machine can stretch past 300 ms: the refusal is waited for as long as it takes.
      const down = await refusedPort();
      try {
        const refused = await closedProcess(`redis://127.0.0.1:${down.port}`, 60_000);
        expect(refused.warnings).toEqual([expect.stringMatching(/ECONNREFUSED/)]);
        expect(refused.afterCloseMs).toBeLessThan(1500);
      } finally {
        await down.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
