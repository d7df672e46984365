// Random bytes for names and keys, without node:crypto: loading it costs milliseconds at every start of a CLI that
// needs nothing else from it.
import { crypto, fs } from './builtins.js';

/**
 * `size` random bytes from the kernel's generator (/dev/urandom), read directly; through node:crypto where it cannot
 * be read whole or is not a character device (a FIFO there would block every start, a regular file repeat its bytes).
 *
 * @example
 * ```ts
 * import { randomBytes } from './random.js';
 *
 * const suffix = randomBytes(3).toString('hex'); // e.g. '3fa2c1'
 * ```
 *
 * @param device - the generator's path; tests give another. @default '/dev/urandom'
 */
export function randomBytes(size: number, device = '/dev/urandom'): Buffer {
  const buffer = Buffer.alloc(size);
  try {
    const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
    const fd = fs.openSync(device, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    try {
      if (fs.fstatSync(fd).isCharacterDevice() && fs.readSync(fd, buffer, 0, size, null) === size) return buffer;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no such device here
  }
  return crypto().randomBytes(size);
}
