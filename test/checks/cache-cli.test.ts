// The cache of passed checks from the command line (the built CLI): the human line of a hit, --no-cache, the JUnit
// property, the stream's check:end, and `fanout cache info|clean`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../cli/helpers.js';

function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), 'a');
  writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: lint\n    run: echo lint >> ran.log; echo linted\n    inputs: [src/]\n');
  return dir;
}

const ran = (dir: string) => (existsSync(join(dir, 'ran.log')) ? readFileSync(join(dir, 'ran.log'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('fanout check with the cache', () => {
  it('-v says a hit is cached and how long ago; --no-cache runs it; JUnit and --stream mark it', async () => {
    const dir = project();
    expect((await runCli(['check', '-v'], { cwd: dir })).stdout).toMatch(/✓ lint passed \(\d+ms\)/);
    const second = await runCli(['check', '-v', '--junit', 'junit.xml'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^✓ lint passed \(cached \d+s ago\)$/m);
    expect(ran(dir)).toBe(1);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('<property name="cached" value="true"/>');
    const stream = await runCli(['check', '--stream'], { cwd: dir });
    const end = stream.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; check?: { cached?: boolean; output_tail?: string[] } })
      .find((event) => event.type === 'check:end');
    expect(end?.check).toMatchObject({ cached: true, output_tail: ['linted'] });
    const fresh = await runCli(['check', '-v', '--no-cache'], { cwd: dir });
    expect(fresh.stdout).not.toContain('cached');
    expect(ran(dir)).toBe(2);
  });

  it('fanout cache info counts the results; clean deletes them, and the check runs again', async () => {
    const dir = project();
    await runCli(['check'], { cwd: dir });
    const info = await runCli(['--json', 'cache', 'info'], { cwd: dir });
    expect(JSON.parse(info.stdout)).toMatchObject({ entries: 1, max_bytes: 256 * 1024 * 1024 });
    expect((await runCli(['cache', 'info'], { cwd: dir })).stdout).toMatch(/cache: 1 result, \d+ B of 256\.0 MB/);
    const clean = await runCli(['cache', 'clean'], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^removed .*cache$/m);
    expect(JSON.parse((await runCli(['--json', 'cache', 'info'], { cwd: dir })).stdout)).toMatchObject({ entries: 0, bytes: 0 });
    await runCli(['check'], { cwd: dir });
    expect(ran(dir)).toBe(2);
    expect((await runCli(['cache', 'clean', '--log-dir', 'elsewhere'], { cwd: dir })).stdout).toMatch(/^no cache in /);
  });

  it('fanout cache clean refuses a cache folder that is a link, and deletes nothing it points at', async () => {
    const dir = project();
    const target = tempDir();
    writeFileSync(join(target, 'keep'), 'x');
    mkdirSync(join(dir, '.fanout/runs'), { recursive: true });
    symlinkSync(target, join(dir, '.fanout/runs/cache'));
    const clean = await runCli(['cache', 'clean'], { cwd: dir });
    expect(clean.code).toBe(1);
    expect(clean.stderr).toMatch(/^fanout: not deleting .*cache: ENOTDIR/);
    expect(existsSync(join(target, 'keep'))).toBe(true);
  });

  it('a FIFO among the inputs is no hashable file: the run neither waits for a writer nor hangs', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'x.txt'), 'x');
    execFileSync('mkfifo', [join(dir, 'src/pipe')]);
    writeFileSync(
      join(dir, 'fanout.yaml'),
      'checks:\n  - id: a\n    run: "false"\n    inputs: [x.txt]\n  - id: b\n    run: "true"\n    inputs: [src/]\n    requires: [a]\n  - id: c\n    run: "true"\n    inputs: [src/]\n',
    );
    // Opening the FIFO would block the main thread, where no signal handler runs: only SIGKILL ends it then.
    const { child, done } = startCli(['check'], { cwd: dir });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await done;
    clearTimeout(timer);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
  });
});
