// The cache of one run driven step by step as a run drives it (keys, look-ups, command starts, stores), with real
// files and real git: the order of the steps is the test's, not the scheduler's.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunCache } from '../../src/checks/cache/run-cache.js';
import { statFileName } from '../../src/checks/cache/inputs.js';
import type { CheckRecord } from '../../src/checks/record.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import { tempDir } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

/** A committed git repository of `files` (the log folder ignored). */
function repository(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries({ ...files, '.gitignore': 'logs/\n' })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'files');
  return dir;
}

/** A check as the config resolves it: the fields its key reads. */
function check(id: string, inputs: string[], requires: string[] = []): ResolvedCheck {
  return { id, run: `run ${id}`, env: {}, cwd: '.', grok: [], severity: 'error', retries: 0, inputs, requires, envInputs: [] } as unknown as ResolvedCheck;
}

/** The record of a check that passed. */
function passed(of: ResolvedCheck): CheckRecord {
  return { check: of, status: 'passed', exitCode: 0, durationMs: 1, attempts: 1, extracted: {}, outputTail: [], outputBytes: 0, endedAt: Date.now() } as unknown as CheckRecord;
}

function runCache(dir: string, checks: readonly ResolvedCheck[]): RunCache {
  const cache = new RunCache({ logDir: join(dir, 'logs'), dir, version: 'test', read: true, env: {}, checks });
  expect(cache.problem()).toBeUndefined();
  return cache;
}

/** One run's turn of `of` as the engine takes it: its key, the look-up, and, on a miss, a command that passes. */
async function turn(cache: RunCache, of: ResolvedCheck, edit?: () => void): Promise<'hit' | 'ran'> {
  const ticket = await cache.ticket(of, null);
  const entry = ticket === undefined ? undefined : cache.lookup(of, ticket);
  if (entry !== undefined) {
    cache.done(passed(of), ticket, null);
    return 'hit';
  }
  // As the engine does: no command before git's rule files are taken beside the listing.
  await cache.beforeCommand();
  cache.starting();
  edit?.();
  cache.ended();
  const record = passed(of);
  cache.done(record, ticket, null);
  if (ticket !== undefined) await cache.save(record, ticket);
  return 'ran';
}

