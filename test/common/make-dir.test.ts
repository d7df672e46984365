import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDir, makeDirSync } from '../../src/common/make-dir.js';

describe.each([
  ['makeDir', (path: string) => makeDir(path)],
  ['makeDirSync', (path: string) => Promise.resolve().then(() => makeDirSync(path))],
])('%s', (_name, make) => {
  it('creates every missing folder with mode 0700 and accepts folders that exist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fanout-mkdir-'));
    const deep = join(root, 'a', 'b', 'c');
    await make(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    await make(deep); // again: nothing to do
    await make(root);
  });

  it('fails with ENOTDIR when a component is a file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fanout-mkdir-'));
    writeFileSync(join(root, 'file'), '');
    await expect(make(join(root, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's recursive mkdir never settles here (the kernel answers ENOENT): this must fail, not hang.
  it.runIf(existsSync('/proc/self'))('fails under /proc instead of hanging', async () => {
    await expect(make('/proc/fanout-no-such/logs')).rejects.toMatchObject({ code: expect.any(String) as unknown });
  });
});
