// A worker's job log: secrets masked even when split across reads or across the pieces of a line without newline,
// in time linear in the output (a program that never prints a newline must not cost quadratic time or memory).
import { describe, expect, it } from 'vitest';
import { secretMasker } from '../../src/distributed/secrets.js';
import { MaskedLog } from '../../src/distributed/worker.js';
import { relativeGrowth } from '../helpers/linearity.js';

const SECRETS = ['hunter2-secret-value', 'tok-12345'];

/** Feeds `text` to a MaskedLog in chunks of `size` and returns what it wrote. */
async function through(text: string, size: number): Promise<string> {
  let written = '';
  const stream = {
    write: (data: string) => ((written += data), true),
    end: (done: () => void) => done(),
  } as unknown as ConstructorParameters<typeof MaskedLog>[0];
  const log = new MaskedLog(stream, secretMasker(SECRETS), SECRETS);
  for (let at = 0; at < text.length; at += size) log.write(text.slice(at, at + size), 'stdout');
  await log.end();
  return written;
}

describe('MaskedLog', () => {
  it('masks secrets split across reads and across the pieces of a long line, whatever the chunk size', async () => {
    const mask = secretMasker(SECRETS);
    // 300 KB without a newline, secrets everywhere, including across every 64 KB boundary.
    let text = '';
    while (text.length < 300_000) text += `${'x'.repeat(997 + (text.length % 13))}${SECRETS[text.length % 2]}`;
    text += '\nlast line tok-12345\n';
    for (const size of [1, 7, 4096, 65_536, 100_003]) {
      const written = await through(size === 1 ? text.slice(0, 20_000) : text, size);
      expect(written).toBe(mask(size === 1 ? text.slice(0, 20_000) : text));
      expect(written).not.toMatch(/hunter2|tok-1/);
    }
  });

  it('costs time linear in the output without newlines: at 16x the bytes, not 12x slower than masking them at once', () => {
    const mask = secretMasker(SECRETS);
    const growth = relativeGrowth(
      (size) => {
        const text = 'y'.repeat(size);
        return () => void through(text, 1024);
      },
      (size) => {
        const text = 'y'.repeat(size);
        return () => void mask(text).length;
      },
      128 * 1024,
      16,
    );
    // Linear is about 1; rescanning the pending line at each read is 16 and more.
    expect(growth).toBeLessThan(12);
  });
});
