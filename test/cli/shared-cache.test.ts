// `fanout check --shared-cache` (and FANOUT_SHARED_CACHE=1) with the built CLI and a real redis-server: two machines
// (log folders) share passes, and a pass kept only locally is shared on the next run; without the shared secret it
// refuses to start; a Redis that is down is one warning.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRedis, refusedPort } from '../distributed/harness.js';
import { byId, parseReport, runCli, tempDir } from './helpers.js';
import { project, ran, SECRET, sharedRedis } from './shared-cache-project.js';


// Each test runs two to four whole CLI processes against Redis: up to 20 s on a loaded 2-core machine.
describe.skipIf(!hasRedis)('fanout check --shared-cache', { timeout: 60_000 }, () => {
  const { redis: redisServer, env } = sharedRedis();

  it('a check passed on one machine is a hit on another (--shared-cache, then FANOUT_SHARED_CACHE=1)', async () => {
    await redisServer().client.flushall();
    const dir = project();
    const first = await runCli(['check', '--shared-cache', '--json', '--log-dir', join(dir, 'machine-1')], { cwd: dir, env: env() });
    expect(first.code).toBe(0);
    expect(ran(dir)).toEqual(['build', 'unit']);
    const second = await runCli(['check', '--json', '--log-dir', join(dir, 'machine-2')], { cwd: dir, env: env({ FANOUT_SHARED_CACHE: '1' }) });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    const checks = byId(parseReport(second.stdout)) as Record<string, { cached?: boolean }>;
    expect(checks.build?.cached).toBe(true);
    expect(checks.unit?.cached).toBe(true);
    expect(ran(dir)).toEqual(['build', 'unit']);
    // Without the switch, the shared cache is not read.
    const local = await runCli(['check', '--json', '--log-dir', join(dir, 'machine-3')], { cwd: dir, env: env() });
    expect((byId(parseReport(local.stdout)) as Record<string, { cached?: boolean }>).build?.cached).toBeUndefined();
    expect(ran(dir)).toEqual(['build', 'unit', 'build', 'unit']);
  });

  it('refuses to start without the shared secret: entries are never unsigned', async () => {
    const dir = project();
    const result = await runCli(['check', '--shared-cache', '--log-dir', join(dir, 'logs')], { cwd: dir, env: env({ FANOUT_SECRET: undefined }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--shared-cache: no shared secret: set FANOUT_SECRET or FANOUT_SECRET_FILE/);
    expect(ran(dir)).toEqual([]);
  });

  it('finds Redis as --redis does: no URL is a usage error; TLS flags go with --shared-cache', async () => {
    const dir = project();
    const noUrl = await runCli(['check', '--shared-cache'], { cwd: dir, env: env({ FANOUT_REDIS_URL: undefined }) });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/no Redis URL: set FANOUT_REDIS_URL/);
    const tls = await runCli(['check', '--shared-cache', '--redis-ca', join(dir, 'src.txt')], { cwd: dir, env: env() });
    expect(tls.code).toBe(2);
    expect(tls.stderr).toMatch(/need a rediss:\/\/ URL/);
    const grace = await runCli(['check', '--shared-cache'], { cwd: dir, env: env({ FANOUT_SHARED_PUSH_GRACE_MS: '1.5s' }) });
    expect(grace.code).toBe(2);
    expect(grace.stderr).toMatch(/FANOUT_SHARED_PUSH_GRACE_MS must be a whole number of milliseconds \(0 to 2147483647\), got "1.5s"/);
    for (const value of ['0', '2s']) {
      const bound = await runCli(['check', '--shared-cache'], { cwd: dir, env: env({ FANOUT_SHARED_TIMEOUT_MS: value }) });
      expect(bound.code).toBe(2);
      expect(bound.stderr).toContain(`FANOUT_SHARED_TIMEOUT_MS must be a whole number of milliseconds (1 to 2147483647), got "${value}"`);
    }
    expect(ran(dir)).toEqual([]);
  });

  it('a pass kept only on this machine goes to the shared cache on its next run there (a local hit), and is a hit on another machine', async () => {
    await redisServer().client.flushall();
    const dir = project();
    expect((await runCli(['check', '--log-dir', join(dir, 'machine-1')], { cwd: dir, env: env() })).code).toBe(0);
    expect(await redisServer().client.keys('fanout:cache:*')).toEqual([]);
    // A grace no load can outlast: the pushes are done when the process ends (the default drops them at 250 ms).
    const local = await runCli(['check', '--shared-cache', '--json', '--log-dir', join(dir, 'machine-1')], { cwd: dir, env: env({ FANOUT_SHARED_PUSH_GRACE_MS: '60000' }) });
    expect(local.code).toBe(0);
    expect(local.stderr).toBe('');
    expect((byId(parseReport(local.stdout)) as Record<string, { cached?: boolean }>).unit?.cached).toBe(true);
    expect(await redisServer().client.keys('fanout:cache:*')).toHaveLength(2);
    const other = await runCli(['check', '--json', '--log-dir', join(dir, 'machine-2')], { cwd: dir, env: env({ FANOUT_SHARED_CACHE: '1' }) });
    const checks = byId(parseReport(other.stdout)) as Record<string, { cached?: boolean }>;
    expect([checks.build?.cached, checks.unit?.cached]).toEqual([true, true]);
    expect(ran(dir)).toEqual(['build', 'unit']);
  });

  it('a Redis that accepts and never answers: a run served by its local cache passes, its report whole, and drops sharing its hits without a warning', async () => {
    const sockets = new Set<Socket>();
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // a Redis that never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = project();
      const url = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
      // A bound of 5 s instead of the default 2 s (and of the 60 s the other tests give a real Redis): long enough for a
      // loaded machine to load ioredis and connect within it, so the connection is counted.
      const bounded = env({ FANOUT_REDIS_URL: url, FANOUT_SHARED_TIMEOUT_MS: '5000' });
      const first = await runCli(['check', '--shared-cache', '--log-dir', join(dir, 'logs')], { cwd: dir, env: bounded });
      expect(first.code).toBe(0);
      expect(connections).toBe(1); // local misses: it connected (and got no answer)
      expect(first.stderr).toMatch(/^fanout: warning: the shared cache is off for the rest of this run \(connecting: no (answer|connection) within 5000 ms\); going on with the local cache$/m);
      const again = await runCli(['check', '--shared-cache', '--json', '--log-dir', join(dir, 'logs')], { cwd: dir, env: bounded });
      expect(again.code).toBe(0);
      const checks = byId(parseReport(again.stdout)) as Record<string, { cached?: boolean }>;
      expect([checks.build?.cached, checks.unit?.cached]).toEqual([true, true]);
      // It needed nothing from Redis: its pushes are dropped once the short grace is over, silently.
      expect(again.stderr).toBe('');
      expect(ran(dir)).toEqual(['build', 'unit']);
      expect(connections).toBe(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a Redis that is down: the run passes with its local cache and one warning, the password never shown', async () => {
    const dir = project();
    const down = await refusedPort();
    try {
      const url = `redis://:hunter2hunter2@127.0.0.1:${down.port}`;
      const result = await runCli(['check', '--shared-cache', '--log-dir', join(dir, 'logs')], { cwd: dir, env: env({ FANOUT_REDIS_URL: url }) });
      expect(result.code).toBe(0);
      expect(ran(dir)).toEqual(['build', 'unit']);
      const warnings = result.stderr.split('\n').filter((line) => line.includes('warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^fanout: warning: the shared cache is off for the rest of this run \(.*redis:\/\/:\*\*\*@127\.0\.0\.1.*ECONNREFUSED.*\); going on with the local cache$/);
      expect(result.stderr).not.toContain('hunter2');
    } finally {
      await down.close();
    }
  });

  it('no check sees the shared secret or the Redis URL; the secret and the password never reach a report, journal or entry', async () => {
    const password = 'hunter2-password';
    const fileSecret = 'the secret of the team, from a file';
    const dir = tempDir();
    writeFileSync(
      join(dir, 'fanout.yaml'),
      `version: "1"
checks:
  - id: peek
    run: 'echo "secret=[$FANOUT_SECRET] secret-file=[$FANOUT_SECRET_FILE] url=[$FANOUT_REDIS_URL] url-file=[$FANOUT_REDIS_URL_FILE]"; cat leak.txt'
    inputs: [leak.txt]
`,
    );
    // What a check may print by other means (a config file it reads): the run masks it all the same.
    writeFileSync(join(dir, 'leak.txt'), `${password} ${fileSecret} ${SECRET}\n`);
    writeFileSync(join(dir, 'secret'), fileSecret, { mode: 0o600 });
    // A Redis that is down: this test is about what the run writes, not about what Redis holds.
    const down = await refusedPort();
    writeFileSync(join(dir, 'url'), `redis://:${password}@127.0.0.1:${down.port}`, { mode: 0o600 });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const runs = [
      {
        variables: { FANOUT_REDIS_URL: `redis://:${password}@127.0.0.1:${down.port}`, FANOUT_SECRET: undefined, FANOUT_SECRET_FILE: join(dir, 'secret') },
        tail: `*** *** ${SECRET}`,
        secrets: [password, fileSecret],
      },
      { variables: { FANOUT_REDIS_URL: undefined, FANOUT_REDIS_URL_FILE: join(dir, 'url'), FANOUT_SECRET: SECRET }, tail: `*** ${fileSecret} ***`, secrets: [password, SECRET] },
    ];
    try {
      for (const [index, { variables, tail, secrets }] of runs.entries()) {
        const logDir = join(dir, `logs-${index}`);
        const result = await runCli(['check', '--shared-cache', '--no-cache', '--json', '--log-dir', logDir], { cwd: dir, env: env(variables) });
        expect(result.code).toBe(0);
        const peek = (byId(parseReport(result.stdout)) as Record<string, { output_tail?: string[] }>).peek;
        expect(peek?.output_tail?.[0]).toBe('secret=[] secret-file=[] url=[] url-file=[]');
        expect(peek?.output_tail?.[1]).toBe(tail);
        // Every file fanout writes; the check's own log is its raw output, as it printed it.
        const files = readdirSync(logDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith('.log'));
        expect(files.map((entry) => entry.name)).toEqual(expect.arrayContaining(['report.json', 'journal.ndjson']));
        for (const text of [result.stdout, result.stderr, ...files.map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))]) {
          for (const secret of secrets) expect(text).not.toContain(secret);
        }
      }
    } finally {
      await down.close();
    }
  });
});
