// Work never outlives what it belongs to, against a real redis-server and real processes: a coordinator killed with
// kill -9 leaves no check running and no job queued (its heartbeat lapses), a coordinator whose main thread stalls
// keeps its run (the heartbeat beats from a worker thread), and a worker killed with kill -9 leaves no check running
// beside the copy another worker starts (its watchdog ends them), with the report counting both starts.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { deriveKey, signJob } from '../../src/distributed/auth.js';
import { createBullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { heartbeatValue } from '../../src/distributed/heartbeat-mac.js';
import { startCheckWorker } from '../../src/distributed/worker.js';
import { isAlive, parseReport, startCli, tempDir } from '../cli/helpers.js';
import { hasRedis, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './harness.js';

const SECRET = 'a shared secret for the orphan tests';
const SIGNED = { ...process.env, FANOUT_SECRET: SECRET, FANOUT_SECRET_FILE: undefined };

/** Whether process group `pgid` still has a member that is not a zombie (an orphan's zombie runs nothing). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe.skipIf(!hasRedis)('orphaned work', () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('kill -9 of a `fanout check --redis` coordinator: its checks stop, its queued jobs go, workers are idle within 15 s', async () => {
    const dir = tempDir();
    const started = join(dir, 'started');
    const config = join(dir, 'fanout.yaml');
    const checks = Array.from({ length: 8 }, (_, i) => `  - { id: c${i}, run: "echo $$ >> ${started}; sleep 120" }`).join('\n');
    writeFileSync(config, `version: "1"\nchecks:\n${checks}\n`);
    const options = { queue: 'orphans', commit: 'c0ffee', concurrency: 2 };
    workers.push(await startWorker(redis.url, options, SIGNED), await startWorker(redis.url, options, SIGNED));
    const coordinator = startCli(['check', '-c', config, '--redis', redis.url, '--queue', 'orphans', '--commit', 'c0ffee', '-p', '8', '--log-dir', join(dir, 'runs')], { env: SIGNED });
    // Two workers of concurrency 2: four checks run, four wait in the queue.
    await until(() => lines(started).length === 4, 20_000, 'four running checks');
    const pids = lines(started).map(Number);
    await until(async () => (await redis.client.llen('fanout:orphans@c0ffee:wait')) === 4, 10_000, 'four queued jobs');
    const killedAt = Date.now();
    coordinator.child.kill('SIGKILL');
    await coordinator.done;
    await until(() => pids.every((pid) => !groupAlive(pid)), 15_000, 'the checks of the dead coordinator to be gone');
    const stoppedMs = Date.now() - killedAt;
    await until(
      async () => (await redis.client.llen('fanout:orphans@c0ffee:wait')) === 0 && (await redis.client.llen('fanout:orphans@c0ffee:active')) === 0,
      15_000,
      'the workers to be idle',
    );
    const idleMs = Date.now() - killedAt;
    console.info(`coordinator kill -9: its checks gone after ${stoppedMs} ms, workers idle after ${idleMs} ms (heartbeat TTL 5 s)`);
    expect(idleMs).toBeLessThan(15_000);
    // None of the queued checks ever started.
    expect(lines(started)).toHaveLength(4);
    expect(workers.map((worker) => worker.stderr()).join('')).not.toContain('worker error');
  }, 60_000);

  it('a coordinator whose main thread is blocked for 8 s keeps its run: running and queued checks complete', async () => {
    const dir = tempDir();
    workers.push(await startWorker(redis.url, { queue: 'stall', commit: 'c0ffee', concurrency: 1, secret: SECRET }));
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'stall', commit: 'c0ffee', secret: SECRET, reconcileIntervalMs: 100 });
    try {
      const first = executor.execute({ command: `touch ${dir}/first; sleep 10; echo first survived` });
      const second = executor.execute({ command: 'echo second ran' });
      await until(() => existsSync(join(dir, 'first')), 20_000, 'the first check to start');
      // The coordinator's main thread does nothing else for 8 s (longer than the 5 s heartbeat): no timer, no I/O.
      const end = Date.now() + 8000;
      while (Date.now() < end) {
        // busy
      }
      const results = await Promise.all([first, second]);
      expect(results.map((result) => [result.exitCode, result.output, result.attempts])).toEqual([
        [0, 'first survived\n', 1],
        [0, 'second ran\n', 1],
      ]);
      expect(await redis.client.keys('fanout:stall@c0ffee:heartbeat:*')).toHaveLength(1);
    } finally {
      await executor.close();
    }
    // The run is over: its heartbeat is deleted at once (workers drop whatever of it is left).
    expect(await redis.client.keys('fanout:stall@c0ffee:heartbeat:*')).toEqual([]);
  }, 60_000);

  it('kill -9 of a worker mid-check: the check is gone within 2 s, another worker re-runs it, never two at once; the report says attempts 2', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const config = join(dir, 'fanout.yaml');
    // The first copy would run for a minute; the second, started once the first is gone, ends at once.
    const run = `if [ -s ${log} ]; then d=0.2; else d=60; fi; echo "start $$ $(date +%s%N)" >> ${log}; sleep $d; echo "end $$" >> ${log}; echo finished`;
    writeFileSync(config, `version: "1"\nchecks:\n  - { id: once, run: '${run}' }\n`);
    const options = { queue: 'victim', commit: 'c0ffee', concurrency: 1, lockDurationMs: 2000, stalledIntervalMs: 1000 };
    const victim = await startWorker(redis.url, options, SIGNED);
    workers.push(victim);
    const coordinator = startCli(['check', '-c', config, '--redis', redis.url, '--queue', 'victim', '--commit', 'c0ffee', '--json', '--log-dir', join(dir, 'runs')], { env: SIGNED });
    await until(() => lines(log).length === 1, 20_000, 'the check to start on the first worker');
    const first = Number(lines(log)[0]?.split(' ')[1]);
    // The survivor starts only now, so the first worker is the one that took the job.
    workers.push(await startWorker(redis.url, options, SIGNED));
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await until(() => !groupAlive(first), 10_000, 'the first copy\'s process group to be gone');
    const goneAt = Date.now();
    console.info(`worker kill -9: its check's process group gone after ${goneAt - killedAt} ms`);
    expect(goneAt - killedAt).toBeLessThan(10_000);
    const result = await coordinator.done;
    const report = parseReport(result.stdout);
    expect(report.checks[0]).toMatchObject({ id: 'once', status: 'passed', attempts: 2 });
    const entries = lines(log);
    // Two starts, one end: the first copy never ended on its own...
    expect(entries.filter((line) => line.startsWith('start'))).toHaveLength(2);
    expect(entries.filter((line) => line.startsWith('end'))).toHaveLength(1);
    // ...and the second started only after the first's group was seen gone.
    const secondStartMs = Number(BigInt(entries[1]?.split(' ')[2] ?? '0') / 1_000_000n);
    expect(secondStartMs).toBeGreaterThan(goneAt);
  }, 60_000);
});

describe.skipIf(!hasRedis)('a worker killed while one of its checks is being terminated', () => {
  it('the check\'s shell gone, a child of it ignoring SIGTERM during a long kill grace: the watchdog still ends it', async () => {
    const redis = await startRedis();
    const worker = await startWorker(redis.url, { queue: 'grace', commit: 'c0ffee', concurrency: 1 }, SIGNED);
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'grace', commit: 'c0ffee', secret: SECRET, cancelWaitMs: 500 });
    const dir = tempDir();
    try {
      // The shell exits at once; its background child holds the output pipe and ignores SIGTERM, so the worker waits
      // for its pipes, sends SIGTERM, and then the whole minute of kill grace before SIGKILL.
      const run = executor.execute({ command: `echo $$ > ${dir}/shell; sh -c 'trap "" TERM; echo $$ > ${dir}/child; exec sleep 120' & exit 0`, killGraceMs: 60_000 });
      run.catch(() => undefined);
      await until(() => existsSync(join(dir, 'child')) && existsSync(join(dir, 'shell')), 20_000, 'the check to start');
      const shell = Number(readFileSync(join(dir, 'shell'), 'utf8'));
      const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
      // The shell exited and was reaped: its session has no leader any more, only the child in the kill grace.
      await until(() => !existsSync(`/proc/${shell}`), 20_000, 'the shell to be gone');
      expect(groupAlive(shell)).toBe(true);
      const killedAt = Date.now();
      worker.child.kill('SIGKILL');
      await until(() => !groupAlive(shell), 15_000, 'the rest of the check\'s session to be gone');
      console.info(`worker kill -9 during a kill grace: the leaderless session gone after ${Date.now() - killedAt} ms`);
      expect(isAlive(child)).toBe(false);
    } finally {
      await executor.close();
      await worker.stop();
      await redis.stop();
    }
  }, 60_000);
});

describe.skipIf(!hasRedis)('a run\'s heartbeat as workers read it', () => {
  it('a copied or forged heartbeat does not keep a dead run alive; later jobs of the run are dropped without running', async () => {
    const redis = await startRedis();
    const queueName = 'forged@c0ffee';
    const jobsKey = deriveKey(SECRET, 'jobs');
    const lost: { runId: string; stopped: number; dropped: number }[] = [];
    const worker = startCheckWorker({ connection: redis.url, queue: 'forged', commit: 'c0ffee', secret: SECRET, concurrency: 2, onRunLost: (run) => lost.push(run) });
    const queue = new Queue(queueName, { connection: { url: redis.url }, prefix: 'fanout' });
    const dir = tempDir();
    const key = `fanout:${queueName}:heartbeat:r1`;
    const add = (name: string) =>
      queue.add('check', signJob(jobsKey, queueName, 'check', { kind: 'check', spec: { command: `echo $$ > ${dir}/${name}; sleep 60` }, secretEnv: [], commit: 'c0ffee', runId: 'r1', heartbeatMs: 1000 }));
    try {
      await worker.ready();
      // The coordinator's beats, as its heartbeat thread writes them.
      for (let counter = 1; counter <= 3; counter++) await redis.client.set(key, heartbeatValue(jobsKey, queueName, 'r1', counter), 'PX', 1000);
      await add('first');
      await until(() => existsSync(join(dir, 'first')), 20_000, 'the job to start');
      const pid = Number(readFileSync(join(dir, 'first'), 'utf8'));
      // The coordinator is gone; someone who can write to Redis keeps its last beat there, and adds beats of their own.
      const last = heartbeatValue(jobsKey, queueName, 'r1', 3);
      const forger = setInterval(() => {
        void redis.client.set(key, last, 'PX', 1000);
      }, 100);
      const forged = setInterval(() => void redis.client.set(key, `${4 + Math.floor(Math.random() * 100)}.AAAA`, 'PX', 1000), 350);
      const since = Date.now();
      try {
        await until(() => lost.length === 1 && !groupAlive(pid), 20_000, 'the run to be given up');
      } finally {
        clearInterval(forger);
        clearInterval(forged);
      }
      console.info(`a copied/forged heartbeat: the run was given up after ${Date.now() - since} ms (TTL 1 s)`);
      expect(lost[0]).toMatchObject({ runId: 'r1', stopped: 1 });
      // A job of the run taken later is dropped without running.
      const late = await add('late');
      await until(async () => (await late.getState()) === 'failed', 10_000, 'the late job to be dropped');
      const failed = await queue.getJob(late.id ?? '');
      expect(failed?.failedReason).toContain('[fanout:orphaned] run r1 lost its coordinator');
      expect(existsSync(join(dir, 'late'))).toBe(false);
    } finally {
      await queue.close();
      await worker.close({ requeue: false });
      await redis.stop();
    }
  }, 60_000);

  it('a handler call of a run without a heartbeat (its caller died before it was taken) is dropped without being called', async () => {
    const redis = await startRedis();
    const queueName = 'calls@c0ffee';
    const called: unknown[] = [];
    const worker = startCheckWorker({ connection: redis.url, queue: 'calls', commit: 'c0ffee', secret: SECRET, handlers: { record: (item) => called.push(item) } });
    const queue = new Queue(queueName, { connection: { url: redis.url }, prefix: 'fanout' });
    try {
      await worker.ready();
      const jobsKey = deriveKey(SECRET, 'jobs');
      const job = await queue.add('call', signJob(jobsKey, queueName, 'call', { kind: 'call', handler: 'record', item: 1, index: 0, runId: 'gone', heartbeatMs: 1000 }));
      await until(async () => (await job.getState()) === 'failed', 10_000, 'the call to be dropped');
      expect((await queue.getJob(job.id ?? ''))?.failedReason).toContain('[fanout:orphaned] run gone lost its coordinator');
      // The same call with a live heartbeat runs.
      await redis.client.set(`fanout:${queueName}:heartbeat:live`, heartbeatValue(jobsKey, queueName, 'live', 1), 'PX', 5000);
      const live = await queue.add('call', signJob(jobsKey, queueName, 'call', { kind: 'call', handler: 'record', item: 2, index: 0, runId: 'live', heartbeatMs: 5000 }));
      await until(async () => (await live.getState()) === 'completed', 10_000, 'the live call');
      expect(called).toEqual([2]);
    } finally {
      await queue.close();
      await worker.close({ requeue: false });
      await redis.stop();
    }
  }, 60_000);
});
