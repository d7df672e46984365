/**
 * Authenticated jobs: the shared secret, the keys derived from it per use, and the signed envelope a job travels in.
 *
 * Anyone who can write to the Redis can add jobs; only holders of the secret can make a job a worker accepts. The
 * secret never travels: coordinator and workers each read it from `FANOUT_SECRET` or from the file
 * `FANOUT_SECRET_FILE` names, and derive one key per use from it (HKDF-SHA256), so that a key leaked from one use
 * (the job queue) says nothing about another (a shared cache of results).
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual, type Hmac } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, constants as fsConstants } from 'node:fs';
import { invalidArgument } from '../common/arguments.js';
import { DistributedError } from './errors.js';

/** Environment variable holding the shared secret itself. */
export const SECRET_ENV = 'FANOUT_SECRET';
/** Environment variable naming a file (mode 0600 or stricter) that holds the shared secret. */
export const SECRET_FILE_ENV = 'FANOUT_SECRET_FILE';
/** Shortest secret accepted, in bytes: a shorter one can be guessed offline from one signed job. @default 16 */
export const MIN_SECRET_BYTES = 16;
/** How old a signed job may be when a worker takes it (clock skew included). @default 3600000 (1 hour) */
export const DEFAULT_MAX_JOB_AGE_MS = 3_600_000;
/** How far in the future a job's timestamp may be (the coordinator's clock ahead of the worker's). */
const MAX_CLOCK_AHEAD_MS = 60_000;

/** The uses a key is derived for. `jobs`: signing job payloads; `cache`: a shared cache of passed checks. */
export type KeyPurpose = 'jobs' | 'cache';

/**
 * The shared secret from the environment: `FANOUT_SECRET`, or the content of the file `FANOUT_SECRET_FILE` names
 * (trailing newline removed). Undefined when neither is set. Throws `ERR_SECRET` when both are set, when the file
 * cannot be read, is not a regular file, is readable or writable by group or others, or when the secret is shorter
 * than {@link MIN_SECRET_BYTES}.
 *
 * @example
 * ```ts
 * import { readSharedSecret, deriveKey } from 'fanout/distributed';
 * const secret = readSharedSecret(process.env);
 * const jobsKey = secret === undefined ? undefined : deriveKey(secret, 'jobs');
 * ```
 */
export function readSharedSecret(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const inline = env[SECRET_ENV];
  const file = env[SECRET_FILE_ENV];
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new DistributedError('ERR_SECRET', `both ${SECRET_ENV} and ${SECRET_FILE_ENV} are set: set one`);
  }
  let secret: Buffer;
  if (file !== undefined && file !== '') secret = readPrivateFile(file, SECRET_FILE_ENV);
  else if (inline !== undefined && inline !== '') secret = Buffer.from(inline, 'utf8');
  else return undefined;
  if (secret.length < MIN_SECRET_BYTES) {
    throw new DistributedError('ERR_SECRET', `the shared secret is ${secret.length} bytes long; at least ${MIN_SECRET_BYTES} are required (e.g. openssl rand -hex 32)`);
  }
  return secret;
}

/**
 * The content of a file holding a credential (trailing newlines removed), read only if it is a regular file of this
 * user that neither group nor others can read or write: a credential others can read is already leaked. `label`
 * (the variable or option naming the file) starts every message. Throws `ERR_SECRET`.
 */
