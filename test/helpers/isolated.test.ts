import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeModulesAbove } from './isolated.js';

describe('nodeModulesAbove', () => {
  let top: string | undefined;
  afterEach(() => {
    if (top !== undefined) rmSync(top, { recursive: true, force: true });
  });

  it('finds a node_modules folder two levels up and ignores one in the folder itself', () => {
    top = mkdtempSync(join(tmpdir(), 'fanout-isolated-'));
    const deep = join(top, 'a', 'b');
    mkdirSync(join(deep, 'node_modules'), { recursive: true });
    expect(nodeModulesAbove(deep)).not.toBe(join(deep, 'node_modules'));
    mkdirSync(join(top, 'node_modules'));
    expect(nodeModulesAbove(deep)).toBe(join(top, 'node_modules'));
  });
});
