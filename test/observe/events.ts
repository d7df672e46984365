import type { ObservedEvent } from '../../src/observe/types.js';

/** A hand-made run of events, for observers tested on their own. */
export function sampleRun(runId = 'run-1'): ObservedEvent[] {
  const tag = { runId, source: 'graph' as const };
  return [
    { ...tag, type: 'graph:start', time: 10, taskCount: 4 },
    { ...tag, type: 'task:start', time: 11, id: 'build', async: false },
    { ...tag, type: 'task:end', time: 15, id: 'build', outcome: { id: 'build', status: 'passed', value: 'dist/', durationMs: 4 } },
    { ...tag, type: 'task:start', time: 16, id: 'test', async: false },
    { ...tag, type: 'task:start', time: 16, id: 'e2e', async: true },
    {
      ...tag,
      type: 'task:end',
      time: 20,
      id: 'test',
      outcome: { id: 'test', status: 'failed', error: new Error('2 tests failed', { cause: new Error('assertion') }), durationMs: 4 },
    },
    { ...tag, type: 'task:end', time: 21, id: 'e2e', outcome: { id: 'e2e', status: 'timeout', durationMs: 5 } },
    { ...tag, type: 'task:end', time: 21, id: 'deploy', outcome: { id: 'deploy', status: 'skipped', reason: { blockedBy: 'test' } } },
    { ...tag, type: 'graph:end', time: 22, result: { ok: false, aborted: false, failFastTriggered: false } },
  ];
}
