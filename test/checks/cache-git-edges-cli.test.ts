// The repros of stale passes from the command line (the built CLI): a check over files whose content git's listing
// does not tell is never replayed once they changed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/helpers.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: dir, stdio: 'ignore' });
};

/** A repository whose check passes while no file below src/ holds BAD. */
function project(): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), '.fanout/\n');
  writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: c\n    run: "! grep -rqs BAD src"\n    inputs: ["src/**"]\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), 'ok\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
  write_errors?: Array<{ error: string }>;
  cache_warnings?: Array<{ kind: string; checks: string[]; code?: string; message: string }>;
}

async function run(dir: string): Promise<Report> {
  return JSON.parse((await runCli(['check', '--json'], { cwd: dir })).stdout) as Report;
}

describe('fanout check never replays a stale pass', () => {
  it('of a file marked skip-worktree', async () => {
    const dir = project();
    git(dir, 'update-index', '--skip-worktree', 'src/a.ts');
    await run(dir);
    const second = (await run(dir)).checks[0];
    expect(second?.status).toBe('passed');
    expect(second?.cached).toBeDefined();
    writeFileSync(join(dir, 'src/a.ts'), 'BAD\n');
    expect((await run(dir)).checks[0]).toMatchObject({ status: 'failed' });
  });

  it('of a file whose name is not UTF-8: the check runs without the cache, and the report says why', async () => {
    const dir = project();
    const odd = Buffer.concat([Buffer.from(`${dir}/src/`), Buffer.from([0xff]), Buffer.from('.ts')]);
    writeFileSync(odd, 'ok\n');
    await run(dir);
    const second = await run(dir);
    expect(second.checks[0]).toMatchObject({ status: 'passed' });
    expect(second.checks[0]?.cached).toBeUndefined();
    expect(second.write_errors).toBeUndefined();
    expect(second.cache_warnings).toEqual([{ kind: 'uncached', checks: ['c'], code: 'ERR_INPUT_NAME', message: expect.stringMatching(/^c runs uncached: .*not valid UTF-8/) as string }]);
    writeFileSync(odd, 'BAD\n');
    expect((await run(dir)).checks[0]).toMatchObject({ status: 'failed' });
  });
});

describe('fanout check runs uncached a check whose inputs are inside an untracked repository', () => {
  it('a glob whose folder is below the repository: the nested-repository reason, not "match no file"', async () => {
    const dir = project();
    mkdirSync(join(dir, 'vendor/lib'), { recursive: true });
    writeFileSync(join(dir, 'vendor/lib/x.c'), 'ok\n');
    git(join(dir, 'vendor'), 'init', '-q');
    git(join(dir, 'vendor'), 'add', '-A');
    git(join(dir, 'vendor'), 'commit', '-qm', 'x');
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: c\n    run: "! grep -rqs BAD vendor/lib"\n    inputs: ["vendor/lib/**"]\n');
    await run(dir);
    const second = await run(dir);
    expect(second.checks[0]).toMatchObject({ status: 'passed' });
    expect(second.checks[0]?.cached).toBeUndefined();
    expect(second.cache_warnings).toEqual([{ kind: 'uncached', checks: ['c'], code: 'ERR_OPAQUE_INPUT', message: expect.stringMatching(/^c runs uncached: the inputs hold "vendor\/", a repository git does not look into/) as string }]);
    writeFileSync(join(dir, 'vendor/lib/x.c'), 'BAD\n');
    expect((await run(dir)).checks[0]).toMatchObject({ status: 'failed' });
  });
});

describe('fanout check warns of inputs that match nothing', () => {
  it('inputs through a linked folder: one warning per run, naming the check', async () => {
    const dir = project();
    symlinkSync('src', join(dir, 'link'));
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: c\n    run: "true"\n    inputs: ["link/**"]\n  - id: d\n    run: "true"\n    inputs: ["src/**"]\n');
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['check'], { cwd: dir });
      expect(result.code).toBe(0);
      const warnings = result.stderr.split('\n').filter((line) => line.includes('match no file'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^fanout: warning: cache: inputs of c \("link\/\*\*"\) match no file /);
      expect(result.stderr).not.toContain('could not write');
    }
  });

  it('says so in its own words in --json and --stream, not as a file it could not write', async () => {
    const dir = project();
    writeFileSync(join(dir, 'fanout.yaml'), 'checks:\n  - id: lint\n    run: "true"\n    inputs: ["gen/**"]\n');
    const json = await runCli(['check', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout) as Report;
    expect(report.write_errors).toBeUndefined();
    expect(report.cache_warnings).toEqual([
      { kind: 'inputs-match-nothing', checks: ['lint'], inputs: ['gen/**'], message: expect.stringMatching(/^inputs of lint \("gen\/\*\*"\) match no file/) as string },
    ]);
    expect(json.stderr).toContain('fanout: warning: cache: inputs of lint ("gen/**") match no file');
    const stream = await runCli(['check', '--stream'], { cwd: dir });
    const end = stream.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; report?: Report })
      .find((event) => event.type === 'run:end');
    expect(end?.report?.cache_warnings?.map((warning) => warning.kind)).toEqual(['inputs-match-nothing']);
    expect(end?.report?.write_errors).toBeUndefined();
  });
});
