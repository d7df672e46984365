// A cold run from the command line (the built CLI), outside git (every input is read and hashed): one check blocks on
// a FIFO while the test edits its input (same size): its pass is stored for neither content.
// Without an edit, a cold run stores every pass and the rerun replays them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir, waitForFiles } from '../cli/helpers.js';
import { settled } from '../helpers/settled.js';

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

const env = (dir: string): Record<string, string> => ({ GIT_DIR: join(dir, 'no-repository') });

async function check(dir: string): Promise<Report> {
  const result = await runCli(['check', '--json'], { cwd: dir, env: env(dir) });
  return JSON.parse(result.stdout) as Report;
}

describe('fanout check, cold, outside git', () => {
  it('does not store a pass whose input was edited while the command ran', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.txt'), 'OK!\n');
    execFileSync('mkfifo', [join(dir, 'gate')]);
    // Reads its input at its start (OK! passes), says so, and waits for the gate when there is one.
    const run = 'grep -q OK src/a.txt; ok=$?; if [ -p gate ]; then echo x > started; cat gate >/dev/null; fi; exit $ok';
    writeFileSync(join(dir, 'fanout.yaml'), ['checks:', '  - id: b', `    run: ${JSON.stringify(run)}`, '    inputs: ["src/**"]', ''].join('\n'));
    await settled(join(dir, 'src/a.txt'));
    const first = startCli(['check', '--json'], { cwd: dir, env: env(dir) });
    await waitForFiles([join(dir, 'started')]);
    // Same size: BAD! fails the check, which started on OK!.
    writeFileSync(join(dir, 'src/a.txt'), 'BAD\n');
    writeFileSync(join(dir, 'gate'), 'go\n');
    const report = JSON.parse((await first.done).stdout) as Report;
    expect(report.checks.map((entry) => [entry.id, entry.status])).toEqual([['b', 'passed']]);
    rmSync(join(dir, 'gate'));
    await settled(join(dir, 'src/a.txt'));
    const second = (await check(dir)).checks[0];
    expect(second?.cached).toBeUndefined();
    expect(second?.status).toBe('failed');
  });

  it('stores every pass of a cold run, and the rerun replays them', async () => {
    const dir = tempDir();
    const ids = ['a', 'b', 'c'];
    for (const id of ids) {
      mkdirSync(join(dir, id));
      for (let n = 0; n < 20; n++) writeFileSync(join(dir, id, `f${n}.txt`), `${id} ${n}\n`);
    }
    writeFileSync(join(dir, 'fanout.yaml'), ['checks:', ...ids.flatMap((id) => [`  - id: ${id}`, `    run: "cat ${id}/*.txt >/dev/null"`, `    inputs: ["${id}/**"]`]), ''].join('\n'));
    for (const id of ids) await settled(join(dir, id, 'f19.txt'));
    const cold = await check(dir);
    expect(cold.checks.map((entry) => [entry.id, entry.status, entry.cached])).toEqual(ids.map((id) => [id, 'passed', undefined]));
    const rerun = await check(dir);
    expect(rerun.checks.map((entry) => [entry.id, entry.status, entry.cached])).toEqual(ids.map((id) => [id, 'passed', true]));
  });
});
