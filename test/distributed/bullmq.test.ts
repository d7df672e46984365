import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBackend } from '../../src/distributed/backend.js';
import { createBullMQExecutor, type BullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { runGraph } from '../../src/graph/scheduler.js';
import type { GraphTask } from '../../src/graph/types.js';
import { sessionMembers } from '../exec/proc.js';
import { builtLibrary, dumpRedis, hasRedis, removeBuiltLibrary, startRedis, startWorker, until, type RedisServer, type WorkerProcess } from './harness.js';

if (!hasRedis) console.warn('SKIPPED: redis-server is not installed (CI installs it: apt-get install redis-server)');

const COORDINATOR = fileURLToPath(new URL('../fixtures/distributed/coordinator.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'fanout-distributed-'));
/**
 * Worker timings for tests that are not about stalls: locks that a loaded machine cannot let lapse. (With the short
 * ones, a late lock renewal is a stall, and a stall is a test of its own: the one below deletes the lock.)
 */
const STEADY = { lockDurationMs: 60_000, stalledIntervalMs: 60_000 };

/**
 * Each test starts worker processes (a Node start, BullMQ's connections, a first job): on a loaded machine that alone can
 * take many seconds, so the tests' time limits are bounds on real processes, generous by design.
 */
describe.skipIf(!hasRedis)('createBullMQExecutor with worker processes', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const executors: BullMQExecutor[] = [];
  let queueCounter = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(executors.map((executor) => executor.close()));
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis?.stop();
    removeBuiltLibrary();
  });

  /** A fresh queue with `count` worker processes of concurrency 1 and short stall timings. */
  async function setup(count: number, workerOptions: Record<string, unknown> = {}, env?: NodeJS.ProcessEnv) {
    const queue = `q${++queueCounter}`;
    const started = await Promise.all(
      Array.from({ length: count }, () => startWorker(redis.url, { queue, commit: 'c0ffee', concurrency: 1, lockDurationMs: 1000, stalledIntervalMs: 500, ...workerOptions }, env)),
    );
    workers.push(...started);
    const executor = createBullMQExecutor({ connection: redis.url, queue, commit: 'c0ffee', reconcileIntervalMs: 200, cancelWaitMs: 5000 });
    executors.push(executor);
    return { queue, workers: started, executor };
  }

  it('runs a diamond graph through runGraph, the two middle checks at once on different workers', async () => {
    const { executor, workers: pair } = await setup(2);
    const dir = tmp();
    // b and c each wait for the other's mark: they can only finish if they run at the same time, so (concurrency 1
    // per worker) on different workers.
    const command: Record<string, string> = {
      a: 'echo a',
      b: `touch ${dir}/b; until [ -e ${dir}/c ]; do sleep 0.01; done; echo b`,
      c: `touch ${dir}/c; until [ -e ${dir}/b ]; do sleep 0.01; done; echo c`,
      d: 'echo d; exit 3',
    };
    const requires: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] };
    const tasks: GraphTask<Awaited<ReturnType<BullMQExecutor['execute']>>>[] = Object.keys(command).map((id) => ({
      id,
      requires: requires[id] ?? [],
      run: ({ signal }) => executor.execute({ command: command[id] ?? '', timeoutMs: 60_000, logFile: join(dir, 'logs', `${id}.log`) }, { signal }),
    }));
    const order: string[] = [];
    const result = await runGraph(tasks, { maxParallel: 4, onEvent: (event) => event.type === 'task:start' && order.push(event.id) });
    expect(order[0]).toBe('a');
    expect(order[3]).toBe('d');
    const values = Object.fromEntries(result.results.map((outcome) => [outcome.id, outcome.status === 'passed' ? outcome.value : undefined]));
    expect(values.a).toMatchObject({ exitCode: 0, output: 'a\n', stalled: false, attempts: 1 });
    expect(values.d).toMatchObject({ exitCode: 3, output: 'd\n' });
    expect(values.b?.worker).not.toBe(values.c?.worker);
    expect([values.b?.worker, values.c?.worker].sort()).toEqual(pair.map((worker) => worker.name).sort());
    // The coordinator stored each job's log in its own run folder, mode 0600.
    expect(readFileSync(join(dir, 'logs', 'b.log'), 'utf8')).toBe('b\n');
    expect(statSync(join(dir, 'logs', 'b.log')).mode & 0o777).toBe(0o600);
  });

  it('fail-fast: a failure cancels the running job on the other worker, its process group is gone, no retry', async () => {
    const { executor, queue } = await setup(2, STEADY);
    const dir = tmp();
    // runGraph does not await the tasks it cancels: keep the executions to await them.
    const executions = new Map<string, ReturnType<BullMQExecutor['execute']>>();
    const tasks: GraphTask<Awaited<ReturnType<BullMQExecutor['execute']>>>[] = [
      // The shell execs sleep: its pid is the session (and group) id of the whole tree.
      { id: 'long', run: ({ signal }) => executor.execute({ command: `echo $$ > ${dir}/long.pid.tmp; mv ${dir}/long.pid.tmp ${dir}/long.pid; sleep 30 & wait`, killGraceMs: 500 }, { signal }) },
      { id: 'bad', run: ({ signal }) => executor.execute({ command: `until [ -e ${dir}/long.pid ]; do sleep 0.01; done; exit 1`, timeoutMs: 60_000 }, { signal }) },
    ];
    const result = await runGraph(
      tasks.map((task): GraphTask<unknown> => ({
        ...task,
        run: async (context) => {
          const execution = Promise.resolve(task.run(context as Parameters<typeof task.run>[0]));
          executions.set(task.id, execution);
          const value = await execution;
          if (value.exitCode !== 0) throw Object.assign(new Error(`exit ${value.exitCode}`), { value });
          return value;
        },
      })),
      { maxParallel: 2, failFast: 'kill' },
    );
    expect(result.failFastTriggered).toBe(true);
    const pgid = Number(readFileSync(join(dir, 'long.pid'), 'utf8'));
    expect(pgid).toBeGreaterThan(0);
    const long = result.results.find((outcome) => outcome.id === 'long');
    // runGraph reports a task that ends after its kill abort as cancelled.
    expect(long?.status).toBe('cancelled');
    // By the time execute resolved, the worker had terminated the tree, and the result says cancelled.
    const longResult = await executions.get('long');
    expect(longResult).toMatchObject({ cancelled: true, exitCode: null, stalled: false });
    expect(longResult?.worker).not.toBeNull();
    expect(sessionMembers(pgid)).toEqual([]);
    // Cancelled with UnrecoverableError: nothing waits, nothing will run again; the job was removed once read.
    const { keys } = await dumpRedis(redis.client);
    expect(keys.filter((key) => key.includes(`${queue}@c0ffee:`) && /:\d+(:|$)/.test(key))).toEqual([]);
    expect(await redis.client.llen(`fanout:${queue}@c0ffee:wait`)).toBe(0);
  });

  it('a cancel while a running job\'s lock has lapsed goes to its worker: the result says where it ran, nothing is left running', async () => {
    const { executor, queue } = await setup(1, STEADY);
    const dir = tmp();
    const controller = new AbortController();
    const run = executor.execute({ command: `echo started; echo $$ > ${dir}/x.tmp; mv ${dir}/x.tmp ${dir}/x.pid; sleep 30`, killGraceMs: 500 }, { signal: controller.signal });
    await until(() => existsSync(join(dir, 'x.pid')), 30_000, 'the running job');
    // What a renewal late on a loaded worker looks like from Redis: the active job has no lock for a moment.
    const locks = (await dumpRedis(redis.client)).keys.filter((key) => key.startsWith(`fanout:${queue}@c0ffee:`) && key.endsWith(':lock'));
    expect(locks).toHaveLength(1);
    await redis.client.del(...locks);
    controller.abort();
    const result = await run;
    expect(result).toMatchObject({ cancelled: true, output: 'started\n', attempts: 1 });
    expect(result.worker).not.toBeNull();
    expect(sessionMembers(Number(readFileSync(join(dir, 'x.pid'), 'utf8')))).toEqual([]);
  });

  it('a job that ends while its cancel is being decided keeps its result: a cancel never removes a finished job', async () => {
    const { executor, queue } = await setup(1, STEADY);
    const dir = tmp();
    const controller = new AbortController();
    const run = executor.execute({ command: `echo started; touch ${dir}/started; until [ -e ${dir}/go ]; do sleep 0.01; done; echo done` }, { signal: controller.signal });
    await until(() => existsSync(join(dir, 'started')), 30_000, 'the running job');
    const { Job, Queue } = (await loadBackend()).bullmq;
    const fromId = Job.fromId.bind(Job);
    // The first read of the job after the abort sees it running, and the job ends right after that read: the
    // coordinator acts on a state that is no longer true. Later reads wait for a removal (if any comes) to have ended.
    const removeSpy = vi.spyOn(Queue.prototype, 'remove');
    let armed = false;
    const fromIdSpy = vi.spyOn(Job, 'fromId').mockImplementation(async (...args: Parameters<typeof fromId>) => {
      if (armed) {
        armed = false;
        const before = await fromId(...args);
        writeFileSync(join(dir, 'go'), '');
        await until(async () => (await redis.client.hget(`fanout:${queue}@c0ffee:${args[1]}`, 'finishedOn')) !== null, 30_000, 'the job to end');
        return before;
      }
      // Bounded: with nothing removed, the reads go on after a second.
      for (const deadline = Date.now() + 1000; Date.now() < deadline && removeSpy.mock.settledResults.length === 0; ) await new Promise((resolve) => setTimeout(resolve, 10));
      return fromId(...args);
    });
    try {
      armed = true;
      controller.abort();
      const result = await run;
      expect(result).toMatchObject({ cancelled: false, exitCode: 0, output: 'started\ndone\n', attempts: 1 });
      expect(result.worker).not.toBeNull();
    } finally {
      fromIdSpy.mockRestore();
      removeSpy.mockRestore();
    }
  });

  it('an abort cancels running jobs on their workers and removes waiting ones; the cancelled result keeps the output', async () => {
    const { executor } = await setup(2, STEADY);
    const dir = tmp();
    const controller = new AbortController();
    const runs = [0, 1, 2, 3].map((i) =>
      executor.execute({ command: `echo started ${i}; echo $$ > ${dir}/${i}.tmp; mv ${dir}/${i}.tmp ${dir}/${i}.pid; sleep 30`, killGraceMs: 500 }, { signal: controller.signal }),
    );
    await until(() => [0, 1, 2, 3].filter((i) => existsSync(join(dir, `${i}.pid`))).length === 2, 30_000, 'two running jobs');
    const running = [0, 1, 2, 3].filter((i) => existsSync(join(dir, `${i}.pid`)));
    controller.abort();
    const results = await Promise.all(runs);
    for (const [i, result] of results.entries()) {
      expect(result.cancelled).toBe(true);
      if (running.includes(i)) {
        expect(result.output).toBe(`started ${i}\n`);
        expect(result.worker).not.toBeNull();
        expect(sessionMembers(Number(readFileSync(join(dir, `${i}.pid`), 'utf8')))).toEqual([]);
      } else {
        // Removed while waiting: it never ran anywhere.
        expect(result).toMatchObject({ worker: null, durationMs: 0, output: '' });
      }
    }
    // No worker starts a removed job later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([0, 1, 2, 3].filter((i) => existsSync(join(dir, `${i}.pid`)))).toEqual(running);
    expect(executor.inFlight).toBe(0);
  });

  it('a worker killed mid-job (SIGKILL): the job re-runs on the other worker and the result says it stalled', async () => {
    const { executor, workers: pair } = await setup(2);
    const dir = tmp();
    // First run: records its shell's parent (the worker) and hangs; second run (after the stall): succeeds.
    const command = `if [ ! -e ${dir}/first ]; then echo $PPID > ${dir}/first.tmp; echo $$ >> ${dir}/first.tmp; mv ${dir}/first.tmp ${dir}/first; sleep 30; fi; echo second run`;
    const running = executor.execute({ command, timeoutMs: 20_000 });
    await until(() => existsSync(join(dir, 'first')), 30_000, 'the first run');
    const [workerPid, shellPid] = readFileSync(join(dir, 'first'), 'utf8').trim().split('\n').map(Number);
    const victim = pair.find((worker) => worker.pid === workerPid);
    const survivor = pair.find((worker) => worker.pid !== workerPid);
    expect(victim).toBeDefined();
    const killedAt = Date.now();
    victim?.child.kill('SIGKILL');
    const result = await running;
    const recoveryMs = Date.now() - killedAt;
    // The dead worker's command was in its own session: SIGKILL of the worker cannot reach it. Clean it up.
    try {
      process.kill(-(shellPid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    expect(result).toMatchObject({ exitCode: 0, output: 'second run\n', stalled: true, worker: survivor?.name });
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    // lockDuration 1000 + 2 x stalledInterval 500 (+ scheduling slack on a shared machine)
    expect(recoveryMs).toBeLessThan(10_000);
    console.info(`stall recovery with lockDuration 1000 ms, stalledInterval 500 ms: ${recoveryMs} ms`);
  });

  it('secret env values travel by name only: never in Redis, masked in the output; a worker without them does not run the command', async () => {
    const secret = 'tok-8f1c2d-very-secret';
    const { executor } = await setup(1, {}, { ...process.env, API_TOKEN: secret });
    const dir = tmp();
    const running = executor.execute({
      command: `echo "token=$API_TOKEN plain=$PLAIN"; touch ${dir}/started; until [ -e ${dir}/go ]; do sleep 0.01; done`,
      env: { API_TOKEN: secret, PLAIN: 'visible' },
      timeoutMs: 60_000,
    });
    await until(() => existsSync(join(dir, 'started')), 30_000, 'the job to start');
    // While the job is active its payload is in Redis: scan every key and value.
    const during = await dumpRedis(redis.client);
    expect(during.text).toContain('visible');
    expect(during.text).toContain('API_TOKEN');
    expect(during.text).not.toContain(secret);
    await import('node:fs').then((fs) => fs.writeFileSync(join(dir, 'go'), ''));
    const result = await running;
    expect(result.output).toBe('token=*** plain=visible\n');
    expect((await dumpRedis(redis.client)).text).not.toContain(secret);

    const other = await setup(1, {}, { ...process.env, API_TOKEN: undefined });
    const missing = await other.executor.execute({ command: `touch ${dir}/ran`, env: { API_TOKEN: secret } });
    expect(missing).toMatchObject({ exitCode: null, missingSecrets: ['API_TOKEN'] });
    expect(missing.output).toContain('API_TOKEN');
    expect(missing.output).not.toContain(secret);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('no completion is lost when the events stream drops entries: job state is reconciled', async () => {
    const { executor, queue } = await setup(2, { concurrency: 4 });
    // Trim the events stream to nothing as fast as possible while 40 jobs run.
    let trimming = true;
    const key = `fanout:${queue}@c0ffee:events`;
    const trimmer = (async () => {
      while (trimming) await redis.client.xtrim(key, 'MAXLEN', 0);
    })();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => executor.execute({ command: `echo ${i}` })));
    trimming = false;
    await trimmer;
    expect(results.map((result) => result.output)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });

  it('leaves nothing in Redis after a run but the queue\'s bookkeeping keys', async () => {
    const { executor, queue } = await setup(2, { concurrency: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => executor.execute({ command: `exit ${i % 2}` })));
    const { keys } = await dumpRedis(redis.client);
    const ours = keys.filter((k) => k.startsWith(`fanout:${queue}@c0ffee:`)).map((k) => k.slice(`fanout:${queue}@c0ffee:`.length));
    // No job hashes, logs, or finished sets: only the id counter, the events stream, metadata and markers.
    expect(ours.filter((suffix) => /^\d+/.test(suffix))).toEqual([]);
    expect(ours.filter((suffix) => ['completed', 'failed', 'wait', 'active'].includes(suffix))).toEqual([]);
    console.info(`keys left for queue ${queue}: ${ours.join(', ')}`);
  });

  it('SIGINT of a coordinator process: running jobs cancelled on their workers, waiting ones removed, Redis left clean', async () => {
    const { queue } = await setup(2, STEADY);
    const dir = tmp();
    const library = await builtLibrary();
    const child = spawn(process.execPath, [COORDINATOR, redis.url, queue, dir, '4', 'c0ffee'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FANOUT_DIST: library } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Two workers of concurrency 1: two jobs run, two wait.
    const pidFile = (i: number) => join(dir, `t${i}.pid`);
    await until(
      () => {
        // A coordinator that died (its library unreadable, a crash) says why, at once.
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the coordinator exited before its jobs ran: ${stderr}`);
        return [0, 1, 2, 3].filter((i) => existsSync(pidFile(i))).length === 2;
      },
      60_000,
      'two running jobs',
    );
    const running = [0, 1, 2, 3].filter((i) => existsSync(pidFile(i)));
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    const report = JSON.parse(stdout.split('\n').find((line) => line.startsWith('{')) ?? 'null') as {
      aborted: boolean;
      results: Record<string, { cancelled: boolean; worker: string | null }>;
    } | null;
    expect(report, stderr).not.toBeNull();
    expect(report?.aborted).toBe(true);
    for (const i of [0, 1, 2, 3]) {
      const result = report?.results[`t${i}`];
      // The graph started all four (maxParallel 4): two on workers, two waiting in the queue.
      expect(result?.cancelled).toBe(true);
      if (running.includes(i)) {
        expect(result?.worker).not.toBeNull();
        expect(sessionMembers(Number(readFileSync(pidFile(i), 'utf8')))).toEqual([]);
      } else {
        expect(result?.worker).toBeNull();
      }
    }
    // The waiting jobs were removed, not run later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([0, 1, 2, 3].filter((i) => existsSync(pidFile(i)))).toEqual(running);
    const { keys } = await dumpRedis(redis.client);
    expect(keys.filter((key) => key.startsWith(`fanout:${queue}@`) && /:\d+(:|$)/.test(key))).toEqual([]);
  });
});
