// What fanout deletes and writes in a log dir that others may have planted things in: pruning deletes only run folders
// it made for this user, never through a link; the config cache refuses a folder others can write to, and writes its
// entries under random names, never through a link.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configCacheFile, configCacheKey, CONFIG_CACHE_DIR, readCachedConfig, writeCachedConfig } from '../../src/checks/state/config-cache.js';
import { createRunLogs } from '../../src/checks/state/logs.js';
import { createRunFolder, runFolderProblem } from '../../src/checks/state/run-folder.js';
import { loadForCommand } from '../../src/cli/load-config.js';
import { processStartTime } from '../../src/exec/processes.js';
import { listRuns, pruneRuns, reapDeadRuns } from '../../src/checks/state/runs.js';
import { createDirectoryWorkspace } from '../../src/pipeline/workspace.js';
import { waitFor } from '../exec/proc.js';
import { isAlive, runCli, startCli, tempDir, type CliResult } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** A run folder as fanout makes it (0700, with its marker), holding an ended journal and `files`. */
function run(logDir: string, id: string, files: string[] = ['a.log']): string {
  const dir = join(logDir, id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, '.fanout-run'), '');
  writeFileSync(join(dir, 'journal.ndjson'), `${JSON.stringify({ t: 'run:start', time: 1 })}\n${JSON.stringify({ t: 'run:end', time: 2, exit_code: 0, interrupted: null })}\n`);
  for (const file of files) writeFileSync(join(dir, file), 'x');
  return dir;
}

/** A folder outside the log dir with files someone cares about. */
function precious(): { dir: string; files: string[] } {
  const dir = tempDir();
  const files = ['keep-1.txt', 'keep-2.txt'];
  for (const file of files) writeFileSync(join(dir, file), 'precious');
  return { dir, files };
}

const OLD = ['20261124T000000Z-aaaaaa', '20261124T000001Z-bbbbbb', '20261124T000002Z-cccccc'];
const NEW = '20261124T000009Z-ffffff';

describe('pruning run folders', () => {
  it('prunes fanout\'s own run folders', async () => {
    const logDir = join(tempDir(), 'runs');
    for (const id of [...OLD, NEW]) run(logDir, id);
    expect(await pruneRuns(logDir, 1)).toEqual(OLD);
    expect(listRuns(logDir)).toEqual([NEW]);
  });

  it('never follows an entry named like a run that is a link to a folder: the files there survive', async () => {
    const logDir = join(tempDir(), 'runs');
    const target = precious();
    run(logDir, OLD[1] as string);
    symlinkSync(target.dir, join(logDir, OLD[0] as string));
    run(logDir, NEW);
    expect(await pruneRuns(logDir, 1)).toEqual([OLD[1]]);
    expect(readdirSync(target.dir).sort()).toEqual(target.files);
    expect(lstatSync(join(logDir, OLD[0] as string)).isSymbolicLink()).toBe(true); // not fanout's to delete either
  });

  it('leaves alone a folder named like a run that fanout did not make (no marker)', async () => {
    const logDir = join(tempDir(), 'runs');
    const stranger = run(logDir, OLD[0] as string);
    rmSync(join(stranger, '.fanout-run')); // a folder made by something else
    run(logDir, NEW);
    expect(await pruneRuns(logDir, 1)).toEqual([]);
    expect(readdirSync(stranger).sort()).toEqual(['a.log', 'journal.ndjson']);
  });

  it('leaves alone a folder that others may write to, even with a marker', async () => {
    const logDir = join(tempDir(), 'runs');
    const open = run(logDir, OLD[0] as string);
    chmodSync(open, 0o777);
    run(logDir, NEW);
    expect(await pruneRuns(logDir, 1)).toEqual([]);
    expect(existsSync(join(open, 'a.log'))).toBe(true);
  });

  it.skipIf(!isRoot)(`leaves alone another user's run folder${isRoot ? '' : ' (skipped: chown needs root)'}`, async () => {
    const logDir = join(tempDir(), 'runs');
    const foreign = run(logDir, OLD[0] as string);
    chownSync(foreign, NOBODY, NOBODY);
    run(logDir, NEW);
    expect(await pruneRuns(logDir, 1)).toEqual([]);
    expect(readdirSync(foreign).sort()).toEqual(['.fanout-run', 'a.log', 'journal.ndjson']);
  });

  it('inside a run folder: removes a link as a link, and stops at a folder of another user', async () => {
    const logDir = join(tempDir(), 'runs');
    const target = precious();
    const withLink = run(logDir, OLD[0] as string);
    symlinkSync(target.dir, join(withLink, 'linked'));
    symlinkSync(join(target.dir, 'keep-1.txt'), join(withLink, 'linked-file'));
    const withForeign = run(logDir, OLD[1] as string);
    mkdirSync(join(withForeign, 'inner'));
    writeFileSync(join(withForeign, 'inner', 'f'), 'x');
    if (isRoot) chownSync(join(withForeign, 'inner'), NOBODY, NOBODY);
    run(logDir, NEW);
    expect(await pruneRuns(logDir, 1)).toEqual(isRoot ? [OLD[0]] : [OLD[0], OLD[1]]);
    expect(readdirSync(target.dir).sort()).toEqual(target.files);
    expect(readFileSync(join(target.dir, 'keep-1.txt'), 'utf8')).toBe('precious');
    if (isRoot) expect(existsSync(join(withForeign, 'inner', 'f'))).toBe(true);
    // A removal cut short leaves the folder marked as fanout's (its marker goes last), so a later pruning may finish it.
    if (isRoot) expect(runFolderProblem(withForeign)).toBeUndefined();
  });

  it('a new run never writes into a folder or link planted under its name', async () => {
    const logDir = join(tempDir(), 'runs');
    const target = precious();
    mkdirSync(logDir);
    symlinkSync(target.dir, join(logDir, NEW));
    await expect(createRunLogs(logDir, NEW)).rejects.toThrow(/EEXIST/);
    expect(readdirSync(target.dir).sort()).toEqual(target.files);
  });
});

