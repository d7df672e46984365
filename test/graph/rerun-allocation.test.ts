// Runs the built library (dist/index.js; `npm test` builds it first) in a child process with V8's collection trace:
// what is asserted is the bytes V8 reports allocated, not a timing.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../dist/index.js')).href;

// Reruns of a compiled graph of no-op tasks, then as many tasks run by a loop that awaits each one with a context
// object of its own (what a slot did per task before), each between full collections whose trace line reports what
// was allocated since the previous collection.
const script = `
const { compileGraph } = await import(${JSON.stringify(entry)});
const n = 50000;
const run = () => Promise.resolve();
const tasks = Array.from({ length: n }, (_, i) => ({ id: 't' + i, requires: i % 2 === 1 ? ['t' + (i - 1)] : [], run }));
const graph = compileGraph(tasks);
class Context { constructor(owner, index) { this.owner = owner; this.index = index; this.cache = undefined; } }
const awaitLoop = async () => {
  let next = 0;
  const slot = async () => {
    while (next < n) {
      const i = next++;
      try { await run(new Context(graph, i)); } catch {}
    }
  };
  await Promise.all([slot(), slot(), slot(), slot()]);
};
for (let round = 0; round < 3; round++) { await graph.run({ maxParallel: 4 }); await awaitLoop(); }
for (const [label, once] of [['graph', () => graph.run({ maxParallel: 4 })], ['await', awaitLoop]]) {
  globalThis.gc();
  console.log('<<' + label);
  for (let round = 0; round < 5; round++) await once();
  globalThis.gc();
  console.log(label + '>>');
}
`;

/** Bytes allocated between the markers, from the trace lines printed between them (the last is the closing gc()). */
function allocated(out: string, label: string): number {
  const section = out.slice(out.indexOf(`<<${label}`), out.indexOf(`${label}>>`));
  let sum = 0;
  for (const match of section.matchAll(/allocated=(\d+)/g)) sum += Number(match[1]);
  return sum;
}

describe('a compiled graph rerun', () => {
  it('allocates less per task than a loop that awaits each task', () => {
    // Optimizing on the main thread: under load a background compile job could finish at a different point of each
    // run, and code still running unoptimized allocates more (boxed numbers), which is not what is compared here.
    const flags = ['--expose-gc', '--trace-gc-nvp', '--no-concurrent-recompilation', '--input-type=module'];
    const out = spawnSync(process.execPath, [...flags, '-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out.status, out.stderr).toBe(0);
    const graph = allocated(out.stdout, 'graph');
    const awaited = allocated(out.stdout, 'await');
    // Both are there (a trace that printed nothing would make any comparison pass).
    expect(awaited).toBeGreaterThan(50_000 * 5 * 100);
    expect(graph).toBeGreaterThan(0);
    expect(graph).toBeLessThan(awaited);
  });
});