describe('the cache of one run', () => {
  it('a check without requirements whose inputs were taken after a command started takes them again when another started before its turn', async () => {
    const dir = repository({ 'y/payload': 'good\n', 'z/z.ts': 'good\n' });
    await settled(join(dir, 'z/z.ts'));
    const x = check('x', []);
    const y = check('y', ['y/**']);
    const z = check('z', ['z/**']);
    // x (no inputs) starts first: the inputs of y and z are taken together after it started, when y's key is asked.
    const run = async (edit?: () => void): Promise<string[]> => {
      const cache = runCache(dir, [x, y, z]);
      await cache.beforeCommand();
      cache.starting();
      const turns = [await turn(cache, y, edit), await turn(cache, z)];
      cache.finish();
      return turns;
    };
    expect(await run()).toEqual(['ran', 'ran']);
    expect(await run()).toEqual(['hit', 'hit']);
    writeFileSync(join(dir, 'y/payload'), 'other\n');
    // y runs and writes z's file, which git vouched for when the run listed it: z's stored pass is for other content.
    expect(await run(() => writeFileSync(join(dir, 'z/z.ts'), 'BAD\n'))).toEqual(['ran', 'ran']);
  });

  it('a requirement with inputs whose key could not be made gives its dependents a key that never repeats', async () => {
    const dir = repository({ 'src/v': 'good\n', 'src/pipe': 'a file', 't/t.ts': 'test\n' });
    // Tracked as a file, now a FIFO: no hashable input, so the requirement's key cannot be made.
    rmSync(join(dir, 'src/pipe'));
    execFileSync('mkfifo', [join(dir, 'src/pipe')]);
    await settled(join(dir, 't/t.ts'));
    const build = check('build', ['src/**']);
    const test = check('test', ['t/**'], ['build']);
    const run = async (): Promise<string[]> => {
      const cache = runCache(dir, [build, test]);
      const turns = [await turn(cache, build), await turn(cache, test)];
      cache.finish();
      return turns;
    };
    expect(await run()).toEqual(['ran', 'ran']);
    // src/v may have changed: what build made of it (what test reads) is not known to be what test passed for.
    writeFileSync(join(dir, 'src/v'), 'BAD\n');
    expect(await run()).toEqual(['ran', 'ran']);
    expect(await run()).toEqual(['ran', 'ran']);
  });

  it('a check keyed after a command started sees the files created in its folders since the run listed them', async () => {
    const dir = repository({ 'template/gen.ts': 'good\n', 'src/keep.ts': 'keep\n' });
    await settled(join(dir, 'src/keep.ts'));
    const gen = check('gen', []);
    const lint = check('lint', ['src/**'], ['gen']);
    const other = check('other', ['template/**']);
    // gen (no inputs: it always runs) makes src/gen.ts, untracked and absent when the run lists the files (the key of
    // other, without requirements, is asked for first: it waits for the listing).
    const run = async (): Promise<string> => {
      rmSync(join(dir, 'src/gen.ts'), { force: true });
      const cache = runCache(dir, [gen, lint, other]);
      await turn(cache, other);
      await cache.beforeCommand();
      cache.starting();
      copyFileSync(join(dir, 'template/gen.ts'), join(dir, 'src/gen.ts'));
      cache.ended();
      cache.done(passed(gen), undefined, null);
      const turn1 = await turn(cache, lint);
      cache.finish();
      return turn1;
    };
    expect(await run()).toBe('ran');
    expect(await run()).toBe('hit'); // the same file made again
    writeFileSync(join(dir, 'template/gen.ts'), 'BAD\n');
    expect(await run()).toBe('ran');
  });
  it('a check keyed while an independent command runs is not stored when that command creates a file its inputs match', async () => {
    const dir = repository({ 'src/a.ts': 'ok\n' });
    await settled(join(dir, 'src/a.ts'));
    const a = check('a', []);
    const b = check('b', ['src/**']);
    // a (no inputs) starts first and is still running when b is keyed; it may create src/new.ts while b runs.
    const run = async (create: boolean): Promise<'hit' | 'ran'> => {
      rmSync(join(dir, 'src/new.ts'), { force: true });
      // Past the racy margin: src/ moving just before b's key, as a runs, would keep b's pass from being stored.
      await settled(join(dir, 'src'));
      const cache = runCache(dir, [a, b]);
      await cache.beforeCommand();
      cache.starting();
      const turned = await turn(cache, b, create ? () => writeFileSync(join(dir, 'src/new.ts'), 'made\n') : undefined);
      cache.ended();
      await cache.settled();
      cache.finish();
      return turned;
    };
    expect(await run(true)).toBe('ran');
    // b may have read src/new.ts: its pass is no result for src/ without it.
    expect(await run(false)).toBe('ran');
    expect(await run(false)).toBe('hit');
  });
  it('drops what it remembered of the inputs of glob lists no check of the config uses when it writes the stat cache', async () => {
    const dir = repository({ 'x/x.ts': 'x\n', 'y/y.ts': 'y\n' });
    await settled(join(dir, 'y/y.ts'));
    const x = check('x', ['x/**']);
    const y = check('y', ['y/**']);
    const remembered = (): string[] => {
      const text = readFileSync(join(dir, 'logs', 'cache', statFileName(dir)), 'utf8');
      return ((JSON.parse(text) as { remembered?: Array<[string]> }).remembered ?? []).map(([key]) => key).sort();
    };
    const run = async (config: ResolvedCheck[], selected: ResolvedCheck[]): Promise<string[]> => {
      const cache = new RunCache({ logDir: join(dir, 'logs'), dir, version: 'test', read: true, env: {}, checks: selected, configChecks: config });
      expect(cache.problem()).toBeUndefined();
      const turns: string[] = [];
      for (const of of selected) turns.push(await turn(cache, of));
      cache.finish();
      return turns;
    };
    expect(await run([x, y], [x, y])).toEqual(['ran', 'ran']);
    expect(remembered()).toEqual(['["x/**"]', '["y/**"]']);
    // A run of x alone keeps what y's inputs came to: y is still in the config.
    expect(await run([x, y], [x])).toEqual(['hit']);
    expect(remembered()).toEqual(['["x/**"]', '["y/**"]']);
    // y removed from the config: its record goes, though nothing else changed.
    expect(await run([x], [x])).toEqual(['hit']);
    expect(remembered()).toEqual(['["x/**"]']);
  });
});
