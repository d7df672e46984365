/**
 * The commit a coordinator or worker is on: queues are per commit, so both sides must agree on it.
 */
import { execFileSync } from 'node:child_process';

/**
 * The `HEAD` commit of the git checkout at `cwd` (full id), or undefined when `cwd` is not in a git checkout or git
 * is missing. A checkout with uncommitted changes still reports HEAD: workers then run the committed code, so a
 * coordinator with local edits should not dispatch to remote workers (or pass an explicit commit).
 *
 * @example
 * ```ts
 * import { currentCommit, createBullMQExecutor } from 'fanout/distributed';
 * const commit = currentCommit(process.cwd());
 * const executor = createBullMQExecutor({ connection: 'redis://127.0.0.1:6379', ...(commit ? { commit } : {}) });
 * ```
 */
export function currentCommit(cwd: string = process.cwd()): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const commit = out.trim();
    return /^[0-9a-f]{7,64}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}
