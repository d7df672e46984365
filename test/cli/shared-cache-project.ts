// The project both shared-cache CLI test files run: two cacheable checks in a git repository, each appending its id to
// ran.log (ignored by git, outside every input) so a test can tell what actually ran.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from '../distributed/harness.js';
import { tempDir } from './helpers.js';

/** The shared secret the tests give fanout (through FANOUT_SECRET). */
export const SECRET = 'a secret of the team, 16+ bytes';

/** A new project folder: `build`, and `unit` requiring it, both with `inputs: [src.txt]`. */
export function project(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'fanout.yaml'),
    `version: "1"
checks:
  - { id: build, run: "echo build >> ran.log; echo built", inputs: [src.txt] }
  - { id: unit, run: "echo unit >> ran.log; echo '3 passed'", inputs: [src.txt], requires: [build] }
`,
  );
  writeFileSync(join(dir, 'src.txt'), 'source\n');
  writeFileSync(join(dir, '.gitignore'), 'ran.log\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

/** The ids of the checks that ran in `dir` so far, in order. */
export const ran = (dir: string): string[] => (existsSync(join(dir, 'ran.log')) ? readFileSync(join(dir, 'ran.log'), 'utf8').split('\n').filter(Boolean) : []);

/**
 * A redis-server for the enclosing describe block (started before its tests, stopped after), and the environment a
 * fanout of the tests gets: that Redis, {@link SECRET}, none of the variables read from files, `extra` over it. Its
 * bound on Redis's answers is one no load can outlast: on a busy machine a fanout process can take longer than the
 * default 2 s to load ioredis, connect and hear back, and the shared cache would be off for the run (its passes not
 * shared, a warning printed) while Redis itself is well.
 */
export function sharedRedis(): { redis: () => RedisServer; env: (extra?: Record<string, string | undefined>) => Record<string, string | undefined> } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const redis = (): RedisServer => {
    if (server === undefined) throw new Error('redis-server is not started yet');
    return server;
  };
  return {
    redis,
    env: (extra = {}) => ({ FANOUT_REDIS_URL: redis().url, FANOUT_REDIS_URL_FILE: undefined, FANOUT_SECRET: SECRET, FANOUT_SECRET_FILE: undefined, FANOUT_SHARED_CACHE: undefined, FANOUT_SHARED_TIMEOUT_MS: '60000', ...extra }),
  };
}
