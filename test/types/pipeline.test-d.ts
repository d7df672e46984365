/**
 * Type tests of the pipeline API, checked by `tsc` (part of `npm test`): a wrong type is a compile error, and every
 * `@ts-expect-error` line must fail to compile.
 */
import { expectTypeOf } from 'vitest';
import { createDirectoryWorkspace, createMemoryWorkspace, runPipeline } from 'fanout/pipeline';
import type { ExecutionResult, PipelineExecutor, PipelineResult, PipelineTask, StepInput, StoredTask, Workspace } from 'fanout/pipeline';

interface Review extends PipelineTask {
  files: string[];
}
declare const thenable: PromiseLike<ExecutionResult<number>>;

export async function executorsMayBeSync(): Promise<void> {
  // An executor may return its result, a promise of it or any thenable.
  const sync: PipelineExecutor<Review, number> = { execute: (task) => ({ status: 'completed', value: task.files.length }) };
  const viaThenable: PipelineExecutor<Review, number> = { execute: () => thenable };
  const viaPromise: PipelineExecutor<Review, number> = {
    execute: async (task, { signal }) => {
      signal.throwIfAborted();
      return { status: 'completed', value: await Promise.resolve(task.files.length) };
    },
  };
  for (const executor of [sync, viaThenable, viaPromise]) {
    const result = await runPipeline({
      steps: [
        { type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan', files: ['a.ts'] }) },
        {
          type: 'parallel',
          name: 'review',
          createTasks: (input) => {
            expectTypeOf(input).toEqualTypeOf<StepInput<number>>();
            return Promise.resolve(input.values.map((n) => ({ id: `review:${n}`, files: [] })));
          },
        },
      ],
      executor,
    });
    expectTypeOf(result).toEqualTypeOf<PipelineResult<Review, number>>();
    expectTypeOf(result.steps[0]?.values).toEqualTypeOf<number[] | undefined>();
    expectTypeOf(result.steps[0]?.tasks).toEqualTypeOf<Review[] | undefined>();
  }

  // The value type is inferred from the executor; the task type from the steps.
  const inferred = await runPipeline({
    steps: [{ type: 'sequential', name: 'one', createTask: () => ({ id: 'one', files: ['x'] }) }],
    executor: { execute: (task) => ({ status: 'completed' as const, value: task.files }) },
    workspace: false,
  });
  expectTypeOf(inferred.steps[0]?.values).toEqualTypeOf<string[][] | undefined>();

  // @ts-expect-error an executor's result needs a status
  const wrong: PipelineExecutor = { execute: () => ({ value: 1 }) };
  // @ts-expect-error a task factory returns tasks with an id
  await runPipeline({ steps: [{ type: 'sequential', name: 'x', createTask: () => ({ files: [] }) }], executor: sync });
  void wrong;
}

export async function workspaces(): Promise<void> {
  // A workspace may write synchronously or return a thenable; the built-in ones return promises.
  const syncWorkspace: Workspace = { writeTask: () => {} };
  const thenableWorkspace: Workspace = { writeTask: (): PromiseLike<void> => Promise.resolve() };
  const memory = createMemoryWorkspace();
  expectTypeOf(memory.tasks).toEqualTypeOf<StoredTask[]>();
  expectTypeOf(memory.writeTask({ id: 'a' }, { runId: 'r', step: 's', stepIndex: 0 })).toEqualTypeOf<Promise<void>>();
  expectTypeOf(createDirectoryWorkspace('/tmp/x').writeTask({ id: 'a' }, { runId: 'r', step: 's', stepIndex: 0 })).toEqualTypeOf<Promise<void>>();
  for (const workspace of [syncWorkspace, thenableWorkspace, memory, createMemoryWorkspace({ clone: true })]) {
    await runPipeline({ steps: [], executor: { execute: () => ({ status: 'failed', error: 'no' }) }, workspace });
  }
  // @ts-expect-error a workspace writes tasks
  await runPipeline({ steps: [], executor: { execute: () => ({ status: 'completed' }) }, workspace: { write: () => {} } });
}
