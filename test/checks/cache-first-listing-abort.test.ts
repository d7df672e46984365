// The run's first listing of the inputs (git) takes the run's signal, as every other git a look waits for: a stop
// while it lists kills that git, no listener stays on the signal, and a stopped listing is neither kept nor taken for
// "no git" (the folder walked). The git here is a stand-in on PATH that sleeps in that listing (see stand-in-git.ts).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { runChecks } from '../../src/checks/index.js';
import { tempDir, waitForFiles } from '../cli/helpers.js';
import { checkProject, committedRepo } from './git-repo.js';
import { ended, killLeftovers, sleepingGit, standInGit } from './stand-in-git.js';

const path = process.env.PATH;
/** Where the stand-in writes its pid and start tick (outside every project). */
let mark: string;

beforeEach(() => {
  mark = join(tempDir(), 'git-pid');
  // Only the run's first listing asks for --stage.
  process.env.PATH = `${standInGit('--stage', mark)}:${path ?? ''}`;
});

afterEach(() => {
  process.env.PATH = path;
  killLeftovers();
});

/** The store's entries in a run's log folder `logs`. */
const stored = (logs: string): string[] => {
  const entries = join(logs, 'cache', 'entries');
  return existsSync(entries) ? readdirSync(entries) : [];
};

describe.skipIf(process.platform !== 'linux')('cache: the run\'s first listing stopped by the run\'s signal', () => {
  it('kills its git and rejects with the reason; not kept, not "no git": a look under a live signal lists again', async () => {
    const dir = committedRepo({ 'src/a.txt': 'a\n', 'ignored.txt': 'x\n' }, ['ignored.txt']);
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    const controller = new AbortController();
    // What each ends with, looked at once the stand-in is gone (handled now: they end while that is waited for).
    const listing = tree.start(controller.signal).catch((error: unknown) => error);
    // A look without a signal of its own waits for the same listing.
    const waiting = tree.files().catch((error: unknown) => error);
    const git = await sleepingGit(mark);
    // One listener while git lists, whoever waits for it.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('run stopped');
    controller.abort(reason);
    expect(await ended(git)).toBe(true);
    expect(await listing).toBe(reason);
    expect(await waiting).toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // Nothing is known: not a listing, and not the walk that stands for "no git".
    expect(() => tree.matchNow(['src/**'])).toThrow(/not known yet/);
    expect(tree.recallNow(['src/**'])).toBeUndefined();
    // Asked again under the stopped signal: rejected at once, no git started.
    rmSync(mark);
    await expect(tree.start(controller.signal)).rejects.toBe(reason);
    await expect(tree.created(['src/**'], controller.signal)).rejects.toBe(reason);
    await expect(tree.movedSince(['src/**'], 0, controller.signal)).rejects.toBe(reason);
    expect(existsSync(mark)).toBe(false);
    // Under a live signal, with the real git: listed anew. The ignored file is left out (a walk would list it).
    process.env.PATH = path;
    const live = new AbortController();
    await tree.start(live.signal);
    expect(await tree.files()).toEqual(['.gitignore', 'src/a.txt']);
    expect(tree.matchNow(['src/**'])).toEqual(['src/a.txt']);
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  }, 90_000);

  it('runChecks: aborted during the first listing, the run ends interrupted, its git gone, nothing stored, no listener left', async () => {
    const dir = checkProject(['  - id: a', '    inputs: ["src/**"]', '    run: touch ran.txt'], { 'src/a.txt': 'a\n' });
    const controller = new AbortController();
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs'), signal: controller.signal });
    const git = await sleepingGit(mark);
    controller.abort({ kind: 'signal', signal: 'SIGINT' });
    // Before, the run waited for that git (it sleeps 300 s).
    expect(await ended(git)).toBe(true);
    const report = await run.report;
    expect([report.interrupted, report.exit_code]).toEqual(['SIGINT', 130]);
    // Stopped while its key waited for the listing (cancelled, as a running check), or before the run started its
    // checks (skipped): its command never ran.
    expect(report.checks.map((check) => check.id)).toEqual(['a']);
    expect(['cancelled', 'skipped']).toContain(report.checks[0]?.status);
    // A stop is no failure of the cache: no warning (no "inputs taken late", no check "uncached").
    expect(report.cache_warnings).toBeUndefined();
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    expect(stored(join(dir, 'logs'))).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  }, 90_000);

  it('runChecks: maxTime reached during the first listing stops its git; the run ends past its time', async () => {
    const dir = checkProject(['  - id: a', '    inputs: ["src/**"]', '    run: touch ran.txt'], { 'src/a.txt': 'a\n' });
    // The time only leaves the stand-in room to start on a busy machine: it sleeps far longer.
    const run = runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs'), maxTime: 3000 });
    const git = await sleepingGit(mark);
    expect(await ended(git)).toBe(true);
    const report = await run.report;
    expect([report.max_time_exceeded, report.exit_code]).toEqual([true, 1]);
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([['a', 'cancelled']]);
    expect(report.cache_warnings).toBeUndefined();
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    expect(stored(join(dir, 'logs'))).toEqual([]);
  }, 90_000);
  it('runChecks: a run over before any key needed the listing stops its git (nothing of the run goes on)', async () => {
    // `bad` fails once the listing is under way (the stand-in wrote its mark): `c`, which requires it, is skipped and
    // no key waits for the listing.
    const dir = checkProject(
      ['  - id: bad', `    run: while [ ! -f '${mark}' ]; do sleep 0.05; done; exit 1`, '  - id: c', '    inputs: ["src/**"]', '    requires: [bad]', '    run: touch ran.txt'],
      { 'src/a.txt': 'a\n' },
    );
    const report = await runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs') }).report;
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([
      ['bad', 'failed'],
      ['c', 'skipped'],
    ]);
    // The stand-in wrote its mark before `bad` ended; it may be gone already. Before, the listing went on after the
    // report (the process waited for it, 300 s here).
    const [pid, startTime] = readFileSync(mark, 'utf8').trim().split(' ');
    expect(startTime).toBeDefined();
    expect(await ended({ pid: Number(pid), startTime: startTime as string })).toBe(true);
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
  }, 90_000);

  it('runChecks: a run that fails to prepare leaves no listing behind (stopped, or never started)', async () => {
    const dir = checkProject(['  - id: a', '    inputs: ["src/**"]', '    run: touch ran.txt'], { 'src/a.txt': 'a\n' });
    // A run id handed by a launcher whose folder was never made: the run's log folder cannot be made.
    process.env.FANOUT_RUN_ID = '20260101T000000Z-abc';
    try {
      const failed = await runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs') }).report.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(Error);
      // The listing starts after a wait of at most the racy margin (~51 ms): the failure may come before its git. Either
      // that git is never started (the stop is seen first), or it is stopped; before, it started and slept on.
      const started = await waitForFiles([mark], 3000).then(
        () => true,
        () => false,
      );
      if (started) expect(await ended(await sleepingGit(mark))).toBe(true);
    } finally {
      delete process.env.FANOUT_RUN_ID;
    }
  }, 90_000);
});
