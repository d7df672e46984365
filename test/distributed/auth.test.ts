// Authenticated jobs against a real redis-server: what a worker with the shared secret refuses (unsigned, forged,
// tampered, replayed, expired jobs; in pinned mode anything but its own config's checks), and what a check's
// environment holds.
import { chmodSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey, NonceMemory, readSharedSecret, signJob, verifyJob } from '../../src/distributed/auth.js';
import { createBullMQExecutor, type BullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { DistributedError } from '../../src/distributed/errors.js';
import { configHashOf } from '../../src/distributed/pinned.js';
import { startCheckWorker, type CheckWorker, type JobRefusal } from '../../src/distributed/worker.js';
import { hasRedis, startRedis, until, type RedisServer } from './harness.js';

const SECRET = 'correct horse battery staple 42';
const tmp = () => mkdtempSync(join(tmpdir(), 'fanout-auth-'));

describe('shared secret and keys', () => {
  it('derives independent keys per use, deterministically, and refuses short secrets', () => {
    const jobs = deriveKey(SECRET, 'jobs');
    expect(jobs).toHaveLength(32);
    expect(deriveKey(Buffer.from(SECRET), 'jobs').equals(jobs)).toBe(true);
    expect(deriveKey(SECRET, 'cache').equals(jobs)).toBe(false);
    expect(deriveKey(`${SECRET}!`, 'jobs').equals(jobs)).toBe(false);
    expect(() => deriveKey('short', 'jobs')).toThrow(TypeError);
    expect(() => deriveKey(SECRET, 'other' as 'jobs')).toThrow(/purpose/);
  });

  it('reads FANOUT_SECRET or a private FANOUT_SECRET_FILE; refuses a file others can read, a link, both at once', () => {
    expect(readSharedSecret({})).toBeUndefined();
    expect(readSharedSecret({ FANOUT_SECRET: SECRET })?.toString()).toBe(SECRET);
    const dir = tmp();
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    expect(readSharedSecret({ FANOUT_SECRET_FILE: file })?.toString()).toBe(SECRET);
    chmodSync(file, 0o640);
    expect(() => readSharedSecret({ FANOUT_SECRET_FILE: file })).toThrow(/readable or writable by group or others \(mode 640\)/);
    chmodSync(file, 0o604);
    expect(() => readSharedSecret({ FANOUT_SECRET_FILE: file })).toThrow(DistributedError);
    chmodSync(file, 0o600);
    symlinkSync(file, join(dir, 'link'));
    expect(() => readSharedSecret({ FANOUT_SECRET_FILE: join(dir, 'link') })).toThrow(/cannot open/);
    expect(() => readSharedSecret({ FANOUT_SECRET_FILE: join(dir, 'missing') })).toThrow(/cannot open/);
    expect(() => readSharedSecret({ FANOUT_SECRET: SECRET, FANOUT_SECRET_FILE: file })).toThrow(/both/);
    expect(() => readSharedSecret({ FANOUT_SECRET: 'too short' })).toThrow(/at least 16/);
  });

  it('verifies a signed job only with the same key, queue, job name and content, within its age', () => {
    const key = deriveKey(SECRET, 'jobs');
    const now = 1_700_000_000_000;
    const signed = signJob(key, 'q@c', 'check', { a: 1 }, now);
    expect(verifyJob(key, 'q@c', 'check', signed, now + 1000)).toMatchObject({ ok: true, payload: { a: 1 }, nonce: signed.nonce });
    // Acceptable until its age is reached, with the clock lead a signer is allowed to spare (another worker's clock).
    expect(verifyJob(key, 'q@c', 'check', signed, now + 1000)).toMatchObject({ acceptedUntil: now + 1000 + 3_600_000 + 60_000 });
    // Signed 59 s ahead of the worker's clock: accepted for the age from the time it was signed.
    expect(verifyJob(key, 'q@c', 'check', signed, now - 59_000, 1000)).toMatchObject({ ok: true, acceptedUntil: now + 1000 + 60_000 });
    expect(verifyJob(deriveKey(`${SECRET}x`, 'jobs'), 'q@c', 'check', signed, now)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyJob(key, 'q@other', 'check', signed, now)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyJob(key, 'q@c', 'call', signed, now)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyJob(key, 'q@c', 'check', { ...signed, body: '{"a":2}' }, now)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyJob(key, 'q@c', 'check', { ...signed, ts: now + 1 }, now)).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyJob(key, 'q@c', 'check', signed, now + 3_600_001)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyJob(key, 'q@c', 'check', signed, now - 120_000)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyJob(key, 'q@c', 'check', { a: 1 }, now)).toMatchObject({ ok: false, reason: 'unsigned' });
  });

  it('a worker\'s memory of nonces forgets the expired ones, oldest first, looking at no more than those and one', () => {
    const memory = new NonceMemory();
    const TTL = 7_200_000;
    // A worker up for a while: 50,000 jobs, one a millisecond, each remembered for the accepted age twice over.
    for (let i = 0; i < 50_000; i++) memory.remember(`n${i}`, `${i}`, i + TTL);
    memory.finish('n0');
    // A job taken now looks at one entry, not at every job of the last two hours.
    expect(memory.forget(1000)).toBe(1);
    expect([memory.size, memory.get('n0', 1000), memory.get('n49999', 1000)]).toEqual([50_000, { jobId: '0', done: true, expires: TTL }, { jobId: '49999', done: false, expires: 49_999 + TTL }]);
    // Once the first 100 expired, those go and nothing else: 100 forgotten, one still valid looked at.
    expect(memory.forget(TTL + 100)).toBe(101);
    expect([memory.size, memory.get('n99', TTL + 100), memory.get('n100', TTL + 100)?.jobId]).toEqual([49_900, undefined, '100']);
    // A nonce taken again (its job re-run) keeps its place and the later expiry, and stays done once finished.
    memory.remember('n100', '100', TTL + 500_000);
    memory.finish('n100');
    expect(memory.forget(TTL + 150)).toBe(1); // n100 is still valid: nothing after it is looked at
    expect(memory.get('n100', TTL + 150)).toEqual({ jobId: '100', done: true, expires: TTL + 500_000 });
    expect(memory.forget(Number.MAX_SAFE_INTEGER)).toBe(49_900);
    expect(memory.size).toBe(0);
    // Nonces taken at the same time expire when their jobs' windows close (a job signed ahead, later): one expiring
    // before an older one still valid is kept past its expiry, never forgotten before it.
    memory.remember('ahead', '1', 1100);
    memory.remember('behind', '2', 1050);
    expect([memory.forget(1060), memory.get('behind', 1060)?.jobId, memory.get('ahead', 1060)?.jobId]).toEqual([1, '2', '1']);
    expect([memory.forget(1101), memory.size]).toEqual([2, 0]);
  });

  it('gives every signed job a nonce of its own: 16 random bytes, across refills of the random pool', () => {
    const key = deriveKey(SECRET, 'jobs');
    const nonces = Array.from({ length: 1000 }, () => signJob(key, 'q@c', 'check', {}).nonce);
    expect(new Set(nonces).size).toBe(1000);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64url')).toHaveLength(16);
  });
});

