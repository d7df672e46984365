// The output tail as a terminal shows it (carriage returns overwrite), built in time linear in the output whatever
// the shape of its lines: no newline at all, 200 KB lines, progress bars redrawn with \r.
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/common/mask.js';
import { tailLines, visibleLine } from '../../src/common/text.js';
import { OutputBuffer } from '../../src/exec/output-buffer.js';
import { relativeGrowth } from '../helpers/linearity.js';

/** The output path of one check: buffered by chunks, read back as text, masked, cut to its tail. */
function outputPath(chunks: readonly string[], maxBytes = 1024 * 1024): string[] {
  const buffer = new OutputBuffer(maxBytes);
  for (const chunk of chunks) buffer.push(0, Buffer.from(chunk));
  const mask = createMasker({ API_TOKEN: 'hunter22secret' });
  return tailLines(mask(buffer.toString()), 20);
}

describe('carriage returns in the output tail', () => {
  it('leaves what a terminal shows: the last write over each column', () => {
    expect(tailLines('a\rb\rc\n', 20)).toEqual(['c']);
    expect(tailLines('progress 10%\rprogress 100%\ndone\n', 20)).toEqual(['progress 100%', 'done']);
    // A shorter write overwrites only the columns it reaches.
    expect(visibleLine('abcdef\rXY')).toBe('XYcdef');
    expect(visibleLine('abc\rlonger text')).toBe('longer text');
    expect(visibleLine('12345\r12\rabc')).toBe('abc45');
  });

  it('keeps lines that end in \\r\\n whole', () => {
    expect(tailLines('first line\r\nsecond line\r\n', 20)).toEqual(['first line', 'second line']);
    expect(tailLines('a\r\r\nb\r\n', 20)).toEqual(['a', 'b']);
  });

  it('keeps the text before a carriage return at the very end (no newline after it)', () => {
    expect(tailLines('downloading 50%\r', 20)).toEqual(['downloading 50%']);
    expect(tailLines('x\ry\r', 20)).toEqual(['y']);
  });

  it('gives the same lines whatever chunk boundary falls next to a carriage return', () => {
    const text = 'step 1\r\nbar 10%\rbar 99%\rbar done\nlast\r\n';
    const expected = ['step 1', 'bar done', 'last'];
    for (let cut = 0; cut <= text.length; cut++) {
      expect(outputPath([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
    expect(outputPath([...text])).toEqual(expected);
  });

  it('drops half a surrogate pair an overwrite leaves', () => {
    expect(visibleLine('😀z\rx')).toBe('xz');
  });
});

describe('the cost of the output path', () => {
  const shapes: Record<string, (bytes: number) => string> = {
    'no newline': (bytes) => 'a'.repeat(bytes),
    '200 KB lines': (bytes) => ('b'.repeat(200 * 1024 - 1) + '\n').repeat(Math.ceil(bytes / (200 * 1024))).slice(0, bytes),
    'a progress bar redrawn with \\r': (bytes) => 'progress 42%\r'.repeat(Math.ceil(bytes / 13)).slice(0, bytes),
    'short lines': (bytes) => 'ok 1 - test\n'.repeat(Math.ceil(bytes / 12)).slice(0, bytes),
  };

  it.each(Object.keys(shapes))('grows linearly with the output (%s): at 16x the bytes, not 12x slower than passes over them', (shape) => {
    const make = shapes[shape]!;
    // Chunks of 64 KB as a pipe delivers them, into a buffer that keeps them all (8 MB): what it drops costs nothing.
    const chunked = (text: string) => text.match(/[\s\S]{1,65536}/g) ?? [];
    const growth = relativeGrowth(
      (size) => {
        const chunks = chunked(make(size));
        return () => outputPath(chunks, 8 * 1024 * 1024);
      },
      (size) => {
        const chunks = chunked(make(size));
        // A few linear passes over the same bytes: decode, search, split.
        return () => {
          const text = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk))).toString();
          void text.replaceAll('\u001b', '').split('\n').length;
        };
      },
      256 * 1024,
      16,
    );
    // Linear is about 1 (up to 6 seen on a busy machine); quadratic (a regex scanning a line from each of its
    // positions) is 16 and far more.
    expect(growth).toBeLessThan(12);
  });
});
