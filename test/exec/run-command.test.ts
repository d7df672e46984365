// The ordinary path: exit status, environment, working directory, shell, stdin, session — and bad arguments.
import { chmodSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/common/errors.js';
import { runCommand } from '../../src/exec/run-command.js';
import { SpawnError } from '../../src/exec/spawn-error.js';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'fanout-exec-run-')));

describe('runCommand', () => {
  it('reports exit code, output and duration', async () => {
    const result = await runCommand('echo out; echo err >&2; exit 3');
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, cancelled: false, outputBytes: 8 });
    expect(result.output.split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result).not.toHaveProperty('error');
  });

  it('reports the signal that ended the shell', async () => {
    expect(await runCommand('kill -USR1 $$')).toMatchObject({ exitCode: null, signal: 'SIGUSR1' });
  });

  it('merges env over process.env', async () => {
    process.env.FANOUT_EXEC_INHERITED = 'inherited';
    try {
      const result = await runCommand('echo "$FANOUT_EXEC_ADDED $FANOUT_EXEC_INHERITED $HOME"', { env: { FANOUT_EXEC_ADDED: 'added' } });
      expect(result.output).toBe(`added inherited ${process.env.HOME}\n`);
      const overridden = await runCommand('echo "$FANOUT_EXEC_INHERITED"', { env: { FANOUT_EXEC_INHERITED: 'override' } });
      expect(overridden.output).toBe('override\n');
    } finally {
      delete process.env.FANOUT_EXEC_INHERITED;
    }
  });

  it('runs in cwd, with the given shell', async () => {
    expect((await runCommand('pwd', { cwd: scratch })).output).toBe(`${scratch}\n`);
    const bash = await runCommand('echo "${BASH_VERSION:+bash}"', { shell: 'bash' });
    expect(bash.output).toBe('bash\n');
  });

  it('runs in a session of its own, without a terminal, with stdin from /dev/null', async () => {
    // /proc/self/stat of the shell: field 6 is the session, 7 the controlling terminal (0: none).
    const result = await runCommand('echo $$; cut -d" " -f6,7 /proc/$$/stat; cat; readlink /proc/$$/fd/0');
    const [pid, sessionAndTty, stdin] = result.output.trim().split('\n');
    expect(sessionAndTty).toBe(`${pid} 0`);
    expect(stdin).toBe('/dev/null');
  });

  it('resolves with a SpawnError when the working directory is missing, and runs nothing', async () => {
    const cwd = join(scratch, 'missing');
    const result = await runCommand('true', { cwd });
    expect(result).toMatchObject({ exitCode: null, signal: null, timedOut: false, cancelled: false, output: '', outputBytes: 0 });
    expect(result.error).toBeInstanceOf(SpawnError);
    expect(result.error).toBeInstanceOf(FanoutError);
    expect(result.error).toMatchObject({ code: 'ERR_SPAWN', reason: 'cwd-missing', path: cwd, command: 'true' });
    expect(result.error?.message).toContain(cwd);
    expect(result.error?.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('tells a working directory that is a file', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    expect((await runCommand('true', { cwd: file })).error).toMatchObject({ reason: 'cwd-not-directory', path: file });
  });

  it('tells a missing shell and a shell that is not executable', async () => {
    expect((await runCommand('true', { shell: '/no/such/shell' })).error).toMatchObject({ reason: 'shell-missing', path: '/no/such/shell' });
    expect((await runCommand('true', { shell: 'no-such-shell-anywhere' })).error).toMatchObject({ reason: 'shell-missing' });
    const notExecutable = join(scratch, 'not-executable');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    expect((await runCommand('true', { shell: notExecutable })).error).toMatchObject({ reason: 'shell-not-executable', path: notExecutable });
  });

  it('tells a log file that cannot be opened, before spawning anything', async () => {
    const marker = join(scratch, 'should-not-exist');
    const logFile = join(scratch, 'no-dir', 'x.log');
    const signal = new AbortController().signal;
    const result = await runCommand(`touch '${marker}'`, { logFile, signal });
    expect(result.error).toMatchObject({ code: 'ERR_SPAWN', reason: 'log-file-unwritable', path: logFile });
    expect((await runCommand(`test -e '${marker}'`)).exitCode).toBe(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects bad arguments with a TypeError naming the argument', async () => {
    await expect(runCommand(42 as unknown as string)).rejects.toThrow(new TypeError('command must be a non-empty string without NUL characters, received 42'));
    await expect(runCommand('  ')).rejects.toThrow(/^command must be a non-empty string/);
    await expect(runCommand('echo a\0b')).rejects.toThrow(TypeError);
    await expect(runCommand('true', 'x' as never)).rejects.toThrow('options must be an object or undefined, received "x"');
    await expect(runCommand('true', { timeoutMs: 0 })).rejects.toThrow('options.timeoutMs must be an integer >= 1 or Infinity, received 0');
    await expect(runCommand('true', { killGraceMs: -1 })).rejects.toThrow('options.killGraceMs must be an integer >= 0 or Infinity, received -1');
    await expect(runCommand('true', { pipeGraceMs: -1 })).rejects.toThrow('options.pipeGraceMs must be an integer >= 0 or Infinity, received -1');
    await expect(runCommand('true', { pipeGraceMs: Number.NaN })).rejects.toThrow('options.pipeGraceMs must be an integer >= 0 or Infinity, received NaN');
    await expect(runCommand('true', { maxOutputBytes: 1.5 })).rejects.toThrow('options.maxOutputBytes must be an integer >= 0 or Infinity, received 1.5');
    await expect(runCommand('true', { cwd: '' })).rejects.toThrow('options.cwd must be a non-empty string');
    await expect(runCommand('true', { env: { A: 1 as unknown as string } })).rejects.toThrow('options.env.A must be a string without NUL characters, received 1');
    await expect(runCommand('true', { signal: {} as AbortSignal })).rejects.toThrow('options.signal must be an AbortSignal or undefined, received object');
    await expect(runCommand('true', { onOutput: 'x' as never })).rejects.toThrow('options.onOutput must be a function or undefined, received "x"');
  });

  it('treats a timeout beyond what timers support as none', async () => {
    expect(await runCommand('echo ok', { timeoutMs: 2 ** 40 })).toMatchObject({ exitCode: 0, timedOut: false, output: 'ok\n' });
    expect(await runCommand('echo ok', { timeoutMs: Number.POSITIVE_INFINITY })).toMatchObject({ exitCode: 0, timedOut: false });
  });

  it('runs many commands at once', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => runCommand(`echo ${i}`)));
    expect(results.map((result) => result.output)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });
});
