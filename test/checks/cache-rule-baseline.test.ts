// Which file each of git's rule files is, taken beside the run's first listing (the baseline later looks compare
// with), must be taken before any command of the run starts: a command that switches a folder link on the way to the
// excludes file between git's read for the listing and that look would make the baseline name the new file (with
// old times), and a later check's pass would be replayed stale. A hit starts no command and does not wait for it. The
// git here is a stand-in on PATH that holds `git config --show-origin` (the ask of the rule files) until a gate file
// exists (see stand-in-git.ts): every ordering below is made by gates, none by time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputTree } from '../../src/checks/cache/inputs.js';
import { RunCache } from '../../src/checks/cache/run-cache.js';
import { runChecks, type CheckRun, type RunEvent, type RunReport } from '../../src/checks/index.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import { tempDir } from '../cli/helpers.js';
import { deferred } from '../helpers/deferred.js';
import { settled } from '../helpers/settled.js';
import { checkProject, committedRepo } from './git-repo.js';
import { ended, gatedGit, killLeftovers, markedGit, sleepingGit } from './stand-in-git.js';

const path = process.env.PATH;

afterEach(() => {
  process.env.PATH = path;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  killLeftovers();
});

/** A home folder of the test's own: the user's git configuration stays out. */
function ownHome(): void {
  const home = tempDir();
  vi.stubEnv('HOME', home);
  vi.stubEnv('XDG_CONFIG_HOME', join(home, '.config'));
}

/**
 * The files of a stand-in git held at `config --show-origin`: its mark, its gate, and the mark of a listing done (see
 * gatedGit; with `listAfterHeld`, the listing waits for the held call).
 */
function held(listAfterHeld = false): { mark: string; gate: string; listed: string; bin: string } {
  const folder = tempDir();
  const files = { mark: join(folder, 'config-held'), gate: join(folder, 'gate'), listed: join(folder, 'listed') };
  return { ...files, bin: gatedGit('--show-origin', files.mark, files.gate, files.listed, listAfterHeld) };
}

/** Runs the checks of `dir` in this process, `-p 2`, logs in `dir/logs`. */
/** An excludes file `ignore` in each of `folders` (below `root`, made as needed) holding its text. */
function ignoreFiles(root: string, folders: Record<string, string>): void {
  for (const [folder, text] of Object.entries(folders)) {
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, 'ignore'), text);
  }
}

function run(dir: string): CheckRun {
  return runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs'), parallel: 2 });
}

/** The events of `checks` as they come: the first one `found` holds for (waiting for it), and all so far. */
function events(checks: CheckRun): { all: RunEvent[]; until: (found: (event: RunEvent) => boolean) => Promise<RunEvent> } {
  const iterator = checks[Symbol.asyncIterator]();
  const all: RunEvent[] = [];
  const until = async (found: (event: RunEvent) => boolean): Promise<RunEvent> => {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) throw new Error(`the run ended first: ${JSON.stringify(all.map((event) => [event.type, 'id' in event ? event.id : '']))}`);
      all.push(next.value);
      if (found(next.value)) return next.value;
    }
  };
  return { all, until };
}