const CONFIG = `version: "1"
checks:
  - id: build
    run: echo building
`;

function project() {
  const dir = tempDir();
  const file = join(dir, 'fanout.yaml');
  writeFileSync(file, CONFIG);
  const logDir = join(dir, 'logs');
  return { dir, file, logDir, key: configCacheKey(file, CONFIG, { strict: false, version: '1.0.0' }) };
}

describe('config cache files', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never writes through a link planted at a temporary name of its entry (the pid-named one included)', async () => {
    const { file, logDir, key, dir } = project();
    mkdirSync(join(logDir, CONFIG_CACHE_DIR), { recursive: true, mode: 0o700 });
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious');
    const target = configCacheFile(logDir, file);
    symlinkSync(victim, `${target}.${process.pid}.tmp`);
    const config = await loadForCommand({ cwd: dir });
    writeCachedConfig(logDir, file, key, config);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect((await readCachedConfig(logDir, file, key))?.checks.map((check) => check.id)).toEqual(['build']);
    // No temporary file of its own is left behind.
    expect(readdirSync(join(logDir, CONFIG_CACHE_DIR)).filter((name) => name.endsWith('.tmp') && !lstatSync(join(logDir, CONFIG_CACHE_DIR, name)).isSymbolicLink())).toEqual([]);
  });

  it('never reads an entry through a link', async () => {
    const { file, logDir, key, dir } = project();
    const config = await loadForCommand({ cwd: dir });
    writeCachedConfig(logDir, file, key, config);
    const target = configCacheFile(logDir, file);
    const elsewhere = join(tempDir(), 'entry.json');
    writeFileSync(elsewhere, readFileSync(target));
    rmSync(target);
    symlinkSync(elsewhere, target);
    expect(await readCachedConfig(logDir, file, key)).toBeUndefined();
  });

  const refusals: Array<[string, (folder: string) => void, boolean]> = [
    ['group-writable', (folder) => chmodSync(folder, 0o770), false],
    ['world-writable', (folder) => chmodSync(folder, 0o707), false],
    ["another user's", (folder) => chownSync(folder, NOBODY, NOBODY), !isRoot],
  ];
  for (const [what, spoil, skip] of refusals) {
    it.skipIf(skip)(`skips a ${what} cache folder (no read, no write) with one warning${skip ? ' (skipped: chown needs root)' : ''}`, async () => {
      const { file, logDir, key, dir } = project();
      const cache = { logDir, version: '1.0.0' };
      await loadForCommand({ cwd: dir, cache });
      const folder = join(logDir, CONFIG_CACHE_DIR);
      expect(await readCachedConfig(logDir, file, key)).toBeDefined();
      spoil(folder);
      const warnings: string[] = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        warnings.push(String(chunk));
        return true;
      });
      const entry = configCacheFile(logDir, file);
      const before = readFileSync(entry, 'utf8');
      writeFileSync(file, `${CONFIG}  - id: lint\n    run: "true"\n`); // a new text: a write is due
      const loaded = await loadForCommand({ cwd: dir, cache });
      expect(loaded.checks.map((check) => check.id)).toEqual(['build', 'lint']);
      expect(await readCachedConfig(logDir, file, key)).toBeUndefined();
      expect(readFileSync(entry, 'utf8')).toBe(before); // not rewritten
      expect(warnings.filter((text) => /config cache/.test(text))).toHaveLength(1);
      expect(warnings.join('')).toMatch(/fanout: warning: not using the config cache .*\.config-cache: /);
    });
  }

  it('skips a cache folder that is a link to a folder', async () => {
    const { file, logDir, key, dir } = project();
    const elsewhere = tempDir();
    mkdirSync(logDir);
    symlinkSync(elsewhere, join(logDir, CONFIG_CACHE_DIR));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await loadForCommand({ cwd: dir, cache: { logDir, version: '1.0.0' } });
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(await readCachedConfig(logDir, file, key)).toBeUndefined();
  });
});

