// Where the CLI's Redis is and how messages about it are redacted: the URL from --redis, FANOUT_REDIS_URL or
// FANOUT_REDIS_URL_FILE, the TLS options, and one redaction that leaves no form of the password in any message.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistributedError } from '../../src/distributed/errors.js';
import { describeRedisError, resolveRedisTarget } from '../../src/cli/redis-target.js';

/** Every form of `decoded` a leak could take, and its words (a half-masked password leaves some of them). */
function leaks(text: string, decoded: string, written: string): string[] {
  const forms = [decoded, written, encodeURIComponent(decoded), ...decoded.split(/[@#/:%]/).filter((word) => word.length >= 3)];
  return forms.filter((form) => text.includes(form));
}

describe('resolveRedisTarget', () => {
  const cases = [
    { written: 'alpha7@bravo8', decoded: 'alpha7@bravo8' },
    { written: 'alpha7#bravo8', decoded: 'alpha7#bravo8' },
    { written: 'alpha7:bravo8', decoded: 'alpha7:bravo8' },
    { written: 'alpha7/bravo8', decoded: 'alpha7/bravo8' },
    { written: 'alpha7%40bravo8', decoded: 'alpha7@bravo8' },
    { written: 'alpha7@bravo8#charlie9/delta0:echo1%40foxtrot2', decoded: 'alpha7@bravo8#charlie9/delta0:echo1@foxtrot2' },
    { written: 'alpha7%25bravo8', decoded: 'alpha7%bravo8' },
  ];

  it.each(cases)('reads the password $written whole and prints it in no form', ({ written, decoded }) => {
    const url = `rediss://:${written}@cache.internal:6380/2`;
    const target = resolveRedisTarget({}, { FANOUT_REDIS_URL: url });
    expect(target.connection).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, password: decoded, tls: {} });
    expect(target.display).toBe('rediss://:***@cache.internal:6380/2');
    const message = [
      `connect to ${url} failed`,
      `AUTH ${decoded} refused`,
      `in a query: ?password=${encodeURIComponent(decoded)}`,
      `lower-case escapes: ${encodeURIComponent(decoded).toLowerCase()}`,
      `as written: ${written}.`,
    ].join('\n');
    const redacted = target.redact(message);
    expect(leaks(redacted, decoded, written)).toEqual([]);
    expect(redacted).toContain('***');
    const error = new DistributedError('ERR_REDIS_UNAVAILABLE', message, { cause: Object.assign(new Error(message), { code: 'ECONNREFUSED' }) });
    expect(leaks(describeRedisError(error, target), decoded, written)).toEqual([]);
  });

  it('keeps the user name, shows host, port and db, and takes a lone user part as the password (as ioredis does)', () => {
    expect(resolveRedisTarget({}, { FANOUT_REDIS_URL: 'redis://ops:pw-1234@[::1]:7000' })).toMatchObject({
      connection: { host: '::1', port: 7000, db: 0, username: 'ops', password: 'pw-1234' },
      display: 'redis://ops:***@[::1]:7000/0',
    });
    const lone = resolveRedisTarget({ redis: 'redis://lone-pw-99@host' });
    expect(lone.connection).toMatchObject({ host: 'host', port: 6379, password: 'lone-pw-99' });
    expect(lone.connection.username).toBeUndefined();
    expect(lone.display).toBe('redis://:***@host:6379/0');
    expect(resolveRedisTarget({ redis: 'redis://host' }).connection.tls).toBeUndefined();
  });

  it('refuses a password on the command line, naming where it goes instead, and never quotes it', () => {
    const attempt = () => resolveRedisTarget({ redis: 'redis://:alpha7@bravo8@host:1', fromCommandLine: true }, {});
    expect(attempt).toThrow(/FANOUT_REDIS_URL/);
    try {
      attempt();
    } catch (error) {
      expect(leaks((error as Error).message, 'alpha7@bravo8', 'alpha7@bravo8')).toEqual([]);
    }
    // Without a password the command line is fine; given by a program (not argv), a password is too.
    expect(resolveRedisTarget({ redis: 'redis://host:1', fromCommandLine: true }, {}).display).toBe('redis://host:1/0');
    expect(resolveRedisTarget({ redis: 'redis://:pw-1234@host:1' }, {}).display).toBe('redis://:***@host:1/0');
  });

  it('takes the URL from one place only, and from a file only when others cannot read it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-redis-target-'));
    const file = join(dir, 'url');
    writeFileSync(file, 'redis://:file-pw-77@from-file:6390\n');
    chmodSync(file, 0o640);
    expect(() => resolveRedisTarget({}, { FANOUT_REDIS_URL_FILE: file })).toThrow(/FANOUT_REDIS_URL_FILE: .* is readable or writable by group or others/);
    chmodSync(file, 0o600);
    expect(resolveRedisTarget({}, { FANOUT_REDIS_URL_FILE: file }).connection).toMatchObject({ host: 'from-file', port: 6390, password: 'file-pw-77' });
    expect(() => resolveRedisTarget({}, { FANOUT_REDIS_URL_FILE: file, FANOUT_REDIS_URL: 'redis://h' })).toThrow(/both FANOUT_REDIS_URL and FANOUT_REDIS_URL_FILE/);
    expect(() => resolveRedisTarget({ redis: 'redis://h' }, { FANOUT_REDIS_URL: 'redis://h' })).toThrow(/--redis URL and FANOUT_REDIS_URL are both given/);
    expect(() => resolveRedisTarget({}, {})).toThrow(/no Redis URL: set FANOUT_REDIS_URL/);
    expect(() => resolveRedisTarget({}, { FANOUT_REDIS_URL: 'http://h' })).toThrow('FANOUT_REDIS_URL must be a redis:// or rediss:// URL');
    expect(() => resolveRedisTarget({}, { FANOUT_REDIS_URL: 'redis://:q-pw-55@h:1?db=3' })).toThrow(/query parameters are not supported/);
  });

  it('reads the TLS options from flags or environment, for rediss:// only; the key only from a private file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-redis-target-'));
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), `${name} content`);
    chmodSync(join(dir, 'key.pem'), 0o600);
    const target = resolveRedisTarget(
      { redis: 'rediss://h', ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem') },
      { FANOUT_REDIS_KEY: join(dir, 'key.pem'), FANOUT_REDIS_SERVERNAME: 'redis.test' },
    );
    expect(target.connection.tls).toEqual({ ca: Buffer.from('ca.pem content'), cert: Buffer.from('cert.pem content'), key: Buffer.from('key.pem content'), servername: 'redis.test' });
    chmodSync(join(dir, 'key.pem'), 0o644);
    expect(() => resolveRedisTarget({ redis: 'rediss://h', cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }, {})).toThrow(/--redis-key: .* readable or writable by group or others/);
    expect(() => resolveRedisTarget({ redis: 'rediss://h', cert: join(dir, 'cert.pem') }, {})).toThrow('--redis-cert and --redis-key go together');
    expect(() => resolveRedisTarget({ redis: 'redis://h', ca: join(dir, 'ca.pem') }, {})).toThrow(/need a rediss:\/\/ URL/);
    expect(() => resolveRedisTarget({ redis: 'rediss://h', ca: join(dir, 'missing.pem') }, {})).toThrow(/--redis-ca: cannot read .*missing\.pem: ENOENT/);
  });

  it('says TLS error for a failed handshake or certificate check, and for a reset of a TLS connection', () => {
    const tls = resolveRedisTarget({ redis: 'rediss://h' }, {});
    const plain = resolveRedisTarget({ redis: 'redis://h' }, {});
    const wrap = (message: string, code: string) => new DistributedError('ERR_REDIS_UNAVAILABLE', message, { cause: Object.assign(new Error(message), { code }) });
    expect(describeRedisError(wrap('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), tls)).toBe('TLS error: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)');
    const openssl = '80AC620B507F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n';
    expect(describeRedisError(wrap(openssl, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), tls)).toBe('TLS error: tlsv13 alert certificate required (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)');
    expect(describeRedisError(wrap('write ECONNRESET', 'ECONNRESET'), tls)).toMatch(/^TLS error: the server reset the connection \(ECONNRESET\).*--redis-cert/);
    expect(describeRedisError(wrap('write ECONNRESET', 'ECONNRESET'), plain)).toBe('write ECONNRESET');
    expect(describeRedisError(wrap('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), plain)).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});
