// Random bytes for names and keys, without node:crypto: loading it costs milliseconds at every start of a CLI that
// needs nothing else from it.
import { crypto, fs } from './builtins.js';

/**
 * `size` random bytes from the kernel's generator (/dev/urandom, as node:crypto's own), read directly; through
 * node:crypto where the device cannot be read.
 *
 * @example
 * ```ts
 * import { randomBytes } from './random.js';
 *
 * const suffix = randomBytes(3).toString('hex'); // e.g. '3fa2c1'
 * ```
 */
export function randomBytes(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      if (fs.readSync(fd, buffer, 0, size, null) === size) return buffer;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no such device here
  }
  return crypto().randomBytes(size);
}
