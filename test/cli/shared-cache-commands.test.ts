// --shared-cache (and FANOUT_SHARED_CACHE=1) beyond `fanout check`: watch, the agent hook, the MCP server and
// background runs, as real processes against a real redis-server. Each finds Redis and the secret as check does, and
// refuses to start without the secret; a pass another machine stored is a hit.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { hasRedis } from '../distributed/harness.js';
import { cli, runCli, type CliResult } from './helpers.js';
import { project, ran, sharedRedis } from './shared-cache-project.js';


/** The checks of the latest run in `logDir` and whether each was a hit. */
function latestCached(logDir: string): Record<string, boolean> {
  const report = JSON.parse(readFileSync(join(logDir, 'latest', 'report.json'), 'utf8')) as { checks: Array<{ id: string; cached?: boolean }> };
  return Object.fromEntries(report.checks.map((check) => [check.id, check.cached === true]));
}

/** Resolves once `done()` holds (checked every 10 ms); throws after 30 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the report');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `fanout <args>` with `stdin`, in `cwd`, with exactly `env` over the test's environment. */
function run(args: string[], cwd: string, env: Record<string, string | undefined>, stdin = ''): Promise<CliResult> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe.skipIf(!hasRedis)('--shared-cache in watch, hook, mcp and background runs', { timeout: 60_000 }, () => {
  const { redis: redisServer, env } = sharedRedis();

  /** A project whose two checks another machine (log folder) passed and shared. */
  async function sharedProject(): Promise<string> {
    const dir = project();
    const first = await runCli(['check', '--shared-cache', '--log-dir', join(dir, 'machine-1')], { cwd: dir, env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(ran(dir)).toEqual(['build', 'unit']);
    return dir;
  }

  it('watch: the first run hits what another machine passed (FANOUT_SHARED_CACHE=1); no secret is a usage error', async () => {
    await redisServer().client.flushall();
    const dir = await sharedProject();
    const child = spawn(process.execPath, [cli, 'watch', '--stream', '--log-dir', join(dir, 'machine-2')], { cwd: dir, env: { ...process.env, ...env({ FANOUT_SHARED_CACHE: '1' }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wake: (() => void) | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake?.()));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => (resolve(code), wake?.())));
    const events = () => stdout.split('\n').filter((line) => line.startsWith('{') && line.endsWith('}')).map((line) => JSON.parse(line) as { type: string; id?: string; check?: { cached?: boolean } });
    while (!events().some((event) => event.type === 'run:end')) {
      if (child.exitCode !== null) throw new Error(`fanout watch ended: ${stderr}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    child.kill('SIGINT');
    await done;
    const ends = events().filter((event) => event.type === 'check:end');
    expect(ends.map((event) => [event.id, event.check?.cached])).toEqual([
      ['build', true],
      ['unit', true],
    ]);
    expect(stderr).toBe('');
    expect(ran(dir)).toEqual(['build', 'unit']);

    const refused = await run(['watch', '--shared-cache', '--log-dir', join(dir, 'machine-3')], dir, env({ FANOUT_SECRET: undefined }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--shared-cache: no shared secret: set FANOUT_SECRET or FANOUT_SECRET_FILE/);
    expect(ran(dir)).toEqual(['build', 'unit']);
  });

  it('hook: a hit from the shared cache passes without running; no secret is the hook protocol\'s non-blocking error (1)', async () => {
    await redisServer().client.flushall();
    const dir = await sharedProject();
    const event = JSON.stringify({ session_id: 's', cwd: dir, hook_event_name: 'Stop', stop_hook_active: false });
    const hit = await run(['hook', 'claude', '--shared-cache', '--log-dir', join(dir, 'machine-2')], dir, env(), event);
    expect(hit.code, hit.stderr).toBe(0);
    expect(hit.stdout).toBe('fanout: 2 passed\n');
    expect(latestCached(join(dir, 'machine-2'))).toEqual({ build: true, unit: true });
    const fromEnv = await run(['hook', 'claude', '--log-dir', join(dir, 'machine-3')], dir, env({ FANOUT_SHARED_CACHE: '1' }), event);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(latestCached(join(dir, 'machine-3'))).toEqual({ build: true, unit: true });
    expect(ran(dir)).toEqual(['build', 'unit']);

    const refused = await run(['hook', 'claude', '--shared-cache', '--log-dir', join(dir, 'machine-4')], dir, env({ FANOUT_SECRET: undefined }), event);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^fanout hook: --shared-cache: no shared secret/);
    expect(ran(dir)).toEqual(['build', 'unit']);
  });

  it('check --background: the run hits the shared cache; no secret is a usage error before any run starts', async () => {
    await redisServer().client.flushall();
    const dir = await sharedProject();
    const hit = await run(['check', '--background', '--shared-cache', '--json', '--log-dir', join(dir, 'machine-2')], dir, env());
    expect(hit.code, hit.stderr).toBe(0);
    const answer = JSON.parse(hit.stdout) as { finished: boolean; checks: Array<{ id: string; cached?: boolean }> };
    expect(answer.checks.map((check) => [check.id, check.cached])).toEqual([
      ['build', true],
      ['unit', true],
    ]);
    expect(ran(dir)).toEqual(['build', 'unit']);

    const refused = await run(['check', '--background', '--shared-cache', '--log-dir', join(dir, 'machine-3')], dir, env({ FANOUT_SECRET: undefined }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^fanout: --shared-cache: no shared secret/m);
    expect(existsSync(join(dir, 'machine-3')) ? readdirSync(join(dir, 'machine-3')) : []).toEqual([]);
  });

  it('mcp: a server flag (or FANOUT_SHARED_CACHE=1) every run_checks run uses; no secret is a usage error at start', async () => {
    await redisServer().client.flushall();
    const dir = await sharedProject();
    const refused = await run(['mcp', '--shared-cache'], dir, env({ FANOUT_SECRET: undefined }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--shared-cache: no shared secret/);

    for (const [args, extra] of [
      [['--shared-cache'], {}],
      [[], { FANOUT_SHARED_CACHE: '1' }],
    ] as const) {
      const logDir = join(dir, `machine-mcp-${args.length}`);
      const variables = Object.fromEntries(Object.entries({ ...process.env, ...env(extra) }).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--log-dir', logDir, ...args], cwd: dir, stderr: 'pipe', env: variables });
      const client = new Client({ name: 'fanout-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        const result = await client.callTool({ name: 'run_checks', arguments: { wait_ms: 30_000 } });
        const structured = result.structuredContent as { phase: string; finished: Array<{ id: string; status: string }> };
        expect(structured.finished.map((check) => [check.id, check.status])).toEqual([
          ['build', 'passed'],
          ['unit', 'passed'],
        ]);
      } finally {
        await client.close();
      }
      // A background run writes report.json after the journal's end, by which run_checks answered: wait for it.
      await until(() => {
        try {
          latestCached(logDir);
          return true;
        } catch {
          return false;
        }
      });
      expect(latestCached(logDir)).toEqual({ build: true, unit: true });
    }
    expect(ran(dir)).toEqual(['build', 'unit']);
  });
});
