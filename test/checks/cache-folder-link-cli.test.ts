// A check's folder replaced by a link to an older folder by a command of the run: git's word on the files the run
// listed there ("unchanged: the committed blob") no longer holds, and the check's pass is not stored for the blob.
// And the other way: a command changing a requirement's folder outside its globs (sed -i) takes back nothing.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { committedProject, statuses, swappedRunPasses, swapThenGrep } from './swap-project.js';

describe('fanout check: git vouches for files it never compared', () => {
  it('a check folder replaced by a link to an older folder: the pass is not stored for the committed blob', async () => {
    const dir = committedProject({
      ignore: ['.good/', '.used/', 'swap'],
      files: { 'src/x.txt': 'BAD\n', '.good/x.txt': 'OK!\n' },
      old: ['src/x.txt', '.good/x.txt', '.good', 'src'],
      checks: swapThenGrep('mv src .used && ln -s .good src'),
    });
    await swappedRunPasses(dir);
    // The committed tree again, as git compared it: b never passed on it.
    execFileSync('sh', ['-c', 'rm src swap && mv .used src'], { cwd: dir });
    expect(await statuses(dir, '--no-cache')).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
  });

  it('a command that renames a file over another in a requirement\'s folder (sed -i), none its globs select: a dependent still hits', async () => {
    const dir = committedProject({
      ignore: [],
      files: { 'src/a.ts': 'export const a = 1;\n', 'src/notes.md': 'notes\n', 'other/y.txt': 'y\n' },
      old: [],
      checks: [
        '  - id: r',
        '    run: "true"',
        '    inputs: ["src/**/*.ts"]',
        '  - id: x',
        `    run: ${JSON.stringify("sed -i 's/notes/notes/' src/notes.md")}`,
        '    requires: [r]',
        '  - id: d',
        '    run: "true"',
        '    inputs: ["other/**"]',
        '    requires: [r, x]',
      ],
    });
    expect(await statuses(dir)).toEqual([
      ['r', 'passed', undefined],
      ['x', 'passed', undefined],
      ['d', 'passed', undefined],
    ]);
    expect(await statuses(dir)).toEqual([
      ['r', 'passed', true],
      ['x', 'passed', undefined],
      ['d', 'passed', true],
    ]);
  });
});
