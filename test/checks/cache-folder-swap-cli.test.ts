// A command of the run that renames a folder into the place of a check's folder brings files git never compared, whose
// times may be older than the run's listing: git's word on the names (the committed blobs) does not hold for them.
// These cases fix that such a check runs on what the files hold and its pass is stored for that, never for the blob.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedProject, passesThenFailsOnCommitted, statuses } from './swap-project.js';

/**
 * `folder` (src, or src/lib) holds x.txt = BAD as committed; `.good/` and `.bad/` (ignored, made a minute in the past)
 * hold OK! and BAD. In the first run, a renames `.good` into the folder's place, b (inputs src/**) passes on it, and c
 * renames `.bad` into its place: the committed content again, in a file git never compared, its times a minute old.
 */
function project(folder: string): string {
  const swap = (from: string, to: string) => `if [ -d ${from} ]; then mv ${folder} ${to} && mv ${from} ${folder}; fi`;
  return committedProject({
    ignore: ['.good/', '.bad/', '.used*/'],
    files: { [`${folder}/x.txt`]: 'BAD\n', '.good/x.txt': 'OK!\n', '.bad/x.txt': 'BAD\n' },
    old: [`${folder}/x.txt`, '.good/x.txt', '.bad/x.txt', '.good', '.bad'],
    checks: [
      '  - id: a',
      `    run: ${JSON.stringify(swap('.good', '.used1'))}`,
      '  - id: b',
      `    run: ${JSON.stringify(`grep -q OK ${folder}/x.txt`)}`,
      '    inputs: ["src/**"]',
      '    requires: [a]',
      '  - id: c',
      `    run: ${JSON.stringify(swap('.bad', '.used2'))}`,
      '    requires: [b]',
    ],
  });
}

describe('fanout check: a folder of a check renamed into place by a command before it', () => {
  it.each(['src', 'src/lib'])('%s: the check runs on the renamed folder\'s files, and its pass is not replayed for the committed content', async (folder) => {
    const dir = project(folder);
    await passesThenFailsOnCommitted(dir);
  });

  it.each([
    ['recalled from the stat cache', false],
    ['keyed from the listing (no stat cache)', true],
  ])('a dependent whose key names a requirement replayed (%s) is not replayed once its inputs were renamed away', async (_how, forget) => {
    // b (inputs src/**) is replayed in the second run; x then renames .bad into src's place (BAD, its times a minute
    // old); d reads src/x.txt through b's key alone (its own inputs are elsewhere).
    const dir = committedProject({
      ignore: ['.bad/', '.used/', 'swap'],
      files: { 'src/x.txt': 'OK!\n', 'other/y.txt': 'y\n', '.bad/x.txt': 'BAD\n' },
      old: ['src/x.txt', 'other/y.txt', '.bad/x.txt', '.bad'],
      checks: [
        '  - id: b',
        '    run: "grep -q OK src/x.txt"',
        '    inputs: ["src/**"]',
        '  - id: x',
        `    run: ${JSON.stringify('if [ -e swap ]; then mv src .used && mv .bad src; fi')}`,
        '    requires: [b]',
        '  - id: d',
        '    run: "grep -q OK src/x.txt"',
        '    inputs: ["other/**"]',
        '    requires: [b, x]',
      ],
    });
    expect(await statuses(dir)).toEqual([
      ['b', 'passed', undefined],
      ['x', 'passed', undefined],
      ['d', 'passed', undefined],
    ]);
    writeFileSync(join(dir, 'swap'), '');
    // Without the stat cache, b's key is taken from git's listing: its files are git's blobs, not looked at.
    if (forget) for (const name of readdirSync(join(dir, '.fanout/runs/cache'))) if (name.startsWith('stat-')) rmSync(join(dir, '.fanout/runs/cache', name));
    expect(await statuses(dir)).toEqual([
      ['b', 'passed', true],
      ['x', 'passed', undefined],
      ['d', 'failed', undefined],
    ]);
  });
});
