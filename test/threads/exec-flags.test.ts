// A process started with a flag that worker threads refuse when it is passed to them (`--expose-gc`, a per-process
// option) still gets working pools: the pool passes its threads the process's flags (loaders, source maps...) plus
// its own, and learns to leave out those Node refuses. Runs the built package (dist/) in a child process with the flag.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const threads = new URL('../../dist/threads.js', import.meta.url).href;
const work = fileURLToPath(new URL('../fixtures/threads/work.js', import.meta.url));

describe('createThreadPool in a process started with --expose-gc', () => {
  it('starts its threads (without the refused flag, keeping the others) and runs tasks, in every pool', () => {
    const script = `
      import { createThreadPool } from ${JSON.stringify(threads)};
      const out = [];
      for (let i = 0; i < 2; i++) {
        const pool = createThreadPool(${JSON.stringify(work)}, { threads: 1 });
        out.push(await pool.run({ op: 'square', n: 7 }));
        if (i === 0) out.push((await createThreadPool(${JSON.stringify(work)}, { threads: 1, exportName: 'loading' }).run(undefined)).execArgv);
        await pool.close();
      }
      console.log(JSON.stringify(out));
      process.exit(0);
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const [first, execArgv, second] = JSON.parse(run.stdout) as [number, string[], number];
    expect([first, second]).toEqual([49, 49]);
    expect(execArgv).toContain('--enable-source-maps');
    expect(execArgv).not.toContain('--expose-gc');
  });
});
