// runCommand's lean options for runners that spawn many commands: one pipe for stdout and stderr (`mergeStderr`), and
// a whole environment passed as it is (`extendEnv: false`).
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/exec/run-command.js';

afterEach(() => {
  delete process.env.FANOUT_MERGE_TEST;
});

describe('runCommand mergeStderr', () => {
  it('keeps the exact order of writes to stdout and stderr, in the output and in the log', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'fanout-merge-')), 'check.log');
    // Alternating writes with no pause between them: two pipes may read them in either order, one pipe cannot.
    const script = 'i=0; while [ $i -lt 200 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done';
    const expected = Array.from({ length: 200 }, (_, i) => `out ${i}\nerr ${i}\n`).join('');
    const result = await runCommand(script, { mergeStderr: true, logFile: log });
    expect(result.exitCode).toBe(0);
    expect(result.output).toBe(expected);
    expect(result.outputBytes).toBe(Buffer.byteLength(expected));
    expect(readFileSync(log, 'utf8')).toBe(expected);
  });

  it('runs the command as -c does: same $0, no positional parameters, no variable of its own, same exit status', async () => {
    const command = 'echo "$0|$#|$*|${__fanout_command-unset}"; exit 7';
    const plain = await runCommand(command);
    const merged = await runCommand(command, { mergeStderr: true });
    expect(merged.output).toBe(plain.output);
    expect(merged.output).toBe('/bin/sh|0||unset\n');
    expect(merged.exitCode).toBe(7);
    expect(plain.exitCode).toBe(7);
  });

  it('puts a syntax error of the command into the output, with the shell’s exit status (its lines counted from 2)', async () => {
    const result = await runCommand('echo first\nif then', { mergeStderr: true });
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/^first\n.*\b3: Syntax error/);
    const plain = await runCommand('echo first\nif then');
    expect(plain.output).toMatch(/\b2: Syntax error/);
  });

  it('reports a command killed by a signal as without it', async () => {
    for (const mergeStderr of [false, true]) {
      expect(await runCommand('echo before; kill -9 $$', { mergeStderr })).toMatchObject({ exitCode: null, signal: 'SIGKILL', output: 'before\n' });
    }
  });

  it('names every chunk stdout to onOutput', async () => {
    const streams = new Set<string>();
    let text = '';
    const result = await runCommand('echo a; echo b >&2; echo c', {
      mergeStderr: true,
      onOutput: (chunk, stream) => {
        streams.add(stream);
        text += chunk;
      },
    });
    expect(result.output).toBe('a\nb\nc\n');
    expect(text).toBe('a\nb\nc\n');
    expect([...streams]).toEqual(['stdout']);
  });

  it('terminates the tree on timeout as without it', async () => {
    const result = await runCommand('echo started; sleep 300', { mergeStderr: true, timeoutMs: 100, killGraceMs: 100 });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGTERM', output: 'started\n' });
  });

  it('rejects a non-boolean value, naming it', async () => {
    await expect(runCommand('true', { mergeStderr: 'yes' as unknown as boolean })).rejects.toThrow(
      new TypeError('options.mergeStderr must be a boolean or undefined, received "yes"'),
    );
  });
});

