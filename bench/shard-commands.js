// Commands a sharded run executes, with and without the shared cache: `--shard i/n` runs the checks its own checks
// require in every shard. Every shard runs at once (as CI machines do), each with a log folder of its own (a fresh
// machine), on one redis-server. Prints one table row per scenario.
//
//   npm run build && node bench/shard-commands.js [shards=3]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks, SharedCache } from '../dist/checks.js';
import { deriveKey, openSharedCacheRedis } from '../dist/distributed.js';

const SHARDS = Number(process.argv[2] ?? 3);
const VERSION = '0.0.0-bench';
const SECRET = 'a secret for the shard benchmark';

// A JavaScript project's checks: install, then build, then what reads the build.
/** @type {Array<{ id: string, requires: string[] }>} */
const GRAPH = [
  { id: 'install', requires: [] },
  { id: 'build', requires: ['install'] },
  { id: 'typecheck', requires: ['install'] },
  { id: 'lint', requires: ['install'] },
  { id: 'audit', requires: [] },
  { id: 'unit', requires: ['build'] },
  { id: 'integration', requires: ['build'] },
  { id: 'e2e', requires: ['build'] },
  { id: 'bundle', requires: ['build'] },
  { id: 'docs', requires: ['build'] },
  { id: 'size', requires: ['bundle'] },
  { id: 'pack', requires: ['bundle', 'unit'] },
];

function project() {
  // The checks append to ran.log beside the project (outside their inputs).
  const dir = join(mkdtempSync(join(tmpdir(), 'fanout-shards-')), 'project');
  mkdirSync(dir);
  const checks = GRAPH.map(
    ({ id, requires }) =>
      `  - { id: ${id}, run: "sleep 0.2; echo ${id} >> ../ran.log", inputs: [src.txt]${requires.length === 0 ? '' : `, requires: [${requires.join(', ')}]`} }`,
  );
  writeFileSync(join(dir, 'fanout.yaml'), `version: "1"\nchecks:\n${checks.join('\n')}\n`);
  writeFileSync(join(dir, 'src.txt'), 'source\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

/** @returns {Promise<number>} */
async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * All shards at once, each a fresh machine; resolves with the commands they ran and the wall time.
 * @param {string} dir
 * @param {number} run
 * @param {(() => Promise<SharedCache>) | undefined} shared
 */
async function pipeline(dir, run, shared) {
  const log = join(dir, '..', 'ran.log');
  rmSync(log, { force: true });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SHARDS }, async (_, i) => {
      const cache = shared === undefined ? undefined : await shared();
      try {
        const report = await runChecks({ config: join(dir, 'fanout.yaml'), cwd: dir, logDir: join(dir, `run-${run}-shard-${i + 1}`), shard: `${i + 1}/${SHARDS}`, version: VERSION, parallel: 4, sharedCache: cache }).report;
        if (report.exit_code !== 0) throw new Error(`shard ${i + 1} failed`);
      } finally {
        await cache?.close();
      }
    }),
  );
  const commands = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
  return `${commands} (${((performance.now() - started) / 1000).toFixed(1)} s)`;
}

const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
try {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const url = `redis://127.0.0.1:${port}`;
  /** @param {boolean} claims */
  const shared = (claims) => async () =>
    new SharedCache({ backend: await openSharedCacheRedis(url), key: deriveKey(SECRET, 'cache'), version: VERSION, claims, pollMs: 50, onWarning: (message) => console.error(message) });
  /** @type {string[]} */
  const rows = [];
  let run = 0;
  /**
   * @param {string} name
   * @param {(() => Promise<SharedCache>) | undefined} factory
   */
  const measure = async (name, factory) => {
    const dir = project();
    const first = await pipeline(dir, run++, factory);
    const rerun = await pipeline(dir, run++, factory);
    rows.push(`| ${name} | ${first} | ${rerun} |`);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  };
  await measure('local cache only (every shard a fresh machine)', undefined);
  await measure('shared cache, no claims', shared(false));
  execFileSync('redis-cli', ['-p', String(port), 'flushall']);
  await measure('shared cache with claims', shared(true));
  console.log(`${GRAPH.length} checks, ${SHARDS} shards running at once, fresh log folders each pipeline; commands run and wall time (an unsharded run: ${GRAPH.length} commands)\n`);
  console.log('| | first pipeline of a commit | rerun of the same commit |\n|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  redis.kill('SIGKILL');
}
