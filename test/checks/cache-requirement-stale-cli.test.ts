// The key a requirement hands its dependents, from the command line (the built CLI, -p 1): it names the requirement's
// inputs as they were when it was keyed (replayed) or ended (ran). A command that runs between that and a dependent's
// turn may rewrite them; the dependent must then not be keyed with it, or its result on the rewritten file is
// replayed once the file is restored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

/** A project where b (a dependent of a) rewrites a's input when b.on exists, and c passes only on that rewrite. */
function project(): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
  writeFileSync(join(dir, 't.txt'), 't\n');
  writeFileSync(
    join(dir, 'fanout.yaml'),
    [
      'checks:',
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
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, '.gitignore'), 'logs/\nb.on\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

function runner(dir: string): (...args: string[]) => Promise<Record<string, [string, unknown]>> {
  return async (...args) => {
    const result = await runCli(['check', '-p', '1', '--json', '--log-dir', join(dir, 'logs'), ...args], { cwd: dir });
    const report = JSON.parse(result.stdout) as Report;
    return Object.fromEntries(report.checks.map((entry) => [entry.id, [entry.status, entry.cached]]));
  };
}

describe('fanout check -p 1: a requirement whose input a later command of the run rewrote', () => {
  it('replayed: its dependents keyed after the rewrite get no key for its files, and miss once they are restored', async () => {
    const dir = project();
    const check = runner(dir);
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] });
    writeFileSync(join(dir, 'b.on'), '');
    // a is a hit for ok; b rewrites src/a.ts after it; c passes on BAD.
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', undefined], c: ['passed', undefined] });
    rmSync(join(dir, 'b.on'));
    git(dir, 'checkout', '--', 'src/a.ts');
    // c never passed with a's files as a's key names them (ok): it runs and fails, as without the cache.
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', undefined], c: ['failed', undefined] });
    expect((await check('--no-cache')).c).toEqual(['failed', undefined]);
  });

  it('ran: its dependents keyed after the rewrite get no key for its files, and miss once they are restored', async () => {
    const dir = project();
    const check = runner(dir);
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] });
    writeFileSync(join(dir, 'b.on'), '');
    // No stored result: a runs (on ok), then b rewrites its input.
    rmSync(join(dir, 'logs/cache/entries'), { recursive: true, force: true });
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['passed', undefined] });
    rmSync(join(dir, 'b.on'));
    git(dir, 'checkout', '--', 'src/a.ts');
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', undefined], c: ['failed', undefined] });
  });

  it('without git: the same', async () => {
    const dir = project();
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    const check = runner(dir);
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['failed', undefined] });
    writeFileSync(join(dir, 'b.on'), '');
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', undefined], c: ['passed', undefined] });
    rmSync(join(dir, 'b.on'));
    writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
    expect((await check()).c).toEqual(['failed', undefined]);
  });

  it('beside the dependent (-p 2): a command that rewrites the requirement\'s input while the dependent runs', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
    // c's input in a folder of its own: files the run writes at the top move none of its folders.
    mkdirSync(join(dir, 't'));
    writeFileSync(join(dir, 't/t.txt'), 't\n');
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
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
        '',
      ].join('\n'),
    );
    // The signal lives in a folder of no check's inputs: creating it moves none of theirs.
    mkdirSync(join(dir, 'sig'));
    writeFileSync(join(dir, 'sig/.keep'), '');
    writeFileSync(join(dir, '.gitignore'), 'logs/\nb.on\nsig/go\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    const check = async (...args: string[]): Promise<Record<string, [string, unknown]>> => {
      rmSync(join(dir, 'sig/go'), { force: true });
      const result = await runCli(['check', '-p', '2', '--json', '--log-dir', join(dir, 'logs'), ...args], { cwd: dir });
      const report = JSON.parse(result.stdout) as Report;
      return Object.fromEntries(report.checks.map((entry) => [entry.id, [entry.status, entry.cached]]));
    };
    expect(await check()).toEqual({ a: ['passed', undefined], c: ['failed', undefined], b: ['passed', undefined] });
    writeFileSync(join(dir, 'b.on'), '');
    expect(await check()).toEqual({ a: ['passed', true], c: ['passed', undefined], b: ['passed', undefined] });
    rmSync(join(dir, 'b.on'));
    git(dir, 'checkout', '--', 'src/a.ts');
    expect(await check()).toEqual({ a: ['passed', true], c: ['failed', undefined], b: ['passed', undefined] });
    expect((await check('--no-cache')).c).toEqual(['failed', undefined]);
  });

  it('a rerun of an unchanged tree replays every check of a chain of requirements', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
    writeFileSync(join(dir, 't.txt'), 't\n');
    writeFileSync(
      join(dir, 'fanout.yaml'),
      [
        'checks:',
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
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, '.gitignore'), 'logs/\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    const check = runner(dir);
    expect(await check()).toEqual({ a: ['passed', undefined], b: ['passed', undefined], c: ['passed', undefined] });
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', true] });
    // c's own input changed: c alone runs, its requirements' keys unchanged; then it is replayed too.
    writeFileSync(join(dir, 't.txt'), 'tt\n');
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', undefined] });
    expect(await check()).toEqual({ a: ['passed', true], b: ['passed', true], c: ['passed', true] });
  });
});
