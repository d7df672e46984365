// The default -p: the CPUs fanout may use for a fanout.yaml, VibeGuard's 4 for a vibeguard.yaml. Checks wait at a
// gate until enough of them run at once (no timing): a run whose -p is too small never opens the gate and fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usableCpus } from '../../src/exec/processes.js';
import { runCli, tempDir } from './helpers.js';

/**
 * `n` checks; each writes how many ran beside it at its start, then waits (up to 60 s) until `gate` of them have run
 * at once (the first to see it opens the gate for all, the later ones included).
 */
function config(n: number, gate: number): string {
  const check = (i: number) => `  - id: c${i}
    timeout: 2m
    run: |
      mkdir -p running; touch running/c${i}; ls running | wc -l > c${i}.seen
      for _ in $(seq 1200); do
        [ "$(ls running | wc -l)" -ge ${gate} ] && touch opened
        [ -e opened ] && break
        sleep 0.05
      done
      [ -e opened ] || exit 9
      sleep 0.2; rm running/c${i}
`;
  return `version: "1"\nchecks:\n${Array.from({ length: n }, (_, i) => check(i)).join('')}`;
}

const seen = (dir: string, n: number) => Array.from({ length: n }, (_, i) => Number(readFileSync(join(dir, `c${i}.seen`), 'utf8').trim()));

describe('the default -p', () => {
  it('fanout.yaml: as many checks at once as the CPUs fanout may use, no more', async () => {
    const cpus = usableCpus();
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), config(cpus + 1, cpus));
    const result = await runCli(['check'], { cwd: dir });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(Math.max(...seen(dir, cpus + 1))).toBeLessThanOrEqual(cpus);
  }, 120_000);

  it('vibeguard.yaml: 4 at once, as VibeGuard', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'vibeguard.yaml'), config(5, 4));
    const result = await runCli(['check'], { cwd: dir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Math.max(...seen(dir, 5))).toBeLessThanOrEqual(4);
  }, 120_000);
});
