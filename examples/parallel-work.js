// @ts-check
// A tour of fanout's concurrency core doing visible parallel work. Run it with `npm run example`.
import { ParallelError, Semaphore, processParallel, runWithConcurrency } from 'fanout';

const t0 = performance.now();
const at = () => `${String(Math.round(performance.now() - t0)).padStart(5)} ms`;
/** @param {number} ms @param {AbortSignal} [signal] */
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    }, { once: true });
  });

console.log('1. processParallel: 8 downloads, 3 at a time, results in input order');
const files = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt', 'g.txt', 'h.txt'];
const { results } = await processParallel(
  files,
  async (file, { index }) => {
    console.log(`${at()}  start  ${file}`);
    await sleep(60 + ((index * 37) % 5) * 30);
    return `${file}: ${(index + 1) * 1024} bytes`;
  },
  { workers: 3, onProgress: (done, total) => console.log(`${at()}  done   ${done}/${total}`) },
);
console.log(results);

console.log('\n2. runWithConcurrency: fail-fast — task 2 fails, running siblings are cancelled, nothing new starts');
const outcome = await runWithConcurrency({
  tasks: [0, 1, 2, 3, 4, 5].map((i) => async (signal) => {
    console.log(`${at()}  task ${i} started`);
    try {
      await sleep(i === 2 ? 50 : 200, signal);
    } catch {
      console.log(`${at()}  task ${i} cancelled`);
      return { i, ok: false, cancelled: true };
    }
    return { i, ok: i !== 2, cancelled: false };
  }),
  maxConcurrency: 3,
  isFailed: (r) => !r.ok && !r.cancelled,
});
console.log(`firstFailureIndex=${outcome.firstFailureIndex}, settled=${outcome.results.length} of 6`);

console.log('\n3. collect-all mode: failures are grouped by message');
try {
  await processParallel(
    Array.from({ length: 6 }, (_, i) => i),
    async (n) => {
      await sleep(10);
      if (n % 3 === 0) throw new Error('connection refused');
      if (n === 4) throw new Error('timeout exceeded');
      return n;
    },
    { failFast: false, workers: 6 },
  ).then(({ results: ok, errors }) => console.log(`partial success: ${ok.join(', ')}; ${errors.length} failed:`, errors.map((e) => e.message)));
  await processParallel([1, 2, 3], () => Promise.reject(new Error('connection refused')), { failFast: false });
} catch (error) {
  if (error instanceof ParallelError) console.log(`${error.code}: ${error.message}`);
}

console.log('\n4. Semaphore: two permits shared by five workers');
const semaphore = new Semaphore(2);
await Promise.all(
  [1, 2, 3, 4, 5].map((n) =>
    semaphore.run(async () => {
      console.log(`${at()}  worker ${n} holds a permit (${semaphore.available} free, ${semaphore.waiting} waiting)`);
      await sleep(40);
    }),
  ),
);
