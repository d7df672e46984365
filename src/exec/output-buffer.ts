/**
 * The bounded in-memory copy of a command's output: the first quarter of `maxOutputBytes` (the head: how it
 * started) and the last three quarters (the tail: where test runners and compilers print their summary), with a
 * marker counting the bytes dropped between them. Memory stays near `maxOutputBytes` whatever the command prints.
 */
import { StringDecoder } from 'node:string_decoder';

/** 0 = stdout, 1 = stderr. */
export type StreamIndex = 0 | 1;

interface Segment {
  stream: StreamIndex;
  bytes: Buffer;
}

/** Chunks smaller than this are merged with their neighbour, so a trickle of tiny writes does not pile up objects. */
const MERGE_BELOW = 4096;

/** The marker put between head and tail: `[... 998951424 bytes dropped ...]` on a line of its own. */
export function droppedMarker(dropped: number): string {
  return `[... ${dropped} bytes dropped ...]\n`;
}

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Appends `chunk` to `list`, merging it into the last segment when both are small and from the same stream. */
function append(list: (Segment | undefined)[], first: number, stream: StreamIndex, chunk: Buffer): void {
  const last = list.length > first ? list[list.length - 1] : undefined;
  if (last !== undefined && last.stream === stream && last.bytes.length + chunk.length <= MERGE_BELOW) {
    last.bytes = Buffer.concat([last.bytes, chunk]);
  } else {
    list.push({ stream, bytes: chunk });
  }
}

/**
 * Collects the interleaved chunks of stdout and stderr, in the order they were read, within a byte budget.
 *
 * @example
 * ```ts
 * const buffer = new OutputBuffer(8);
 * buffer.push(0, Buffer.from('0123456789abcdef'));
 * buffer.toString(); // '01\n[... 8 bytes dropped ...]\nabcdef'
 * ```
 */
export class OutputBuffer {
  /** Bytes pushed (or skipped) so far, kept or not. */
  total = 0;
  /** Bytes of the head kept at most: the first quarter of `maxBytes` (all of them when it is Infinity). */
  readonly headLimit: number;
  /** Bytes of the tail kept at most: the rest of `maxBytes` (0 when it is Infinity: the head keeps everything). */
  readonly tailLimit: number;
  private readonly head: Segment[] = [];
  private headBytes = 0;
  private headFull = false;
  /** Segments before tailStart were dropped; their slots are emptied so the bytes can be collected at once. */
  private tail: (Segment | undefined)[] = [];
  private tailStart = 0;
  private tailBytes = 0;

  /** @param maxBytes bytes kept at most (an integer >= 0, or Infinity). */
  constructor(maxBytes: number) {
    this.headLimit = maxBytes === Number.POSITIVE_INFINITY ? maxBytes : Math.floor(maxBytes / 4);
    this.tailLimit = maxBytes === Number.POSITIVE_INFINITY ? 0 : maxBytes - this.headLimit;
  }

  push(stream: StreamIndex, chunk: Buffer): void {
    this.total += chunk.length;
    if (!this.headFull) {
      const room = this.headLimit - this.headBytes;
      if (chunk.length <= room) {
        append(this.head, 0, stream, chunk);
        this.headBytes += chunk.length;
        return;
      }
      // Cut at a character boundary: the bytes of a split character go to the tail instead.
      let cut = room;
      while (cut > 0 && isContinuationByte(chunk[cut])) cut--;
      if (cut > 0) append(this.head, 0, stream, chunk.subarray(0, cut));
      this.headBytes += cut;
      this.headFull = true;
      chunk = chunk.subarray(cut);
    }
    append(this.tail, this.tailStart, stream, chunk);
    this.tailBytes += chunk.length;
    // Keep the shortest suffix of segments holding at least tailLimit bytes; toString trims the first one.
    while (this.tailStart < this.tail.length) {
      const first = this.tail[this.tailStart]!;
      if (this.tailBytes - first.bytes.length < this.tailLimit) break;
      this.tailBytes -= first.bytes.length;
      this.tail[this.tailStart++] = undefined;
    }
    if (this.tailStart > 1024 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
  }

  /**
   * Counts `bytes` that come after everything pushed so far but are never pushed (output read back from a file skips
   * its middle): they are dropped, and the head is closed. What the tail held is dropped with them (the tail is
   * contiguous output, and the bytes after the gap are pushed next).
   */
  skip(bytes: number): void {
    if (bytes <= 0) return;
    this.total += bytes;
    this.headFull = true;
    this.tail = [];
    this.tailStart = 0;
    this.tailBytes = 0;
  }

  /** Head, marker (only when bytes were dropped) and tail, decoded as UTF-8 stream by stream. */
  toString(): string {
    // Fast paths for the common small outputs: nothing, or one segment kept whole.
    if (this.total === 0) return '';
    if (this.head.length === 1 && this.headBytes === this.total) return this.head[0]!.bytes.toString();
    const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')] as const;
    let text = '';
    for (const segment of this.head) text += decoders[segment.stream].write(segment.bytes);
    const tail = this.tail.slice(this.tailStart) as Segment[];
    let kept = this.tailBytes;
    const excess = this.tailBytes - this.tailLimit;
    if (excess > 0 && tail[0] !== undefined) {
      tail[0] = { stream: tail[0].stream, bytes: tail[0].bytes.subarray(excess) };
      kept -= excess;
    }
    let dropped = this.total - this.headBytes - kept;
    if (dropped > 0) {
      text += decoders[0].end() + decoders[1].end();
      // Each stream's first tail segment may begin inside a character whose first bytes were dropped.
      const seen = [false, false];
      for (let i = 0; i < tail.length; i++) {
        const segment = tail[i]!;
        if (seen[segment.stream]) continue;
        seen[segment.stream] = true;
        let skip = 0;
        while (skip < 3 && isContinuationByte(segment.bytes[skip])) skip++;
        if (skip > 0) {
          tail[i] = { stream: segment.stream, bytes: segment.bytes.subarray(skip) };
          dropped += skip;
        }
      }
      text += `${text === '' || text.endsWith('\n') ? '' : '\n'}${droppedMarker(dropped)}`;
    }
    for (const segment of tail) text += decoders[segment.stream].write(segment.bytes);
    return text + decoders[0].end() + decoders[1].end();
  }
}
