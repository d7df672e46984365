// `fanout watch` as a user runs it: a real process on a real tree, stopped by Ctrl-C (SIGINT). Every wait is for
// output, never a sleep.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { cli, root, tempDir } from './helpers.js';
import { groupMembers } from '../helpers/proc.js';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat('date-time', (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && !Number.isNaN(Date.parse(text)));
for (const name of ['report', 'run-event']) ajv.addSchema(JSON.parse(readFileSync(join(root, `schema/${name}.schema.json`), 'utf8')) as object);
const validate = ajv.compile(JSON.parse(readFileSync(join(root, 'schema/watch-event.schema.json'), 'utf8')) as object);

function repository(): string {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'node_modules/dep'), { recursive: true });
  writeFileSync(
    join(dir, 'fanout.yaml'),
    `checks:
  - id: slow
    run: sleep 300 & sleep 300 & wait
    files: ["src/**"]
  - id: quick
    run: echo quick
    files: ["docs/**"]
`,
  );
  return dir;
}

/** Starts `fanout watch` in `dir`; `until` waits for stdout to match. */
function startWatch(dir: string, args: string[]) {
  const child = spawn(process.execPath, [cli, 'watch', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let wake: (() => void) | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake?.()));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => (resolve({ code, signal }), wake?.())));
  const until = async (predicate: (stdout: string) => boolean) => {
    while (!predicate(stdout)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`fanout watch ended: ${stderr}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { child, done, until, output: () => ({ stdout, stderr }) };
}

type Event = { type: string; id?: string; pgid?: number; [key: string]: unknown };
const events = (stdout: string): Event[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Event);
const count = (stdout: string, predicate: (event: Event) => boolean) => events(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).filter(predicate).length;

describe('fanout watch', () => {
  it('--stream: the runs\' events and the watch\'s own, valid against schema/watch-event.schema.json; a change reruns the check; Ctrl-C leaves no process of it running and fanout dies by SIGINT', async () => {
    const dir = repository();
    const watch = startWatch(dir, ['--stream', '--debounce', '50ms']);
    await watch.until((out) => count(out, (event) => event.type === 'watch:ready') === 1 && count(out, (event) => event.type === 'check:spawn' && event.id === 'slow') === 1);
    writeFileSync(join(dir, 'node_modules/dep/index.js'), 'ignored');
    writeFileSync(join(dir, 'src/a.ts'), 'x');
    await watch.until((out) => count(out, (event) => event.type === 'check:spawn' && event.id === 'slow') === 2);
    const spawned = events(watch.output().stdout).filter((event) => event.type === 'check:spawn');
    expect(spawned.flatMap((event) => groupMembers(event.pgid ?? 0)).length).toBeGreaterThanOrEqual(1); // the rerun's shell at least
    watch.child.kill('SIGINT');
    const result = await watch.done;
    expect(result).toEqual({ code: null, signal: 'SIGINT' });
    expect(spawned.flatMap((event) => groupMembers(event.pgid ?? 0))).toEqual([]);
    const all = events(watch.output().stdout);
    for (const event of all) expect(validate(event) ? null : validate.errors, JSON.stringify(event)).toBeNull();
    const change = all.find((event) => event.type === 'watch:change');
    expect(change).toMatchObject({ files: ['src/a.ts'], file_count: 1, checks: ['slow'] });
    expect(change?.cancelled_runs).toEqual([all.find((event) => event.type === 'run:start')?.run_id]);
    expect(all.at(-1)).toMatchObject({ type: 'run:end', exit_code: 130, report: { interrupted: 'SIGINT' } });
  }, 60_000);

  it('on a pipe: one line per change and per check that ends', async () => {
    const dir = repository();
    const watch = startWatch(dir, ['--debounce', '50ms']);
    await watch.until((out) => out.includes('fanout: watching') && out.includes('✓ quick passed'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs/guide.md'), 'x');
    await watch.until((out) => out.split('✓ quick passed').length === 3);
    // Beside the first run, still running slow: the rerun of quick waits for nothing.
    expect(watch.output().stdout).toMatch(/fanout: 2 files changed \(docs, docs\/guide\.md\): running quick\n/);
    expect(watch.output().stdout).not.toContain('slow');
    watch.child.kill('SIGINT');
    expect(await watch.done).toEqual({ code: null, signal: 'SIGINT' });
    expect(watch.output().stdout).toMatch(/⊘ slow cancelled/);
  }, 60_000);

  it('refuses --json (there is no single document): a usage error', async () => {
    const dir = repository();
    const watch = startWatch(dir, ['--json']);
    expect(await watch.done).toEqual({ code: 2, signal: null });
    expect(watch.output().stderr).toContain('--stream');
  });
});
