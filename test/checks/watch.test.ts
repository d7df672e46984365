// watchChecks on real files and real processes: which checks a change affects, one rerun per burst (the debounce
// driven by the test's own timers), a change cancelling the run still running an affected check, and nothing left
// running or listening once stopped. Every wait is for an event, never a sleep.
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { affectedChecks, watchChecks, type WatchChecksOptions, type WatchEvent, type WatchTimers } from '../../src/checks/index.js';
import { deferred, type Deferred } from '../helpers/deferred.js';
import { tempDir } from '../cli/helpers.js';
import { groupMembers } from '../helpers/proc.js';

function repository(yaml: string): string {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  writeFileSync(join(dir, 'fanout.yaml'), yaml);
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'docs'));
  return dir;
}

/** Starts watchChecks in `dir`; `until` waits for an event matching a predicate (counting from the first). */
function watching(dir: string, options: Partial<WatchChecksOptions> = {}) {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const controller = new AbortController();
  const done = watchChecks({ config: 'fanout.yaml', cwd: dir, parallel: 4, signal: controller.signal, onEvent: (event) => (events.push(event), wake?.()), ...options });
  let over = false;
  done.finally(() => ((over = true), wake?.())).catch(() => undefined);
  const until = async (predicate: (event: WatchEvent) => boolean, count = 1): Promise<WatchEvent[]> => {
    for (;;) {
      const found = events.filter(predicate);
      if (found.length >= count) return found;
      if (over) throw new Error(`watch ended before the event: ${JSON.stringify(events.map((event) => event.type))}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { events, controller, done, until };
}

const runEnds = (event: WatchEvent) => event.type === 'run:end';
const isType =
  <T extends WatchEvent['type']>(type: T) =>
  (event: WatchEvent): event is Extract<WatchEvent, { type: T }> =>
    event.type === type;

describe('affectedChecks', () => {
  const yaml = `checks:
  - id: lint
    run: eslint .
    files: ["src/**"]
  - id: types
    run: tsc
    inputs: ["src/**/*.ts", "!src/**/*.test.ts"]
  - id: test
    run: vitest
    requires: [types]
    inputs: ["test/**"]
  - id: e2e
    run: playwright
    requires: [test]
    files: ["e2e/**"]
  - id: audit
    run: npm audit
`;
  const loaded = loadConfigText(yaml, '/repo/fanout.yaml');
  if (!loaded.ok) throw new Error('bad config');
  const ids = (paths: string[]) => affectedChecks(loaded.config.checks, paths).map((check) => check.id);

  it('takes the checks whose inputs or files match, those declaring neither, and their dependents', () => {
    expect(ids(['src/a.ts'])).toEqual(['lint', 'types', 'test', 'e2e', 'audit']);
    expect(ids(['src/a.test.ts'])).toEqual(['lint', 'audit']); // excluded from types' inputs by "!"
    expect(ids(['e2e/login.spec.ts'])).toEqual(['e2e', 'audit']);
    expect(ids(['README.md'])).toEqual(['audit']);
    expect(ids([])).toEqual([]);
  });
});

describe('watchChecks', () => {
  const config = `checks:
  - id: build
    run: echo build
    files: ["src/**"]
  - id: test
    run: echo test
    requires: [build]
  - id: docs
    run: echo docs
    files: ["docs/**"]
`;

  it('reruns the affected checks and their dependents once the debounce (driven by the test) fires, however many changes came before', async () => {
    const dir = repository(config);
    let scheduled: (() => void) | undefined;
    let armed: Deferred<void> = deferred();
    let cleared = 0;
    const timers: WatchTimers = {
      setTimeout: (callback) => {
        scheduled = callback;
        armed.resolve();
        return callback;
      },
      clearTimeout: (handle) => {
        if (handle === scheduled && scheduled !== undefined) {
          cleared++;
          scheduled = undefined;
        }
      },
    };
    const watch = watching(dir, { timers });
    await watch.until(isType('watch:ready'));
    await watch.until(runEnds);
    writeFileSync(join(dir, 'src/a.ts'), '1');
    await armed.promise;
    armed = deferred();
    writeFileSync(join(dir, 'src/b.ts'), '1');
    await armed.promise;
    expect(cleared).toBe(1); // the second change restarted the quiet time
    expect(watch.events.filter(isType('watch:change'))).toEqual([]);
    scheduled?.();
    const [change] = await watch.until(isType('watch:change'));
    expect(change).toMatchObject({ file_count: 2, checks: ['build', 'test'], cancelled_runs: [] });
    expect([...(change?.type === 'watch:change' ? change.files : [])].sort()).toEqual(['src/a.ts', 'src/b.ts']);
    const starts = await watch.until(isType('run:start'), 2);
    expect(starts[1]?.type === 'run:start' && starts[1].checks.map((check) => check.id)).toEqual(['build', 'test']);
    await watch.until(runEnds, 2);
    watch.controller.abort();
    await watch.done;
    expect(watch.events.filter(isType('run:start'))).toHaveLength(2);
  });

  it('a burst of 1,000 file writes makes one rerun', async () => {
    const dir = repository(config);
    const watch = watching(dir, { debounce: 50 });
    await watch.until(isType('watch:ready'));
    await watch.until(runEnds);
    for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `src/file-${i}.ts`), String(i));
    await watch.until(runEnds, 2);
    // Then one more change: the next rerun is its own, with nothing of the burst left over.
    writeFileSync(join(dir, 'docs/guide.md'), 'x');
    await watch.until(runEnds, 3);
    const changes = watch.events.filter(isType('watch:change'));
    expect(changes.map((change) => [change.file_count, change.checks])).toEqual([
      [1000, ['build', 'test']],
      [1, ['test', 'docs']], // test declares neither inputs nor files: every change affects it
    ]);
    watch.controller.abort();
    await watch.done;
  }, 60_000);

  it('a change affecting a check still running cancels its run and runs it again with what that run left unfinished; stopping leaves no process and no listener', async () => {
    const dir = repository(`checks:
  - id: slow
    run: sleep 300 & wait
    files: ["src/**"]
  - id: other
    run: sleep 300 & wait
    files: ["docs/**"]
  - id: quick
    run: echo quick
    files: ["docs/**"]
`);
    const watch = watching(dir);
    await watch.until(isType('watch:ready'));
    await watch.until((event) => event.type === 'check:spawn', 2);
    await watch.until((event) => event.type === 'check:end' && event.id === 'quick');
    writeFileSync(join(dir, 'src/a.ts'), '1');
    const [change] = await watch.until(isType('watch:change'));
    const [first] = watch.events.filter(isType('run:start'));
    expect(change).toMatchObject({ checks: ['slow', 'other'], cancelled_runs: [first?.run_id] });
    await watch.until(runEnds);
    expect(watch.events.filter(isType('check:end')).map((event) => [event.id, event.status])).toEqual([
      ['quick', 'passed'],
      ['slow', 'cancelled'],
      ['other', 'cancelled'],
    ]);
    const second = (await watch.until(isType('run:start'), 2))[1];
    expect(second?.type === 'run:start' && second.checks.map((check) => check.id)).toEqual(['slow', 'other']);
    await watch.until((event) => event.type === 'check:spawn', 5); // slow, other, quick; then slow, other
    const running = watch.events.filter(isType('check:spawn')).slice(3);
    expect(running.flatMap((event) => groupMembers(event.pgid)).length).toBeGreaterThanOrEqual(2); // the shells and their sleeps
    watch.controller.abort({ kind: 'signal', signal: 'SIGINT' });
    await watch.done;
    const pgids = watch.events.filter(isType('check:spawn')).map((event) => event.pgid);
    expect(pgids).toHaveLength(5);
    expect(pgids.flatMap(groupMembers)).toEqual([]);
    const last = watch.events.at(-1);
    expect(last).toMatchObject({ type: 'run:end', report: { interrupted: 'SIGINT' } });
    expect(getEventListeners(watch.controller.signal, 'abort')).toHaveLength(0);
  }, 60_000);

  it('rejects a bad selection as runChecks does, watching nothing', async () => {
    const dir = repository(config);
    const watch = watching(dir, { ids: ['nope'] });
    await expect(watch.done).rejects.toThrow(/unknown check/);
    expect(watch.events).toEqual([]);
  });

  it('names the wrong argument', async () => {
    await expect(watchChecks({ config: 'x', onEvent: undefined as never })).rejects.toThrow(TypeError);
    await expect(watchChecks({ config: 'x', onEvent: () => {}, debounce: -1 })).rejects.toThrow(/options\.debounce/);
  });
});
