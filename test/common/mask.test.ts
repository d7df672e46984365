// Secret masking: whole values anywhere, and the pieces of a value that an output's cut (head and tail kept, the middle
// dropped) split in two, which no whole-value match finds.
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/common/mask.js';
import { OutputBuffer } from '../../src/exec/output-buffer.js';

const SECRET = 'hunter2hunter2';
const mask = createMasker({ DB_PASSWORD: SECRET, HOME: '/root' });

describe('createMasker', () => {
  it('masks whole values, longest first, and leaves other text alone', () => {
    expect(mask(`user=admin pass=${SECRET} home=/root`)).toBe('user=admin pass=*** home=/root');
    expect(createMasker({ HOME: '/root' })('no secrets')).toBe('no secrets');
  });

  it('masks the pieces of a secret on either side of a cut, wherever the cut falls', () => {
    for (let split = 1; split < SECRET.length; split++) {
      const text = `aaaa ${SECRET.slice(0, split)}\n[... 1234 bytes dropped ...]\n${SECRET.slice(split)} bbbb`;
      const masked = mask(text);
      // A piece of one character is left (it matches by chance too often to mask); any longer one is masked.
      expect(masked.includes(SECRET.slice(0, split)) && split >= 2, `head piece of ${split}`).toBe(false);
      expect(masked.includes(SECRET.slice(split)) && SECRET.length - split >= 2, `tail piece of ${SECRET.length - split}`).toBe(false);
      expect(masked).toMatch(/^aaaa .*\n\[\.\.\. 1234 bytes dropped \.\.\.\]\n.* bbbb$/);
    }
  });

  it('masks what an output buffer kept of a secret repeated across its cut', () => {
    const buffer = new OutputBuffer(1000);
    buffer.push(0, Buffer.from(`${`xx ${SECRET} `.repeat(2000)}end\n`));
    const masked = mask(buffer.toString());
    for (let k = 2; k < SECRET.length; k++) {
      // No piece of two or more characters of the secret, at either end of the cut, outside a mask.
      const around = masked.split('bytes dropped ...]\n');
      expect(around[0]!.endsWith(SECRET.slice(0, k))).toBe(false);
      expect(around[1]!.startsWith(SECRET.slice(SECRET.length - k))).toBe(false);
    }
    expect(masked).not.toContain(SECRET);
  });
});
