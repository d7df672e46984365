import type { Reporter, TestModule, TestSpecification } from 'vitest/node';

/**
 * Closes the run with one plain line, `tests: N passed, N failed, N skipped`, after vitest's own summary, so CI
 * logs and the tooling that reads them end on an unambiguous count.
 *
 * A test that never ran because its file crashed (a worker process that died, a file that failed to load) counts as
 * failed, not skipped; so does each unhandled error, which vitest reports apart from any test. A skipped test is
 * one that was told to skip. A test file the run never reached at all (the global setup failed: see
 * global-setup.ts) counts as one failed test.
 */
export default class SummaryReporter implements Reporter {
  private files = 0;

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.files = specifications.length;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length + Math.max(0, this.files - testModules.length);
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'skipped') skipped++;
        else failed++; // failed, or still pending when the run ended: it never ran
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
