// Output: bounded in memory whatever the command prints, complete in the log file and in onOutput, nothing lost
// at the end, decoded as UTF-8 without splitting characters.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/exec/run-command.js';
import { sessionMembers } from './proc.js';

const MiB = 1024 * 1024;

/** How many descriptors this process has open (Linux). */
function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}
const scratch = mkdtempSync(join(tmpdir(), 'fanout-exec-output-'));

function seq(from: number, to: number): string {
  let text = '';
  for (let i = from; i <= to; i++) text += `${i}\n`;
  return text;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('runCommand output', () => {
  it('keeps head and tail of 1 GB of output, with a marker, and its memory bounded', async () => {
    const total = 1_000_000_000;
    gc();
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers + now.heapUsed);
    }, 2);
    // Lines of x with a final "END", so the tail's end is checkable: 1e9 bytes exactly.
    const result = await runCommand(`head -c ${total - 4} /dev/zero | tr '\\0' x; echo END`);
    clearInterval(sampler);
    gc();
    gc();
    const after = process.memoryUsage(); // the result (1 MiB of output, a heap string) is still referenced
    // Node allocates a fresh buffer for every read, so the peak includes garbage not yet collected (about 35 MiB
    // for a bare child_process reader on this machine); what fanout itself keeps is the cap. An unbounded buffer
    // would hold 1000 MB.
    const peakGrowth = peak - (before.arrayBuffers + before.heapUsed);
    const retainedBuffers = after.arrayBuffers - before.arrayBuffers;
    const retainedHeap = after.heapUsed - before.heapUsed;
    const figures = `peak growth ${(peakGrowth / MiB).toFixed(1)} MiB, retained buffers ${(retainedBuffers / MiB).toFixed(1)} MiB, heap ${(retainedHeap / MiB).toFixed(1)} MiB`;
    console.log(`1 GB run: ${figures}`);
    expect(peakGrowth, figures).toBeLessThan(128 * MiB);
    expect(retainedBuffers, figures).toBeLessThan(4 * MiB);
    expect(retainedHeap, figures).toBeLessThan(16 * MiB);
    expect(result).toMatchObject({ exitCode: 0, outputBytes: total });
    const head = 'x'.repeat(MiB / 4);
    const tail = `${'x'.repeat((3 * MiB) / 4 - 4)}END\n`;
    expect(result.output).toBe(`${head}\n[... ${total - MiB} bytes dropped ...]\n${tail}`);
  }, 120_000); // moving 1 GB through a pipe takes 15-20 s on a loaded 2-core machine: this test is about memory

  it('keeps everything up to maxOutputBytes, and cuts at the cap exactly', async () => {
    const small = await runCommand('head -c 1000 /dev/zero | tr "\\0" a', { maxOutputBytes: 1000 });
    expect(small.output).toBe('a'.repeat(1000));
    const over = await runCommand('head -c 1001 /dev/zero | tr "\\0" a', { maxOutputBytes: 1000 });
    expect(over.output).toBe(`${'a'.repeat(250)}\n[... 1 bytes dropped ...]\n${'a'.repeat(750)}`);
    expect(over.outputBytes).toBe(1001);
    const none = await runCommand('echo hello', { maxOutputBytes: 0 });
    expect(none).toMatchObject({ output: '[... 6 bytes dropped ...]\n', outputBytes: 6 });
  });

  it('writes the full output to logFile with mode 0600, even when the file existed with another mode', async () => {
    const logFile = join(scratch, 'full.log');
    writeFileSync(logFile, 'stale content that must be truncated\n'.repeat(1000), { mode: 0o644 });
    const expected = seq(1, 300_000);
    const result = await runCommand('seq 1 300000; echo oops >&2', { logFile, maxOutputBytes: 4096 });
    expect(result.outputBytes).toBe(expected.length + 5);
    expect(result.output.length).toBeLessThan(4200);
    expect(result.logError).toBeUndefined();
    const log = readFileSync(logFile, 'utf8');
    // stderr may be read before the last stdout chunk: compare each stream's bytes.
    expect(log.replace('oops\n', '')).toBe(expected);
    expect(log).toContain('oops\n');
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
  });

  it('loses nothing when the log file is slow: reading pauses, and the end-of-file waits do not run meanwhile', async () => {
    // A FIFO whose reader only starts reading after 500 ms plays a slow disk: the output (less than the pipe holds) waits in the pipe
    // while fanout waits for the log to drain, and the shell exits meanwhile.
    const fifo = join(scratch, 'slow.fifo');
    const copy = join(scratch, 'slow.copy');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('sh', ['-c', `exec 3<'${fifo}'; sleep 0.5; cat <&3 > '${copy}'`], { stdio: 'ignore' });
    const readerDone = new Promise((resolve) => reader.once('exit', resolve));
    const result = await runCommand(`head -c 120000 /dev/zero | tr '\\0' q`, { logFile: fifo });
    await readerDone;
    expect(result).toMatchObject({ exitCode: 0, outputBytes: 120_000, output: 'q'.repeat(120_000) });
    expect(result.logError).toBeUndefined();
    expect(readFileSync(copy, 'utf8')).toBe('q'.repeat(120_000));
  });

  it('a silent command still leaves its log: created, empty, mode 0600, closed, when the promise resolves', async () => {
    const fresh = join(scratch, 'silent-new.log');
    const stale = join(scratch, 'silent-stale.log');
    writeFileSync(stale, 'old run\n', { mode: 0o644 });
    const before = openDescriptors();
    const results = await Promise.all([runCommand('true', { logFile: fresh }), runCommand('exit 3', { logFile: stale })]);
    expect(results.map((r) => [r.exitCode, r.outputBytes, r.logError])).toEqual([
      [0, 0, undefined],
      [3, 0, undefined],
    ]);
    for (const file of [fresh, stale]) {
      expect(readFileSync(file, 'utf8')).toBe('');
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(openDescriptors()).toBe(before); // no descriptor left open by the unused log
  });

  it('output that starts late (after a silent while) is complete in the log', async () => {
    const logFile = join(scratch, 'late.log');
    const result = await runCommand('sleep 0.05; echo late; echo err >&2', { logFile });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(logFile, 'utf8').split('\n').sort()).toEqual(['', 'err', 'late']);
  });

  it('creates a new log file with mode 0600 whatever the umask', async () => {
    const logFile = join(scratch, 'new.log');
    const previous = process.umask(0o000);
    try {
      await runCommand('echo hi', { logFile });
    } finally {
      process.umask(previous);
    }
    expect(readFileSync(logFile, 'utf8')).toBe('hi\n');
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
  });

  it('streams every chunk to onOutput in order, per stream', async () => {
    const chunks: Array<[string, string]> = [];
    const result = await runCommand('seq 1 100000; seq 1 50000 >&2', { onOutput: (chunk, stream) => chunks.push([stream, chunk]) });
    const stdout = chunks.filter(([stream]) => stream === 'stdout').map(([, chunk]) => chunk).join('');
    const stderr = chunks.filter(([stream]) => stream === 'stderr').map(([, chunk]) => chunk).join('');
    expect(stdout).toBe(seq(1, 100_000));
    expect(stderr).toBe(seq(1, 50_000));
    expect(chunks.length).toBeGreaterThan(1);
    // output holds the same chunks in the same order, as long as nothing was dropped.
    expect(result.output).toBe(chunks.map(([, chunk]) => chunk).join(''));
  });

  it('never splits a multi-byte character, in onOutput or in a capped output', async () => {
    const line = 'héllo wörld ✓ 🚀\n';
    const chunks: string[] = [];
    const result = await runCommand(`yes '${line.trimEnd()}' | head -n 40000`, { onOutput: (chunk) => chunks.push(chunk), maxOutputBytes: 10_001 });
    expect(chunks.join('')).toBe(line.repeat(40_000));
    expect(result.output).not.toContain('\uFFFD');
    const [head, tail] = result.output.split(/\n\[\.\.\. \d+ bytes dropped \.\.\.\]\n/);
    expect(line.repeat(40_000).startsWith(head!)).toBe(true);
    expect(line.repeat(40_000).endsWith(tail!)).toBe(true);
  });

  it('keeps output written right before the exit', async () => {
    const result = await runCommand(`head -c 300000 /dev/zero | tr '\\0' z; printf END; exit 7`);
    expect(result).toMatchObject({ exitCode: 7, outputBytes: 300_003 });
    expect(result.output.endsWith('zzzEND')).toBe(true);
  });

  it('keeps output written after the exit event by a background process still holding the pipe', async () => {
    // The subshell waits until the shell is reaped (what precedes Node's exit event), then writes. A grace without
    // end: on a loaded machine the subshell may not run within the default 100 ms, which would terminate it.
    const command = `p=$$; (while kill -0 $p 2>/dev/null; do :; done; echo late; echo late-err >&2) & echo early`;
    const result = await runCommand(command, { pipeGraceMs: Number.POSITIVE_INFINITY });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(result.output).toContain('early\n');
    expect(result.output).toContain('late\n');
    expect(result.output).toContain('late-err\n');
  });

  it('interleaves stdout and stderr in the order read', async () => {
    // Each write waits until fanout has delivered the previous one (onOutput creates the flag file it waits
    // for), so the order across the two pipes is certain; without such a handshake only per-stream order is.
    const dir = mkdtempSync(join(scratch, 'order-'));
    const wait = (name: string) => `while [ ! -e '${dir}/${name}' ]; do sleep 0.01; done`;
    let step = 0;
    const result = await runCommand(`echo one; ${wait('1')}; echo two >&2; ${wait('2')}; echo three`, {
      onOutput: () => writeFileSync(join(dir, String(++step)), ''),
    });
    expect(result.output).toBe('one\ntwo\nthree\n');
  });

  it('rejects with the error onOutput throws, after terminating the tree', async () => {
    const failure = new Error('reporter broke');
    let sid = 0;
    const promise = runCommand('echo $$; sleep 300', {
      onOutput: (chunk) => {
        sid = Number.parseInt(chunk, 10);
        throw failure;
      },
    });
    await expect(promise).rejects.toBe(failure);
    expect(sid).toBeGreaterThan(0);
    expect(sessionMembers(sid)).toEqual([]);
  });
});
