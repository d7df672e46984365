// Runs the built library (dist/index.js; `npm test` builds it first) in a child process with V8's deoptimization
// trace: what is asserted is V8's own account of the run loop, not a timing.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../dist/index.js')).href;

// A compiled graph large enough for V8 to optimize the run loop, run once, then a full collection (the run's objects
// are all garbage by then), then run again. The markers delimit what the collection did.
const script = `
const { compileGraph } = await import(${JSON.stringify(entry)});
const run = () => Promise.resolve();
const tasks = Array.from({ length: 50000 }, (_, i) => ({ id: 't' + i, requires: i > 0 ? ['t' + (i - 1)] : [], run }));
const graph = compileGraph(tasks);
for (let round = 0; round < 4; round++) await graph.run({ maxParallel: 4 });
console.log('<<collect');
globalThis.gc();
console.log('collect>>');
const result = await graph.run({ maxParallel: 4 });
console.log('ok', result.ok);
`;

describe('a compiled graph rerun after a garbage collection', () => {
  it('keeps the optimized run loop: the collection discards no code of the scheduler', () => {
    const out = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-recompilation', '--trace-opt', '--trace-deopt', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('ok true');
    const before = out.stdout.slice(0, out.stdout.indexOf('<<collect'));
    // The slot loop was optimized by then (else there would be nothing to keep, and nothing to assert); compiled on
    // the main thread, so that a loaded machine cannot leave the compile job unfinished.
    expect(before).toMatch(/completed (?:optimizing|compiling) .*#slot/);
    const during = out.stdout.slice(out.stdout.indexOf('<<collect'), out.stdout.indexOf('collect>>'));
    // V8 prints one line per optimized function whose objects' layouts died with the collection.
    const discarded = during.split('\n').filter((line) => line.includes('reason: weak objects'));
    expect(discarded).toEqual([]);
  });
});
