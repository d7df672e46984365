// The shared cache of passed checks: entries a run stores after its local store, and reads on a local miss, from a
// store other machines use too (Redis, through the distributed backend: this layer only sees the small interface
// below). Whoever can write to that store is not trusted: an entry is used only when its MAC, made with a key derived
// from the shared secret, verifies over the key, the entry and fanout's version. Anything else — forged, replayed
// under another key, torn, oversized, of another version — is a miss, never a pass. Claims (a run saying it runs a
// check, so others wait for its result) and their releases are signed too: one that does not verify is not waited
// for nor believed, so a writer without the secret can delay no check. The store failing or slow never
// fails nor holds up a run: each call is bounded, and the first failure turns the shared cache off for the rest of
// the run with one warning.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidArgument } from '../../common/arguments.js';
import { messageOf } from '../../common/errors.js';
import { MAX_TIMER_MS, timeoutWithin } from '../../common/timer.js';
import { CACHE_FORMAT } from './key.js';
import { parseCacheEntry, type CacheEntry } from './store.js';

/**
 * The store behind a {@link SharedCache}: a few string operations on named values, as Redis gives them. Every call
 * may reject or never settle: the shared cache bounds and survives both.
 */
export interface SharedCacheBackend {
  /**
   * At most `maxBytes` + 1 bytes of the string stored under `name` (more would be an oversized one); null when there
   * is none. A value that is there but empty is '', never null: a planted empty claim must not pass for no claim.
   */
  get(name: string, maxBytes: number): Promise<string | null>;
  /** Whether something is stored under `name` (cheap: nothing is read). */
  has(name: string): Promise<boolean>;
  /** Stores `value` under `name` for `ttlMs`. */
  set(name: string, value: string, ttlMs: number): Promise<void>;
  /** Sets `name` to `owner` for `ttlMs` unless it exists; true when this call set it. */
  claim(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Sets `name` to `next` for `ttlMs` when it still holds `current`; false when it does not (expired, taken). */
  renew(name: string, current: string, next: string, ttlMs: number): Promise<boolean>;
  /** Deletes `name` when it holds `owner`. */
  release(name: string, owner: string): Promise<void>;
  /** Connects, when the backend connects on demand: the shared cache bounds it apart from the first call. */
  connect?(): Promise<void>;
  /** Closes the connection at once: calls under way may reject. */
  close(): Promise<void>;
}

/** Why a shared entry was not used. */
export type SharedMissReason = 'forged' | 'version' | 'malformed' | 'oversized' | 'other-check';

/** Options of {@link SharedCache}. */
export interface SharedCacheOptions {
  backend: SharedCacheBackend;
  /** The `cache` key derived from the shared secret (32 bytes or more): what signs and verifies entries. */
  key: Uint8Array;
  /** fanout's version: covered by every MAC, and entries of another version are misses. */
  version: string;
  /** Prefix of the names in the backend. @default 'fanout' */
  prefix?: string | undefined;
  /**
   * The longest any call to the backend may take before the shared cache is turned off for the run; beyond 2^31 - 1
   * (Infinity included), calls are not timed out. @default 2000
   */
  timeoutMs?: number | undefined;
  /**
   * The most the shared cache may cost a run: once its calls (connecting included) have kept the run waiting this
   * long in all, it is turned off for the rest of the run (one warning). Waits for another run's check do not count.
   * @default 5000
   */
  budgetMs?: number | undefined;
  /** How long an entry lives in the backend. @default 7 days */
  ttlMs?: number | undefined;
  /** Wait for a check another run is running (claims) instead of running it too. @default true */
  claims?: boolean | undefined;
  /** Time to live of a claim, renewed by its holder every third of it: a holder that dies frees it within this. @default 10000 */
  claimTtlMs?: number | undefined;
  /** How often a run waiting for a claimed check looks for its result. @default 250 */
  pollMs?: number | undefined;
  /**
   * How long {@link SharedCache.close} still gives the pushes of local hits (in all): a CI machine that must share
   * what it passed locally may wait longer, an interactive run less. @default {@link SHARED_PUSH_GRACE_MS}
   */
  pushGraceMs?: number | undefined;
  /**
   * The wall clock (ms since the epoch) of the expiry a claim carries, signed: machines sharing the cache should
   * agree within a few seconds (a claim then looks stale, and the check merely runs twice). @default Date.now
   */
  now?: (() => number) | undefined;
  /**
   * Told each thing a user should know: the backend failed (once; the run goes on with the local cache), an entry was
   * refused and why, a wait for another run's check ended without its result. Library code prints nothing.
   */
  onWarning?: ((message: string) => void) | undefined;
}

/** The largest entry read or written: 20 lines of output and a few values are far less. */
export const MAX_SHARED_ENTRY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_BUDGET_MS = 5000;
const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_CLAIM_TTL_MS = 10_000;
const DEFAULT_POLL_MS = 250;
/** The longest claim value read: fanout's are about 90 bytes. */
const MAX_CLAIM_BYTES = 200;
/**
 * How long {@link SharedCache.close} still gives the local hits' pushes to the shared store (in all, not each): they
 * are an optimisation for other machines, and a run that needed nothing from Redis must not end later for them.
 * Past it they are dropped, silently.
 */
export const SHARED_PUSH_GRACE_MS = 250;
/** Entry warnings told in one run; more are counted in one last line. */
const MAX_ENTRY_WARNINGS = 10;

/** The envelope an entry travels in. */
interface Envelope {
  v: 1;
  version: string;
  /** HMAC-SHA256, base64url, over the key, the version and `entry`. */
  mac: string;
  /** The entry as JSON text. */
  entry: string;
}

function mac(key: Uint8Array, version: string, cacheKey: string, body: string): Buffer {
  // The parts as one JSON array: no two different sets of parts give the same text.
  return createHmac('sha256', key).update(JSON.stringify(['fanout-shared-cache', CACHE_FORMAT, version, cacheKey, body])).digest();
}

/** Whether `given` (base64url) is `expected`, in constant time. */
function macMatches(given: string, expected: Buffer): boolean {
  const actual = Buffer.from(given, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function claimMac(key: Uint8Array, version: string, cacheKey: string, token: string, expiresAt: number): Buffer {
  return createHmac('sha256', key).update(JSON.stringify(['fanout-shared-cache-claim', CACHE_FORMAT, version, cacheKey, token, expiresAt])).digest();
}

function releasedMac(key: Uint8Array, version: string, cacheKey: string, token: string): Buffer {
  return createHmac('sha256', key).update(JSON.stringify(['fanout-shared-cache-released', CACHE_FORMAT, version, cacheKey, token])).digest();
}

/**
 * The value of a claim on `cacheKey` held under `token` until `expiresAt` (ms since the epoch), signed: a writer
 * without the key can neither make one, nor move one to another key, nor keep a copied one alive past its expiry.
 * Exported for tests that plant claims.
 *
 * @example
 * ```ts
 * import { sealClaim } from './remote.js';
 * sealClaim(Buffer.alloc(32, 1), '1.0.0', 'a'.repeat(64), 'holder.1', Date.now() + 10_000); // 'c1.holder.1.1700000010000.…'
 * ```
 */
export function sealClaim(key: Uint8Array, version: string, cacheKey: string, token: string, expiresAt: number): string {
  return `c1.${token}.${expiresAt}.${claimMac(key, version, cacheKey, token, expiresAt).toString('base64url')}`;
}

/** The token of a claim value made by {@link sealClaim} for `cacheKey` and not expired at `now`; else why not. */
export function openClaim(key: Uint8Array, version: string, cacheKey: string, value: string, now: number): { token: string } | { untrusted: string } {
  const parts = /^c1\.([A-Za-z0-9_-]{1,64}\.\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{1,100})$/.exec(value);
  if (parts === null) return { untrusted: 'it is not a claim fanout makes' };
  const [, token = '', expiry = '', given = ''] = parts;
  const expiresAt = Number(expiry);
  if (!macMatches(given, claimMac(key, version, cacheKey, token, expiresAt))) return { untrusted: 'its signature does not verify (written without the shared secret, or copied from another check)' };
  if (expiresAt <= now) return { untrusted: 'it expired (a copy of an old claim, or clocks far apart)' };
  return { token };
}

/** The value saying that the claim held under `token` on `cacheKey` was freed without a result, signed. */
export function sealReleased(key: Uint8Array, version: string, cacheKey: string, token: string): string {
  return `r1.${token}.${releasedMac(key, version, cacheKey, token).toString('base64url')}`;
}

/** The token a value made by {@link sealReleased} for `cacheKey` names; undefined when it is not one. */
export function openReleased(key: Uint8Array, version: string, cacheKey: string, value: string): string | undefined {
  const parts = /^r1\.([A-Za-z0-9_-]{1,64}\.\d{1,15})\.([A-Za-z0-9_-]{1,100})$/.exec(value);
  if (parts === null) return undefined;
  const [, token = '', given = ''] = parts;
  return macMatches(given, releasedMac(key, version, cacheKey, token)) ? token : undefined;
}

/**
 * The value stored for `entry` under `cacheKey`: the entry as JSON with its MAC. Exported for tests that plant entries.
 *
 * @example
 * ```ts
 * import { sealSharedEntry } from './remote.js';
 * const entry = { id: 'lint', status: 'passed' as const, exitCode: 0, durationMs: 5, attempts: 1, extracted: {}, outputTail: [], outputBytes: 0, storedAt: 0 };
 * sealSharedEntry(Buffer.alloc(32, 1), '1.0.0', 'a'.repeat(64), entry); // '{"v":1,"version":"1.0.0","mac":"…","entry":"…"}'
 * ```
 */
export function sealSharedEntry(key: Uint8Array, version: string, cacheKey: string, entry: CacheEntry): string {
  const body = JSON.stringify(entry);
  const envelope: Envelope = { v: 1, version, mac: mac(key, version, cacheKey, body).toString('base64url'), entry: body };
  return JSON.stringify(envelope);
}

/** What a stored value holds for `cacheKey` and check `id`: the entry, or why it is not used. */
export function openSharedEntry(
  key: Uint8Array,
  version: string,
  cacheKey: string,
  id: string,
  value: string,
): { entry: CacheEntry } | { reason: SharedMissReason; message: string } {
  if (Buffer.byteLength(value) > MAX_SHARED_ENTRY_BYTES) return { reason: 'oversized', message: `it is larger than ${MAX_SHARED_ENTRY_BYTES} bytes` };
  let envelope: unknown;
  try {
    envelope = JSON.parse(value);
  } catch {
    return { reason: 'malformed', message: 'it is not JSON' };
  }
  if (typeof envelope !== 'object' || envelope === null) return { reason: 'malformed', message: 'it is not an entry' };
  const { v, version: theirs, mac: given, entry: body } = envelope as Record<string, unknown>;
  if (v !== 1 || typeof theirs !== 'string' || typeof given !== 'string' || typeof body !== 'string') return { reason: 'malformed', message: 'it is not an entry' };
  if (theirs !== version) return { reason: 'version', message: `it was stored by fanout ${theirs.slice(0, 40)}, not ${version}` };
  if (!macMatches(given, mac(key, version, cacheKey, body))) {
    return { reason: 'forged', message: 'its signature does not verify (written without the shared secret, changed, or stored under another key)' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { reason: 'malformed', message: 'its entry is not JSON' };
  }
  const entry = parseCacheEntry(parsed);
  if (entry === undefined) return { reason: 'malformed', message: 'its entry is not one fanout writes' };
  if (entry.id !== id) return { reason: 'other-check', message: `it is the result of check ${entry.id}` };
  return { entry };
}

/** A check this run holds the claim of: others wait for its result until it is released. */
export interface SharedClaim {
  readonly key: string;
  /** Stores `entry` (when the check passed) and then frees the claim. Never rejects. */
  complete(entry: CacheEntry | undefined): Promise<void>;
}

/** What {@link SharedCache.find} found. */
export type SharedFind = { entry: CacheEntry } | { claim: SharedClaim } | { miss: true };

/**
 * `value` when it is a number of milliseconds from `min` to `max` (a whole number when `integer`: Redis takes whole
 * expiries), else a TypeError naming the option.
 */
function milliseconds(name: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min} (Infinity: none)` : `from ${min} to ${max}`;
    throw invalidArgument(name, `${integer ? 'a whole number' : 'a number'} of milliseconds ${range}`, value);
  }
  return value;
}

/**
 * A run's view of the shared cache: pass it as `runChecks`' `sharedCache`, and close it after the run.
 *
 * @example
 * ```ts
 * import { runChecks, SharedCache } from 'fanout/checks';
 * import { deriveKey, openSharedCacheRedis } from 'fanout/distributed';
 * const shared = new SharedCache({ backend: await openSharedCacheRedis('redis://127.0.0.1:6379'), key: deriveKey(process.env.FANOUT_SECRET!, 'cache'), version: '1.0.0' });
 * try {
 *   await runChecks({ config: 'fanout.yaml', sharedCache: shared }).report;
 * } finally {
 *   await shared.close();
 * }
 * ```
 */
export class SharedCache {
  private readonly backend: SharedCacheBackend;
  private readonly key: Uint8Array;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  /** Calls under way, since when one is, and the time calls kept the run waiting before that. */
  private busy = 0;
  private busySince = 0;
  private busyMs = 0;
  /** Connecting (once, when the backend connects on demand): whether it did. */
  private connecting: Promise<boolean> | undefined;
  private readonly ttlMs: number;
  private readonly claimTtlMs: number;
  private readonly pollMs: number;
  private readonly pushGraceMs: number;
  private readonly claims: boolean;
  private readonly owner = randomBytes(12).toString('base64url');
  /** Calls under way that close waits for (each bounded by the timeout), and the pushes of local hits it gives a grace. */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly pushes = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private entryWarnings = 0;
  /** The keys {@link SharedCache.share} was given: each is looked up once a run. */
  private readonly shared = new Set<string>();
  private claimWarned = false;
  private readonly now: () => number;
  private claimCount = 0;
  private closing: Promise<void> | undefined;
  private closed = false;
  /** Why the shared cache is off for the rest of the run, once a call failed. */
  failure: string | undefined;
  /** Whether {@link SharedCache.failure} was told: a failure only pushes saw is told once a call the run needs meets it. */
  private failureTold = false;

  constructor(private readonly options: SharedCacheOptions) {
    const { backend, key } = options;
    if (typeof backend !== 'object' || backend === null) throw invalidArgument('backend', 'a SharedCacheBackend', backend);
    if (!(key instanceof Uint8Array) || key.length < 32) throw invalidArgument('key', 'a derived key of at least 32 bytes', key instanceof Uint8Array ? `(${key.length} bytes)` : key);
    this.backend = backend;
    this.key = key;
    this.prefix = options.prefix ?? 'fanout';
    // Checked here, not where used: a NaN or negative duration reaching a timer fires every millisecond (a claim
    // renewed, a result polled in a loop), and one reaching Redis fails every call.
    this.timeoutMs = milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, Number.POSITIVE_INFINITY);
    this.budgetMs = milliseconds('budgetMs', options.budgetMs ?? DEFAULT_BUDGET_MS, 0, Number.POSITIVE_INFINITY);
    this.ttlMs = milliseconds('ttlMs', options.ttlMs ?? DEFAULT_TTL_MS, 1, Number.MAX_SAFE_INTEGER, true);
    this.claimTtlMs = milliseconds('claimTtlMs', options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS, 1, Number.MAX_SAFE_INTEGER, true);
    this.pollMs = milliseconds('pollMs', options.pollMs ?? DEFAULT_POLL_MS, 1, MAX_TIMER_MS);
    const { pushGraceMs = SHARED_PUSH_GRACE_MS } = options;
    if (typeof pushGraceMs !== 'number' || !(pushGraceMs >= 0) || pushGraceMs > MAX_TIMER_MS) throw invalidArgument('pushGraceMs', `a number of milliseconds from 0 to ${MAX_TIMER_MS}`, pushGraceMs);
    this.pushGraceMs = pushGraceMs;
    this.claims = options.claims !== false;
    this.now = options.now ?? Date.now;
  }

  private entryName(cacheKey: string): string {
    return `${this.prefix}:cache:${cacheKey}`;
  }

  private claimName(cacheKey: string): string {
    return `${this.prefix}:cache-claim:${cacheKey}`;
  }

  /** Where a holder that freed its claim without a result says so (the claim's token), for the runs waiting for it. */
  private releasedName(cacheKey: string): string {
    return `${this.prefix}:cache-released:${cacheKey}`;
  }

  /**
   * One backend call, bounded by the timeout: undefined when it failed or took too long, and the shared cache is then
   * off for the rest of the run (one warning). A call that never settles is left behind, its outcome ignored. The
   * first call connects first, bounded apart. Past the budget, the shared cache is off too. A `push` (a local hit
   * shared) is one the run does not need: its failure turns the cache off all the same, but is told only once a call
   * the run needs meets it.
   */
  private async call<T>(what: string, operation: () => Promise<T>, push = false): Promise<T | undefined> {
    const result = await this.attempt(what, operation, push);
    if (result === undefined && !push && this.failure !== undefined) this.tellFailure();
    return result;
  }

  private async attempt<T>(what: string, operation: () => Promise<T>, push: boolean): Promise<T | undefined> {
    if (this.failure !== undefined || this.closed) return undefined;
    const { backend } = this;
    if (backend.connect !== undefined) {
      this.connecting ??= this.bounded('connecting', () => backend.connect?.() ?? Promise.resolve(), push).then(() => this.failure === undefined);
      if (!(await this.connecting)) return undefined;
    }
    return this.bounded(what, operation, push);
  }

  private async bounded<T>(what: string, operation: () => Promise<T>, push: boolean): Promise<T | undefined> {
    if (this.failure !== undefined || this.closed) return undefined;
    if (this.spentMs() > this.budgetMs) {
      this.fail(`it kept this run waiting more than ${this.budgetMs} ms in all`, push);
      return undefined;
    }
    if (this.busy++ === 0) this.busySince = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const bounded = (async () => {
      try {
        return await Promise.race([
          operation(),
          new Promise<never>((_, reject) => {
            timer = timeoutWithin(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
          }),
        ]);
      } catch (error) {
        this.fail(`${what}: ${messageOf(error)}`, push);
        return undefined;
      } finally {
        clearTimeout(timer);
        if (--this.busy === 0) this.busyMs += performance.now() - this.busySince;
      }
    })();
    this.track(bounded, push ? this.pushes : this.pending);
    return bounded;
  }

  /** How long calls have kept the run waiting, in all (time with at least one call under way). */
  private spentMs(): number {
    return this.busyMs + (this.busy > 0 ? performance.now() - this.busySince : 0);
  }

  private track(promise: Promise<unknown>, into = this.pending): void {
    into.add(promise);
    void promise.finally(() => into.delete(promise));
  }

  private fail(message: string, quiet = false): void {
    if (this.failure !== undefined) return;
    this.failure = message;
    if (!quiet) this.tellFailure();
  }

  private tellFailure(): void {
    if (this.failureTold || this.failure === undefined) return;
    this.failureTold = true;
    this.options.onWarning?.(`the shared cache is off for the rest of this run (${this.failure}); going on with the local cache`);
  }

  private refused(id: string, message: string): void {
    this.entryWarnings++;
    if (this.entryWarnings <= MAX_ENTRY_WARNINGS) this.options.onWarning?.(`shared cache: the entry for check ${id} is not used: ${message}; the check runs`);
    else if (this.entryWarnings === MAX_ENTRY_WARNINGS + 1) this.options.onWarning?.('shared cache: more entries are not used; their checks run');
  }

  /** A claim or release that does not verify: told once a run, whatever the check. */
  private untrustedClaim(id: string, what: string, message: string, then: string): void {
    if (this.claimWarned) return;
    this.claimWarned = true;
    this.options.onWarning?.(`shared cache: ${what} of check ${id} is not used: ${message}; ${then} (told once a run)`);
  }

  /** The verified entry for `id` under `cacheKey`, or undefined (none, refused, the backend failed). */
  async read(id: string, cacheKey: string): Promise<CacheEntry | undefined> {
    const value = await this.call('reading an entry', () => this.backend.get(this.entryName(cacheKey), MAX_SHARED_ENTRY_BYTES));
    if (typeof value !== 'string') return undefined;
    const opened = openSharedEntry(this.key, this.options.version, cacheKey, id, value);
    if ('entry' in opened) return opened.entry;
    this.refused(id, opened.message);
    return undefined;
  }

  /**
   * A local hit of check `id`: stores `entry` under `cacheKey` (signed, by this machine) unless the shared store has
   * an entry there already, so that the next machine or shard hits too. Only whether one is there is asked, not what
   * it holds (reading up to 1 MiB for every local hit would cost more than it saves): one that does not verify is
   * refused by the next run that misses locally, which runs the check and replaces it. Returns at once — the run
   * does not wait for it — and never fails nor warns (a failure it meets is told if a call the run needs follows);
   * {@link SharedCache.close} gives it at most {@link SHARED_PUSH_GRACE_MS}. `_id` is the check's, for callers: no
   * message names it.
   */
  share(_id: string, cacheKey: string, entry: CacheEntry): void {
    if (this.failure !== undefined || this.closed || this.closing !== undefined || this.shared.has(cacheKey)) return;
    this.shared.add(cacheKey);
    const sharing = (async () => {
      const there = await this.call('looking up an entry', () => this.backend.has(this.entryName(cacheKey)), true);
      if (there !== false) return;
      await this.store(cacheKey, entry, true);
    })();
    this.track(sharing, this.pushes);
  }

  /** Stores `entry` under `cacheKey` (signed); never rejects. */
  async write(cacheKey: string, entry: CacheEntry): Promise<void> {
    await this.store(cacheKey, entry);
  }

  /** {@link write}: true when the entry was stored. */
  private async store(cacheKey: string, entry: CacheEntry, push = false): Promise<boolean> {
    const value = sealSharedEntry(this.key, this.options.version, cacheKey, entry);
    if (Buffer.byteLength(value) > MAX_SHARED_ENTRY_BYTES) return false;
    return (await this.call('storing an entry', async () => (await this.backend.set(this.entryName(cacheKey), value, this.ttlMs), true), push)) === true;
  }

  /**
   * What to do with check `id` of key `cacheKey` on a local miss: its verified entry; or a claim, when this run is
   * to run it (others wait for it); or a plain miss. While another run holds the check's claim, waits — at most
   * `waitMs` — for its result. A holder that frees its claim without a result (the check failed, or passed without
   * being stored) says so under the check's release name: every run waiting for that claim then runs the check at
   * once, side by side, rather than one after another. A claim that lapses (its holder died) is taken over.
   */
  async find(id: string, cacheKey: string, waitMs: number, signal?: AbortSignal): Promise<SharedFind> {
    const entry = await this.read(id, cacheKey);
    if (entry !== undefined) return { entry };
    if (!this.claims) return { miss: true };
    const deadline = Date.now() + waitMs;
    const claimName = this.claimName(cacheKey);
    /** The claims waited for: a release without a result of one of them ends the wait. */
    const holders = new Set<string>();
    for (let waited = false; ; waited = true) {
      if (signal?.aborted === true || this.failure !== undefined) return { miss: true };
      const token = `${this.owner}.${++this.claimCount}`;
      const value = sealClaim(this.key, this.options.version, cacheKey, token, this.now() + this.claimTtlMs);
      const claimed = await this.call('claiming a check', () => this.backend.claim(claimName, value, this.claimTtlMs));
      if (claimed === true) {
        // Its result may have been stored between the read and the claim.
        if (waited) {
          const stored = await this.read(id, cacheKey);
          if (stored !== undefined) {
            await this.call('releasing a claim', () => this.backend.release(claimName, value));
            return { entry: stored };
          }
        }
        return { claim: this.hold(cacheKey, token, value) };
      }
      if (claimed === undefined) return { miss: true };
      const holder = await this.call('reading a claim', () => this.backend.get(claimName, MAX_CLAIM_BYTES));
      if (holder === undefined) return { miss: true };
      // Freed or lapsed since this run tried to claim it: try again at once (each try is bounded by the budget).
      if (holder === null) continue;
      // A claim nobody with the secret holds (planted — an empty one too —, copied from another check, kept past its
      // expiry) is no reason to wait: the check runs here at once, as if the claim were not there.
      const opened = openClaim(this.key, this.options.version, cacheKey, holder, this.now());
      if ('untrusted' in opened) {
        this.untrustedClaim(id, 'a claim', opened.untrusted, 'running the check here at once');
        return { miss: true };
      }
      holders.add(opened.token);
      if (Date.now() >= deadline) {
        this.options.onWarning?.(`shared cache: waited ${Math.round(waitMs / 1000)} s for check ${id}, which another run is running; running it here`);
        return { miss: true };
      }
      if (!(await this.sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())), signal))) return { miss: true };
      const stored = await this.read(id, cacheKey);
      if (stored !== undefined) return { entry: stored };
      // Released without a result: this run runs the check now, as every other run waiting for it does, without
      // claiming it (which would make the others wait once more). A release that does not verify is not one: the
      // wait goes on for the holder's result.
      const released = await this.call('reading a claim', () => this.backend.get(this.releasedName(cacheKey), MAX_CLAIM_BYTES));
      if (released === undefined) return { miss: true };
      if (released !== null) {
        const token = openReleased(this.key, this.options.version, cacheKey, released);
        if (token === undefined) this.untrustedClaim(id, 'a release of the claim', 'its signature does not verify (written without the shared secret, or copied from another check)', 'still waiting for the holder');
        else if (holders.has(token)) return { miss: true };
      }
    }
  }

  /** Sleeps `ms`; false when `signal` aborted first. */
  private sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.timers.delete(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = () => done(false);
      // Waking early is harmless (the caller looks and sleeps again); a delay past the timers' limit would not be.
      const timer = setTimeout(() => done(true), Math.min(ms, MAX_TIMER_MS));
      this.timers.add(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A claim just taken (under `token`, its value `value`): renewed every third of its time to live until completed,
   * each renewal a new value with a later signed expiry.
   */
  private hold(cacheKey: string, token: string, value: string): SharedClaim {
    const name = this.claimName(cacheKey);
    let current = value;
    let renewing: Promise<unknown> | undefined;
    const renew = () => {
      if (renewing !== undefined) return;
      const next = sealClaim(this.key, this.options.version, cacheKey, token, this.now() + this.claimTtlMs);
      renewing = this.call('renewing a claim', () => this.backend.renew(name, current, next, this.claimTtlMs)).then((renewed) => {
        if (renewed === true) current = next;
        renewing = undefined;
      });
    };
    // Renewing sooner than a third of the time to live is still renewing in time: a longer interval is capped at the
    // timers' limit, not let overflow into a renewal every millisecond.
    const timer = setInterval(renew, Math.min(MAX_TIMER_MS, Math.max(50, Math.floor(this.claimTtlMs / 3))));
    timer.unref();
    this.timers.add(timer);
    let completed: Promise<void> | undefined;
    return {
      key: cacheKey,
      complete: (entry) => {
        completed ??= (async () => {
          clearInterval(timer);
          this.timers.delete(timer);
          // A renewal under way changes the value: the release must name the one it leaves.
          await renewing;
          const stored = entry !== undefined && (await this.store(cacheKey, entry));
          // Told before the claim goes, so that a run that sees it gone finds why; it outlives the waiters' polls.
          if (!stored) {
            const released = sealReleased(this.key, this.options.version, cacheKey, token);
            await this.call('releasing a claim', () => this.backend.set(this.releasedName(cacheKey), released, Math.max(this.claimTtlMs, 4 * this.pollMs)));
          }
          await this.call('releasing a claim', () => this.backend.release(name, current));
        })();
        this.track(completed);
        return completed;
      },
    };
  }

  /**
   * Waits for the writes and releases under way (each bounded by the timeout) and, at most
   * {@link SHARED_PUSH_GRACE_MS}, for the pushes of local hits; then closes the backend, dropping the pushes still
   * under way. Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let grace: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, this.pushGraceMs)));
      const pushed = (async () => {
        while (this.pushes.size > 0) await Promise.all([...this.pushes]);
      })();
      try {
        // Each call is bounded by the timeout: so is this wait (a release may follow a write, hence the loop).
        await Promise.all([
          (async () => {
            while (this.pending.size > 0) await Promise.all([...this.pending]);
          })(),
          Promise.race([pushed, graceOver]),
        ]);
      } finally {
        clearTimeout(grace);
      }
      this.closed = true;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([this.backend.close(), new Promise<void>((resolve) => (timer = timeoutWithin(resolve, this.timeoutMs)))]);
      } catch {
        // closing a connection that failed: nothing more to do
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.closing;
  }
}
