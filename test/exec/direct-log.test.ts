// runCommand's directLog: the log file is the command's stdout and stderr; no pipe is read while it runs, and the
// output is read back from the file once the tree is gone.
import { getEventListeners } from 'node:events';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/exec/output-buffer.js';
import { runCommand } from '../../src/exec/run-command.js';
import { sessionMembers } from './proc.js';

const logFile = () => join(mkdtempSync(join(tmpdir(), 'fanout-direct-')), 'check.log');

describe('runCommand directLog', () => {
  it('gives the command the log file as stdout and stderr: the exact order of its writes, in the log and the output', async () => {
    const log = logFile();
    const script = 'i=0; while [ $i -lt 200 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; [ -f /dev/stdout ] && echo "a regular file"';
    const expected = `${Array.from({ length: 200 }, (_, i) => `out ${i}\nerr ${i}\n`).join('')}a regular file\n`;
    const result = await runCommand(script, { directLog: true, logFile: log });
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false, output: expected, outputBytes: Buffer.byteLength(expected) });
    expect(result.logError).toBeUndefined();
    expect(readFileSync(log, 'utf8')).toBe(expected);
  });

  it('keeps in the output what the bounded buffer keeps of the same bytes; the log keeps everything', async () => {
    const log = logFile();
    // ~60 KB with two-byte characters, against a 1000-byte cap: head, marker, tail, cut at character boundaries.
    const result = await runCommand('i=0; while [ $i -lt 2000 ]; do echo "é line $i üü"; i=$((i+1)); done', { directLog: true, logFile: log, maxOutputBytes: 1000 });
    const all = readFileSync(log);
    const expected = new OutputBuffer(1000);
    expected.push(0, all);
    expect(result.outputBytes).toBe(all.length);
    expect(all.toString()).toContain('é line 1999 üü\n');
    expect(result.output).toBe(expected.toString());
    expect(result.output).toMatch(/^é line 0 üü\n[^]*\[\.\.\. \d+ bytes dropped \.\.\.\]\n[^]*é line 1999 üü\n$/);
  });

  it('runs the command as plain -c (no exec 2>&1 line, even with mergeStderr): a syntax error names its own line', async () => {
    const plain = await runCommand('echo first\nif then');
    expect(plain.output).toMatch(/\b2: Syntax error/);
    for (const mergeStderr of [false, true]) {
      const result = await runCommand('echo first\nif then', { directLog: true, mergeStderr, logFile: logFile() });
      expect(result.exitCode).toBe(plain.exitCode);
      expect(result.output).toBe(plain.output);
    }
  });

  it('reports a command killed by a signal, with what it wrote before', async () => {
    expect(await runCommand('echo before; kill -9 $$', { directLog: true, logFile: logFile() })).toMatchObject({ exitCode: null, signal: 'SIGKILL', output: 'before\n' });
  });

  it('terminates background processes when the shell exits; nothing of the session lives on', async () => {
    let sid = 0;
    const result = await runCommand('sleep 300 & echo "$!"', { directLog: true, logFile: logFile(), onSpawn: (pid) => (sid = pid) });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(result.output).toMatch(/^\d+\n$/);
    expect(sid).toBeGreaterThan(0);
    expect(sessionMembers(sid)).toEqual([]);
  });

  it('terminates the tree on timeout and on abort; no listener is left on the signal', async () => {
    const timedOut = await runCommand('echo started; sleep 300', { directLog: true, logFile: logFile(), timeoutMs: 300, killGraceMs: 100 });
    expect(timedOut).toMatchObject({ timedOut: true, signal: 'SIGTERM', output: 'started\n' });
    const controller = new AbortController();
    let sid = 0;
    const cancelled = await runCommand('echo started; sleep 300', {
      directLog: true,
      logFile: logFile(),
      signal: controller.signal,
      onSpawn: (pid) => {
        sid = pid;
        controller.abort();
      },
    });
    expect(cancelled).toMatchObject({ cancelled: true, timedOut: false });
    expect(sessionMembers(sid)).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('creates the log with mode 0600, and makes an existing one 0600', async () => {
    const log = logFile();
    writeFileSync(log, 'old contents that are longer than the new ones\n');
    chmodSync(log, 0o644);
    const result = await runCommand('echo new', { directLog: true, logFile: log });
    expect(result.output).toBe('new\n');
    expect(readFileSync(log, 'utf8')).toBe('new\n');
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  it('appends what a tool writes to /dev/stdout or /dev/stderr opened anew in append mode, after what is there', async () => {
    const result = await runCommand('echo first; echo two >> /dev/stdout; echo three >&2; echo four | tee -a /dev/stderr > /dev/null; echo five', { directLog: true, logFile: logFile() });
    expect(result.output).toBe('first\ntwo\nthree\nfour\nfive\n');
  });

  it('gives an empty output for a log that is not a regular file, and leaves its mode alone', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'fanout-direct-fifo-')), 'fifo');
    execFileSync('mkfifo', ['-m', '644', fifo]);
    // Both ways of logging: neither changes the mode of a FIFO or a device (a test run as root would chmod /dev/null).
    expect(await runCommand('echo gone', { directLog: true, logFile: fifo })).toMatchObject({ exitCode: 0, output: '', outputBytes: 0 });
    expect(statSync(fifo).mode & 0o777).toBe(0o644);
    // Opening a FIFO write-only waits for a reader: the test holds one open.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      expect(await runCommand('true', { logFile: fifo })).toMatchObject({ exitCode: 0, output: '' });
    } finally {
      closeSync(reader);
    }
    expect(statSync(fifo).mode & 0o777).toBe(0o644);
  });

  it('leaves no descriptor open, whatever the way out', async () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 5; i++) {
      await runCommand('echo some output', { directLog: true, logFile: logFile() });
      await runCommand('true', { directLog: true, logFile: logFile(), cwd: join(tmpdir(), 'fanout-no-such-dir-direct') });
      await runCommand('true', { directLog: true, logFile: logFile(), shell: '/no/such/shell' });
      const controller = new AbortController();
      await runCommand('sleep 300', { directLog: true, logFile: logFile(), signal: controller.signal, onSpawn: () => controller.abort() });
      await expect(
        runCommand('sleep 300', {
          directLog: true,
          logFile: logFile(),
          onSpawn: () => {
            throw new Error('onSpawn failed');
          },
        }),
      ).rejects.toThrow('onSpawn failed');
    }
    expect(open()).toBe(before);
  });

  it('reports a command that cannot start as without directLog', async () => {
    const log = logFile();
    const result = await runCommand('true', { directLog: true, logFile: log, cwd: join(tmpdir(), 'fanout-no-such-dir-direct') });
    expect(result.error).toMatchObject({ code: 'ERR_SPAWN', reason: 'cwd-missing' });
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(result).toMatchObject({ exitCode: null, signal: null, output: '', outputBytes: 0 });
  });

  it('refuses directLog without a log file, with onOutput, or not a boolean, naming the argument', async () => {
    await expect(runCommand('true', { directLog: true })).rejects.toThrow(new TypeError('options.directLog must be false or undefined when options.logFile is not given, received true'));
    await expect(runCommand('true', { directLog: true, logFile: logFile(), onOutput: () => {} })).rejects.toThrow(TypeError);
    await expect(runCommand('true', { directLog: true, logFile: logFile(), onOutput: () => {} })).rejects.toThrow(/^options\.onOutput must be undefined with options\.directLog/);
    await expect(runCommand('true', { directLog: 'yes' as unknown as boolean, logFile: logFile() })).rejects.toThrow(new TypeError('options.directLog must be a boolean or undefined, received "yes"'));
  });
});
