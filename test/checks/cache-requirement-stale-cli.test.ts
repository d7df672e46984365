// The key a requirement hands its dependents, from the command line (the built CLI, -p 1): it names the requirement's
// inputs as they were when it was keyed (replayed) or ended (ran). A command that runs between that and a dependent's
// turn may rewrite them; the dependent must then not be keyed with it, or its result on the rewritten file is
// replayed once the file is restored.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProject, checkRunner, rewriteAndRestore } from './git-repo.js';

/** A project where b (a dependent of a) rewrites a's input when b.on exists, and c passes only on that rewrite. */
function project(): string {
  return checkProject(
    [
      '  - id: a',
      '    run: "true"',
      '    inputs: ["src/**"]',
      '  - id: b',
      '    run: "if [ -f b.on ]; then echo BAD > src/a.ts; fi"',
      '    requires: [a]',
      '  - id: c',
      '    run: "grep -q BAD src/a.ts"',
      '    inputs: [t.txt]',
      '    requires: [a, b]',
    ],
    { 'src/a.ts': 'ok\n', 't.txt': 't\n' },
    ['b.on'],
  );
}

describe('fanout check -p 1: a requirement whose input a later command of the run rewrote', () => {
  it('replayed: its dependents keyed after the rewrite get no key for its files, and miss once they are restored', async () => {
    const dir = project();
    expect(await rewriteAndRestore(dir, checkRunner(dir, 1))).toMatchObject({
      first: { a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] },
      // a is a hit for ok; b rewrites src/a.ts after it; c passes on BAD.
      rewritten: { a: ['passed', true], b: ['passed', undefined], c: ['passed', undefined] },
      // c never passed with a's files as a's key names them (ok): it runs and fails, as without the cache.
      restored: { a: ['passed', true], b: ['passed', undefined], c: ['failed', undefined] },
      noCache: { c: ['failed', undefined] },
    });
  });

  it('ran: its dependents keyed after the rewrite get no key for its files, and miss once they are restored', async () => {
    const dir = project();
    // No stored result: a runs (on ok), then b rewrites its input.
    const whileOn = () => rmSync(join(dir, 'logs/cache/entries'), { recursive: true, force: true });
    expect(await rewriteAndRestore(dir, checkRunner(dir, 1), { whileOn })).toMatchObject({
      first: { a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] },
      rewritten: { a: ['passed', undefined], b: ['passed', undefined], c: ['passed', undefined] },
      restored: { a: ['passed', true], b: ['passed', undefined], c: ['failed', undefined] },
      noCache: { c: ['failed', undefined] },
    });
  });

  it('without git: the same', async () => {
    const dir = project();
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    const restore = () => writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
    expect(await rewriteAndRestore(dir, checkRunner(dir, 1), { restore })).toMatchObject({
      first: { a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] },
      rewritten: { a: ['passed', true], b: ['passed', undefined], c: ['passed', undefined] },
      restored: { c: ['failed', undefined] },
      noCache: { c: ['failed', undefined] },
    });
  });

  it('beside the dependent (-p 2): a command that rewrites the requirement\'s input while the dependent runs', async () => {
    // c's input in a folder of its own: files the run writes at the top move none of its folders. The signal
    // (sig/go) lives in a folder of no check's inputs: creating it moves none of theirs.
    const dir = checkProject(
      [
        '  - id: a',
        '    run: "true"',
        '    inputs: ["src/**"]',
        // c waits for b's signal (sig/go), so b's rewrite comes after c was keyed, or while it runs.
        '  - id: c',
        '    run: "while [ ! -f sig/go ]; do sleep 0.02; done; grep -q BAD src/a.ts"',
        '    inputs: [t/t.txt]',
        '    requires: [a]',
        '  - id: b',
        '    run: "if [ -f b.on ]; then echo BAD > src/a.ts; fi; touch sig/go"',
        '    requires: [a]',
      ],
      { 'src/a.ts': 'ok\n', 't/t.txt': 't\n', 'sig/.keep': '' },
      ['b.on', 'sig/go'],
    );
    const check = checkRunner(dir, 2, () => rmSync(join(dir, 'sig/go'), { force: true }));
    expect(await rewriteAndRestore(dir, check)).toMatchObject({
      first: { a: ['passed', undefined], c: ['failed', undefined], b: ['passed', undefined] },
      rewritten: { a: ['passed', true], c: ['passed', undefined], b: ['passed', undefined] },
      restored: { a: ['passed', true], c: ['failed', undefined], b: ['passed', undefined] },
      noCache: { c: ['failed', undefined] },
    });
  });

  it('a rerun of an unchanged tree replays every check of a chain of requirements', async () => {
    const dir = checkProject(
      [
        '  - id: a',
        '    run: "true"',
        '    inputs: ["src/**"]',
        '  - id: b',
        '    run: "grep -q ok src/a.ts"',
        '    inputs: ["src/**"]',
        '    requires: [a]',
        '  - id: c',
        '    run: "grep -q t t.txt"',
        '    inputs: [t.txt]',
        '    requires: [a, b]',
      ],
      { 'src/a.ts': 'ok\n', 't.txt': 't\n' },
    );
    const check = checkRunner(dir, 1);
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['passed', undefined] });
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', true] });
    // c's own input changed: c alone runs, its requirements' keys unchanged; then it is replayed too.
    writeFileSync(join(dir, 't.txt'), 'tt\n');
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', undefined] });
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', true] });
  });
});
