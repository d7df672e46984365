/**
 * The output of a command that wrote straight into its log file (`runCommand`'s `directLog`), read back from the
 * file once the command is over: only the bytes the output buffer keeps — the head and the tail — whatever the size
 * of the file, so a command that logged gigabytes costs two reads of about `maxOutputBytes` in all.
 */
import { fs } from '../common/builtins.js';
import type { OutputBuffer } from './output-buffer.js';

const { fstatSync, readSync } = fs;

/** A UTF-8 character has at most 3 bytes after its first: reading that many past the head lets it end on a boundary. */
const CHARACTER_TAIL = 3;

/** Up to `length` bytes of the file from `position` (fewer when the file ends first). */
function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, bytes, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return bytes.subarray(0, read);
}

/**
 * Pushes the contents of the file open on `fd` (readable) into `output` as it would have received them as one chunk:
 * the same head, tail, marker and total. A file that is not a regular file (/dev/null, a FIFO) adds nothing.
 * Throws what fstat or read throw.
 */
export function readBack(fd: number, output: OutputBuffer): void {
  const stats = fstatSync(fd);
  const size = stats.size;
  if (!stats.isFile() || size === 0) return;
  if (size <= output.headLimit + output.tailLimit) {
    output.push(0, readAt(fd, 0, size));
    return;
  }
  // The head, and up to 3 bytes more: the buffer cuts it at a character boundary as it would cut one long chunk.
  const headEnd = Math.min(size, output.headLimit + CHARACTER_TAIL);
  output.push(0, readAt(fd, 0, headEnd));
  const tailStart = Math.max(headEnd, size - output.tailLimit);
  output.skip(tailStart - headEnd);
  output.push(0, readAt(fd, tailStart, size - tailStart));
}