describe.skipIf(!hasRedis)('a worker with the shared secret, against a real Redis', () => {
  let redis: RedisServer;
  const workers: CheckWorker[] = [];
  const executors: BullMQExecutor[] = [];
  const queues: Queue[] = [];
  let counter = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(executors.map((executor) => executor.close()));
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(queues.map((queue) => queue.close()));
    await redis?.stop();
  });

  async function setup(workerOptions: Parameters<typeof startCheckWorker>[0] extends infer O ? Partial<O> : never = {}) {
    const queue = `auth${++counter}`;
    const refusals: JobRefusal[] = [];
    const worker = startCheckWorker({ connection: redis.url, queue, commit: 'c0ffee', secret: SECRET, onRefused: (refusal) => refusals.push(refusal), ...workerOptions });
    workers.push(worker);
    await worker.ready();
    const raw = new Queue(`${queue}@c0ffee`, { connection: { url: redis.url }, prefix: 'fanout' });
    queues.push(raw);
    return { queue, worker, refusals, raw };
  }

  /** Waits for a job added behind fanout's back to finish; its failure reason, or null when it completed. */
  async function outcome(raw: Queue, job: Job): Promise<string | null> {
    let state = '';
    await until(async () => ['completed', 'failed'].includes((state = await raw.getJobState(job.id ?? ''))), 10_000, `job ${job.id} to finish`);
    const finished = await raw.getJob(job.id ?? '');
    return state === 'completed' ? null : (finished?.failedReason ?? '');
  }

  it('refuses and reports an unsigned job, a forged one and a tampered one: none of their commands runs', async () => {
    const { raw, refusals } = await setup();
    const dir = tmp();
    const check = (name: string) => ({ kind: 'check', spec: { command: `touch ${dir}/${name}` }, secretEnv: [], commit: 'c0ffee' });
    const unsigned = await raw.add('check', check('unsigned'));
    const forged = await raw.add('check', { ...signJob(deriveKey('another secret of 16+ bytes', 'jobs'), 'auth1@c0ffee', 'check', check('forged')) });
    const genuine = signJob(deriveKey(SECRET, 'jobs'), 'auth1@c0ffee', 'check', check('genuine'));
    const tampered = await raw.add('check', { ...genuine, body: JSON.stringify(check('tampered')) });
    expect(await outcome(raw, unsigned)).toMatch(/^\[fanout:refused\] unsigned: /);
    expect(await outcome(raw, forged)).toMatch(/^\[fanout:refused\] forged: /);
    expect(await outcome(raw, tampered)).toMatch(/^\[fanout:refused\] forged: /);
    expect(refusals.map((refusal) => [refusal.jobId, refusal.reason])).toEqual([
      [unsigned.id, 'unsigned'],
      [forged.id, 'forged'],
      [tampered.id, 'forged'],
    ]);
    expect(['unsigned', 'forged', 'tampered'].filter((name) => existsSync(join(dir, name)))).toEqual([]);
    // The refused jobs were failed for good: not retried.
    expect((await raw.getJob(unsigned.id ?? ''))?.attemptsMade).toBe(1);
  });

  it('runs a genuine signed job once; a copy of it is refused as replayed, during and after its run', async () => {
    const { raw, refusals } = await setup({ concurrency: 2 });
    const dir = tmp();
    const data = { kind: 'check', spec: { command: `echo run >> ${dir}/count; until [ -e ${dir}/go ]; do sleep 0.01; done` }, secretEnv: [], commit: 'c0ffee' };
    const signed = signJob(deriveKey(SECRET, 'jobs'), 'auth2@c0ffee', 'check', data);
    const first = await raw.add('check', signed);
    await until(() => existsSync(join(dir, 'count')), 10_000, 'the first run');
    const during = await raw.add('check', signed);
    expect(await outcome(raw, during)).toMatch(/^\[fanout:refused\] replayed: /);
    writeFileSync(join(dir, 'go'), '');
    expect(await outcome(raw, first)).toBeNull();
    const after = await raw.add('check', signed);
    expect(await outcome(raw, after)).toMatch(/^\[fanout:refused\] replayed: /);
    // A copy under an id of its own choosing, once the original is gone: still a copy.
    await raw.remove(first.id ?? '');
    const sameId = await raw.add('check', signed, { jobId: `copy-${first.id ?? ''}` });
    expect(await outcome(raw, sameId)).toMatch(/^\[fanout:refused\] replayed: /);
    expect(refusals.map((refusal) => refusal.reason)).toEqual(['replayed', 'replayed', 'replayed']);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'count'), 'utf8')).toBe('run\n');
  });

  it('a finished job\'s nonce is marked done in Redis before the job shows finished: another worker refuses a copy under its id', async () => {
    const { queue, worker, raw } = await setup();
    const dir = tmp();
    const data = { kind: 'check', spec: { command: `echo run >> ${dir}/count` }, secretEnv: [], commit: 'c0ffee' };
    const signed = signJob(deriveKey(SECRET, 'jobs'), `${queue}@c0ffee`, 'check', data);
    const first = await raw.add('check', signed, { jobId: 'once' });
    expect(await outcome(raw, first)).toBeNull();
    // The mark is not awaited by the job: it must still be stored by the time the job is seen finished.
    const probe = new Redis(redis.url);
    try {
      expect(await probe.get(`fanout:${queue}@c0ffee:nonce:${signed.nonce}`)).toBe('done:once');
    } finally {
      probe.disconnect();
    }
    await worker.close();
    await raw.remove('once');
    const refusals: JobRefusal[] = [];
    const other = startCheckWorker({ connection: redis.url, queue, commit: 'c0ffee', secret: SECRET, onRefused: (refusal) => refusals.push(refusal) });
    workers.push(other);
    await other.ready();
    const copy = await raw.add('check', signed, { jobId: 'once' });
    expect(await outcome(raw, copy)).toMatch(/^\[fanout:refused\] replayed: /);
    expect(refusals.map((refusal) => refusal.reason)).toEqual(['replayed']);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'count'), 'utf8')).toBe('run\n');
  });

  it('jobs taken together, their claims and marks sent together: each runs once, each mark is stored before its job shows finished, no copy runs', async () => {
    const { queue, worker, raw } = await setup({ concurrency: 4 });
    const dir = tmp();
    const key = deriveKey(SECRET, 'jobs');
    const signed = Array.from({ length: 8 }, (_, i) => signJob(key, `${queue}@c0ffee`, 'check', { kind: 'check', spec: { command: `echo run >> ${dir}/count-${i}` }, secretEnv: [], commit: 'c0ffee' }));
    const jobs = await raw.addBulk(signed.map((data, i) => ({ name: 'check', data, opts: { jobId: `together-${i}` } })));
    const probe = new Redis(redis.url);
    try {
      for (const [i, job] of jobs.entries()) {
        expect(await outcome(raw, job)).toBeNull();
        expect(await probe.get(`fanout:${queue}@c0ffee:nonce:${signed[i]?.nonce ?? ''}`)).toBe(`done:together-${i}`);
      }
    } finally {
      probe.disconnect();
    }
    // Another worker (a restart): copies under the same ids, all added at once, are each refused.
    await worker.close();
    await Promise.all(jobs.map((job) => raw.remove(job.id ?? '')));
    const refusals: JobRefusal[] = [];
    const other = startCheckWorker({ connection: redis.url, queue, commit: 'c0ffee', secret: SECRET, concurrency: 4, onRefused: (refusal) => refusals.push(refusal) });
    workers.push(other);
    await other.ready();
    const copies = await raw.addBulk(signed.map((data, i) => ({ name: 'check', data, opts: { jobId: `together-${i}` } })));
    for (const copy of copies) expect(await outcome(raw, copy)).toMatch(/^\[fanout:refused\] replayed: /);
    expect(refusals.map((refusal) => refusal.reason)).toEqual(Array.from({ length: 8 }, () => 'replayed'));
    const { readFileSync } = await import('node:fs');
    for (let i = 0; i < 8; i++) expect(readFileSync(join(dir, `count-${i}`), 'utf8')).toBe('run\n');
  });

  it('a job signed ahead of the worker\'s clock: its nonce is kept, here and in Redis, as long as the job is acceptable', async () => {
    const T = Date.now();
    let clock = T;
    const { queue, worker, raw, refusals } = await setup({ maxJobAgeMs: 1000, now: () => clock });
    const dir = tmp();
    const data = { kind: 'check', spec: { command: `echo run >> ${dir}/count` }, secretEnv: [], commit: 'c0ffee' };
    // Signed by a coordinator whose clock is 59 s ahead: acceptable until 1 s after T + 59 s on the worker's clock.
    const key = deriveKey(SECRET, 'jobs');
    const signed = signJob(key, `${queue}@c0ffee`, 'check', data, T + 59_000);
    expect(await outcome(raw, await raw.add('check', signed))).toBeNull();
    expect(verifyJob(key, `${queue}@c0ffee`, 'check', signed, T + 30_000, 1000)).toMatchObject({ ok: true });
    // 30 s later on the worker's clock. Redis counts its keys' time to live on its own clock, which this test cannot
    // move: a key that would have expired by then is removed as Redis would have.
    const probe = new Redis(redis.url);
    const nonceKey = `fanout:${queue}@c0ffee:nonce:${signed.nonce}`;
    let ttl: number;
    try {
      ttl = await probe.pttl(nonceKey);
      if (ttl < 30_000) await probe.del(nonceKey);
    } finally {
      probe.disconnect();
    }
    clock = T + 30_000;
    expect(await outcome(raw, await raw.add('check', signed))).toMatch(/^\[fanout:refused\] replayed: /);
    expect(ttl).toBeGreaterThan(60_000 + 30_000);
    // Another worker, which never saw the job, refuses a copy too: the nonce is kept in Redis as long.
    await worker.close();
    const others: JobRefusal[] = [];
    const other = startCheckWorker({ connection: redis.url, queue, commit: 'c0ffee', secret: SECRET, maxJobAgeMs: 1000, now: () => clock, onRefused: (refusal) => others.push(refusal) });
    workers.push(other);
    await other.ready();
    expect(await outcome(raw, await raw.add('check', signed))).toMatch(/^\[fanout:refused\] replayed: /);
    expect([refusals.map((refusal) => refusal.reason), others.map((refusal) => refusal.reason)]).toEqual([['replayed'], ['replayed']]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'count'), 'utf8')).toBe('run\n');
  });

  it('an executor with the secret gets results; one with another secret or none gets a refusal, never a run', async () => {
    const { queue } = await setup();
    const dir = tmp();
    const make = (secret: string | null) => {
      const executor = createBullMQExecutor({ connection: redis.url, queue, commit: 'c0ffee', secret, reconcileIntervalMs: 100 });
      executors.push(executor);
      return executor;
    };
    expect(await make(SECRET).execute({ command: 'echo signed' })).toMatchObject({ exitCode: 0, output: 'signed\n' });
    for (const secret of ['not the shared secret at all', null]) {
      const result = await make(secret).execute({ command: `touch ${dir}/ran` });
      expect(result.exitCode).toBeNull();
      expect(result.refused).toMatch(secret === null ? /a worker refused the job: unsigned: / : /a worker refused the job: forged: /);
      expect(result.error?.message).toContain('a worker refused the job');
    }
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('a check sees the allow-listed variables of the worker, the plain ones of the job and the secrets it names, nothing else', async () => {
    const saved = { ...process.env };
    let worker: CheckWorker;
    try {
      Object.assign(process.env, { WORKER_PLAIN: 'w1', WORKER_API_TOKEN: 'tok-abcdef', ALLOWED_X: 'x1', FANOUT_SECRET: SECRET });
      ({ worker } = await setup({ envAllow: ['PATH', 'ALLOWED_*'] }));
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    }
    const executor = createBullMQExecutor({ connection: redis.url, queue: worker.queueName.split('@')[0] ?? '', commit: 'c0ffee', secret: SECRET, reconcileIntervalMs: 100 });
    executors.push(executor);
    const names = async (env?: Record<string, string>) =>
      (await executor.execute({ command: 'env | cut -d= -f1 | grep -v "^PWD$\\|^SHLVL$\\|^_$" | sort | tr "\\n" " "', ...(env ? { env } : {}) })).output.trim().split(' ');
    expect(await names()).toEqual(['ALLOWED_X', 'PATH']);
    // WORKER_API_TOKEN is named (its coordinator value stays home; the worker's own is used).
    expect(await names({ JOB_PLAIN: 'j', WORKER_API_TOKEN: 'coordinator value' })).toEqual(['ALLOWED_X', 'JOB_PLAIN', 'PATH', 'WORKER_API_TOKEN']);
    // fanout's own secret is never handed to a check, even one that names it: the command does not run.
    const named = await executor.execute({ command: 'echo "$FANOUT_SECRET"', env: { FANOUT_SECRET: 'x' } });
    expect(named).toMatchObject({ exitCode: null, missingSecrets: ['FANOUT_SECRET'] });
    expect(named.output).not.toContain(SECRET);
    const masked = await executor.execute({ command: 'echo "$WORKER_API_TOKEN"', env: { WORKER_API_TOKEN: 'coordinator value' } });
    expect(masked.output).toBe('***\n');
  });

  it('pinned: runs only its config\'s checks, by id, with the same command, commit and config hash', async () => {
    const dir = tmp();
    const configText = `checks:\n  - id: hello\n    run: echo pinned hello\n`;
    const configHash = configHashOf(configText);
    const { queue, refusals } = await setup({
      root: dir,
      pinned: { configHash, commit: 'c0ffee', checks: new Map([['hello', { command: 'echo pinned hello', cwd: '.', env: { GREETING: 'hi' } }]]) },
    });
    const executor = (hash: string) => {
      const made = createBullMQExecutor({ connection: redis.url, queue, commit: 'c0ffee', secret: SECRET, configHash: hash, root: dir, reconcileIntervalMs: 100 });
      executors.push(made);
      return made;
    };
    const same = executor(configHash);
    expect(await same.execute({ command: 'echo pinned hello', cwd: dir }, { id: 'hello' })).toMatchObject({ exitCode: 0, output: 'pinned hello\n' });
    expect(await same.execute({ command: `echo "$GREETING"; touch ${dir}/changed`, cwd: dir }, { id: 'hello' })).toMatchObject({ exitCode: null });
    expect(await same.execute({ command: 'echo pinned hello', cwd: dir }, { id: 'unknown' })).toMatchObject({ exitCode: null });
    expect(await same.execute({ command: 'echo pinned hello', cwd: dir })).toMatchObject({ exitCode: null });
    expect(await executor(configHashOf(`${configText}# changed\n`)).execute({ command: 'echo pinned hello', cwd: dir }, { id: 'hello' })).toMatchObject({ exitCode: null });
    expect(refusals.map((refusal) => [refusal.reason, refusal.message])).toEqual([
      ['pinned', 'the job\'s command or folder for check "hello" is not the one in this worker\'s config'],
      ['pinned', 'this worker\'s config has no check "unknown"'],
      ['pinned', 'this worker\'s config has no check null'],
      ['pinned', expect.stringMatching(/^the job's config \(hash [0-9a-f]{12}\) is not this worker's/)],
    ]);
    expect(existsSync(join(dir, 'changed'))).toBe(false);
  });
});