describe('runCommand extendEnv', () => {
  it('false: env is the whole environment, process.env is not inherited', async () => {
    process.env.FANOUT_MERGE_TEST = 'inherited';
    const result = await runCommand('echo "${FANOUT_MERGE_TEST-absent} $ONLY"', { extendEnv: false, env: { ONLY: 'given', PATH: process.env.PATH ?? '' } });
    expect(result.output).toBe('absent given\n');
  });

  it('false without env: an empty environment', async () => {
    const result = await runCommand('echo "${HOME-none}"', { extendEnv: false });
    expect(result.output).toBe('none\n');
  });

  it('true (the default): env is merged over process.env', async () => {
    process.env.FANOUT_MERGE_TEST = 'inherited';
    const result = await runCommand('echo "$FANOUT_MERGE_TEST $ADDED"', { extendEnv: true, env: { ADDED: 'added' } });
    expect(result.output).toBe('inherited added\n');
  });

  it('checks the variables of a whole environment, a frozen one too', async () => {
    await expect(runCommand('true', { extendEnv: false, env: { A: 1 as unknown as string } })).rejects.toThrow(
      'options.env.A must be a string without NUL characters, received 1',
    );
    const frozen = Object.freeze({ B: 'x\0y' });
    await expect(runCommand('true', { extendEnv: false, env: frozen })).rejects.toThrow('options.env.B must be a string without NUL characters');
    // A frozen environment found valid once is passed on as it is afterwards.
    const good = Object.freeze({ C: 'c', PATH: process.env.PATH ?? '' });
    expect((await runCommand('echo $C', { extendEnv: false, env: good })).output).toBe('c\n');
    expect((await runCommand('echo $C', { extendEnv: false, env: good })).output).toBe('c\n');
  });

  it('checks again a frozen environment whose variables could still change (inherited ones, getters)', async () => {
    const inherited: Record<string, string> = { X: 'a' };
    const env = Object.freeze(Object.assign(Object.create(inherited) as Record<string, string>, { PATH: process.env.PATH ?? '' }));
    expect((await runCommand('echo $X', { extendEnv: false, env })).output).toBe('a\n');
    inherited.X = 'b\0';
    await expect(runCommand('echo $X', { extendEnv: false, env })).rejects.toThrow('options.env.X must be a string without NUL characters');
    // Read twice per command (the check, then the spawn); from the third read on, a NUL: a cached check would miss it.
    let calls = 0;
    const getter = Object.freeze({
      get Y(): string {
        calls++;
        return calls > 2 ? 'y\0' : 'y';
      },
    });
    expect((await runCommand('true', { extendEnv: false, env: getter })).exitCode).toBe(0);
    await expect(runCommand('true', { extendEnv: false, env: getter })).rejects.toThrow('options.env.Y must be a string without NUL characters');
  });

  it('refuses variable names a process environment cannot hold, with or without extendEnv', async () => {
    for (const extendEnv of [true, false]) {
      await expect(runCommand('true', { extendEnv, env: { 'A\0B': '1' } })).rejects.toThrow(new TypeError('options.env must be variable names without NUL or "=" characters, received "A\\u0000B"'));
      await expect(runCommand('true', { extendEnv, env: { 'A=B': '1' } })).rejects.toThrow(new TypeError('options.env must be variable names without NUL or "=" characters, received "A=B"'));
    }
  });

  it('rejects a non-boolean value, naming it', async () => {
    await expect(runCommand('true', { extendEnv: 0 as unknown as boolean })).rejects.toThrow(new TypeError('options.extendEnv must be a boolean or undefined, received 0'));
  });
});

describe('runCommand: one abort listener per signal', () => {
  it('many commands on one signal: one listener while they run, none after; aborting cancels every one', async () => {
    const controller = new AbortController();
    const runs = [1, 2, 3].map(() => runCommand('sleep 300', { signal: controller.signal, killGraceMs: 100 }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    for (const result of await Promise.all(runs)) expect(result).toMatchObject({ cancelled: true, signal: 'SIGTERM' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('the listener goes once the last command on the signal ends, and comes back for the next', async () => {
    const controller = new AbortController();
    await Promise.all([runCommand('true', { signal: controller.signal }), runCommand('sleep 0.05', { signal: controller.signal })]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const next = runCommand('sleep 300', { signal: controller.signal, killGraceMs: 100 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(await next).toMatchObject({ cancelled: true });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('an abort from onSpawn (the signal aborted while the command starts) cancels it', async () => {
    const controller = new AbortController();
    const result = await runCommand('sleep 300', { signal: controller.signal, killGraceMs: 100, onSpawn: () => controller.abort() });
    expect(result).toMatchObject({ cancelled: true, signal: 'SIGTERM' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
