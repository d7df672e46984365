// The run's last line, which CI reads: `tests: N passed, N failed, N skipped`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule, TestSpecification } from 'vitest/node';
import SummaryReporter from './summary-reporter.js';

/** A test module as the reporter sees it: its tests' states, and its own. */
function testModule(states: string[], state = states.includes('failed') ? 'failed' : 'passed'): TestModule {
  const tests = states.map((s) => ({ result: () => ({ state: s }) }));
  return { state: () => state, children: { allTests: () => tests.values() } } as unknown as TestModule;
}
const specifications = (n: number) => Array.from({ length: n }, () => ({}) as TestSpecification);

function summary(files: number, modules: TestModule[], unhandled: unknown[] = []): string {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const reporter = new SummaryReporter();
  reporter.onTestRunStart(specifications(files));
  reporter.onTestRunEnd(modules, unhandled);
  const text = write.mock.calls.map(([chunk]) => String(chunk)).join('');
  write.mockRestore();
  return text;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SummaryReporter', () => {
  it('counts passed, failed and skipped tests, and each unhandled error as a failure', () => {
    expect(summary(2, [testModule(['passed', 'skipped']), testModule(['passed', 'failed', 'pending'])], [new Error('late')])).toBe(
      '\ntests: 2 passed, 3 failed, 1 skipped\n',
    );
  });

  it('counts a file that crashed before any test as a failure', () => {
    expect(summary(1, [testModule([], 'failed')])).toBe('\ntests: 0 passed, 1 failed, 0 skipped\n');
  });

  it('counts each file the run never reached (a failed global setup) as a failure, never as a clean run', () => {
    expect(summary(3, [])).toBe('\ntests: 0 passed, 3 failed, 0 skipped\n');
  });
});
