// A command of the run that renames a folder of old files into a check's folder and then stages them (or untracks
// them): the listing asked again compares the files with the index as it is NOW. A file it calls unchanged against
// another blob than the run's listing vouched for, or no longer tracks, still holds other content than that blob.
import { describe, expect, it } from 'vitest';
import { committedProject, git, statuses, swappedRunPasses, swapThenGrep } from './swap-project.js';

describe('fanout check: a folder renamed into a check\'s place, then the index changed by the same command', () => {
  it.each([
    ['staged (the index names the new blob)', 'git add src/x.txt'],
    ['untracked (the index no longer names it)', 'git rm -q --cached src/x.txt'],
  ])('%s: the check\'s pass is not stored for the committed content', async (_how, index) => {
    const dir = committedProject({
      ignore: ['.stash/', '.used/', 'swap'],
      files: { 'src/x.txt': 'BAD\n', '.stash/x.txt': 'OK!\n' },
      old: ['src/x.txt', '.stash/x.txt', '.stash'],
      checks: swapThenGrep(`rm swap; mv src .used && mv .stash src && ${index}`),
    });
    await swappedRunPasses(dir);
    // Back to the committed content (BAD), index and all: b never passed on it.
    git(dir, 'reset', '-q', '--hard');
    expect(await statuses(dir)).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', undefined],
    ]);
  });
});
