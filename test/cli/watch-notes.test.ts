// `fanout watch` says what `fanout check` says besides its report — the engine's notes (a cache store it will not
// use...), the shared cache's warnings — for every run, reruns included, not only for the first one. Real processes;
// every wait is for output, never a sleep.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusedPort } from '../distributed/harness.js';
import { cli, tempDir } from './helpers.js';

function repository(): string {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs/guide.md'), 'v1\n');
  writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: quick\n    run: echo quick\n    inputs: ["docs/**"]\n');
  return dir;
}

/** `fanout watch` in `dir`; `until` waits for its output (both streams) to satisfy `predicate`. */
function startWatch(dir: string, args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [cli, 'watch', '--debounce', '50ms', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let wake: (() => void) | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake?.()));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), wake?.()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => (resolve({ code, signal }), wake?.())));
  const until = async (predicate: (stdout: string, stderr: string) => boolean) => {
    while (!predicate(stdout, stderr)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`fanout watch ended: ${stderr}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { child, done, until, output: () => ({ stdout, stderr }) };
}

const count = (text: string, part: string | RegExp) => text.split(part).length - 1;

describe('fanout watch tells every run\'s notes', { timeout: 60_000 }, () => {
  it('on a pipe: the cache store it will not use is said for the first run and for the rerun, as check says it', async () => {
    const dir = repository();
    // A store others may write to: the cache is not used, and each run says so.
    mkdirSync(join(dir, '.fanout/runs/cache'), { recursive: true, mode: 0o777 });
    execFileSync('chmod', ['777', join(dir, '.fanout/runs/cache')]);
    const note = /^fanout: warning: not using the cache of passed checks .*others may write to it \(mode 777\)$/gm;
    // What check says of it, once a run.
    const check = spawnSync(process.execPath, [cli, 'check'], { cwd: dir, encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stderr.match(note)).toHaveLength(1);
    const watch = startWatch(dir, []);
    await watch.until((out, err) => out.includes('fanout: watching') && count(out, '✓ quick passed') === 1 && count(err, note) === 1);
    writeFileSync(join(dir, 'docs/guide.md'), 'v2\n');
    await watch.until((out, err) => count(out, '✓ quick passed') === 2 && count(err, note) === 2);
    watch.child.kill('SIGINT');
    expect(await watch.done).toEqual({ code: null, signal: 'SIGINT' });
    expect(watch.output().stderr.match(note)).toHaveLength(2);
  });

  it('--stream: a shared cache that is down is one warning a run on stderr, the rerun\'s too; stdout stays NDJSON', async () => {
    const dir = repository();
    const warning = /^fanout: warning: the shared cache is off for the rest of this run \(.*ECONNREFUSED.*\); going on with the local cache$/gm;
    const down = await refusedPort();
    try {
      const env = { FANOUT_REDIS_URL: `redis://127.0.0.1:${down.port}`, FANOUT_REDIS_URL_FILE: undefined, FANOUT_SECRET: 'a secret of the team, 16+ bytes', FANOUT_SECRET_FILE: undefined };
      const watch = startWatch(dir, ['--stream', '--shared-cache'], env);
      const runEnds = (out: string) => count(out, '"type":"run:end"');
      await watch.until((out, err) => out.includes('"type":"watch:ready"') && runEnds(out) === 1 && count(err, warning) === 1);
      writeFileSync(join(dir, 'docs/guide.md'), 'v2\n');
      await watch.until((out, err) => runEnds(out) === 2 && count(err, warning) === 2);
      watch.child.kill('SIGINT');
      await watch.done;
      const { stdout, stderr } = watch.output();
      for (const line of stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(stderr.match(warning)).toHaveLength(2);
    } finally {
      await down.close();
    }
  });
});