export function readPrivateFile(file: string, label: string): Buffer {
  let fd: number;
  try {
    // O_NOFOLLOW: the mode checked below must be the mode of the file read, not of a link's target chosen by others.
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (error) {
    throw new DistributedError('ERR_SECRET', `${label}: cannot open ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new DistributedError('ERR_SECRET', `${label}: ${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      throw new DistributedError('ERR_SECRET', `${label}: ${file} is readable or writable by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new DistributedError('ERR_SECRET', `${label}: ${file} belongs to another user (uid ${stat.uid})`);
    }
    const text = readFileSync(fd);
    let end = text.length;
    while (end > 0 && (text[end - 1] === 0x0a || text[end - 1] === 0x0d)) end--;
    return text.subarray(0, end);
  } finally {
    closeSync(fd);
  }
}

/**
 * The key of one use, derived from the shared secret with HKDF-SHA256 (salt `fanout`, info `fanout/<purpose>/v1`,
 * 32 bytes). Keys of different purposes are independent: knowing one tells nothing about the secret or the others.
 *
 * @example
 * ```ts
 * import { deriveKey } from 'fanout/distributed';
 * const key = deriveKey('a shared secret of 16+ bytes', 'cache');
 * key.length; // 32
 * ```
 */
export function deriveKey(secret: string | Uint8Array, purpose: KeyPurpose): Buffer {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) throw invalidArgument('secret', 'a string or bytes', secret);
  if (purpose !== 'jobs' && purpose !== 'cache') throw invalidArgument('purpose', '"jobs" or "cache"', purpose);
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES) throw invalidArgument('secret', `at least ${MIN_SECRET_BYTES} bytes`, `(${bytes.length} bytes)`);
  return Buffer.from(hkdfSync('sha256', bytes, 'fanout', `fanout/${purpose}/v1`, 32));
}

/** The authenticated form of a job's data: the payload as JSON text, and what signs it. */
export interface SignedJob {
  /** Envelope version. */
  v: 1;
  /** When the coordinator signed it (ms since the epoch). */
  ts: number;
  /** 16 random bytes, base64url: no two jobs share one. */
  nonce: string;
  /** HMAC-SHA256 (base64url) over queue, job name, ts, nonce and body. */
  mac: string;
  /** The payload, JSON. */
  body: string;
}

function mac(key: Uint8Array, queueName: string, jobName: string, ts: number, nonce: string, body: string): Hmac {
  // Queue and job name are signed too: a job signed for one commit's queue does not run from another's.
  return createHmac('sha256', key).update(`fanout-job\0${queueName}\0${jobName}\0${ts}\0${nonce}\0`).update(body);
}

// Nonces come from a pool of random bytes drawn 4 KiB at a time, each byte used once: a call into the random
// generator per job cost as much as the job's MAC.
const NONCE_BYTES = 16;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;
function newNonce(): string {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(256 * NONCE_BYTES);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString('base64url', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/** Wraps a job payload in a {@link SignedJob} for `queueName` and `jobName`. */
export function signJob(key: Uint8Array, queueName: string, jobName: string, payload: unknown, now: number = Date.now()): SignedJob {
  const body = JSON.stringify(payload);
  const nonce = newNonce();
  return { v: 1, ts: now, nonce, mac: mac(key, queueName, jobName, now, nonce, body).digest('base64url'), body };
}

/**
 * @internal A worker's memory of the nonces of the signed jobs it took, each with the id of the job that carried it,
 * until it expires. Nonces are remembered in the order they were first taken, and expire in nearly that order (each
 * when its job's acceptance window closes, at most the allowed clock lead later than one taken at the same time):
 * forgetting looks at the oldest, up to the first one still valid, never at the whole memory (a worker up for a while
 * remembers every job of the last hours, and looking at each at every job made its jobs slower the longer it ran). A
 * nonce behind one still valid may so be kept a little past its expiry, never forgotten before it.
 */
export class NonceMemory {
  readonly #entries = new Map<string, { jobId: string; done: boolean; expires: number }>();

  /** How many nonces are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** What is remembered of `nonce`, once the nonces expired at `now` are forgotten. */
  get(nonce: string, now: number): { jobId: string; done: boolean } | undefined {
    this.forget(now);
    return this.#entries.get(nonce);
  }

  /**
   * Remembers `nonce` as taken by `jobId` until `expires`. A nonce taken again (the same job re-run after its worker
   * died) keeps its place and the later of the two expiries.
   */
  remember(nonce: string, jobId: string, expires: number): void {
    const entry = this.#entries.get(nonce);
    if (entry === undefined) this.#entries.set(nonce, { jobId, done: false, expires });
    else entry.expires = Math.max(entry.expires, expires);
  }

  /** Marks `nonce` used for good: its job finished. */
  finish(nonce: string): void {
    const entry = this.#entries.get(nonce);
    if (entry !== undefined) entry.done = true;
  }

  /**
   * Forgets the nonces expired at `now`, oldest first, up to the first one still valid; returns how many entries it
   * looked at (those forgotten, and that one).
   */
  forget(now: number): number {
    let looked = 0;
    for (const [nonce, entry] of this.#entries) {
      looked++;
      if (entry.expires >= now) break;
      this.#entries.delete(nonce);
    }
    return looked;
  }
}

/** Why a worker refused a job. */
export type RefusalReason = 'unsigned' | 'forged' | 'expired' | 'replayed' | 'malformed' | 'pinned';

/** What {@link verifyJob} found. */
export type Verification =
  | {
      ok: true;
      payload: unknown;
      nonce: string;
      ts: number;
      /**
       * Until when (ms since the epoch, on the verifying worker's clock) this job may still be accepted, by this worker
       * or by one whose clock lags by up to the lead allowed a signer: its nonce must be remembered until then, or a
       * copy of it would be taken as new.
       */
      acceptedUntil: number;
    }
  | { ok: false; reason: RefusalReason; message: string };

/** Whether job data looks like a {@link SignedJob} (whatever its signature). */
export function isSignedJob(data: unknown): data is SignedJob {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return d.v === 1 && typeof d.ts === 'number' && typeof d.nonce === 'string' && typeof d.mac === 'string' && typeof d.body === 'string';
}

/**
 * Checks a job's data against the key: signed (else `unsigned`), the MAC right for this queue and job name (else
 * `forged`: made or changed without the key), and signed within `maxAgeMs` of `now` (else `expired`). Replays are
 * the caller's to detect, by nonce.
 */
export function verifyJob(key: Uint8Array, queueName: string, jobName: string, data: unknown, now: number = Date.now(), maxAgeMs: number = DEFAULT_MAX_JOB_AGE_MS): Verification {
  if (!isSignedJob(data)) return { ok: false, reason: 'unsigned', message: 'the job is not signed' };
  let given: Buffer;
  try {
    given = Buffer.from(data.mac, 'base64url');
  } catch {
    return { ok: false, reason: 'forged', message: 'the job\'s signature is not valid' };
  }
  const expected = mac(key, queueName, jobName, data.ts, data.nonce, data.body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'forged', message: 'the job\'s signature does not match its content (forged or tampered with, or signed with another secret)' };
  }
  if (!Number.isFinite(data.ts) || now - data.ts > maxAgeMs || data.ts - now > MAX_CLOCK_AHEAD_MS) {
    return { ok: false, reason: 'expired', message: `the job was signed at ${new Date(data.ts).toISOString()}, outside the accepted window of ${maxAgeMs} ms` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(data.body);
  } catch {
    return { ok: false, reason: 'malformed', message: 'the job\'s body is not JSON' };
  }
  // A job signed ahead of this clock stays acceptable for its lead beyond maxAgeMs from now.
  return { ok: true, payload, nonce: data.nonce, ts: data.ts, acceptedUntil: Math.max(now, data.ts) + maxAgeMs + MAX_CLOCK_AHEAD_MS };
}

/**
 * The `jobs` key of a coordinator or worker from its `secret` option: the given secret; with `undefined`, the one
 * in the environment ({@link readSharedSecret}, none: undefined); with `null`, none (jobs unsigned, by choice).
 */
export function jobsKeyFrom(name: string, secret: string | Uint8Array | null | undefined): Buffer | undefined {
  if (secret === null) return undefined;
  if (secret === undefined) {
    const fromEnv = readSharedSecret(process.env);
    return fromEnv === undefined ? undefined : deriveKey(fromEnv, 'jobs');
  }
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) throw invalidArgument(name, 'a string or bytes of at least 16 bytes, or null', secret);
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES) throw invalidArgument(name, `at least ${MIN_SECRET_BYTES} bytes`, `(${bytes.length} bytes)`);
  return deriveKey(bytes, 'jobs');
}
