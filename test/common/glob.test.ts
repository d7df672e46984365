import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../../src/common/glob.js';

describe('matchesGlob', () => {
  it.each([
    ['src/a.ts', 'src/*.ts', true],
    ['src/x/a.ts', 'src/*.ts', false],
    ['src/x/a.ts', 'src/**/*.ts', true],
    ['src/a.ts', 'src/**/*.ts', true],
    ['src/a.tsx', 'src/**/*.ts', false],
    ['a.go', '*.go', true],
    ['cmd/deep/main.go', '*.go', true],
    ['cmd/main.go', '/*.go', false],
    ['main.go', './*.go', true],
    ['docs/readme.md', 'docs/', true],
    ['docs/a/b/c.md', 'docs/**', true],
    ['docsx/a.md', 'docs/**', false],
    ['src/a.js', 'src/*.{ts,js}', true],
    ['src/a.rs', 'src/*.{ts,js}', false],
    ['a1.txt', 'a[0-9].txt', true],
    ['ab.txt', 'a[!0-9].txt', true],
    ['a1.txt', 'a[!0-9].txt', false],
    ['a.c', '?.c', true],
    ['ab.c', '?.c', false],
    ['a/b', 'a?b', false],
    ['x.y+z(1).txt', 'x.y+z(1).txt', true],
    ['xay', 'x.y', false],
    ['go.mod', '{go.mod,go.sum}', true],
    ['pkg/go.sum', '{go.mod,go.sum}', true],
    ['a/b/c/d.ts', 'a/**/d.ts', true],
    ['a/d.ts', 'a/**/d.ts', true],
    // A line feed is a character of a name like any other.
    ['src/a\nb.ts', 'src/**', true],
    ['x\ny/a.go', '*.go', true],
    ['docs/a\n/b.md', 'docs/', true],
  ])('%s ~ %s -> %s', (path, glob, expected) => {
    expect(matchesGlob(path, glob)).toBe(expected);
  });

  it('a literal glob matches exactly itself (property)', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.array(segment, { minLength: 1, maxLength: 4 }), (a, b) => {
        const p = a.join('/');
        const q = b.join('/');
        expect(matchesGlob(p, p)).toBe(true);
        expect(matchesGlob(q, '**')).toBe(true);
        if (a.length > 1 && p !== q) expect(matchesGlob(q, p)).toBe(false);
      }),
    );
  });
});
