// The CLI's distributed modes, end to end with the built CLI: `--shard i/n` + `merge-reports`, and
// `fanout worker` + `fanout check --redis` against a real redis-server.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis, until, type RedisServer } from '../distributed/harness.js';
import { byId, parseReport, runCli, startCli, tempDir } from './helpers.js';

/** The shared secret the coordinator and workers of these tests sign and verify jobs with. */
const SIGNED = { FANOUT_SECRET: 'a shared secret for the CLI tests', FANOUT_SECRET_FILE: undefined };

const graph = `version: "1"
checks:
  - { id: build, run: "echo built" }
  - { id: lint, run: "echo linted" }
  - { id: unit, run: "echo unit ok", requires: [build] }
  - { id: e2e, run: "echo 'e2e: 1 failed'; exit 1", requires: [build] }
  - { id: docs, run: "exit 3", severity: warning }
  - { id: pack, run: "echo packed", requires: [unit, lint] }
  - { id: types, run: "echo typed", requires: [build] }
  - { id: bundle, run: "echo bundled", requires: [types] }
`;

describe('fanout check --shard i/n and fanout merge-reports', () => {
  it('every check is reported by exactly one shard, and the merged report equals an unsharded run', async () => {
    const dir = tempDir();
    const config = join(dir, 'fanout.yaml');
    writeFileSync(config, graph);
    const files: string[] = [];
    const owned: string[][] = [];
    for (let i = 1; i <= 3; i++) {
      const result = await runCli(['check', '-c', config, '--shard', `${i}/3`, '--json', '--log-dir', join(dir, 'runs')]);
      const report = parseReport(result.stdout);
      owned.push(report.checks.map((check) => check.id));
      const file = join(dir, `shard-${i}.json`);
      writeFileSync(file, result.stdout);
      files.push(file);
    }
    const all = owned.flat().sort();
    expect(all).toEqual(['build', 'bundle', 'docs', 'e2e', 'lint', 'pack', 'types', 'unit']);

    // A lost shard report must not merge into a complete-looking run.
    const partial = await runCli(['merge-reports', files[0] as string, files[2] as string]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('shard 2/3 is missing');

    const merged = await runCli(['merge-reports', ...files]);
    const report = parseReport(merged.stdout);
    const whole = parseReport((await runCli(['check', '-c', config, '--json', '--log-dir', join(dir, 'runs')])).stdout);
    expect(merged.code).toBe(whole.exit_code);
    expect(merged.code).toBe(1); // e2e fails
    const statuses = (r: typeof report) => Object.fromEntries(Object.entries(byId(r)).map(([id, check]) => [id, check.status]));
    expect(statuses(report)).toEqual(statuses(whole));
    expect(report).not.toHaveProperty('shard');
  });

  it('a shard outside 1..n is a usage error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), graph);
    const result = await runCli(['check', '--shard', '4/3'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard must be i/n');
  });
});

describe.skipIf(!hasRedis)('fanout worker + fanout check --redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // Two worker CLI processes and a coordinator CLI run over Redis: up to 20 s on a loaded 2-core machine.
  it('runs a diamond graph on two worker processes and reports as a local run would', async () => {
    const dir = tempDir();
    const config = join(dir, 'fanout.yaml');
    writeFileSync(
      config,
      `version: "1"
checks:
  - { id: root, run: "echo root on $$" }
  - { id: left, run: "echo left", requires: [root] }
  - { id: right, run: "echo 'coverage: 91%'", grok: "coverage: %{NUMBER:coverage}%", assert: "coverage > 90", requires: [root] }
  - { id: join, run: "echo joined; exit 4", requires: [left, right] }
`,
    );
    const logDirs = [join(dir, 'w1'), join(dir, 'w2')];
    const workers = logDirs.map((logDir) =>
      startCli(['worker', '--redis', redis.url, '--queue', 'cli-test', '--commit', 'c0ffee', '--concurrency', '2', '--log-dir', logDir], { cwd: dir, env: SIGNED }),
    );
    const ready = workers.map(({ child }) => {
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return () => /fanout worker \S+: queue cli-test@c0ffee/.test(text);
    });
    try {
      await until(() => ready.every((isReady) => isReady()), 30_000, 'both workers ready');
      const result = await runCli(['check', '-c', config, '--redis', redis.url, '--queue', 'cli-test', '--commit', 'c0ffee', '--json', '--log-dir', join(dir, 'runs')], { cwd: dir, env: SIGNED });
      const report = parseReport(result.stdout);
      const checks = byId(report);
      expect(checks.root?.status).toBe('passed');
      expect(checks.left?.status).toBe('passed');
      expect(checks.right?.status).toBe('passed');
      expect(checks.right?.extracted).toEqual({ coverage: '91' });
      expect(checks.join?.status).toBe('failed');
      expect(checks.join?.exit_code).toBe(4);
      expect(checks.join?.output_tail).toContain('joined');
      expect(result.code).toBe(1);
      // Every job ran on a worker (each keeps the complete log of the jobs it ran), none in the coordinator.
      // Named by run and check: <log dir>/<run>/<check id>.log.
      const jobLogs = logDirs.flatMap((logDir) => (existsSync(logDir) ? readdirSync(logDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.log')) : []));
      expect(jobLogs.map((name) => name.split('/')[1]).sort()).toEqual(['join.log', 'left.log', 'right.log', 'root.log']);
      expect(new Set(jobLogs.map((name) => name.split('/')[0])).size).toBe(1);
    } finally {
      for (const worker of workers) worker.child.kill('SIGTERM');
      const ends = await Promise.all(workers.map((w) => w.done));
      // A worker stopped by SIGTERM dies by it (shells see 143), after putting running jobs back.
      for (const end of ends) expect(end.signal ?? end.code).toBe(end.signal === null ? 143 : 'SIGTERM');
    }
  }, 60_000);

  it('check --redis outside a git checkout without --commit, or with Redis unreachable, is a usage error before anything runs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - { id: a, run: "touch ran" }\n');
    const noCommit = await runCli(['check', '--redis', redis.url], { cwd: dir, env: SIGNED });
    expect(noCommit.code).toBe(2);
    expect(noCommit.stderr).toContain('pass --commit');
    const down = await runCli(['check', '--redis', '--commit', 'abc'], { cwd: dir, env: { ...SIGNED, FANOUT_REDIS_URL: 'redis://:s3cret@127.0.0.1:1' } });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach Redis at redis://:***@127.0.0.1:1');
    expect(down.stderr).toContain('ECONNREFUSED'); // the cause, at the first attempt (not a timeout after ioredis' retries)
    expect(down.stderr).not.toContain('s3cret');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('without a shared secret, worker and check --redis refuse to start unless --insecure; a secret file others can read is refused', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - { id: a, run: "touch ran" }\n');
    const none = { FANOUT_SECRET: undefined, FANOUT_SECRET_FILE: undefined };
    const worker = await runCli(['worker', '--redis', redis.url, '--commit', 'c0ffee'], { cwd: dir, env: none });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('no shared secret: set FANOUT_SECRET or FANOUT_SECRET_FILE');
    const check = await runCli(['check', '--redis', redis.url, '--commit', 'c0ffee'], { cwd: dir, env: none });
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('or pass --insecure');
    const file = join(dir, 'secret');
    writeFileSync(file, 'a shared secret for the CLI tests', { mode: 0o644 });
    const open = await runCli(['worker', '--redis', redis.url, '--commit', 'c0ffee'], { cwd: dir, env: { FANOUT_SECRET: undefined, FANOUT_SECRET_FILE: file } });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('is readable or writable by group or others (mode 644)');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  // Three CLI processes one after the other beside a worker (each a Node start-up, a Redis connection and a job): on a
  // 2-core machine at load 20 that took longer than the default 20 s.
  it('a pinned worker (--config) runs its config\'s checks for a coordinator with the same config, and refuses a changed command', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const config = join(dir, 'fanout.yaml');
    const text = 'version: "1"\nchecks:\n  - { id: hello, run: "echo pinned ok" }\n';
    writeFileSync(config, text);
    const worker = startCli(['worker', '--redis', redis.url, '--queue', 'pinned', '--commit', 'c0ffee', '--concurrency', '1', '-c', config], { cwd: dir, env: SIGNED });
    let stderr = '';
    worker.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await until(() => stderr.includes('pinned to 1 checks'), 30_000, 'the pinned worker');
      const run = (file: string) => runCli(['check', '-c', file, '--redis', redis.url, '--queue', 'pinned', '--commit', 'c0ffee', '--json', '--log-dir', join(dir, 'runs')], { cwd: dir, env: SIGNED });
      const same = await run(config);
      expect(byId(parseReport(same.stdout)).hello?.output_tail).toContain('pinned ok');
      expect(same.code).toBe(0);
      // Another config (same id, another command): refused, the command never ran.
      const changed = join(dir, 'changed.yaml');
      writeFileSync(changed, text.replace('echo pinned ok', 'touch changed-ran'));
      const refused = await run(changed);
      expect(refused.code).not.toBe(0);
      expect(JSON.stringify(byId(parseReport(refused.stdout)).hello)).toContain('a worker refused the job: pinned:');
      expect(existsSync(join(dir, 'changed-ran'))).toBe(false);
      expect(stderr).toMatch(/refused job \S+ \(pinned\): the job's config \(hash/);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });

  it('no worker serves the queue: exit 75 after --worker-wait, naming the queue; every check skipped, none failed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - { id: a, run: "true" }\n  - { id: b, run: "true", requires: [a] }\n');
    const result = await runCli(['check', '--redis', redis.url, '--queue', 'nobody', '--commit', 'c0ffee', '--worker-wait', '1s', '--json', '--log-dir', join(dir, 'runs')], { cwd: dir, env: SIGNED });
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('no worker took a job from queue nobody@c0ffee in 1 s');
    const report = parseReport(result.stdout) as ReturnType<typeof parseReport> & { infrastructure_error?: string };
    expect(report.infrastructure_error).toContain('queue nobody@c0ffee');
    expect(Object.values(byId(report)).map((check) => [check.status, (check as { skip_reason?: { kind: string } }).skip_reason?.kind])).toEqual([
      ['skipped', 'infrastructure'],
      ['skipped', 'infrastructure'],
    ]);
  });

  it('Redis killed in the middle of a run: exit 75 within seconds; the running check cancelled, the next one skipped, none failed', { timeout: 90_000 }, async () => {
    const own = await startRedis();
    let stopped = false;
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), `version: "1"\nchecks:\n  - { id: long, run: "echo $$ > ${dir}/pid; sleep 30" }\n  - { id: after, run: "true", requires: [long] }\n`);
    const worker = startCli(['worker', '--redis', own.url, '--queue', 'lost', '--commit', 'c0ffee', '--concurrency', '1'], { cwd: dir, env: SIGNED });
    let workerErr = '';
    worker.child.stderr?.on('data', (chunk: Buffer) => (workerErr += chunk.toString()));
    try {
      await until(() => workerErr.includes('queue lost@c0ffee'), 30_000, 'the worker');
      const run = startCli(['check', '--redis', own.url, '--queue', 'lost', '--commit', 'c0ffee', '--json', '--log-dir', join(dir, 'runs')], { cwd: dir, env: SIGNED });
      await until(() => existsSync(join(dir, 'pid')), 30_000, 'the running check');
      const killedAt = Date.now();
      stopped = true;
      await own.stop();
      const result = await run.done;
      // Detected within 5 s by default; 25 s is the generous bound of a loaded machine.
      expect(Date.now() - killedAt).toBeLessThan(25_000);
      expect(result.code).toBe(75);
      expect(result.stderr).toContain('Redis stopped answering');
      const checks = byId(parseReport(result.stdout));
      expect(checks.long?.status).toBe('cancelled');
      expect(checks.after?.status).toBe('skipped');
    } finally {
      worker.child.kill('SIGKILL');
      await worker.done;
      if (existsSync(join(dir, 'pid'))) {
        try {
          process.kill(-Number(readFileSync(join(dir, 'pid'), 'utf8')), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (!stopped) await own.stop();
    }
  });

  it('a bad --redis URL is a usage error', async () => {
    const result = await runCli(['worker', '--redis', 'http://nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--redis must be a redis://');
  });
});
