import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real child processes and a 2-core machine: keep file-level parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // CLI tests run the built dist/: rebuilt first when older than src/.
    globalSetup: ['./test/helpers/global-setup.ts'],
  },
  resolve: { alias: { fanout: new URL('./src/index.ts', import.meta.url).pathname } },
});
