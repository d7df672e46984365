// publishNewFileSync: a file readers see whole or not at all, never put over what is there. The reader that races the
// writer is a real second thread polling the path; the file system without hard links is made by failing link(2).
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publishNewFileSync } from '../../src/common/safe-file.js';
import { tempDir } from '../cli/helpers.js';
import type * as Fs from 'node:fs';

/** When set, link(2) fails with this code (a file system without hard links). */
const links = vi.hoisted(() => ({ failWith: undefined as string | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof Fs>();
  return {
    ...actual,
    linkSync: (existing: string, created: string) => {
      if (links.failWith !== undefined) throw Object.assign(new Error(`${links.failWith}: link '${existing}' -> '${created}'`), { code: links.failWith });
      actual.linkSync(existing, created);
    },
  };
});

afterEach(() => {
  links.failWith = undefined;
});

describe('publishNewFileSync', () => {
  it('writes the file with its mode and leaves nothing else in the folder', () => {
    const dir = tempDir();
    publishNewFileSync(join(dir, 'report.json'), '{"ok":true}\n');
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"ok":true}\n');
    expect(lstatSync(join(dir, 'report.json')).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(dir, 'report.json')).nlink).toBe(1);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('never writes over a file or through a link already there (EEXIST), and removes what it wrote', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'report.json'), 'planted');
    expect(() => publishNewFileSync(join(dir, 'report.json'), 'mine')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('planted');
    const target = join(dir, 'elsewhere');
    symlinkSync(target, join(dir, 'link.json')); // dangling: a write through it would create `elsewhere`
    expect(() => publishNewFileSync(join(dir, 'link.json'), 'mine')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(existsSync(target)).toBe(false);
    expect(readlinkSync(join(dir, 'link.json'))).toBe(target);
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'report.json']);
  });

  it('on a file system without hard links, still writes the file exclusively and leaves nothing else', () => {
    const dir = tempDir();
    links.failWith = 'EPERM';
    publishNewFileSync(join(dir, 'report.json'), 'whole');
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('whole');
    expect(() => publishNewFileSync(join(dir, 'report.json'), 'again')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('throws another error of link(2) after removing what it wrote', () => {
    const dir = tempDir();
    links.failWith = 'EIO';
    expect(() => publishNewFileSync(join(dir, 'report.json'), 'data')).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a reader polling the path sees no file or the whole file, never a part of it', async () => {
    const dir = tempDir();
    const path = join(dir, 'report.json');
    const size = 64 * 1024 * 1024;
    // A second thread reads the path as fast as it can (it says so once it has found no file) until it has read the
    // whole file a few times, counting the reads that found it shorter (a file written in place is seen empty, then growing, for the write's duration).
    const reader = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { readFileSync } = require('node:fs');
       let partial = 0, whole = 0, missing = 0;
       while (whole < 3) {
         try { if (readFileSync(workerData.path).length === workerData.size) whole++; else partial++; }
         catch { if (missing++ === 0) parentPort.postMessage('polling'); }
       }
       parentPort.postMessage({ partial, whole });`,
      { eval: true, workerData: { path, size } },
    );
    try {
      await new Promise((resolve) => reader.once('message', resolve));
      const counts = new Promise((resolve) => reader.once('message', resolve));
      publishNewFileSync(path, Buffer.alloc(size, 'x')); // the reader is polling: it has found no file once
      expect(await counts).toEqual({ partial: 0, whole: 3 });
    } finally {
      await reader.terminate();
    }
  });
});
