// Runs the built CLI (dist/cli.js; `npm test` builds it first) as a real subprocess.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';

export const root = new URL('../../', import.meta.url).pathname;
export const cli = join(root, 'dist/cli.js');
export const fixtures = join(root, 'test/fixtures/cli');
export const fixture = (name: string) => join(fixtures, name);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** A fresh temporary folder; also handed to fixture commands as $T. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fanout-cli-'));
}

/** A fresh temporary folder holding `fanout.yaml` with `yaml`. */
export function projectWith(yaml: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  return dir;
}

/** Starts the CLI; colours and CI-specific behaviour are left to the flags under test. */
export function startCli(args: readonly string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Waits until every file exists (polling the file system: the commands create them). */
export async function waitForFiles(files: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!files.every((file) => existsSync(file))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${files.filter((f) => !existsSync(f)).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** True while the process exists and is not a zombie (zombies hold no resources; an orphan's may wait for init). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Shell lines of a check that leaves `timeout 300 <what>` running in the background, where GNU timeout moves to a
 * process group of its own, and writes "<pid> <start tick>" of it to `file`. The check ends only once the move is
 * done: after its exit, only a scan of the session finds the process.
 */
export function leaveBehind(what: string, file: string): string[] {
  return [
    `timeout 300 ${what} &`,
    `echo "$! $(cut -d' ' -f22 /proc/$!/stat)" > "${file}"`,
    `while [ "$(cut -d' ' -f5 /proc/$!/stat)" = "$$" ]; do :; done`,
  ];
}

/** Waits (briefly) for every pid written in `files` to be gone; returns those still alive. */
export async function survivors(files: readonly string[], graceMs = 1000): Promise<number[]> {
  // A file holds a pid, or "<pid> <start tick>" (see leaveBehind).
  const pids = files.filter((file) => existsSync(file)).map((file) => Number(readFileSync(file, 'utf8').trim().split(' ')[0]));
  const deadline = Date.now() + graceMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

/** Validates a report against schema/report.schema.json (ajv, draft-07); returns the errors or null. */
export function reportErrors(report: unknown): unknown {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('date-time', (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && !Number.isNaN(Date.parse(text)));
    validator = ajv.compile(JSON.parse(readFileSync(join(root, 'schema/report.schema.json'), 'utf8')) as object);
  }
  return validator(report) ? null : validator.errors;
}

export interface ReportShape {
  exit_code: number;
  fail_fast_triggered: boolean;
  root_failure: string | null;
  interrupted: string | null;
  max_time_exceeded: boolean;
  duration_ms: number;
  run_id: string;
  counts: Record<string, number>;
  checks: Array<{
    id: string;
    status: string;
    severity: string;
    attempts: number;
    passed_after_retry: boolean;
    exit_code: number | null;
    reason: string | null;
    extracted: Record<string, string>;
    suggestion: string | null;
    fix: string | null;
    output_tail: string[];
    output_bytes: number;
    log_file: string | null;
    skip_reason: { kind: string; blocked_by?: string; signal?: string } | null;
    started_at: string | null;
    ended_at: string | null;
    triggered_prompts: Array<{ id: string | null; content: string }>;
    command: string;
  }>;
  violations: Array<{ id: string }>;
}

/** Parses a --json report, asserting it matches the schema. */
export function parseReport(stdout: string): ReportShape {
  const report = JSON.parse(stdout) as unknown;
  const errors = reportErrors(report);
  if (errors) throw new Error(`report does not match its schema: ${JSON.stringify(errors, null, 2)}`);
  return report as ReportShape;
}

export function byId(report: ReportShape): Record<string, ReportShape['checks'][number]> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check]));
}

/** Whether util-linux `script` is here to give the CLI a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs the CLI on a pseudo-terminal; resolves with everything the terminal received (stdout and stderr). */
export function onTerminal(args: string[], env: Record<string, string | undefined> = {}, cwd = root): Promise<string> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm-256color', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}
