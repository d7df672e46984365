import { defineConfig } from 'tsdown';

export default defineConfig({
  // batch-worker: the module worker threads load for automatic batching; thread-pool finds it next to itself.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', 'batch-worker': 'src/threads/batch-worker.js' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: false,
  fixedExtension: false,
});
