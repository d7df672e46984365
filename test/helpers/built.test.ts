// When dist/ counts as out of date (the global setup then rebuilds it before any test).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleBuild } from './built.js';

/** A project tree whose files have the given ages (seconds before now). */
function tree(ages: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'fanout-built-'));
  const now = Date.now() / 1000;
  for (const [file, age] of Object.entries(ages)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
    utimesSync(join(root, file), now - age, now - age);
  }
  return root;
}

const built = { 'dist/index.js': 10, 'dist/cli.js': 9, 'dist/batch-worker.js': 10 };

describe('staleBuild', () => {
  it('is undefined while every input is older than every output', () => {
    const root = tree({ 'src/index.ts': 60, 'src/cli/deep/check.ts': 20, 'tsdown.config.ts': 600, 'package.json': 600, ...built });
    expect(staleBuild(root)).toBeUndefined();
    rmSync(root, { recursive: true });
  });

  it.each([
    ['a source edited after the build, however deep', { 'src/cli/deep/check.ts': 5 }, 'src/cli/deep/check.ts is newer than the build'],
    ['the build configuration edited after the build', { 'tsdown.config.ts': 1 }, 'tsdown.config.ts is newer than the build'],
    ['a source newer than one output only (a build that stopped half way)', { 'src/index.ts': 9.5 }, 'src/index.ts is newer than the build'],
  ])('names the newest input when %s', (_, ages, expected) => {
    const root = tree({ 'src/index.ts': 60, 'src/cli/deep/check.ts': 20, 'tsdown.config.ts': 600, 'package.json': 600, ...built, ...ages });
    expect(staleBuild(root)).toBe(expected);
    rmSync(root, { recursive: true });
  });

  it('names a missing output (never built, or a build under way)', () => {
    const root = tree({ 'src/index.ts': 60, 'dist/index.js': 10, 'dist/batch-worker.js': 10 });
    expect(staleBuild(root)).toBe('dist/cli.js is missing');
    rmSync(root, { recursive: true });
  });
});
