import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localExecutor, type CommandSpec, type Executor } from '../../src/exec/executor.js';
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
