// The store of passed results on its own and under real processes: bounded (least recently used first), foreign
// files refused, and runs killed with SIGKILL or running side by side never leave an entry that reads wrong.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheStore, type CacheEntry } from '../../src/checks/cache/store.js';
import { runCli, startCli, tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

const entry = (id: string, tail: string[] = []): CacheEntry => ({
  id,
  status: 'passed',
  exitCode: 0,
  durationMs: 12.5,
  attempts: 1,
  extracted: { n: '1' },
  outputTail: tail,
  outputBytes: 3,
  storedAt: 1_700_000_000_000,
});
const key = (n: number) => n.toString(16).padStart(64, '0');

function store(): CacheStore {
  const s = new CacheStore(tempDir());
  expect(s.problem(true)).toBeUndefined();
  return s;
}

describe('CacheStore', () => {
  it('reads back what it wrote, for that key only', () => {
    const s = store();
    expect(s.write(key(1), entry('a', ['line']))).toBe(true);
    expect(s.read(key(1))).toEqual(entry('a', ['line']));
    expect(s.read(key(2))).toBeUndefined();
    expect(() => s.read('../../etc/passwd')).toThrow(TypeError);
  });

  it('an entry of another user is a miss', () => {
    const s = store();
    s.write(key(1), entry('a'));
    if (process.getuid?.() !== 0) return; // only root can make a file another user's
    chownSync(join(s.folder, 'entries', `${key(1)}.json`), 65534, 65534);
    expect(s.read(key(1))).toBeUndefined();
  });

  it('trims to its bound, the least recently used first, and removes temporary files a dead writer left', () => {
    const s = store();
    const tail = Array.from({ length: 20 }, () => 'x'.repeat(100));
    for (let n = 1; n <= 10; n++) {
      s.write(key(n), entry(`c${n}`, tail));
      utimesSync(join(s.folder, 'entries', `${key(n)}.json`), n * 1000, n * 1000);
    }
    s.read(key(1), 20_000_000); // used now: kept
    const stale = join(s.folder, 'entries', `${key(99)}.json.0123456789abcdef.tmp`);
    writeFileSync(stale, '{"torn');
    utimesSync(stale, 1, 1);
    const size = s.info().bytes / 10;
    expect(s.info().entries).toBe(10);
    s.trim(Math.ceil(size * 5), 20_000_000);
    const left = readdirSync(join(s.folder, 'entries')).sort();
    expect(left.length).toBeLessThanOrEqual(5);
    expect(left).toContain(`${key(1)}.json`);
    expect(left).toContain(`${key(10)}.json`);
    expect(left).not.toContain(`${key(2)}.json`);
    expect(left.some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('info and clean', () => {
    const s = store();
    s.write(key(1), entry('a'));
    expect(s.info()).toMatchObject({ entries: 1 });
    expect(s.clean()).toBe(true);
    expect(s.clean()).toBe(false);
    expect(s.info()).toMatchObject({ entries: 0, bytes: 0, oldest: null });
  });
});

describe('the store under real runs', () => {
  const checks = Array.from({ length: 60 }, (_, i) => `  - id: c${i}\n    run: "true"\n    inputs: [src/]\n`).join('');

  function project(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), `checks:\n${checks}`);
    return dir;
  }

  /** Every entry file of the store reads back whole for its key. */
  function verify(dir: string): number {
    const s = new CacheStore(join(dir, '.fanout/runs'));
    if (!existsSync(join(s.folder, 'entries'))) return 0; // killed before the first store
    const names = readdirSync(join(s.folder, 'entries')).filter((name) => name.endsWith('.json'));
    for (const name of names) {
      expect(() => JSON.parse(readFileSync(join(s.folder, 'entries', name), 'utf8')) as unknown, name).not.toThrow();
      expect(s.read(name.slice(0, 64)), name).toBeDefined();
    }
    return names.length;
  }

  it('runs killed with SIGKILL at any moment leave only whole entries; the next run completes them', async () => {
    const dir = project();
    for (const delay of [150, 300, 450, 600]) {
      const { child, done } = startCli(['check', '-p', '8'], { cwd: dir });
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await done;
      verify(dir);
    }
    const finished = await runCli(['check', '-p', '8', '--json'], { cwd: dir });
    expect(finished.code).toBe(0);
    expect(verify(dir)).toBe(60);
    const again = await runCli(['check', '--json'], { cwd: dir });
    const report = JSON.parse(again.stdout) as { checks: Array<{ cached?: boolean }> };
    expect(report.checks.every((check) => check.cached === true)).toBe(true);
  });

  it('two runs at once share the store without a broken entry', async () => {
    const dir = project();
    // The log folder there before, past the racy margin: created by a run, it would move the root folder (over the
    // checks' `src/`, a name at any depth) while the other run's checks run, and their passes would not be stored.
    mkdirSync(join(dir, '.fanout', 'runs'), { recursive: true });
    await settled(join(dir, '.fanout'));
    await settled(dir);
    const [a, b] = await Promise.all([runCli(['check', '-p', '4'], { cwd: dir }), runCli(['check', '-p', '4'], { cwd: dir })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(verify(dir)).toBe(60);
  });
});
