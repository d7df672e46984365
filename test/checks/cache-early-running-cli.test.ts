// The inputs of the checks without requirements are taken together when the first of them is keyed; from the command
// line (the built CLI, -p 3): when a command of the run is running then, it may write one of those inputs afterwards
// and end without another command starting, so what was taken must not stand at a later check's turn. The moments are
// fixed by files fanout writes: the stat cache (rewritten once the inputs were taken and x1's changed file hashed) and
// the journal (x's end).
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { checkProject } from './git-repo.js';

interface Report {
  checks: Array<{ id: string; status: string; cached?: unknown }>;
}

/** Waits (at most about 30 s, then fails) until `condition` holds, in sh. */
const until = (condition: string): string => `n=0; until ${condition}; do n=$((n+1)); [ $n -gt 1500 ] && exit 9; sleep 0.02; done`;

describe('fanout check -p 3: a command running when the inputs were taken writes one before its check is keyed', () => {
  it('the check is not replayed for the inputs as they were taken: it runs on what the file holds, and fails', async () => {
    // In folders of their own: a change of x1's file leaves the listing below x's folder as the first run found it,
    // so x's inputs are recalled (their digest) when they are taken.
    const files = { 'xd/x.txt': 'ok\n', 'x1d/x1.txt': '1\n' };
    // Without race.on (the first run) the commands take long enough to be ordered before x next time (longest first).
    // x's end in this run's journal: the second in all journals (the first run's is the first).
    const ends = `cat logs/2*/journal.ndjson 2>/dev/null | grep -c '"type":"check:end","time":"[^"]*","id":"x"'`;
    const u2 = `if [ -f race.on ]; then ${until(`[ "$(${ends})" -ge 2 ]`)}; else sleep 0.6; fi`;
    const u = `if [ -f race.on ]; then ${until('! cmp -s logs/cache/stat-*.json stat.before')}; echo BAD > xd/x.txt; else sleep 0.6; fi`;
    const dir = checkProject(
      [
        // Holds L until x ended: x1 waits for it, holding its slot, and starts no command before x's turn.
        '  - id: u2',
        `    run: ${JSON.stringify(u2)}`,
        '    lock: L',
        // Running when the inputs are taken; writes x's input once they were, then ends: its slot goes to x.
        '  - id: u',
        `    run: ${JSON.stringify(u)}`,
        '  - id: x1',
        '    run: "sleep 0.3"',
        '    inputs: [x1d/x1.txt]',
        '    lock: L',
        '  - id: x',
        '    run: "! grep -q BAD xd/x.txt"',
        '    inputs: [xd/x.txt]',
      ],
      files,
      ['race.on', 'stat.before'],
    );
    const check = async (): Promise<Report> => JSON.parse((await runCli(['check', '-p', '3', '--json', '--log-dir', join(dir, 'logs')], { cwd: dir })).stdout) as Report;
    const first = await check();
    expect(first.checks.map((entry) => [entry.id, entry.status])).toEqual([
      ['u2', 'passed'],
      ['u', 'passed'],
      ['x1', 'passed'],
      ['x', 'passed'],
    ]);
    // x1 misses next time (its file changed): it is keyed, its file hashed, and it waits for L.
    writeFileSync(join(dir, 'x1d/x1.txt'), '2\n');
    writeFileSync(join(dir, 'race.on'), '');
    const stats = readdirSync(join(dir, 'logs/cache')).filter((name) => name.startsWith('stat-'));
    expect(stats).toHaveLength(1);
    copyFileSync(join(dir, 'logs/cache', stats[0] as string), join(dir, 'stat.before'));
    const second = await check();
    expect(readFileSync(join(dir, 'xd/x.txt'), 'utf8')).toBe('BAD\n');
    const statuses = Object.fromEntries(second.checks.map((entry) => [entry.id, [entry.status, entry.cached]]));
    expect(statuses).toEqual({ u2: ['passed', undefined], u: ['passed', undefined], x1: ['passed', undefined], x: ['failed', undefined] });
  });
});
