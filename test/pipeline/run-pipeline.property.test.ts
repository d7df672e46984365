import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { ExecutionResult, PipelineRun, PipelineTask } from '../../src/pipeline/types.js';

describe('runPipeline: properties over random outcomes, completion orders and limits', () => {
  it('never exceeds the limit, records every id first, starts nothing after a failure, keeps task order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.boolean(), { maxLength: 10 }),
        fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(Number.POSITIVE_INFINITY)),
        async (s, fails, limit) => {
          const tasks: PipelineTask[] = fails.map((_, i) => ({ id: `t${i}` }));
          let running = 0;
          let peak = 0;
          const started: number[] = [];
          let startsAtFirstFailure: number | undefined;
          let run: Readonly<PipelineRun> | undefined;
          const idsAtStart: string[][] = [];
          const pipeline = runPipeline({
            steps: [{ type: 'parallel', name: 'p', createTasks: () => tasks }],
            workspace: false, // the default writes JSON files under the working directory
            maxConcurrency: limit,
            onStatusChange: (_status, r) => (run = r),
            executor: {
              async execute(task): Promise<ExecutionResult> {
                const i = Number(task.id.slice(1));
                started.push(i);
                idsAtStart.push([...(run?.taskIds ?? [])]);
                running++;
                peak = Math.max(peak, running);
                await s.schedule(Promise.resolve(), task.id);
                running--;
                if (fails[i] === true) {
                  startsAtFirstFailure ??= started.length;
                  return { status: 'failed', error: `t${i}` };
                }
                return { status: 'completed', value: i };
              },
            },
          });
          const result = await s.waitFor(pipeline); // releases scheduled completions, in a random order, until it settles

          expect(peak).toBeLessThanOrEqual(limit);
          for (const ids of idsAtStart) expect(ids).toEqual(tasks.map((t) => t.id));
          const step = result.steps[0];
          if (step === undefined) throw new Error('no step result');
          // Task order, whatever the completion order.
          const order = step.taskIds.map((id) => Number(id.slice(1)));
          expect(order).toEqual([...order].sort((a, b) => a - b));
          expect(step.executionResults).toHaveLength(started.length);
          if (startsAtFirstFailure === undefined) {
            expect(result.status).toBe('completed');
            expect(started).toHaveLength(tasks.length);
            expect(step.values).toEqual(tasks.map((_, i) => i));
          } else {
            expect(result.status).toBe('failed');
            // Nothing starts once the first failure has settled: only what was already running.
            expect(started).toHaveLength(startsAtFirstFailure);
            expect(fails[Number(result.error?.taskId?.slice(1))]).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
