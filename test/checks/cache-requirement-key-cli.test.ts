// The key a requirement hands its dependents, from the command line (the built CLI, -p 1): a requirement keyed after
// a command of the run rewrote one of its inputs git vouched for has a key naming the blob git listed, not the file
// it ran on; its dependents must not be keyed with it, or their result on the rewritten file is replayed for the
// listed one.
import { describe, expect, it } from 'vitest';
import { checkProject, checkRunner, rewriteAndRestore } from './git-repo.js';

describe('fanout check -p 1: a requirement whose vouched input a command of the run rewrote before its turn', () => {
  it('gives its dependents no key for the listed content: a dependent that passed on the rewritten file is no hit once it is restored', async () => {
    const dir = checkProject(
      [
        // b runs first (longest) and, with b.on, rewrites a's input before a's turn.
        '  - id: b',
        '    run: "sleep 0.5; if [ -f b.on ]; then echo BAD > src/a.ts; fi"',
        '  - id: a',
        '    run: "true"',
        '    inputs: ["src/**"]',
        // c passes only on the rewritten file (it reads a's input through a).
        '  - id: c',
        '    run: "grep -q BAD src/a.ts"',
        '    inputs: [t.txt]',
        '    requires: [a]',
      ],
      { 'src/a.ts': 'ok\n', 't.txt': 't\n' },
      ['b.on'],
    );
    expect(await rewriteAndRestore(dir, checkRunner(dir, 1))).toMatchObject({
      first: { b: ['passed', undefined], a: ['passed', undefined], c: ['failed', undefined] },
      // a is keyed for the listed blob (ok), refused as a hit (the file changed), and runs on BAD; c passes on BAD.
      rewritten: { b: ['passed', undefined], a: ['passed', undefined], c: ['passed', undefined] },
      // a is a hit for ok; c never passed with a on ok: it runs, and fails, as it does without the cache.
      restored: { b: ['passed', undefined], a: ['passed', true], c: ['failed', undefined] },
      noCache: { c: ['failed', undefined] },
    });
  });
});
