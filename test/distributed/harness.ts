// Test harness of the distributed backend: a real redis-server on a free loopback port, and worker processes
// running test/fixtures/distributed/worker.js on the built library.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedis = existsSync(REDIS_SERVER) || spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
const WORKER = fileURLToPath(new URL('../fixtures/distributed/worker.js', import.meta.url));
const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));
// Other builds (tsdown cleans dist/) may run while these tests do: workers load a private copy, kept inside
// node_modules so that bullmq and ioredis still resolve from it.
const COPY_DIR = fileURLToPath(new URL(`../../node_modules/.fanout-test-dist-${process.pid}-${Math.random().toString(36).slice(2, 8)}/`, import.meta.url));
let copied: Promise<string> | undefined;

/** The private copy of dist/index.js that worker processes import (made once per test process). */
export function builtLibrary(): Promise<string> {
  copied ??= (async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (existsSync(`${DIST_DIR}index.js`)) {
          cpSync(DIST_DIR, COPY_DIR, { recursive: true });
          if (existsSync(`${COPY_DIR}index.js`)) return `${COPY_DIR}index.js`;
        }
      } catch {
        // dist/ changed under the copy: try again
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // No dist/ (another build is cleaning it, or none ran): build a private one.
    const build = spawnSync('npx', ['tsdown', '--out-dir', COPY_DIR], { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8' });
    if (build.status !== 0 || !existsSync(`${COPY_DIR}index.js`)) throw new Error(`dist/index.js is missing and building it failed: ${build.stderr}`);
    return `${COPY_DIR}index.js`;
  })();
  return copied;
}

/** Removes the private copy of dist/. */
export function removeBuiltLibrary(): void {
  rmSync(COPY_DIR, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
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

/** A loopback port that refuses every connection for as long as it is held: see {@link refusedPort}. */
export interface RefusedPort {
  port: number;
  /** Frees the port. */
  close(): Promise<void>;
}

/**
 * A Redis that is down, for certain: a loopback port no one listens on, and no one can start listening on while it is
 * held, so a connection to it is refused (ECONNREFUSED). It is the local end of a connection the test keeps open: that
 * socket holds the port (not listening, and without SO_REUSEADDR, so any bind of it fails with EADDRINUSE) while a
 * connection attempt to it finds no listener. A port {@link freePort} found free is free only until another process
 * of the machine takes it, and a test then meets that process instead of a Redis that is down.
 */
export async function refusedPort(): Promise<RefusedPort> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    accepted.push(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const holder = connect((server.address() as { port: number }).port, '127.0.0.1');
  holder.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    holder.once('connect', resolve);
    holder.once('error', reject);
  });
  const port = holder.localPort;
  if (port === undefined) throw new Error('the holding socket has no local port');
  return {
    port,
    async close() {
      holder.destroy();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface RedisServer {
  url: string;
  client: Redis;
  stop(): Promise<void>;
}

/**
 * A redis-server on a loopback port found free. Another process may take that port before redis-server binds it: the
 * server then exits at once, and another port is tried.
 */
export async function startRedis(extraArgs: string[] = [], password?: string): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(existsSync(REDIS_SERVER) ? REDIS_SERVER : 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password === undefined ? [] : ['--requirepass', password]), ...extraArgs], { stdio: 'ignore' });
    const url = password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${password}@127.0.0.1:${port}`;
    // Until the server listens, ioredis retries every 50 ms and queues the PING.
    const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    let exitedEarly: (() => void) | undefined;
    try {
      const answered = await Promise.race([
        client.ping().then(() => true),
        new Promise<false>((resolve) => {
          exitedEarly = () => resolve(false);
          child.once('exit', exitedEarly);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis-server did not answer on port ${port}`)), 10_000);
        }),
      ]);
      if (!answered) throw new Error(`redis-server exited before it answered on port ${port} (taken meanwhile?)`);
    } catch (error) {
      client.disconnect();
      child.kill('SIGKILL');
      if (child.exitCode !== null && attempt < 5) continue;
      throw error;
    } finally {
      clearTimeout(timer);
      if (exitedEarly !== undefined) child.off('exit', exitedEarly);
    }
    return {
      url,
      client,
      async stop() {
        client.disconnect();
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    };
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  name: string;
  pid: number;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts a worker process and waits for its "ready" line. */
export async function startWorker(url: string, options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Promise<WorkerProcess> {
  const library = await builtLibrary();
  const child = spawn(process.execPath, [WORKER, url, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, FANOUT_DIST: library } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const name = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready (\S+)\n/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  return {
    child,
    name,
    pid: child.pid ?? 0,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Every key of the Redis database and every string stored under it (hashes, lists, streams, sets, strings). */
export async function dumpRedis(client: Redis): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  let text = '';
  for (const key of keys) {
    const type = await client.type(key);
    if (type === 'hash') text += JSON.stringify(await client.hgetall(key));
    else if (type === 'list') text += JSON.stringify(await client.lrange(key, 0, -1));
    else if (type === 'string') text += (await client.get(key)) ?? '';
    else if (type === 'set') text += JSON.stringify(await client.smembers(key));
    else if (type === 'zset') text += JSON.stringify(await client.zrange(key, 0, -1));
    else if (type === 'stream') text += JSON.stringify(await client.xrange(key, '-', '+'));
    text += `\n${key}\n`;
  }
  return { keys: keys.sort(), text };
}

export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A server that accepts connections and never answers a byte; closing it ends them. */
export interface SilentServer {
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  /** Connections accepted and not closed yet (by either side). */
  open: () => number;
  close: () => Promise<void>;
}

/** Starts a {@link SilentServer} on a free port of 127.0.0.1. */
export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    // What the client sends is read and dropped: a socket never read never sees the client's end, nor closes.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    connections: () => accepted,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
