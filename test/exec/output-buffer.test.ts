import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputBuffer, droppedMarker, type StreamIndex } from '../../src/exec/output-buffer.js';

const MARKER = /\n?\[\.\.\. (\d+) bytes dropped \.\.\.\]\n/;

describe('OutputBuffer', () => {
  it('keeps everything within the cap, in the order pushed', () => {
    const buffer = new OutputBuffer(100);
    buffer.push(0, Buffer.from('out1 '));
    buffer.push(1, Buffer.from('err1 '));
    buffer.push(0, Buffer.from('out2'));
    expect(buffer.toString()).toBe('out1 err1 out2');
    expect(buffer.total).toBe(14);
  });

  it('keeps a quarter as head and three quarters as tail past the cap', () => {
    const buffer = new OutputBuffer(8);
    buffer.push(0, Buffer.from('0123456789abcdef'));
    expect(buffer.toString()).toBe(`01\n${droppedMarker(8)}abcdef`);
  });

  it('keeps nothing but the count with a cap of 0, everything with Infinity', () => {
    const none = new OutputBuffer(0);
    none.push(0, Buffer.from('abc'));
    expect(none.toString()).toBe(droppedMarker(3));
    const all = new OutputBuffer(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) all.push((i % 2) as StreamIndex, Buffer.from(`${i},`));
    expect(all.toString()).toBe(Array.from({ length: 1000 }, (_, i) => `${i},`).join(''));
  });

  it('does not cut a character in two at the head or at the start of the tail', () => {
    const buffer = new OutputBuffer(10); // head 2 bytes, tail 8
    buffer.push(0, Buffer.from('aé€€€€€')); // a(1) é(2) €(3) x5: head cut at byte 2 would split é
    const text = buffer.toString();
    expect(text).not.toContain('\uFFFD');
    const [head, tail] = text.split(MARKER).filter((_, i) => i !== 1);
    expect(head).toBe('a');
    expect(tail).toBe('€€'); // 8 bytes of tail start inside a €, whose leftovers count as dropped
    expect(Number(MARKER.exec(text)![1])).toBe(Buffer.byteLength('aé€€€€€') - 1 - 6);
  });

  it('decodes a character split across chunks of one stream, while the other stream interleaves', () => {
    const buffer = new OutputBuffer(1000);
    const euro = Buffer.from('€');
    buffer.push(0, euro.subarray(0, 1));
    buffer.push(1, Buffer.from('err'));
    buffer.push(0, euro.subarray(1));
    expect(buffer.toString()).toBe('err€');
  });

  it('merges a trickle of tiny chunks, so memory does not grow with their number', () => {
    const buffer = new OutputBuffer(1024 * 1024);
    for (let i = 0; i < 200_000; i++) buffer.push(0, Buffer.from('0123456789'));
    const tail = (buffer as unknown as { tail: unknown[]; tailStart: number });
    expect(tail.tail.length - tail.tailStart).toBeLessThan(300);
    expect(buffer.total).toBe(2_000_000);
  });

  it('property: head is a prefix, tail a suffix, and the marker counts exactly what is missing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<StreamIndex>(0, 1), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 300 })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 2000 }),
        (chunks, cap) => {
          const buffer = new OutputBuffer(cap);
          for (const [stream, text] of chunks) buffer.push(stream, Buffer.from(text));
          const all = chunks.map(([, text]) => text).join('');
          const text = buffer.toString();
          expect(buffer.total).toBe(all.length);
          if (all.length <= cap) {
            expect(text).toBe(all);
            return;
          }
          const match = MARKER.exec(text)!;
          const head = text.slice(0, match.index);
          const tail = text.slice(match.index + match[0].length);
          expect(all.startsWith(head)).toBe(true);
          expect(all.endsWith(tail)).toBe(true);
          expect(head.length).toBe(Math.floor(cap / 4));
          expect(tail.length).toBe(cap - Math.floor(cap / 4));
          expect(Number(match[1])).toBe(all.length - head.length - tail.length);
        },
      ),
    );
  });
});
