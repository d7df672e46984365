// For tests of the cache of passed checks: a file's state vouches for its content only once the racy margin passed.
import { statSync } from 'node:fs';

/**
 * Resolves once `path` was last changed more than `marginMs` ago: past the cache's racy margin (50 ms on
 * fine-grained file systems), so its size and times vouch for its content.
 */
export async function settled(path: string, marginMs = 150): Promise<void> {
  for (;;) {
    const { mtimeMs, ctimeMs } = statSync(path);
    const age = Date.now() - Math.max(mtimeMs, ctimeMs);
    if (age > marginMs) return;
    await new Promise((resolve) => setTimeout(resolve, marginMs - age + 1));
  }
}
