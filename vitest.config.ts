import { defineConfig } from 'vitest/config';

/** The process-identity tests, run a second time with the portable process table (`ps`, as on macOS and the BSDs). */
const PROCESS_TESTS = ['test/exec/processes.test.ts', 'test/checks/state/reaper.test.ts', 'test/cli/proc.test.ts', 'test/checks/state/journal.test.ts', 'test/cli/background.test.ts'];

export default defineConfig({
  test: {
    // A limit is there to end a hang, not to judge speed: a 2-core machine busy with other work can take a CLI test
    // of a few processes from 3 s to over 20 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real child processes and a 2-core machine: keep file-level parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // CLI tests run the built dist/: rebuilt first when older than src/.
    globalSetup: ['./test/helpers/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'fanout', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'ps-fallback', include: PROCESS_TESTS, env: { FANOUT_PROC_FALLBACK: 'ps' } } },
    ],
  },
  resolve: { alias: [{ find: /^fanout\/(\w+)$/, replacement: new URL('./src/$1/index.ts', import.meta.url).pathname }, { find: /^fanout$/, replacement: new URL('./src/index.ts', import.meta.url).pathname }] },
});
