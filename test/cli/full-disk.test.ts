// A log dir that cannot be written (a full file system; a file size limit, which fails every write the same way on any
// POSIX system, root or not): the report still comes out whole in every format, the failed writes are warnings and a
// field of the report, and the exit code is the checks'.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, parseReport, reportErrors, tempDir } from './helpers.js';

const CONFIG = `version: "1"
checks:
  - id: ok
    run: "true"
  - id: bad
    run: exit 3
    suggestion: fix bad
`;

// On the full tmpfs, checks also print: a check's own writes must not fail for want of room in the log dir. (Under the
// file size limit every write to a file fails, the checks' own included, so there the checks print nothing.)
const PRINTING = `version: "1"
checks:
  - id: ok
    run: "true"
  - id: says
    run: echo fine
  - id: bad
    run: "echo reason-for-failure; exit 3"
    suggestion: fix bad
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A project whose log dir is a tmpfs of 64 KiB, filled up; undefined (and why) where mounting is impossible. */
function fullTmpfs(): { dir: string; logDir: string } | string {
  if (process.platform !== 'linux') return 'tmpfs mounts are a Linux feature';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', logDir], { encoding: 'utf8' });
  if (mounted.status !== 0) return `mount -t tmpfs failed here: ${(mounted.stderr || mounted.error?.message || '').trim()}`;
  mounts.push(logDir);
  try {
    writeFileSync(join(logDir, 'filler'), Buffer.alloc(128 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
  writeFileSync(join(dir, 'printing.yaml'), PRINTING);
  return { dir, logDir };
}

const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts) execFileSync('umount', [mount]);
});

/** Runs the CLI with every write of more than 0 bytes to a regular file failing (EFBIG), where `full` is false. */
function runWith(mode: 'tmpfs' | 'limit', dir: string, args: string[]): Result {
  const command = mode === 'limit' ? ['/bin/sh', '-c', `trap '' XFSZ; ulimit -f 0; exec "$@"`, 'sh', process.execPath, cli, ...args] : [process.execPath, cli, ...args];
  const result = spawnSync(command[0] as string, command.slice(1), { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmpfs = fullTmpfs();
const cases = [
  { mode: 'limit' as const, skip: undefined, setup: () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
    return { dir, logDir: join(dir, 'logs') };
  } },
  { mode: 'tmpfs' as const, skip: typeof tmpfs === 'string' ? tmpfs : undefined, setup: () => tmpfs as { dir: string; logDir: string } },
];

describe.each(cases)('a log dir that cannot be written ($mode)', ({ mode, skip, setup }) => {
  const title = (text: string) => (skip === undefined ? text : `${text} (skipped: ${skip})`);

  it.skipIf(skip !== undefined)(title('human report: whole on stdout, warnings on stderr, the checks\' exit code'), () => {
    const { dir } = setup();
    const result = runWith(mode, dir, ['check', '--log-dir', 'logs']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL bad/);
    expect(result.stdout).toMatch(/fix bad/);
    expect(result.stdout).toMatch(/1 failed, 1 passed/);
    expect(result.stderr).toMatch(/fanout: warning: could not write logs\/[^/]+\/report\.json: \S+/);
    expect(result.stderr).toMatch(/fanout: warning: could not write logs\/[^/]+\/journal\.ndjson: \S+/);
  });

  it.skipIf(skip !== undefined)(title('--json: the whole report, valid, with write_errors naming report.json and the journal'), () => {
    const { dir, logDir } = setup();
    const result = runWith(mode, dir, ['check', '--log-dir', 'logs', '--json']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout) as ReturnType<typeof parseReport> & { write_errors?: Array<{ file: string; error: string }> };
    expect(report.exit_code).toBe(1);
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([['ok', 'passed'], ['bad', 'failed']]);
    const files = (report.write_errors ?? []).map((failure) => failure.file);
    expect(files).toContain(`logs/${report.run_id}/report.json`);
    expect(files).toContain(`logs/${report.run_id}/journal.ndjson`);
    for (const failure of report.write_errors ?? []) expect(failure.error).toMatch(/^E[A-Z]+: /);
    // No half report.json is left behind for the next run's estimates to trip on.
    expect(existsSync(join(logDir, report.run_id, 'report.json'))).toBe(false);
  });

  it.skipIf(skip !== undefined)(title('--stream: every event, the last one carrying the report and its write_errors'), () => {
    const { dir } = setup();
    const result = runWith(mode, dir, ['check', '--log-dir', 'logs', '--stream']);
    expect(result.code).toBe(1);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; report?: { write_errors?: unknown[] } });
    expect(events.map((event) => event.type).filter((type) => type !== 'check:start' && type !== 'check:spawn')).toEqual(['run:start', 'check:end', 'check:end', 'run:end']);
    const last = events.at(-1)?.report;
    expect(reportErrors(last)).toBeNull();
    expect(last?.write_errors?.length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(skip !== undefined)(title('--junit elsewhere: the JUnit file is written whole'), () => {
    const { dir } = setup();
    const out = tempDir();
    const junit = join(out, 'junit.xml');
    // The size limit applies to every file: there the JUnit file cannot be written either, and is one more warning.
    const result = runWith(mode, dir, ['check', '--log-dir', 'logs', '--junit', junit]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL bad/);
    if (mode === 'limit') {
      expect(result.stderr).toMatch(/could not write .*junit\.xml: /);
    } else {
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(/<testcase[^>]*name="ok"/);
      expect(xml).toMatch(/<testcase[^>]*name="bad"[^]*<failure/);
    }
  });
});

describe('a full log disk and checks that print', () => {
  it.skipIf(typeof tmpfs === 'string')(`checks still pass, their output is in the report, each log not written is a warning${typeof tmpfs === 'string' ? ` (skipped: ${tmpfs})` : ''}`, () => {
    const { dir } = tmpfs as { dir: string; logDir: string };
    const human = runWith('tmpfs', dir, ['check', '-c', 'printing.yaml', '--log-dir', 'logs']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/1 failed, 2 passed/);
    expect(human.stdout).toMatch(/│ reason-for-failure/);
    expect(human.stderr).toMatch(/fanout: warning: could not write logs\/[^/]+\/bad\.log: ENOSPC/);
    const json = runWith('tmpfs', dir, ['check', '-c', 'printing.yaml', '--log-dir', 'logs', '--json']);
    const report = parseReport(json.stdout);
    expect(report.checks.map((check) => [check.id, check.status, check.output_tail])).toEqual([
      ['ok', 'passed', []],
      ['says', 'passed', ['fine']],
      ['bad', 'failed', ['reason-for-failure']],
    ]);
  });
});
