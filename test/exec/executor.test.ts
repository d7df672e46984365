import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalExecutor, localExecutor, type CommandSpec, type Executor } from '../../src/exec/executor.js';
import { sessionMembers } from './proc.js';

describe('localExecutor', () => {
  it('runs a spec that went through JSON, with every field applied', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fanout-exec-executor-')));
    const spec: CommandSpec = {
      command: 'pwd; echo "$GREETING"; head -c 5000 /dev/zero | tr "\\0" y; exit 4',
      cwd: dir,
      env: { GREETING: 'hello' },
      shell: '/bin/sh',
      timeoutMs: 60_000,
      killGraceMs: 100,
      maxOutputBytes: 100,
      logFile: join(dir, 'log'),
    };
    const result = await localExecutor.execute(JSON.parse(JSON.stringify(spec)) as CommandSpec);
    expect(result).toMatchObject({ exitCode: 4, outputBytes: dir.length + 1 + 6 + 5000 });
    expect(result.output.startsWith(`${dir}\n`.slice(0, 25))).toBe(true);
    expect(result.output).toMatch(/\[\.\.\. \d+ bytes dropped \.\.\.\]\ny{75}$/);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe(`${dir}\nhello\n${'y'.repeat(5000)}`);
  });

  it('passes the abort signal and onOutput through', async () => {
    const controller = new AbortController();
    let sid = 0;
    const executor: Executor = localExecutor;
    const result = await executor.execute(
      { command: 'echo $$; sleep 300' },
      {
        signal: controller.signal,
        onOutput: (chunk, stream) => {
          expect(stream).toBe('stdout');
          sid = Number.parseInt(chunk, 10);
          controller.abort();
        },
      },
    );
    expect(result).toMatchObject({ cancelled: true, timedOut: false });
    expect(sessionMembers(sid)).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('applies the spec timeout', async () => {
    expect(await localExecutor.execute({ command: 'sleep 300', timeoutMs: 50 })).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
  });

  it('rejects a spec that is not an object', async () => {
    await expect(localExecutor.execute(null as unknown as CommandSpec)).rejects.toThrow('spec must be a CommandSpec object, received null');
  });
});

describe('createLocalExecutor', () => {
  it('snapshotEnv: commands see the environment of the first command, with the spec’s variables over it', async () => {
    const executor = createLocalExecutor({ snapshotEnv: true });
    process.env.FANOUT_SNAPSHOT_TEST = 'before';
    try {
      expect((await executor.execute({ command: 'echo "$FANOUT_SNAPSHOT_TEST"' })).output).toBe('before\n');
      process.env.FANOUT_SNAPSHOT_TEST = 'after';
      process.env.FANOUT_SNAPSHOT_LATE = 'late';
      const result = await executor.execute({ command: 'echo "$FANOUT_SNAPSHOT_TEST ${FANOUT_SNAPSHOT_LATE-unset} $OWN"', env: { OWN: 'own' } });
      expect(result.output).toBe('before unset own\n');
      // The spec's own variables override the snapshot's.
      expect((await executor.execute({ command: 'echo "$FANOUT_SNAPSHOT_TEST"', env: { FANOUT_SNAPSHOT_TEST: 'spec' } })).output).toBe('spec\n');
      // Without the option, the live environment.
      expect((await createLocalExecutor().execute({ command: 'echo "$FANOUT_SNAPSHOT_TEST"' })).output).toBe('after\n');
    } finally {
      delete process.env.FANOUT_SNAPSHOT_TEST;
      delete process.env.FANOUT_SNAPSHOT_LATE;
    }
  });

  it('withheldEnv: the named variables are not inherited (with or without a snapshot); a spec may still set one', async () => {
    process.env.FANOUT_WITHHELD_TEST = 'key';
    process.env.FANOUT_KEPT_TEST = 'kept';
    try {
      const command = 'echo "${FANOUT_WITHHELD_TEST-unset} ${FANOUT_KEPT_TEST-unset}"';
      for (const snapshotEnv of [false, true]) {
        const executor = createLocalExecutor({ snapshotEnv, withheldEnv: ['FANOUT_WITHHELD_TEST'] });
        expect((await executor.execute({ command })).output).toBe('unset kept\n');
        expect((await executor.execute({ command, env: { OWN: 'x' } })).output).toBe('unset kept\n');
        expect((await executor.execute({ command, env: { FANOUT_WITHHELD_TEST: 'given' } })).output).toBe('given kept\n');
      }
      expect((await createLocalExecutor().execute({ command })).output).toBe('key kept\n');
      expect(() => createLocalExecutor({ withheldEnv: 'FANOUT_SECRET' as unknown as string[] })).toThrow(
        new TypeError('options.withheldEnv must be an array of variable names, received "FANOUT_SECRET"'),
      );
    } finally {
      delete process.env.FANOUT_WITHHELD_TEST;
      delete process.env.FANOUT_KEPT_TEST;
    }
  });

  it('mergeStderr: one pipe for both streams, in the order written', async () => {
    const script = 'i=0; while [ $i -lt 100 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done';
    const result = await createLocalExecutor({ mergeStderr: true }).execute({ command: script });
    expect(result.output).toBe(Array.from({ length: 100 }, (_, i) => `o${i}\ne${i}\n`).join(''));
  });

  it('directLog: a spec with a log file writes straight into it, unless the caller wants live output', async () => {
    const executor = createLocalExecutor({ directLog: true });
    // Says what its stdout is: the log file itself, or a pipe (a socket pair) that fanout reads.
    const script = 'echo out; echo err >&2; if [ -f /dev/stdout ]; then echo file; else echo pipe; fi';
    const log = join(mkdtempSync(join(tmpdir(), 'fanout-executor-direct-')), 'check.log');
    const direct = await executor.execute({ command: script, logFile: log });
    expect(direct.output).toBe('out\nerr\nfile\n');
    expect(readFileSync(log, 'utf8')).toBe('out\nerr\nfile\n');
    let live = '';
    const piped = await executor.execute({ command: script, logFile: log }, { onOutput: (chunk) => (live += chunk) });
    // Two pipes: the order across them is not exact, so only what each run's stdout was is asserted.
    expect(piped.output).toContain('pipe\n');
    expect(live).toContain('pipe\n');
    expect((await executor.execute({ command: script })).output).toContain('pipe\n');
    // Without the option, a log file is written by fanout from the pipes.
    expect((await createLocalExecutor().execute({ command: script, logFile: log })).output).toContain('pipe\n');
    expect(readFileSync(log, 'utf8')).toContain('pipe\n');
  });

  it('snapshotEnv: a spec env that is not an object is refused, as without it', async () => {
    for (const executor of [createLocalExecutor(), createLocalExecutor({ snapshotEnv: true })]) {
      for (const env of ['AB', null, ['X=1'], 5]) {
        await expect(executor.execute({ command: 'true', env: env as unknown as Record<string, string> })).rejects.toThrow(TypeError);
      }
    }
    await expect(createLocalExecutor({ snapshotEnv: true }).execute({ command: 'true', env: ['X=1'] as unknown as Record<string, string> })).rejects.toThrow(
      'spec.env must be an object of strings, received array of length 1',
    );
  });

  it('rejects bad options, naming them', () => {
    expect(() => createLocalExecutor(null as unknown as object)).toThrow(new TypeError('options must be an object, received null'));
    expect(() => createLocalExecutor({ snapshotEnv: 1 as unknown as boolean })).toThrow(new TypeError('options.snapshotEnv must be a boolean or undefined, received 1'));
    expect(() => createLocalExecutor({ mergeStderr: 'no' as unknown as boolean })).toThrow(new TypeError('options.mergeStderr must be a boolean or undefined, received "no"'));
    expect(() => createLocalExecutor({ directLog: 0 as unknown as boolean })).toThrow(new TypeError('options.directLog must be a boolean or undefined, received 0'));
  });
});