describe('other files fanout writes', () => {
  it('the directory workspace never writes a task through a link planted at a temporary name', async () => {
    const dir = tempDir();
    const tasks = join(dir, 'run-1', 'tasks');
    mkdirSync(tasks, { recursive: true });
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious');
    for (let counter = 0; counter < 3; counter++) symlinkSync(victim, join(tasks, `t.json.${process.pid}.${counter}.tmp`));
    const workspace = createDirectoryWorkspace(dir);
    await workspace.writeTask({ id: 't' }, { runId: 'run-1', step: 's', stepIndex: 0 });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(JSON.parse(readFileSync(join(tasks, 't.json'), 'utf8'))).toMatchObject({ runId: 'run-1', task: { id: 't' } });
  });

  it('fanout init never writes through a dangling link at the config\'s name', async () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'created-elsewhere');
    symlinkSync(victim, join(dir, 'fanout.yaml'));
    const result = await runCli(['init'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fanout\.yaml already exists/);
    expect(existsSync(victim)).toBe(false);
  });
});

describe('reaping dead runs', () => {
  it('never signals a process group named by a journal in a folder fanout did not make (a link, no marker)', async () => {
    const logDir = join(tempDir(), 'runs');
    mkdirSync(logDir);
    const victim = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const pgid = victim.pid as number;
      await waitFor(() => processStartTime(pgid) !== null);
      const journal = [
        { t: 'run:start', time: 1, run_id: 'x', pid: 999_999_999, pid_start: null, cwd: logDir, config: 'x', argv: [], background: false, checks: [{ id: 'c', requires: [], async: false, severity: 'error' }] },
        { t: 'check:spawn', time: 2, id: 'c', attempt: 1, pgid, pgid_start: processStartTime(pgid), log_file: null },
      ].map((record) => `${JSON.stringify(record)}\n`).join('');
      const elsewhere = tempDir();
      writeFileSync(join(elsewhere, 'journal.ndjson'), journal);
      symlinkSync(elsewhere, join(logDir, OLD[0] as string));
      const unmarked = join(logDir, OLD[1] as string);
      mkdirSync(unmarked, { mode: 0o700 });
      writeFileSync(join(unmarked, 'journal.ndjson'), journal);
      expect(await reapDeadRuns(logDir, 200)).toEqual({ killed: [], refused: [] });
      expect(isAlive(pgid)).toBe(true);
      expect(readFileSync(join(elsewhere, 'journal.ndjson'), 'utf8')).toBe(journal); // nothing appended through the link
    } finally {
      victim.kill('SIGKILL');
    }
  });
});

describe.runIf(process.platform !== 'win32')('FIFOs planted in a log dir', () => {
  // Opening a FIFO for reading waits for a writer, in open(2), where no signal handler runs: one planted where fanout
  // reads at every start (a journal, report.json, `latest`) must be no file to it, not a hang.
  /** Runs fanout with a SIGKILL after 20 s: it must end by itself, with its normal result. */
  async function endsBySelf(dir: string, args: string[]): Promise<CliResult> {
    const { child, done } = startCli(args, { cwd: dir });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const result = await done;
    clearTimeout(timer);
    expect(result.signal, result.stderr).toBeNull();
    return result;
  }

  /** `fanout check` ends by itself, passes, and leaves a run beside the planted one. */
  async function checkEnds(dir: string, logDir: string): Promise<void> {
    const result = await endsBySelf(dir, ['check', '--config', join(dir, 'fanout.yaml'), '--log-dir', logDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(listRuns(logDir).length).toBeGreaterThanOrEqual(2);
  }

  const fifo = (path: string) => execFileSync('mkfifo', [path]);

  it.each(['fifo', 'link', 'unmarked link'] as const)('a journal that is a %s to a FIFO blocks no start', async (how) => {
    const { dir, logDir } = project();
    const runDir = join(logDir, OLD[0] as string);
    mkdirSync(logDir, { mode: 0o700 });
    if (how === 'unmarked link') mkdirSync(runDir, { recursive: true, mode: 0o700 });
    else createRunFolder(runDir);
    const journal = join(runDir, 'journal.ndjson');
    if (how === 'fifo') fifo(journal);
    else {
      const target = join(tempDir(), 'fifo');
      fifo(target);
      symlinkSync(target, journal);
    }
    await checkEnds(dir, logDir);
  });

  it('nor do a report.json and a `latest` that are FIFOs (no file: the latest run is the newest, and its journal tells how it ended)', async () => {
    const { dir, logDir } = project();
    const ended = run(logDir, OLD[0] as string);
    const start = { t: 'run:start', time: 1, run_id: OLD[0], pid: 1, pid_start: null, boot_id: null, cwd: dir, config: 'x', argv: [], background: false, checks: [] };
    const end = { t: 'run:end', time: 2, exit_code: 0, interrupted: null };
    writeFileSync(join(ended, 'journal.ndjson'), `${JSON.stringify(start)}\n${JSON.stringify(end)}\n`);
    fifo(join(ended, 'report.json'));
    fifo(join(logDir, 'latest'));
    const waited = await endsBySelf(dir, ['wait', '--log-dir', logDir]);
    expect(waited.code, waited.stderr).toBe(0);
    await checkEnds(dir, logDir);
  });
});
