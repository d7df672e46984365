// The Redis that `fanout check --redis` and `fanout worker` talk to: its URL (from --redis, FANOUT_REDIS_URL or the
// file FANOUT_REDIS_URL_FILE names), its TLS options, and the one function every message that may hold the URL or the
// password goes through. The password never reaches the command line (`ps` shows it to every user) nor any output.
import { readFileSync } from 'node:fs';
import { MASK, readPrivateFile, redactRedisUrl, type RedisConnectionOptions } from '../distributed/index.js';
import { messageOf } from '../common/errors.js';
import { UsageError } from './errors.js';

/** Environment variable holding the Redis URL (it may hold a password: it is not visible in `ps`). */
export const REDIS_URL_ENV = 'FANOUT_REDIS_URL';
/** Environment variable naming a file (mode 0600 or stricter) that holds the Redis URL. */
export const REDIS_URL_FILE_ENV = 'FANOUT_REDIS_URL_FILE';
/** Environment variables of the TLS options, for when the flags are not given. */
export const REDIS_TLS_ENV = { ca: 'FANOUT_REDIS_CA', cert: 'FANOUT_REDIS_CERT', key: 'FANOUT_REDIS_KEY', servername: 'FANOUT_REDIS_SERVERNAME' } as const;

/**
 * The Redis a command uses: `--redis URL` as a string, or the flags; normalized by {@link resolveRedisTarget}.
 */
export type RedisFlag = string | RedisTargetOptions;

/** How the CLI was told where Redis is. */
export interface RedisTargetOptions {
  /** `--redis URL`; `true` for `--redis` without a value (the URL then comes from the environment). */
  redis?: string | true | undefined;
  /** The URL came from the command line: one holding a password is refused. @default false */
  fromCommandLine?: boolean | undefined;
  /** `--redis-ca FILE`: PEM certificates of the authorities trusted for the server (instead of the system's). */
  ca?: string | undefined;
  /** `--redis-cert FILE`: PEM client certificate, for a server that requires one (with `key`). */
  cert?: string | undefined;
  /** `--redis-key FILE`: PEM private key of the client certificate (mode 0600 or stricter). */
  key?: string | undefined;
  /** `--redis-servername NAME`: the name the server's certificate must carry (SNI too), when it is not the URL's host. */
  servername?: string | undefined;
}

/** A resolved Redis: ioredis options, the URL as it may be shown, and the redaction of every message about it. */
export interface RedisTarget {
  connection: RedisConnectionOptions;
  /** `redis[s]://[user:***@]host:port/db`: what messages show. */
  display: string;
  /** Removes the password from `text` in every form (as written, decoded, percent-encoded) and any URL's credentials. */
  redact(text: string): string;
  /** The password in every form {@link RedisTarget.redact} removes (none without a password): for a run's masker. */
  secrets: readonly string[];
}

/** The parts of a Redis URL; `password` decoded, `rawPassword` as written. */
interface ParsedUrl {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  rawPassword: string | undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a lone '%': taken as written
  }
}

const URL_SHAPE = 'rediss?://[user[:password]@]host[:port][/db]';

/**
 * Parses `redis[s]://[user[:password]@]host[:port][/db]`. The user part ends at the last `@`, so a password with an
 * unencoded `@`, `#`, `/` or `:` is read whole; percent-escapes are decoded. Messages never quote the URL.
 */
function parseRedisUrl(url: string, label: string): ParsedUrl {
  const scheme = /^(rediss?):\/\//i.exec(url);
  if (scheme === null) throw new UsageError(`${label} must be a redis:// or rediss:// URL`);
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  const address = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*)(?::(\d{1,5}))?(?:\/(\d*))?$/.exec(rest.slice(at + 1));
  if (address === null) throw new UsageError(`${label}: not a Redis URL of the form ${URL_SHAPE} (query parameters are not supported)`);
  const port = address[2] === undefined ? 6379 : Number(address[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${label}: the port must be 1 to 65535`);
  let username: string | undefined;
  let rawPassword: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    // `redis://secret@host`: ioredis reads a lone user part as the password; so does fanout.
    if (colon === -1) rawPassword = userinfo;
    else {
      username = userinfo.slice(0, colon) === '' ? undefined : decode(userinfo.slice(0, colon));
      rawPassword = userinfo.slice(colon + 1);
    }
    if (rawPassword === '') rawPassword = undefined;
  }
  const host = (address[1] ?? '').replace(/^\[|\]$/g, '');
  return {
    tls: scheme[1]?.toLowerCase() === 'rediss',
    host: host === '' ? '127.0.0.1' : host,
    port,
    db: address[3] === undefined || address[3] === '' ? 0 : Number(address[3]),
    username,
    password: rawPassword === undefined ? undefined : decode(rawPassword),
    rawPassword,
  };
}

/** Every form a password may take in a message: as written, decoded, percent-encoded (either case of hex digits). */
function passwordForms(parsed: ParsedUrl): string[] {
  if (parsed.password === undefined || parsed.rawPassword === undefined) return [];
  const encoded = encodeURIComponent(parsed.password);
  const forms = [parsed.rawPassword, parsed.password, encoded, encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()), encodeURI(parsed.password)];
  return [...new Set(forms.filter((form) => form !== ''))].sort((a, b) => b.length - a.length);
}

function readTlsFile(file: string, label: string, isPrivate: boolean): Buffer {
  if (isPrivate) {
    try {
      return readPrivateFile(file, label);
    } catch (error) {
      throw new UsageError(messageOf(error), 'ERR_USAGE', { cause: error });
    }
  }
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${label}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, 'ERR_USAGE', { cause: error });
  }
}

