// displayPath's fast path (a normalized path under a normalized cwd) must answer exactly what path.relative gives.
import { isAbsolute, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayPath } from '../../src/common/text.js';

/** The definition: relative to cwd when inside it, else as given. */
function reference(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

describe('displayPath', () => {
  it('gives the tail of a log file under the working directory, and the path itself outside it', () => {
    expect(displayPath('/work/p/.fanout/runs/r1/lint.log', '/work/p')).toBe('.fanout/runs/r1/lint.log');
    expect(displayPath('/work/p', '/work/p')).toBe('/work/p');
    expect(displayPath('/work/pq/a.log', '/work/p')).toBe('/work/pq/a.log');
    expect(displayPath('/work/p/../q/a.log', '/work/p')).toBe('/work/p/../q/a.log');
    expect(displayPath('/work/p/..a/b.log', '/work/p')).toBe('/work/p/..a/b.log'); // as relative() then says
    expect(displayPath('/a/b.log', '/')).toBe('a/b.log');
  });

  it('agrees with path.relative on any paths, normalized or not', () => {
    const segment = fc.constantFrom('', '.', '..', 'a', 'b', '..a', '.b', 'a.log', 'p');
    const path = fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(path, path, fc.array(segment, { maxLength: 4 }), (cwd, other, tail) => {
        const under = `${cwd}/${tail.join('/')}`;
        expect(displayPath(under, cwd)).toBe(reference(under, cwd));
        expect(displayPath(other, cwd)).toBe(reference(other, cwd));
      }),
      { numRuns: 3000 },
    );
  });
});
