/**
 * Pinned workers: a worker that runs only the checks of its own checkout's config. A job then names a check by id;
 * the worker runs that check's command from its own config, and only when the job's commit and config hash are its
 * own and the job's command is the one its config has. Even a holder of the shared secret cannot make it run
 * anything else.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { PinnedChecks } from './worker.js';

/**
 * SHA-256 (hex) of a config file's bytes: what coordinator and pinned worker compare.
 *
 * @example
 * ```ts
 * import { configHashOf } from 'fanout/distributed';
 * configHashOf(Buffer.from('checks: []\n')).length; // 64
 * ```
 */
export function configHashOf(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A check's folder as a job carries it: relative to `root` (`.` for root itself, `/`-separated) when inside it,
 * absolute otherwise. Coordinator and pinned worker write it the same way, so that their checkouts may live anywhere.
 */
export function wireCwd(root: string, absolute: string): string {
  const inside = relative(root, absolute);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? absolute : inside.split(sep).join('/');
}

/**
 * The {@link PinnedChecks} of a loaded config: its checks by id, their folders relative to the config's folder, the
 * hash of the file's bytes (`bytes`: the file as read) and the checkout's commit.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { configHashOf, currentCommit, pinnedChecksOf, startCheckWorker } from 'fanout/distributed';
 * import { loadConfig } from 'fanout/config';
 * const loaded = await loadConfig({ cwd: process.cwd() });
 * if (loaded.ok) {
 *   const pinned = pinnedChecksOf(loaded.config, readFileSync(loaded.config.file), currentCommit() ?? null);
 *   startCheckWorker({ connection: 'redis://127.0.0.1:6379', root: loaded.config.dir, pinned, commit: pinned.commit ?? undefined });
 * }
 * void configHashOf;
 * ```
 */
export function pinnedChecksOf(config: ResolvedConfig, bytes: Uint8Array | string, commit: string | null): PinnedChecks {
  const checks = new Map<string, { command: string; cwd: string; env: Readonly<Record<string, string>> }>();
  for (const check of config.checks) checks.set(check.id, { command: check.run, cwd: wireCwd(config.dir, check.cwd), env: { ...check.env } });
  return { configHash: configHashOf(bytes), commit, checks };
}