function urlFromEnvironment(env: NodeJS.ProcessEnv): { url: string; label: string } | undefined {
  const inline = env[REDIS_URL_ENV];
  const file = env[REDIS_URL_FILE_ENV];
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new UsageError(`both ${REDIS_URL_ENV} and ${REDIS_URL_FILE_ENV} are set: set one`);
  }
  if (inline !== undefined && inline !== '') return { url: inline.trim(), label: REDIS_URL_ENV };
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readPrivateFile(file, REDIS_URL_FILE_ENV).toString('utf8');
  } catch (error) {
    throw new UsageError(messageOf(error), 'ERR_USAGE', { cause: error });
  }
  return { url: text.trim(), label: REDIS_URL_FILE_ENV };
}

/**
 * Resolves where Redis is and how to reach it. The URL: `--redis URL` (refused when it holds a password and came
 * from the command line), else `FANOUT_REDIS_URL`, else the content of the file `FANOUT_REDIS_URL_FILE` names (a
 * file of mode 0600: refused when group or others can read it). The TLS options: the flags, else their
 * `FANOUT_REDIS_*` variables; they require a `rediss://` URL. Every failure is a UsageError whose message holds
 * no password.
 */
export function resolveRedisTarget(options: RedisTargetOptions, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const fromEnv = urlFromEnvironment(env);
  let url: string;
  let label: string;
  if (typeof options.redis === 'string') {
    if (fromEnv !== undefined) throw new UsageError(`--redis URL and ${fromEnv.label} are both given: give one`);
    url = options.redis;
    label = '--redis';
  } else if (fromEnv !== undefined) ({ url, label } = fromEnv);
  else throw new UsageError(`no Redis URL: set ${REDIS_URL_ENV}, or ${REDIS_URL_FILE_ENV} (a file of mode 0600), or pass --redis URL (without a password)`);
  const parsed = parseRedisUrl(url, label);
  const forms = passwordForms(parsed);
  if (label === '--redis' && options.fromCommandLine === true && parsed.rawPassword !== undefined) {
    throw new UsageError(
      `--redis: the URL holds a password, and the command line is visible to every user of this machine (ps): put the URL in ${REDIS_URL_ENV} or in a file of mode 0600 named by ${REDIS_URL_FILE_ENV}, and pass --redis without a value`,
    );
  }
  const ca = options.ca ?? env[REDIS_TLS_ENV.ca];
  const cert = options.cert ?? env[REDIS_TLS_ENV.cert];
  const key = options.key ?? env[REDIS_TLS_ENV.key];
  const servername = options.servername ?? env[REDIS_TLS_ENV.servername];
  const given = (value: string | undefined): value is string => value !== undefined && value !== '';
  if (!parsed.tls && [ca, cert, key, servername].some(given)) {
    throw new UsageError('the Redis TLS options (--redis-ca, --redis-cert, --redis-key, --redis-servername) need a rediss:// URL');
  }
  if (given(cert) !== given(key)) throw new UsageError('--redis-cert and --redis-key go together: the client certificate and its private key');
  const connection: RedisConnectionOptions = { host: parsed.host, port: parsed.port, db: parsed.db };
  if (parsed.username !== undefined) connection.username = parsed.username;
  if (parsed.password !== undefined) connection.password = parsed.password;
  if (parsed.tls) {
    connection.tls = {
      ...(given(ca) ? { ca: readTlsFile(ca, '--redis-ca', false) } : {}),
      ...(given(cert) ? { cert: readTlsFile(cert, '--redis-cert', false) } : {}),
      ...(given(key) ? { key: readTlsFile(key, '--redis-key', true) } : {}),
      ...(given(servername) ? { servername } : {}),
    };
  }
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  const user = parsed.username === undefined ? '' : `${encodeURIComponent(parsed.username)}${parsed.password === undefined ? '' : `:${MASK}`}@`;
  const display = `${parsed.tls ? 'rediss' : 'redis'}://${user === '' && parsed.password !== undefined ? `:${MASK}@` : user}${host}:${parsed.port}/${parsed.db}`;
  const redact = (text: string): string => {
    let masked = redactRedisUrl(text);
    for (const form of forms) masked = masked.split(form).join(MASK);
    return masked;
  };
  return { connection, display, redact, secrets: forms };
}

/** Error codes of a failed TLS handshake or certificate check (Node's and OpenSSL's). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE)/;

/**
 * Why a connection to Redis failed, for a message: a TLS failure says so (`TLS error: ...`) with its code; anything
 * else is its message and code. Redacted by `target`.
 */
export function describeRedisError(error: unknown, target: RedisTarget): string {
  let code: string | undefined;
  let message = messageOf(error);
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const own = (current as NodeJS.ErrnoException).code;
    if (typeof own === 'string' && own.startsWith('ERR_REDIS_')) continue;
    if (typeof own === 'string') {
      code = own;
      message = current.message;
      break;
    }
  }
  // OpenSSL's own text (`<hex>:error:<hex>:SSL routines:<function>:<reason>:<file>:<line>:...`): its reason alone.
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(message);
  if (openssl?.[1] !== undefined) message = openssl[1];
  let text: string;
  if ((code !== undefined && TLS_CODE.test(code)) || /\b(SSL|TLS)\b/.test(message)) {
    text = `TLS error: ${message}${code === undefined || message.includes(code) ? '' : ` (${code})`}`;
  } else if (target.connection.tls !== undefined && (code === 'ECONNRESET' || code === 'EPIPE')) {
    // A server requiring a client certificate ends the TLS session after its handshake; the client may see its
    // alert, or only the reset of the connection when it had already written its first command.
    text = `TLS error: the server reset the connection (${code}), as Redis does to a client without a client certificate it trusts (--redis-cert, --redis-key)`;
  } else text = `${message}${code === undefined || message.includes(code) ? '' : ` (${code})`}`;
  return target.redact(text);
}
