// A command of the run that renames a folder into the place of a folder *above* a check's folders brings files git never
// compared (and, without git, files the run's walk never saw), while the check's own folders keep times older than the
// listing: only the folder renamed into place changed, and which folder it is tells it. These cases fix that such a
// check runs on what the files hold, and that its pass is stored for that, never for the committed blobs.
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { committedProject, statuses } from './swap-project.js';

describe('fanout check: a folder above a check\'s folders renamed into place by a command before it', () => {
  it.each([
    // The swapped folder's own .gitignore is there, committed: git's rule files over the check's folders are old files.
    ['src', 'src/lib'],
    ['src/lib', 'src/lib/deep'],
    ['src', 'src/a/b'],
  ])('%s swapped, inputs below %s: the check runs on the renamed files, and its pass is not replayed for the committed content', async (swapped, inputs) => {
    const below = inputs.slice(swapped.length + 1);
    const swap = (from: string, to: string) => `if [ -d ${from} ]; then mv ${swapped} ${to} && mv ${from} ${swapped}; fi`;
    // Each folder from src down to the inputs' holds a committed .gitignore, and so do the folders swapped in.
    const ignores: Record<string, string> = {};
    const parts = inputs.split('/');
    for (let depth = 1; depth <= parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      ignores[`${folder}/.gitignore`] = '*.log\n';
      if (folder.length < swapped.length) continue;
      const rest = folder.slice(swapped.length);
      for (const from of ['.good', '.bad']) ignores[`${from}${rest}/.gitignore`] = '*.log\n';
    }
    const files = { ...ignores, [`${inputs}/x.txt`]: 'BAD\n', [`.good/${below}/x.txt`]: 'OK!\n', [`.bad/${below}/x.txt`]: 'BAD\n' };
    // Every file and folder a minute old: older than any listing of the runs.
    const old = new Set<string>();
    for (const path of Object.keys(files)) for (let at = path; at !== '.'; at = dirname(at)) old.add(at);
    const dir = committedProject({
      ignore: ['.good/', '.bad/', '.used*/'],
      files,
      old: [...old].sort((a, b) => b.length - a.length),
      checks: [
        '  - id: a',
        `    run: ${JSON.stringify(swap('.good', '.used1'))}`,
        '  - id: b',
        `    run: ${JSON.stringify(`grep -q OK ${inputs}/x.txt`)}`,
        `    inputs: ["${inputs}/**"]`,
        '    requires: [a]',
        '  - id: c',
        `    run: ${JSON.stringify(swap('.bad', '.used2'))}`,
        '    requires: [b]',
      ],
    });
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'passed', undefined],
      ['c', 'passed', undefined],
    ]);
    // The committed content is back (in another file, its times a minute old): b never passed on it.
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
      ['c', 'skipped', undefined],
    ]);
  });

  it('without git: a file the renamed folder brings is an input of the check that runs after it', async () => {
    // src/lib/x.txt OK!; .new (made a minute back) holds lib/x.txt OK! and lib/y.txt. z, keyed first, has the folder
    // walked before any command. a renames .new into src's place; b passes only while y.txt is there. Once y.txt is
    // deleted, b must run again (and fail): its pass was for both files.
    const dir = tempDir();
    const files: Record<string, string> = { 'other/o.txt': 'o\n', 'src/lib/x.txt': 'OK!\n', '.new/lib/x.txt': 'OK!\n', '.new/lib/y.txt': 'y\n' };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const past = new Date(Date.now() - 60_000);
    for (const path of ['src/lib/x.txt', '.new/lib/x.txt', '.new/lib/y.txt', '.new/lib', '.new', 'src/lib', 'src']) utimesSync(join(dir, path), past, past);
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
        '  - id: z',
        '    run: "true"',
        '    inputs: ["other/**"]',
        '  - id: a',
        `    run: ${JSON.stringify('if [ -d .new ]; then mv src .old && mv .new src; fi')}`,
        '  - id: b',
        '    run: "grep -q OK src/lib/x.txt && test -e src/lib/y.txt"',
        '    inputs: ["src/lib/**"]',
        '    requires: [a]',
        '',
      ].join('\n'),
    );
    expect(await statuses(dir)).toEqual([
      ['z', 'passed', undefined],
      ['a', 'passed', undefined],
      ['b', 'passed', undefined],
    ]);
    rmSync(join(dir, 'src/lib/y.txt'));
    expect(await statuses(dir)).toEqual([
      ['z', 'passed', true],
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
  });
});
