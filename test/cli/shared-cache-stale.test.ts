// `fanout check --shared-cache` with the built CLI and a real redis-server: a check whose input git vouched for was
// rewritten by a command of the run before its turn is no hit in the shared cache either (the key names the blob git
// listed, not what the file now holds).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRedis } from '../distributed/harness.js';
import { checkProject } from '../checks/git-repo.js';
import { byId, parseReport, runCli } from './helpers.js';
import { sharedRedis } from './shared-cache-project.js';

describe.skipIf(!hasRedis)('fanout check --shared-cache: a vouched input rewritten before the check', () => {
  const { redis: redisServer, env } = sharedRedis();

  it('is not replayed from the shared cache when a requirement rewrote it (the check runs on what it holds, and fails)', async () => {
    await redisServer().client.flushall();
    const dir = checkProject(
      [
        '  - id: g',
        '    run: "if [ -f g.on ]; then echo BAD > src/a.ts; fi"',
        '  - id: b',
        '    run: "! grep -q BAD src/a.ts"',
        '    inputs: ["src/**"]',
        '    requires: [g]',
      ],
      { 'src/a.ts': 'ok\n' },
      ['g.on'],
    );
    // A grace no load can outlast: b's pass is in Redis when the first run ends.
    const run = () => runCli(['check', '--shared-cache', '--json', '--log-dir', join(dir, 'logs')], { cwd: dir, env: env({ FANOUT_SHARED_PUSH_GRACE_MS: '60000' }) });
    const first = await run();
    expect(first.code).toBe(0);
    expect(await redisServer().client.keys('fanout:cache:*')).toHaveLength(1);
    // g now rewrites b's input before b's turn: b's key still names the blob git listed (ok), the file holds BAD.
    writeFileSync(join(dir, 'g.on'), '');
    const second = await run();
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('BAD\n');
    const b = (byId(parseReport(second.stdout)) as Record<string, { status?: string; cached?: boolean }>).b;
    expect(b?.cached).toBeUndefined();
    expect(b?.status).toBe('failed');
    expect(second.code).toBe(1);
  });
});
