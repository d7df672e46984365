import { describe, expect, it } from 'vitest';
import { createBullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { distributedQueueName } from '../../src/distributed/protocol.js';
import { isSecretEnvName, redactRedisUrl, secretMasker, splitSecretEnv } from '../../src/distributed/secrets.js';
import { startCheckWorker } from '../../src/distributed/worker.js';

describe('secrets', () => {
  it('recognises secret-looking names in any case', () => {
    for (const name of ['NPM_TOKEN', 'aws_secret_access_key', 'DB_PASSWORD', 'PASSWD', 'API_KEY', 'GOOGLE_CREDENTIALS', 'AuthHeader']) expect(isSecretEnvName(name)).toBe(true);
    for (const name of ['PATH', 'NODE_ENV', 'HOME', 'CI']) expect(isSecretEnvName(name)).toBe(false);
  });

  it('splits an env into values that travel and names that do not', () => {
    expect(splitSecretEnv({ NODE_ENV: 'test', API_TOKEN: 'x1234', db_password: 'y' })).toEqual({ plain: { NODE_ENV: 'test' }, secretNames: ['API_TOKEN', 'db_password'] });
    expect(splitSecretEnv(undefined)).toEqual({ plain: {}, secretNames: [] });
  });

  it('masks every occurrence, longest value first, and leaves very short values alone', () => {
    const mask = secretMasker(['abcd', 'abcdefgh', 'on']);
    expect(mask('x abcdefgh y abcd z on')).toBe('x *** y *** z on');
    expect(secretMasker([])('unchanged')).toBe('unchanged');
  });

  it('redacts URL passwords, also in strings that are not URLs', () => {
    expect(redactRedisUrl('rediss://default:s3cret@cache:6380/2')).toBe('rediss://default:***@cache:6380/2');
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(redactRedisUrl('connect to redis://:p@ssw0rd@x:1 failed, then rediss://u:other@y')).toBe('connect to redis://:***@x:1 failed, then rediss://u:***@y');
    // Unencoded '@', '#', '/', ':' in the password: the user part ends at the last '@', so none of it is left.
    expect(redactRedisUrl('at redis://:a@b#c/d:e@host:6379/1.')).toBe('at redis://:***@host:6379/1.');
    expect(redactRedisUrl('redis://lone-secret@host')).toBe('redis://***@host');
  });
});

describe('argument checks', () => {
  it('name the argument, the expectation and the value received, never the URL', () => {
    expect(() => createBullMQExecutor(undefined as never)).toThrow('options must be an object, received undefined');
    expect(() => createBullMQExecutor({ connection: 42 as never })).toThrow('options.connection must be a redis:// or rediss:// URL or ioredis options, received 42');
    expect(() => createBullMQExecutor({ connection: 'redis://x', queue: 'a:b' })).toThrow(/queue must be a name of 1 to 100 letters, digits/);
    expect(() => createBullMQExecutor({ connection: 'redis://x', commit: 'a b' })).toThrow(/commit must be a commit id/);
    expect(() => createBullMQExecutor({ connection: 'redis://x', reconcileIntervalMs: 0 })).toThrow(/options.reconcileIntervalMs must be an integer of milliseconds from 10 to 2147483647, received 0/);
    expect(() => startCheckWorker({ connection: 'redis://x', concurrency: 0 })).toThrow('options.concurrency must be an integer >= 1, received 0');
    expect(() => startCheckWorker({ connection: 'redis://x', handlers: { a: 'no' as never } })).toThrow('options.handlers.a must be a function, received "no"');
    expect(distributedQueueName('checks', 'abc123')).toBe('checks@abc123');
    expect(distributedQueueName('checks')).toBe('checks');
  });

  it('execute rejects a spec without a command before touching Redis', async () => {
    const executor = createBullMQExecutor({ connection: 'redis://127.0.0.1:1', connectTimeoutMs: 100, cancelWaitMs: 0 });
    await expect(executor.execute({ command: '' })).rejects.toThrow('spec.command must be a non-empty string, received ""');
    await expect(executor.execute(null as never)).rejects.toThrow(TypeError);
    await executor.close();
  });

  it('an aborted signal resolves at once, cancelled, with nothing queued', async () => {
    const executor = createBullMQExecutor({ connection: 'redis://127.0.0.1:1', connectTimeoutMs: 100, cancelWaitMs: 0 });
    const result = await executor.execute({ command: 'true' }, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ cancelled: true, jobId: null, worker: null, attempts: 0, durationMs: 0 });
    await executor.close();
  });
});