/**
 * Whether `promise` settled within `ms`: a bound for what the held git must not hold back (without it, it would be
 * held until the test's timeout). It only turns that failure into an assertion; a pass never waits for it.
 */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((done) => (timer = setTimeout(() => done(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a wait the held git must not hold back is given before it counts as held back: only a failure waits it out. */
const HELD_BACK_MS = 20_000;

const statusOf = (report: RunReport, id: string): [string, unknown] => {
  const check = report.checks.find((entry) => entry.id === id);
  return [check?.status ?? 'absent', check?.cached !== undefined];
};

describe.skipIf(process.platform !== 'linux')('cache: git\'s rule files taken beside the listing, before any command', () => {
  it('a command that switches the folder link on the way to the excludes file waits for them: the dependent check is not replayed stale', async () => {
    ownHome();
    // The excludes file `rules/ignore` leads through the folder link `rules/dots` to store/v1/ignore, which ignores
    // src/gen/x.txt; store/v2/ignore ignores nothing.
    const rules = tempDir();
    ignoreFiles(rules, { 'store/v1': 'src/gen/x.txt\n', 'store/v2': '# nothing\n' });
    symlinkSync('store/v1', join(rules, 'dots'));
    symlinkSync('dots/ignore', join(rules, 'ignore'));
    const { mark, gate, listed, bin } = held();
    const flags = tempDir();
    const go = join(flags, 'go');
    const started = join(flags, 'started');
    // c (no inputs: never cached) switches the link only while `go` exists, once the listing is done (so that git's
    // listing read the excludes file before it); h is a hit of its own; d reads x.txt.
    const switchLink = `if [ -e ${go} ]; then : > ${started}; while [ ! -e ${listed} ]; do sleep 0.01; done; ln -sfn store/v2 ${join(rules, 'next')} && mv -T ${join(rules, 'next')} ${join(rules, 'dots')}; fi`;
    const dir = checkProject(
      [
        '  - id: h',
        '    inputs: ["h/**"]',
        '    run: "true"',
        '  - id: c',
        `    run: ${JSON.stringify(switchLink)}`,
        '  - id: d',
        '    requires: [c]',
        '    inputs: ["src/gen/**"]',
        '    run: "grep -q ok src/gen/x.txt"',
      ],
      { 'src/gen/a.txt': 'a\n', 'h/h.txt': 'h\n' },
    );
    execFileSync('git', ['config', 'core.excludesFile', join(rules, 'ignore')], { cwd: dir });
    writeFileSync(join(dir, 'src/gen/x.txt'), 'ok\n');
    // Two runs with x.txt ignored and no switch: h and d are stored (d's key without x.txt).
    for (let primed = 0; primed < 2; primed++) {
      const report = await run(dir).report;
      expect([statusOf(report, 'h')[0], statusOf(report, 'd')[0]]).toEqual(['passed', 'passed']);
    }
    // The rule files, and the links on the way, past the racy margin: only which file each is tells the switch.
    await settled(join(rules, 'ignore'));
    writeFileSync(join(dir, 'src/gen/x.txt'), 'bad\n');
    writeFileSync(go, '');
    process.env.PATH = `${bin}:${path ?? ''}`;
    const checks = run(dir);
    const seen = events(checks);
    // The rule files are asked, and held.
    await sleepingGit(mark);
    // h is replayed while they are held (a hit waits for nothing); c must not start before they are taken.
    const first = await seen.until((event) => (event.type === 'check:end' && event.id === 'h') || (event.type === 'check:start' && event.id === 'c'));
    expect(first).toMatchObject({ type: 'check:end', id: 'h' });
    expect(seen.all.some((event) => event.type === 'check:start' && event.id === 'c')).toBe(false);
    expect(existsSync(started)).toBe(false);
    writeFileSync(gate, '');
    const cached = await checks.report;
    expect(existsSync(started)).toBe(true);
    expect(statusOf(cached, 'h')).toEqual(['passed', true]);
    // Without the cache: d fails (x.txt is listed, and bad). The cached run agrees.
    process.env.PATH = path;
    const fresh = await runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs'), parallel: 2, cache: false }).report;
    expect(statusOf(fresh, 'd')).toEqual(['failed', false]);
    expect(statusOf(cached, 'd')).toEqual(['failed', false]);
  }, 120_000);

  it('a rerun where every check is a hit ends while the rule files are still held', async () => {
    ownHome();
    const dir = checkProject(
      Array.from({ length: 4 }, (_, at) => [`  - id: c${at}`, `    inputs: ["s${at}/**"]`, '    run: "true"']).flat(),
      Object.fromEntries(Array.from({ length: 4 }, (_, at) => [`s${at}/f.txt`, `${at}\n`])),
    );
    for (let primed = 0; primed < 2; primed++) expect((await run(dir).report).exit_code).toBe(0);
    // git config is held, its gate never opened; the listing (and so every hit) waits until it is held.
    const { mark, gate, bin } = held(true);
    process.env.PATH = `${bin}:${path ?? ''}`;
    const report = run(dir).report;
    report.catch(() => undefined);
    const reported = await settlesWithin(report, HELD_BACK_MS);
    // Before, each hit waited for it: the run could not end while it was held.
    if (!reported) writeFileSync(gate, '');
    expect(reported).toBe(true);
    // It was asked before the run reported, and could not have answered: its gate never opened.
    expect(existsSync(gate)).toBe(false);
    expect(existsSync(mark)).toBe(true);
    expect((await report).checks.map((check) => [check.id, check.status, check.cached !== undefined])).toEqual(Array.from({ length: 4 }, (_, at) => [`c${at}`, 'passed', true]));
    // The run stopped it as it ended (nothing of the run outlives it).
    expect(await ended(markedGit(mark))).toBe(true);
  }, 120_000);

  it('a run stopped while a command waits for them: the command never starts, the held git is stopped', async () => {
    ownHome();
    const flags = tempDir();
    const started = join(flags, 'started');
    const dir = checkProject(['  - id: h', '    inputs: ["h/**"]', '    run: "true"', '  - id: c', `    run: ${JSON.stringify(`: > ${started}`)}`], { 'h/h.txt': 'h\n' });
    const { mark, gate, bin } = held();
    process.env.PATH = `${bin}:${path ?? ''}`;
    // Both commands wait for them (h too: no hit yet): known once both asked, under the run's signal, with the
    // listeners that signal held just before and just after each ask.
    const bothWait = deferred<AbortSignal>();
    const asked: Array<{ signal: AbortSignal | undefined; listeners: [number, number] }> = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the cache it was asked of
    const beforeCommand = RunCache.prototype.beforeCommand;
    vi.spyOn(RunCache.prototype, 'beforeCommand').mockImplementation(function (this: RunCache, signal?: AbortSignal) {
      const count = (): number => (signal === undefined ? 0 : getEventListeners(signal, 'abort').length);
      const before = count();
      const waiting = beforeCommand.call(this, signal);
      asked.push({ signal, listeners: [before, count()] });
      if (asked.length === 2 && signal !== undefined) bothWait.resolve(signal);
      return waiting;
    });
    const controller = new AbortController();
    const checks = runChecks({ config: 'fanout.yaml', cwd: dir, logDir: join(dir, 'logs'), parallel: 2, signal: controller.signal });
    const seen = events(checks);
    const stand = await sleepingGit(mark);
    // Held, and both wait, neither started (before, c's command started at once).
    const commandStarted = seen.until((event) => event.type === 'check:start');
    // Once the run ended (none started): its events are still gathered in seen.all.
    commandStarted.catch(() => undefined);
    const first = await Promise.race([bothWait.promise, commandStarted]);
    expect(first).toBeInstanceOf(AbortSignal);
    expect(existsSync(started)).toBe(false);
    const signal = first as AbortSignal;
    // One signal for both (the run's, no fail-fast): the first wait adds one listener to it, the second none.
    expect(asked.map((ask) => ask.signal)).toEqual([signal, signal]);
    expect(asked.map(({ listeners: [before, after] }) => after - before)).toEqual([1, 0]);
    expect(existsSync(gate)).toBe(false);
    controller.abort({ kind: 'signal', signal: 'SIGINT' });
    const report = await checks.report;
    expect(report.interrupted).toBe('SIGINT');
    expect(existsSync(started)).toBe(false);
    expect([statusOf(report, 'h')[0], statusOf(report, 'c')[0]]).toEqual(['skipped', 'skipped']);
    expect(seen.all.some((event) => event.type === 'check:start')).toBe(false);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await ended(stand)).toBe(true);
  }, 120_000);
});

describe('git\'s rule files taken beside the listing, in one tree', () => {
  /** A tree of a committed repository whose rule files' ask is held (see {@link held}), started. */
  async function heldTree(): Promise<{ tree: InputTree; gate: string; dir: string }> {
    const dir = committedRepo({ 'src/a.txt': 'a\n' });
    const { mark, gate, bin } = held();
    process.env.PATH = `${bin}:${path ?? ''}`;
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    void tree.start();
    await sleepingGit(mark);
    return { tree, gate, dir };
  }

  it.skipIf(process.platform !== 'linux')('waits for them, not for the listing; one listener a signal however many wait, removed on abort and once taken', async () => {
    const { tree, gate } = await heldTree();
    // The listing is not held: it ends while the rule files are (before, it waited for them).
    const files = tree.files();
    files.catch(() => undefined);
    const listed = await settlesWithin(files, HELD_BACK_MS);
    if (!listed) writeFileSync(gate, '');
    expect(listed).toBe(true);
    expect(existsSync(gate)).toBe(false);
    expect(await files).toEqual(['.gitignore', 'src/a.txt']);
    const first = new AbortController();
    const waits = Array.from({ length: 12 }, () => tree.rulesTaken(first.signal).then(() => 'taken', (error: unknown) => error));
    expect(getEventListeners(first.signal, 'abort')).toHaveLength(1);
    const reason = new Error('stopped');
    first.abort(reason);
    expect(await Promise.all(waits)).toEqual(Array.from({ length: 12 }, () => reason));
    expect(getEventListeners(first.signal, 'abort')).toHaveLength(0);
    // Under an aborted signal: at once.
    await expect(tree.rulesTaken(first.signal)).rejects.toBe(reason);
    // Under a live signal: released once they are taken, the listener gone.
    const second = new AbortController();
    let taken = false;
    const wait = tree.rulesTaken(second.signal).then(() => (taken = true));
    const bare = tree.rulesTaken();
    await Promise.resolve();
    expect(taken).toBe(false);
    writeFileSync(gate, '');
    await Promise.all([wait, bare]);
    expect(taken).toBe(true);
    expect(getEventListeners(second.signal, 'abort')).toHaveLength(0);
    // Taken: at once, whatever the signal.
    await tree.rulesTaken(second.signal);
  }, 60_000);

  it('resolves at once without a listing, and once an ask that failed or was stopped settled', async () => {
    const dir = committedRepo({ 'src/a.txt': 'a\n' });
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    await tree.rulesTaken(new AbortController().signal);
    vi.spyOn(tree as unknown as { askRuleFiles: () => Promise<unknown> }, 'askRuleFiles').mockResolvedValueOnce(undefined);
    void tree.start();
    await tree.rulesTaken();
    // Stopped before git was asked: the run is over, nothing waits.
    const other = new InputTree(dir, join(dir, 'logs'), undefined);
    const stopped = new AbortController();
    stopped.abort(new Error('over'));
    await expect(other.start(stopped.signal)).rejects.toThrow('over');
    await other.rulesTaken();
  });

  it('RunCache.beforeCommand: at once without a listing started (no store opened)', async () => {
    const dir = committedRepo({ 'src/a.txt': 'a\n' });
    const check = { id: 'a', run: 'a', env: {}, cwd: '.', grok: [], severity: 'error', retries: 0, inputs: ['src/**'], requires: [], envInputs: [] } as unknown as ResolvedCheck;
    const cache = new RunCache({ logDir: join(dir, 'logs'), dir, version: 'test', read: true, env: {}, checks: [check] });
    await cache.beforeCommand(new AbortController().signal);
  });

  it.skipIf(process.platform !== 'linux')('taken once a command started after all (it did not wait): they count as switched then, and the switch is seen', async () => {
    ownHome();
    // The excludes file outside/cur/ignore ignores src/gen/x.txt; outside/v2/ignore ignores nothing.
    const outside = tempDir();
    ignoreFiles(outside, { cur: 'src/gen/x.txt\n', v2: '# nothing\n' });
    const dir = committedRepo({ 'src/gen/a.txt': 'a\n' });
    execFileSync('git', ['config', 'core.excludesFile', join(outside, 'cur/ignore')], { cwd: dir });
    writeFileSync(join(dir, 'src/gen/x.txt'), 'x\n');
    writeFileSync(join(outside, 'last'), '');
    await settled(join(outside, 'last'));
    await settled(join(dir, '.git/config'));
    const { mark, gate, bin } = held();
    process.env.PATH = `${bin}:${path ?? ''}`;
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    void tree.start();
    await sleepingGit(mark);
    // A command starts without waiting, and renames the folder of the excludes file away, another in its place,
    // before the rule files are looked at.
    tree.disturbed();
    renameSync(join(outside, 'cur'), join(outside, 'old'));
    renameSync(join(outside, 'v2'), join(outside, 'cur'));
    writeFileSync(gate, '');
    process.env.PATH = path;
    expect(execFileSync('git', ['ls-files', '--others', '--exclude-standard', 'src/gen'], { cwd: dir, encoding: 'utf8' })).toBe('src/gen/x.txt\n');
    // The look waits for the rule files' ask: what it took counts as another file since the listing.
    expect(await tree.created(['src/gen/**'])).toEqual(['src/gen/x.txt']);
  }, 60_000);
});
