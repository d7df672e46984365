import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string; bin: { fanout: string } };

describe('fanout --version', () => {
  it('prints the package version from the built CLI', () => {
    const out = execFileSync(process.execPath, [`${root}${pkg.bin.fanout}`, '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(pkg.version);
  });
});
