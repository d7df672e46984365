// @ts-check
// Benchmarks of the distributed backend, side by side in one run on one redis-server:
//  1. Throughput: 2,000 `true` checks through fanout (createBullMQExecutor → startCheckWorker → runCommand) and
//     through raw BullMQ (Queue.add + waitUntilFinished → a Worker whose processor spawns `sh -c true`), with 1 and
//     2 worker processes (concurrency 8 each), 64 jobs in flight (the CLI's default -p in --redis mode).
//  2. Scaling: 200 `sleep 0.1` checks through fanout with 1 and 2 worker processes (concurrency 8 each).
//  3. Authentication: the same 2,000 `true` checks through fanout with signed jobs (shared secret on both sides) and
//     unsigned ones, 1 worker process, alternating every repetition; with, for each run, the CPU time per job of the
//     coordinator, the worker process and redis-server, and the Redis commands per job (INFO commandstats, commands
//     run inside BullMQ's scripts included), to tell what signing adds from the machine's load.
// Usage: npx tsdown && node bench/run.js distributed   (DIST_BENCH_REPS=N, default 5; DIST_BENCH_ONLY=auth runs
// only the third; redis-server must be installed)
import { startSuite, stat } from './lib/harness.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createBullMQExecutor, deriveKey, signJob, startCheckWorker, verifyJob } from '../dist/distributed.js';

const JOBS = Number(process.env.DIST_BENCH_JOBS ?? 2000);
const SLEEP_JOBS = 200;
const IN_FLIGHT = 64;
const WORKER_CONCURRENCY = 8;
const REPS = Number(process.env.DIST_BENCH_REPS ?? 5);
const self = fileURLToPath(import.meta.url);
const ONLY = process.env.DIST_BENCH_ONLY;
/** The shared secret of the signed contender (both sides). */
const BENCH_SECRET = 'a shared secret for the distributed bench';

/** @param {number} count @param {number} limit @param {(i: number) => Promise<unknown>} job */
async function pool(count, limit, job) {
  let next = 0;
  const loop = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, loop));
}

function spawnTrue() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code }));
  });
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** @param {string} kind @param {string} url @param {string} queue */
async function startWorkerProcess(kind, url, queue) {
  const child = spawn(process.execPath, [self, '--worker', kind, url, queue], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve(undefined));
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  return child;
}

