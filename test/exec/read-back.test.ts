// Output read back from a log file (runCommand's directLog) is what the output buffer would have kept of the same
// bytes pushed as one chunk: same head, tail, marker and total, whatever the size of the file.
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/exec/output-buffer.js';
import { readBack } from '../../src/exec/read-back.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout-read-back-'));

function readBackFile(bytes: Buffer, maxBytes: number): { text: string; total: number } {
  const file = join(dir, 'log');
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    const output = new OutputBuffer(maxBytes);
    readBack(fd, output);
    return { text: output.toString(), total: output.total };
  } finally {
    closeSync(fd);
  }
}

function pushedWhole(bytes: Buffer, maxBytes: number): { text: string; total: number } {
  const output = new OutputBuffer(maxBytes);
  if (bytes.length > 0) output.push(0, bytes);
  return { text: output.toString(), total: output.total };
}

describe('readBack', () => {
  it('keeps the head and the tail of a file larger than the cap, cut at character boundaries', () => {
    // 'é' is two bytes: a cut anywhere may fall inside one.
    const bytes = Buffer.from(`${'é'.repeat(1000)}\nmiddle\n${'ü'.repeat(1000)}\n`);
    for (const maxBytes of [0, 1, 7, 8, 101, 1000]) {
      const back = readBackFile(bytes, maxBytes);
      expect(back).toEqual(pushedWhole(bytes, maxBytes));
      expect(back.total).toBe(bytes.length);
      expect(back.text).toContain('bytes dropped');
      expect(back.text).not.toContain('\uFFFD');
    }
  });

  it('reads a file within the cap whole', () => {
    const bytes = Buffer.from('line 1\nline 2\n');
    expect(readBackFile(bytes, 1024)).toEqual({ text: 'line 1\nline 2\n', total: 14 });
    expect(readBackFile(bytes, Number.POSITIVE_INFINITY)).toEqual({ text: 'line 1\nline 2\n', total: 14 });
  });

  it('adds nothing for an empty file or one that is not a regular file', () => {
    expect(readBackFile(Buffer.alloc(0), 100)).toEqual({ text: '', total: 0 });
    const fd = openSync('/dev/null', 'r');
    try {
      const output = new OutputBuffer(100);
      readBack(fd, output);
      expect(output.total).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  // 300 cases, each writing and reading back a file: 8 s or more on a loaded 2-core machine.
  it('equals the buffer fed the same bytes in one chunk, for any bytes and any cap', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 400 }).map((text) => Buffer.from(text)),
          fc.uint8Array({ maxLength: 400 }).map((array) => Buffer.from(array)),
        ),
        fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constant(Number.POSITIVE_INFINITY)),
        (bytes, maxBytes) => {
          expect(readBackFile(bytes, maxBytes)).toEqual(pushedWhole(bytes, maxBytes));
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
