import { spawn, spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullMQExecutor } from '../../src/distributed/bullmq-executor.js';
import { hasRedis, startRedis, until, type RedisServer } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}node_modules/.fanout-test-worker-command-${process.pid}/`;

/** Runs `workerCommand(options)` in a child process from a bundle of src/cli/actions/worker.ts. */
function runWorkerCommand(options: Record<string, unknown>, env: NodeJS.ProcessEnv = { ...process.env, FANOUT_SECRET: 'a secret for the worker command' }) {
  const script = `import(${JSON.stringify(`${OUT}worker.mjs`)}).then((m) => m.workerCommand(${JSON.stringify(options)})).then((code) => { process.exitCode = code; }, (error) => { process.stderr.write(error.constructor.name + ': ' + error.message + '\\n'); process.exitCode = 2; });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

describe.skipIf(!hasRedis)('workerCommand (fanout worker)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    const build = spawnSync('npx', ['tsdown', '--no-config', 'src/cli/actions/worker.ts', '-d', OUT, '--platform', 'node'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    // The worker starts its watchdog from next to its own module (dist/ has its own copy, a tsdown entry).
    cpSync(`${ROOT}src/distributed/watchdog.js`, `${OUT}watchdog.js`);
    redis = await startRedis([], 'cmd-pa55word');
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    rmSync(OUT, { recursive: true, force: true });
  });

  it('announces itself without the password, runs jobs of its commit, and dies by SIGTERM after a graceful stop', async () => {
    const run = runWorkerCommand({ redis: redis.url, queue: 'cmd', commit: 'feed', concurrency: 2 });
    await until(() => run.stderr().includes('fanout worker '), 10_000, 'the banner');
    expect(run.stderr()).toMatch(/queue cmd@feed, concurrency 2, Redis redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    expect(run.stderr()).not.toContain('cmd-pa55word');
    const executor = createBullMQExecutor({ connection: redis.url, queue: 'cmd', commit: 'feed', reconcileIntervalMs: 100, secret: 'a secret for the worker command' });
    const result = await executor.execute({ command: 'echo from the worker command' });
    await executor.close();
    expect(result).toMatchObject({ exitCode: 0, output: 'from the worker command\n' });
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('Redis gone under a running worker: its connection error is said once (not at every reconnect), and SIGTERM still ends it', async () => {
    const lost = await startRedis();
    const run = runWorkerCommand({ redis: lost.url, queue: 'gone', commit: 'feed', concurrency: 1 });
    await until(() => run.stderr().includes('fanout worker '), 10_000, 'the banner');
    await lost.stop();
    // ioredis reconnects every few tens of milliseconds at first: dozens of attempts in the next seconds.
    await until(() => run.stderr().includes('ECONNREFUSED'), 10_000, 'the connection error');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const refused = run.stderr().split('\n').filter((line) => line.includes('ECONNREFUSED'));
    expect(refused).toHaveLength(1);
    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: null, signal: 'SIGTERM' });
    // Without a bound, the close waited for Redis for ever; a generous bound for a loaded machine.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  });

  it('a Redis that does not answer: exit 1 with a message that hides the password; a bad URL is a usage error', async () => {
    const unreachable = runWorkerCommand({ redis: 'redis://:cmd-pa55word@127.0.0.1:1', commit: 'feed', connectTimeoutMs: 300 });
    expect((await unreachable.exit).code).toBe(1);
    expect(unreachable.stderr()).toContain('cannot reach Redis at redis://:***@127.0.0.1:1');
    expect(unreachable.stderr().trimEnd().split('\n')).toHaveLength(1); // said once
    expect(unreachable.stderr()).not.toContain('cmd-pa55word');
    const bad = runWorkerCommand({ redis: 'http://example.com' });
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toContain('UsageError: --redis must be a redis:// or rediss:// URL');
  });
});
