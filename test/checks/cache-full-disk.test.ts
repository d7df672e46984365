// A cache store whose disk is full (ENOSPC) or whose quota is spent (EDQUOT): the run goes on, every check passes as
// it would, nothing is stored, and the report says so once (an entry of write_errors, which the CLI prints as one
// warning) however many passes could not be stored. The store's writes are made to fail here; the rest is real.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';
import type * as SafeFile from '../../src/common/safe-file.js';

/** The error the store's next writes of an entry fail with; undefined: they go through. */
const failure = vi.hoisted(() => ({ code: undefined as string | undefined }));

vi.mock('../../src/common/safe-file.js', async (importOriginal) => {
  const actual = await importOriginal<typeof SafeFile>();
  return {
    ...actual,
    replaceFileSync: (target: string, data: string | Uint8Array, mode?: number) => {
      if (failure.code !== undefined && /[\\/]cache[\\/]entries[\\/]/.test(target)) {
        throw Object.assign(new Error(`${failure.code}: the disk refused, write '${target}'`), { code: failure.code });
      }
      actual.replaceFileSync(target, data, mode);
    },
  };
});

afterEach(() => {
  failure.code = undefined;
});

const CONFIG = `checks:
  - id: a
    run: echo a >> ran.log
    inputs: [src/]
  - id: b
    run: echo b >> ran.log
    inputs: [src/]
    requires: [a]
  - id: c
    run: echo c >> ran.log
`;

async function run(dir: string) {
  const checks = runChecks({ config: 'fanout.yaml', cwd: dir, parallel: 2 });
  for await (const event of checks) void event;
  return checks.report;
}

/** The checks that ran since the last call. */
function ran(dir: string): string[] {
  const log = join(dir, 'ran.log');
  if (!existsSync(log)) return [];
  const lines = readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
  writeFileSync(log, '');
  return lines.sort();
}

describe.each(['ENOSPC', 'EDQUOT'])('a cache store that cannot be written (%s)', (code) => {
  it('the run goes on and passes, nothing is stored, and one write error names the cache', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.ts'), 'a');
    // There before the run, past the racy margin: a folder over a check's inputs (the root, for `src/`) that moves while
    // it runs beside another keeps its pass from being stored.
    writeFileSync(join(dir, 'ran.log'), '');
    mkdirSync(join(dir, '.fanout', 'runs'), { recursive: true });
    await settled(dir);
    await settled(join(dir, '.fanout'));
    failure.code = code;
    const report = await run(dir);
    expect(report.exit_code).toBe(0);
    expect(report.checks.map((check) => [check.id, check.status, check.cached ?? false])).toEqual([
      ['a', 'passed', false],
      ['b', 'passed', false],
      ['c', 'passed', false],
    ]);
    expect(ran(dir)).toEqual(['a', 'b', 'c']);
    // One entry for the two passes it could not store.
    expect(report.write_errors).toEqual([{ file: join('.fanout', 'runs', 'cache'), error: expect.stringContaining(`${code}: the disk refused`) as string }]);
    expect(report.write_errors?.[0]?.error).toContain('2 passes not stored');
    expect(readdirSync(join(dir, '.fanout/runs/cache/entries'))).toEqual([]); // no entry, no temporary file left
    // Nothing was stored: they run again; once the disk has room, their passes are stored and then replayed.
    failure.code = undefined;
    const second = await run(dir);
    expect(second.write_errors).toBeUndefined();
    expect(ran(dir)).toEqual(['a', 'b', 'c']);
    const third = await run(dir);
    expect(ran(dir)).toEqual(['c']);
    expect(third.checks.filter((check) => check.cached === true).map((check) => check.id)).toEqual(['a', 'b']);
  });
});
