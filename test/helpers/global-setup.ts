// Before any test: a dist/ older than src/ is rebuilt (`npm run build`), so the CLI tests never test an old build.
// A failed build stops the run with the build's output rather than test what is there.
// The CLI processes the tests start keep their compile cache in a folder of this run, not in the user's ~/.cache.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBuild } from './built.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export default function setup(): () => void {
  // Set before the test workers start, so they and every process they spawn with the inherited environment see it.
  const cache = mkdtempSync(join(tmpdir(), 'fanout-test-cache-'));
  process.env.XDG_CACHE_HOME = cache;
  const teardown = (): void => rmSync(cache, { recursive: true, force: true });
  const stale = staleBuild(root);
  if (stale === undefined) return teardown;
  process.stderr.write(`dist/ is out of date (${stale}): rebuilding it with npm run build\n`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (build.status !== 0) {
    const how = build.error?.message ?? (build.status !== null ? `exit ${build.status}` : `signal ${build.signal}`);
    throw new Error(`dist/ is out of date (${stale}) and npm run build failed (${how}); the CLI tests run dist/, so no test ran:\n${build.stdout ?? ''}${build.stderr ?? ''}`);
  }
  const still = staleBuild(root);
  if (still !== undefined) throw new Error(`dist/ is still out of date after npm run build (${still}): was a source edited during the build? Run the tests again.`);
  return teardown;
}