/** @param {import('node:child_process').ChildProcess[]} children */
async function stopAll(children) {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** @param {number[]} values */
const median = (values) => stat(values).median;

/**
 * Runs two contenders REPS times each, alternating which goes first so drift on a shared machine hits both alike,
 * stops both, and returns their times (ms per run of JOBS jobs).
 * @param {{ run(command: string, jobs: number): Promise<number>, stop(): Promise<void> }} a
 * @param {{ run(command: string, jobs: number): Promise<number>, stop(): Promise<void> }} b
 * @returns {Promise<[number[], number[]]>}
 */
async function alternate(a, b) {
  /** @type {number[]} */
  const aTimes = [];
  /** @type {number[]} */
  const bTimes = [];
  const runA = async () => aTimes.push(await a.run('true', JOBS));
  const runB = async () => bTimes.push(await b.run('true', JOBS));
  for (let rep = 0; rep < REPS; rep++) {
    if (rep % 2 === 0) await runA().then(runB);
    else await runB().then(runA);
  }
  await a.stop();
  await b.stop();
  return [aTimes, bTimes];
}

/**
 * The CPU time of authentication alone, per job, in this process: what signing adds to the coordinator (JSON text,
 * nonce, MAC) and verifying to the worker (MAC, constant-time comparison, JSON parse), next to the JSON round trip an
 * unsigned job's payload makes anyway. Rounds interleave the three.
 */
function signingCpuTable() {
  const key = deriveKey(BENCH_SECRET, 'jobs');
  // A check job as the executor makes it.
  const payload = { kind: 'check', spec: { command: 'true', cwd: '/home/user/project', env: { CI: '1' }, timeoutMs: 600_000 }, secretEnv: [], commit: '0123456789abcdef0123456789abcdef01234567', runId: 'r-2026-12-06-0123456789', heartbeatMs: 30_000 };
  const n = 20_000;
  const wire = Array.from({ length: n }, () => JSON.parse(JSON.stringify(signJob(key, 'bench@c', 'check', payload))));
  /** @param {() => void} body */
  const cpuUsPerJob = (body) => {
    const cpu0 = process.cpuUsage();
    body();
    const used = process.cpuUsage(cpu0);
    return (used.user + used.system) / n;
  };
  /** @type {Record<string, number[]>} */
  const samples = { plain: [], sign: [], verify: [] };
  for (let round = 0; round < Math.max(REPS, 3); round++) {
    samples.plain?.push(cpuUsPerJob(() => {
      for (let i = 0; i < n; i++) JSON.parse(JSON.stringify(payload));
    }));
    samples.sign?.push(cpuUsPerJob(() => {
      for (let i = 0; i < n; i++) signJob(key, 'bench@c', 'check', payload);
    }));
    samples.verify?.push(cpuUsPerJob(() => {
      for (let i = 0; i < n; i++) if (!verifyJob(key, 'bench@c', 'check', wire[i]).ok) throw new Error('a signed job did not verify');
    }));
  }
  return {
    title: `Authentication CPU per job, in process (${n.toLocaleString('en')} check jobs a round)`,
    note: 'signJob on the coordinator, verifyJob on the worker (the nonce check is a Redis round trip of its own, measured above), and the JSON round trip every payload makes anyway.',
    columns: [{ key: 'us', label: 'CPU µs per job' }],
    ratios: [{ key: 'us', label: 'median CPU ÷ peer' }],
    rows: [
      { label: 'JSON round trip of the payload', peer: 'the baseline', samples: { us: samples.plain ?? [] } },
      { label: 'signJob', peer: 'JSON round trip of the payload', samples: { us: samples.sign ?? [] } },
      { label: 'verifyJob', peer: 'JSON round trip of the payload', samples: { us: samples.verify ?? [] } },
    ],
  };
}

async function main() {
  if (!existsSync('/usr/bin/redis-server') && spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    console.log('SKIPPED: redis-server is not installed');
    return;
  }
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  await probe.ping();
  const suite = startSuite({ suite: 'distributed', title: 'Distributed', rounds: REPS });
  const rates = (/** @type {number[]} */ times, /** @type {number} */ jobs) => times.map((ms) => (jobs / ms) * 1000);
  /** @type {import('./lib/harness.js').Column[]} */
  const rateColumns = [
    { key: 'rate', label: 'jobs/s', better: 'higher' },
    { key: 'ms', label: 'ms' },
  ];

  let queueId = 0;

  /** fanout's contender: createBullMQExecutor, IN_FLIGHT executes at a time. @param {number} workers @param {boolean} [signed] */
  async function fanoutContender(workers, signed = false) {
    const queue = `bench${++queueId}`;
    const children = await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(signed ? 'fanout-signed' : 'fanout', url, queue)));
    const executor = createBullMQExecutor({ connection: url, queue, secret: signed ? BENCH_SECRET : null });
    await executor.execute({ command: 'true' }); // connect and warm up
    return {
      pids: children.map((child) => child.pid ?? 0),
      /** @param {string} command @param {number} count */
      async run(command, count) {
        let failed = 0;
        const start = performance.now();
        await pool(count, IN_FLIGHT, async () => {
          const result = await executor.execute({ command });
          if (result.exitCode !== 0) failed++;
        });
        if (failed > 0) throw new Error(`${failed} fanout jobs failed`);
        return performance.now() - start;
      },
      async stop() {
        await executor.close();
        await stopAll(children);
      },
    };
  }

  /** raw BullMQ: Queue.add + job.waitUntilFinished, IN_FLIGHT at a time. @param {number} workers */
  async function rawContender(workers) {
    const queueName = `raw${++queueId}`;
    const children = await Promise.all(Array.from({ length: workers }, () => startWorkerProcess('raw', url, queueName)));
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection, prefix: 'raw' });
    queue.setMaxListeners(IN_FLIGHT * 4); // waitUntilFinished adds a listener per job in flight
    const events = new QueueEvents(queueName, { connection: eventsConnection, prefix: 'raw' });
    await events.waitUntilReady();
    const once = async () => {
      // A short retention, not removal at once: waitUntilFinished reads the finished job.
      const job = await queue.add('true', {}, { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
      return job.waitUntilFinished(events);
    };
    await once();
    return {
      /** @param {string} _command @param {number} count */
      async run(_command, count) {
        const start = performance.now();
        await pool(count, IN_FLIGHT, once);
        return performance.now() - start;
      },
      async stop() {
        await events.close();
        await queue.close();
        connection.disconnect();
        eventsConnection.disconnect();
        await stopAll(children);
      },
    };
  }

  /** CPU time (µs) of a process so far, from /proc (clock ticks of 10 ms: meaningful over a whole run of jobs). @param {number} pid */
  const processCpuUs = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const after = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    return (Number(after[11]) + Number(after[12])) * 10_000;
  };
  /** Commands Redis has run so far, in all (those of scripts included), less the INFO calls that read them. */
  const redisCommands = async () => {
    let calls = 0;
    for (const match of (await probe.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info') calls += Number(match[2]);
    return calls;
  };
  /**
   * A contender whose every run also records, per job, the CPU time of this process (the coordinator), of its worker
   * process and of redis-server, and the commands Redis ran.
   * @param {Awaited<ReturnType<typeof fanoutContender>>} contender
   */
  const metered = (contender) => {
    /** @type {Record<'coordinator' | 'worker' | 'redis' | 'commands', number[]>} */
    const perJob = { coordinator: [], worker: [], redis: [], commands: [] };
    const workers = () => contender.pids.reduce((sum, pid) => sum + processCpuUs(pid), 0);
    return {
      perJob,
      /** @param {string} command @param {number} count */
      async run(command, count) {
        const [commands, worker, redis, own] = [await redisCommands(), workers(), processCpuUs(server.pid ?? 0), process.cpuUsage()];
        const ms = await contender.run(command, count);
        const used = process.cpuUsage(own);
        perJob.coordinator.push((used.user + used.system) / count);
        perJob.worker.push((workers() - worker) / count);
        perJob.redis.push((processCpuUs(server.pid ?? 0) - redis) / count);
        perJob.commands.push(((await redisCommands()) - commands) / count);
        return ms;
      },
      stop: () => contender.stop(),
    };
  };

  if (ONLY === undefined || ONLY === 'auth') {
    const unsigned = metered(await fanoutContender(1, false));
    const signed = metered(await fanoutContender(1, true));
    const [plainTimes, signedTimes] = await alternate(unsigned, signed);
    // Paired by round: the two runs of a round are next to each other in time, so the machine's load falls on both.
    const cost = median(plainTimes.map((plain, round) => 1 - plain / (signedTimes[round] ?? Number.NaN)));
    suite.table({
      title: `${JOBS} × \`true\` through fanout, signed and unsigned jobs, 1 worker, ${IN_FLIGHT} in flight`,
      note: 'The two alternate which goes first in every round. The cost of signing is the median over rounds of 1 − unsigned time ÷ signed time of the same round.',
      columns: rateColumns,
      ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
      textColumns: [{ key: 'target', label: 'cost of signing (target <= 5%)' }],
      rows: [
        { label: 'fanout, unsigned jobs', peer: 'no signing', samples: { ms: plainTimes, rate: rates(plainTimes, JOBS) } },
        { label: 'fanout, signed jobs', peer: 'fanout, unsigned jobs', samples: { ms: signedTimes, rate: rates(signedTimes, JOBS) }, text: { target: `${(cost * 100).toFixed(1)}% ${cost <= 0.05 ? 'met' : 'missed'}` } },
      ],
    });
    const perJobColumns = [
      { key: 'coordinator', label: 'coordinator CPU µs/job' },
      { key: 'worker', label: 'worker CPU µs/job' },
      { key: 'redis', label: 'redis-server CPU µs/job' },
      { key: 'commands', label: 'Redis commands/job' },
    ];
    suite.table({
      title: 'What a job costs each process, signed and unsigned (the runs above)',
      note: 'CPU time per job over each whole run (from /proc, 10 ms ticks) and the commands Redis ran per job (INFO commandstats; commands run inside BullMQ\'s scripts count, the INFO calls do not). A signed job adds two commands on the worker: its nonce claimed before it runs, marked used as it ends; each leaves in the write of the commands issued in the same tick (the claims of jobs taken together; the mark with the end of its job), so they add commands to Redis but few writes and wake-ups.',
      columns: perJobColumns,
      ratios: [{ key: 'worker', label: 'worker CPU ÷ peer' }],
      rows: [
        { label: 'fanout, unsigned jobs', peer: 'no signing', samples: unsigned.perJob },
        { label: 'fanout, signed jobs', peer: 'fanout, unsigned jobs', samples: signed.perJob },
      ],
    });
    suite.table(signingCpuTable());
    if (ONLY === 'auth') {
      probe.disconnect();
      server.kill('SIGKILL');
      suite.finish();
      return;
    }
  }

  /** @type {import('./lib/harness.js').Row[]} */
  const throughput = [];
  for (const workers of [1, 2]) {
    const raw = await rawContender(workers);
    const fan = await fanoutContender(workers);
    const [rawTimes, fanTimes] = await alternate(raw, fan);
    const ratio = median(rawTimes) / median(fanTimes);
    const rawLabel = `raw BullMQ + spawn, ${workers} worker process${workers > 1 ? 'es' : ''}`;
    throughput.push(
      { label: rawLabel, peer: 'BullMQ alone', samples: { ms: rawTimes, rate: rates(rawTimes, JOBS) } },
      { label: `fanout, ${workers} worker process${workers > 1 ? 'es' : ''}`, peer: rawLabel, samples: { ms: fanTimes, rate: rates(fanTimes, JOBS) }, text: { target: `${ratio.toFixed(2)}× ${ratio >= 0.8 ? 'met' : 'missed'}` } },
    );
  }
  suite.table({
    title: `${JOBS} × \`true\`, ${IN_FLIGHT} in flight, worker concurrency ${WORKER_CONCURRENCY}`,
    note: 'raw is BullMQ alone: `Queue.add` + `waitUntilFinished` → a Worker whose processor spawns `sh -c true`. The contenders alternate which goes first in every round. fanout\'s extra cost per job is what its guarantees need: reading the finished job\'s state, removing the job once read, the process group and /proc checks of `runCommand`, secret masking.',
    columns: rateColumns,
    ratios: [{ key: 'ms', label: 'median time ÷ peer' }],
    textColumns: [{ key: 'target', label: 'fanout ÷ raw in jobs/s (target >= 0.8)' }],
    rows: throughput,
  });

  /** @param {number} workers */
  async function sleepCase(workers) {
    const fan = await fanoutContender(workers);
    /** @type {number[]} */
    const times = [];
    for (let rep = 0; rep < REPS; rep++) times.push(await fan.run('sleep 0.1', SLEEP_JOBS));
    await fan.stop();
    return times;
  }

  const one = await sleepCase(1);
  const two = await sleepCase(2);
  const speedUp = median(one) / median(two);
  const ideal = (SLEEP_JOBS * 0.1) / WORKER_CONCURRENCY;
  suite.table({
    title: `${SLEEP_JOBS} × \`sleep 0.1\` through fanout, worker concurrency ${WORKER_CONCURRENCY}`,
    note: `Ideal: ${ideal.toFixed(2)} s with 1 worker process, ${(ideal / 2).toFixed(2)} s with 2.`,
    columns: [{ key: 'ms', label: 'ms' }],
    ratios: [{ key: 'ms', label: 'speed-up (median)', invert: true }],
    textColumns: [{ key: 'target', label: 'target >= 1.8×' }],
    rows: [
      { label: 'fanout, 1 worker process', peer: `ideal ${(ideal * 1000).toFixed(0)} ms`, samples: { ms: one } },
      { label: 'fanout, 2 worker processes', peer: 'fanout, 1 worker process', samples: { ms: two }, text: { target: speedUp >= 1.8 ? 'met' : 'missed' } },
    ],
  });
  suite.finish();

  probe.disconnect();
  server.kill('SIGKILL');
}

// Worker mode: node distributed.bench.js --worker <fanout|raw> <url> <queue>
if (process.argv[2] === '--worker') {
  const [kind, url, queue] = process.argv.slice(3);
  if (url === undefined || queue === undefined) throw new Error('usage: --worker <fanout|raw> <url> <queue>');
  if (kind === 'fanout' || kind === 'fanout-signed') {
    const worker = startCheckWorker({ connection: url, queue, concurrency: WORKER_CONCURRENCY, secret: kind === 'fanout-signed' ? BENCH_SECRET : null });
    await worker.ready();
    process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  } else {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const worker = new Worker(queue, () => spawnTrue(), { connection, prefix: 'raw', concurrency: WORKER_CONCURRENCY, removeOnComplete: { count: 1000 } });
    await worker.waitUntilReady();
    process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  }
  process.stdout.write('ready\n');
} else {
  await main();
}
