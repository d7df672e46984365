import { getEventListeners } from 'node:events';
import { mkdtemp, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FailFastError } from '../../src/common/errors.js';
import type { ObservedEvent } from '../../src/observe/types.js';
import { runPipeline as runPipelineWithDefaults } from '../../src/pipeline/run-pipeline.js';
import type { ExecutionResult, PipelineOptions, PipelineRun, PipelineStatus, PipelineStep, PipelineTask, StepResult } from '../../src/pipeline/types.js';
import { createMemoryWorkspace } from '../../src/pipeline/workspace.js';
import { flush } from '../helpers/deferred.js';
import { GatedExecutor, ids } from './gated-executor.js';

// Gated tests drive settlement with flush(): they persist nothing unless they name a workspace, so no file I/O
// interleaves with the gates. The default (a directory of JSON files) has its own test below.
function runPipeline<T extends PipelineTask, V>(options: PipelineOptions<T, V>) {
  return runPipelineWithDefaults<T, V>({ workspace: false, ...options });
}

const parallel = (name: string, tasks: PipelineTask[] | (() => PipelineTask[])): PipelineStep => ({
  type: 'parallel',
  name,
  createTasks: typeof tasks === 'function' ? tasks : () => tasks,
});
const sequential = (name: string, id = name): PipelineStep => ({ type: 'sequential', name, createTask: () => ({ id }) });
const instant = {
  execute: (task: PipelineTask): Promise<ExecutionResult> =>
    Promise.resolve({ status: 'completed', outputPath: `out/${task.id}.json`, value: task.id }),
};

describe('runPipeline: steps and data flow', () => {
  it("feeds each step's output paths and values, in task order, to the next step's factory", async () => {
    const seen: Array<{ outputPaths: readonly string[]; values: readonly unknown[]; stepIndex: number }> = [];
    const result = await runPipeline({
      steps: [
        { type: 'sequential', name: 'plan', createTask: (input) => (seen.push(input), { id: 'plan' }) },
        { type: 'parallel', name: 'fan', createTasks: (input) => (seen.push(input), ids('f', 3)) },
        { type: 'sequential', name: 'merge', createTask: (input) => (seen.push(input), { id: 'merge' }) },
      ],
      executor: instant,
      inputs: { outputPaths: ['in.md'], values: ['seed'] },
    });
    expect(result.status).toBe('completed');
    expect(seen.map(({ outputPaths, values, stepIndex }) => ({ outputPaths, values, stepIndex }))).toEqual([
      { outputPaths: ['in.md'], values: ['seed'], stepIndex: 0 },
      { outputPaths: ['out/plan.json'], values: ['plan'], stepIndex: 1 },
      { outputPaths: ['out/f0.json', 'out/f1.json', 'out/f2.json'], values: ['f0', 'f1', 'f2'], stepIndex: 2 },
    ]);
    expect(result.steps.map((s) => [s.name, s.type, s.status, s.tasks.length])).toEqual([
      ['plan', 'sequential', 'completed', 1],
      ['fan', 'parallel', 'completed', 3],
      ['merge', 'sequential', 'completed', 1],
    ]);
    expect(result.run.taskIds).toEqual(['plan', 'f0', 'f1', 'f2', 'merge']);
    expect(result.run.status).toBe('completed');
    expect(result.run.completedAt).toBeInstanceOf(Date);
    expect(result.error).toBeUndefined();
  });

  it('only collects outputs of completed tasks, and an empty parallel step completes with no outputs', async () => {
    const result = await runPipeline({
      steps: [parallel('none', []), parallel('some', ids('s', 2))],
      executor: { execute: (task) => Promise.resolve(task.id === 's0' ? { status: 'completed' } : { status: 'completed', outputPath: 'p' }) },
    });
    expect(result.steps[0]).toMatchObject({ status: 'completed', tasks: [], executionResults: [], outputPaths: [] });
    expect(result.steps[1]?.outputPaths).toEqual(['p']);
    expect(result.steps[1]?.values).toEqual([]);
  });
});

describe('runPipeline: parallel execution', () => {
  it('respects the concurrency limit: 4 tasks at maxConcurrency 2 never run more than 2 at once', async () => {
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 4))], executor, maxConcurrency: 2 });
    await flush();
    expect(executor.started).toEqual(['t0', 't1']);
    executor.complete('t1');
    await flush();
    expect(executor.started).toEqual(['t0', 't1', 't2']);
    executor.complete('t0');
    await flush();
    executor.complete('t3');
    executor.complete('t2');
    const result = await run;
    expect(result.status).toBe('completed');
    expect(executor.peak).toBe(2);
  });

  it('uses maxConcurrency 3 when it is not given', async () => {
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 5))], executor });
    await flush();
    expect(executor.started).toEqual(['t0', 't1', 't2']);
    for (const id of ['t0', 't1', 't2']) executor.complete(id);
    await flush();
    executor.complete('t3');
    executor.complete('t4');
    expect((await run).status).toBe('completed');
    expect(executor.peak).toBe(3);
  });

  it('launches every task at once when maxConcurrency exceeds the task count', async () => {
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 3))], executor, maxConcurrency: 10 });
    await flush();
    expect(executor.started).toEqual(['t0', 't1', 't2']);
    for (const id of executor.started) executor.complete(id);
    expect((await run).status).toBe('completed');
  });

  it('is strictly sequential at maxConcurrency 1: each task starts after the previous one ended, in order', async () => {
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 3))], executor, maxConcurrency: 1 });
    for (const id of ['t0', 't1', 't2']) {
      await flush();
      expect(executor.started.at(-1)).toBe(id);
      expect(executor.running).toBe(1);
      executor.complete(id);
    }
    expect((await run).status).toBe('completed');
    expect(executor.ended).toEqual(['t0', 't1', 't2']);
  });

  it('keeps results in task order whatever the completion order', async () => {
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 3))], executor, maxConcurrency: 3 });
    await flush();
    for (const id of ['t2', 't0', 't1']) {
      executor.complete(id, { outputPath: `${id}.out`, value: id });
      await flush();
    }
    const step = (await run).steps[0] as StepResult;
    expect(step.taskIds).toEqual(['t0', 't1', 't2']);
    expect(step.executionResults.map((r) => r.value)).toEqual(['t0', 't1', 't2']);
    expect(step.outputPaths).toEqual(['t0.out', 't1.out', 't2.out']);
  });

  it('fails fast: in-flight siblings see their signal abort, unstarted tasks never start, later steps never run', async () => {
    const executor = new GatedExecutor();
    let laterStepCreated = false;
    const run = runPipeline({
      steps: [
        parallel('p', ids('t', 5)),
        parallel('later', () => {
          laterStepCreated = true;
          return [];
        }),
      ],
      executor,
      maxConcurrency: 3,
    });
    await flush();
    expect(executor.started).toEqual(['t0', 't1', 't2']);
    executor.fail('t1', 'bad input');
    await flush();
    for (const id of ['t0', 't2']) {
      const signal = executor.signals.get(id) as AbortSignal;
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(FailFastError);
    }
    executor.fail('t0', 'aborted');
    executor.complete('t2');
    const result = await run;
    expect(executor.started).toEqual(['t0', 't1', 't2']);
    expect(laterStepCreated).toBe(false);
    expect(result.status).toBe('failed');
    expect(result.steps).toHaveLength(1);
    const step = result.steps[0] as StepResult;
    expect(step.status).toBe('failed');
    expect(step.error).toEqual({ code: 'STEP_FAILED', taskId: 't1', cause: 'bad input', message: 'step "p": task "t1" failed: bad input' });
    expect(step.executionResults.length).toBeLessThan(step.tasks.length);
    expect(step.taskIds).toEqual(['t0', 't1', 't2']);
    expect(step.executionResults.map((r) => r.status)).toEqual(['failed', 'failed', 'completed']);
    expect(result.error).toMatchObject({ code: 'STEP_FAILED', taskId: 't1', step: 'p' });
  });

  it('records every task id on the run and persists every task before any executes, even if the first fails at once', async () => {
    const workspace = createMemoryWorkspace();
    let runRecord: Readonly<PipelineRun> | undefined;
    const atFirstCall: { taskIds: string[]; persisted: string[] }[] = [];
    const result = await runPipeline({
      steps: [parallel('p', ids('t', 4))],
      workspace,
      maxConcurrency: 1,
      onStatusChange: (_status, run) => (runRecord = run),
      executor: {
        execute(task) {
          atFirstCall.push({ taskIds: [...(runRecord?.taskIds ?? [])], persisted: workspace.tasks.map((t) => t.task.id) });
          return Promise.resolve({ status: 'failed', error: `${task.id} broke` });
        },
      },
    });
    expect(atFirstCall).toEqual([{ taskIds: ['t0', 't1', 't2', 't3'], persisted: ['t0', 't1', 't2', 't3'] }]);
    expect(result.run.taskIds).toEqual(['t0', 't1', 't2', 't3']);
    expect(workspace.tasks[0]).toMatchObject({ runId: result.run.id, step: 'p', stepIndex: 0, task: { id: 't0' } });
  });
});

describe('runPipeline: untrusted executor and failures before execution', () => {
  it('counts a throwing executor as a failed task, with the thrown error as the cause', async () => {
    const boom = new Error('executor exploded');
    const result = await runPipeline({
      steps: [sequential('only')],
      executor: {
        execute: () => {
          throw boom;
        },
      },
    });
    expect(result.status).toBe('failed');
    expect(result.steps[0]?.executionResults).toEqual([{ status: 'failed', error: boom }]);
    expect(result.error).toMatchObject({ code: 'STEP_FAILED', taskId: 'only', cause: boom, message: 'step "only": task "only" failed: executor exploded' });
  });

  it('takes an executor that returns its result synchronously or as a thenable, and a synchronous workspace', async () => {
    const written: string[] = [];
    const thenable = (value: ExecutionResult<string>): PromiseLike<ExecutionResult<string>> => ({
      then: (onFulfilled, onRejected) => Promise.resolve(value).then(onFulfilled, onRejected),
    });
    const result = await runPipeline({
      steps: [parallel('p', ids('t', 3))],
      executor: { execute: (task) => (task.id === 't1' ? thenable({ status: 'completed', value: 'via then' }) : { status: 'completed', value: task.id }) },
      workspace: { writeTask: (task) => void written.push(task.id) },
    });
    expect(result.status).toBe('completed');
    expect(result.steps[0]?.values).toEqual(['t0', 'via then', 't2']);
    expect(written).toEqual(['t0', 't1', 't2']);
  });

  it('counts a malformed executor result as a failed task with a TypeError naming what was received', async () => {
    const result = await runPipeline({
      steps: [sequential('only')],
      executor: { execute: () => Promise.resolve({ status: 'done' } as unknown as ExecutionResult) },
    });
    const cause = result.error?.cause;
    expect(cause).toBeInstanceOf(TypeError);
    expect((cause as TypeError).message).toBe("executor.execute() must resolve with { status: 'completed' | 'failed' }, received object");
  });

  it('fails the step with TASK_CREATION_FAILED when the factory throws, executing nothing', async () => {
    const executor = new GatedExecutor();
    const result = await runPipeline({
      steps: [
        parallel('p', () => {
          throw new Error('no plan');
        }),
      ],
      executor,
    });
    expect(result.status).toBe('failed');
    expect(result.steps[0]?.error).toMatchObject({ code: 'TASK_CREATION_FAILED', message: 'step "p": task creation failed: no plan' });
    expect(executor.started).toEqual([]);
    expect(result.run.taskIds).toEqual([]);
  });

  it('fails with TASK_CREATION_FAILED for a task without an id, a non-array, or an id used twice in the run', async () => {
    const noId = await runPipeline({ steps: [parallel('p', [{ id: 'a' }, {} as PipelineTask])], executor: instant });
    expect(noId.error).toMatchObject({ code: 'TASK_CREATION_FAILED' });
    expect(noId.error?.message).toBe('step "p": task 1 of step "p" must be an object with a non-empty string id, received object');
    const notArray = await runPipeline({
      steps: [{ type: 'parallel', name: 'p', createTasks: () => 'x' as unknown as PipelineTask[] }],
      executor: instant,
    });
    expect(notArray.error?.code).toBe('TASK_CREATION_FAILED');
    const duplicate = await runPipeline({ steps: [sequential('a', 'same'), sequential('b', 'same')], executor: instant });
    expect(duplicate.error).toMatchObject({ code: 'TASK_CREATION_FAILED', taskId: 'same', step: 'b' });
    expect(duplicate.steps[0]?.status).toBe('completed');
  });

  it('fails with WORKSPACE_WRITE_FAILED naming the task when a write fails, executing nothing of the step', async () => {
    const executor = new GatedExecutor();
    const written: string[] = [];
    const result = await runPipeline({
      steps: [parallel('p', ids('t', 3))],
      executor,
      workspace: {
        writeTask(task) {
          if (task.id === 't1') return Promise.reject(new Error('disk full'));
          written.push(task.id);
          return Promise.resolve();
        },
      },
    });
    expect(result.error).toMatchObject({ code: 'WORKSPACE_WRITE_FAILED', taskId: 't1', message: 'step "p": writing task "t1" failed: disk full' });
    expect(written).toEqual(['t0']);
    expect(executor.started).toEqual([]);
    expect(result.run.taskIds).toEqual(['t0', 't1', 't2']);
  });
});

describe('runPipeline: the directory workspace', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON file per task under <dir>/<runId>/tasks/ before execution', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-ws-'));
    const tasksDir = join(dir, 'run-1', 'tasks');
    let filesAtExecution: string[] = [];
    const result = await runPipeline({
      runId: 'run-1',
      workspace: dir,
      steps: [parallel('review', [{ id: 'review/a.ts' }, { id: 'review/b.ts' }] as PipelineTask[])],
      executor: {
        async execute() {
          filesAtExecution = (await readdir(tasksDir)).sort();
          return { status: 'completed' };
        },
      },
    });
    expect(result.status).toBe('completed');
    expect(filesAtExecution).toEqual(['review%2Fa.ts.json', 'review%2Fb.ts.json']);
    const stored: unknown = JSON.parse(await readFile(join(tasksDir, 'review%2Fa.ts.json'), 'utf8'));
    expect(stored).toEqual({ runId: 'run-1', step: 'review', stepIndex: 0, task: { id: 'review/a.ts' } });
  });

  it('fails with WORKSPACE_WRITE_FAILED for a task JSON cannot represent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-ws-'));
    const result = await runPipeline({
      workspace: dir,
      steps: [parallel('p', [{ id: 'big', size: 1n } as unknown as PipelineTask])],
      executor: instant,
    });
    expect(result.error).toMatchObject({ code: 'WORKSPACE_WRITE_FAILED', taskId: 'big' });
  });
});

describe('createMemoryWorkspace', () => {
  const location = { runId: 'r', step: 's', stepIndex: 0 };

  it('keeps each task by reference: the very object, functions included, in write order', async () => {
    const workspace = createMemoryWorkspace();
    const task = { id: 'a', log: (line: string) => line };
    await workspace.writeTask(task, location);
    await workspace.writeTask({ id: 'b' }, { ...location, stepIndex: 1 });
    expect(workspace.tasks.map((t) => t.task.id)).toEqual(['a', 'b']);
    expect(workspace.tasks[0]).toEqual({ ...location, task });
    expect(workspace.tasks[0]?.task).toBe(task);
  });

  it('with clone: true keeps snapshots, and refuses a task structured clone cannot copy', async () => {
    const workspace = createMemoryWorkspace({ clone: true });
    const task = { id: 'a', files: ['x.ts'] };
    await workspace.writeTask(task, location);
    task.files.push('later.ts');
    expect(workspace.tasks[0]?.task).toEqual({ id: 'a', files: ['x.ts'] });
    await expect(workspace.writeTask({ id: 'f', run: () => 1 } as PipelineTask, location)).rejects.toMatchObject({ name: 'DataCloneError' });
    expect(workspace.tasks).toHaveLength(1);
    const result = await runPipeline({
      workspace,
      steps: [{ type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan', callback: () => 'not cloneable' }) }],
      executor: instant,
    });
    expect(result.error).toMatchObject({ code: 'WORKSPACE_WRITE_FAILED', step: 'plan', taskId: 'plan' });
  });

  it('rejects options that are not an object or a clone that is not a boolean', () => {
    expect(() => createMemoryWorkspace(null as never)).toThrow(new TypeError('options must be an object, received null'));
    expect(() => createMemoryWorkspace({ clone: 'yes' as never })).toThrow(TypeError);
  });
});

describe('runPipeline: abort', () => {
  it('aborts the running step (ABORTED, signals of running tasks aborted with the reason) and runs no later step', async () => {
    const controller = new AbortController();
    const executor = new GatedExecutor();
    const run = runPipeline({ steps: [parallel('p', ids('t', 4)), sequential('later')], executor, maxConcurrency: 2, signal: controller.signal });
    await flush();
    const reason = new Error('user pressed ctrl-c');
    controller.abort(reason);
    expect(executor.signals.get('t0')?.reason).toBe(reason);
    executor.fail('t0', 'aborted');
    executor.fail('t1', 'aborted');
    const result = await run;
    expect(result.status).toBe('aborted');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]?.error).toEqual({ code: 'ABORTED', message: 'pipeline aborted: user pressed ctrl-c', cause: reason });
    expect(executor.started).toEqual(['t0', 't1']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborted between steps: the next step is reported ABORTED and its factory is never called', async () => {
    const controller = new AbortController();
    let created = false;
    const result = await runPipeline({
      steps: [
        sequential('first'),
        { type: 'sequential', name: 'second', createTask: () => ((created = true), { id: 'second' }) },
      ],
      executor: { execute: () => (controller.abort(new Error('stop')), Promise.resolve({ status: 'completed' })) },
      signal: controller.signal,
    });
    expect(result.status).toBe('aborted');
    expect(created).toBe(false);
    expect(result.steps.map((s) => [s.name, s.status, s.error?.code])).toEqual([
      ['first', 'completed', undefined],
      ['second', 'failed', 'ABORTED'],
    ]);
  });

  it('leaves no listener on the caller signal after a completed or failed run', async () => {
    const controller = new AbortController();
    await runPipeline({ steps: [parallel('p', ids('t', 3)), sequential('s')], executor: instant, signal: controller.signal });
    await runPipeline({
      steps: [parallel('p', ids('t', 3))],
      executor: { execute: () => Promise.resolve({ status: 'failed' }) },
      signal: controller.signal,
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a signal aborted before the call runs nothing and never reports running', async () => {
    const executor = new GatedExecutor();
    const statuses: PipelineStatus[] = [];
    const result = await runPipeline({
      steps: [sequential('a')],
      executor,
      signal: AbortSignal.abort(new Error('already')),
      onStatusChange: (status) => statuses.push(status),
    });
    expect(result).toMatchObject({ status: 'aborted', steps: [], error: { code: 'ABORTED', step: 'a' } });
    expect(statuses).toEqual(['aborted']);
    expect(executor.started).toEqual([]);
  });
});

describe('runPipeline: callbacks and observer', () => {
  it('fires callbacks in order, completedAt set before the final status, and contains their exceptions', async () => {
    const calls: string[] = [];
    const result = await runPipeline({
      steps: [sequential('a'), parallel('b', ids('b', 2))],
      executor: instant,
      onStepComplete: (step) => {
        calls.push(`step:${step.name}:${step.status}`);
        throw new Error('callback bug');
      },
      onStatusChange: (status, run) => {
        calls.push(`status:${status}:${run.completedAt === null ? 'open' : 'closed'}`);
        throw new Error('callback bug');
      },
    });
    expect(result.status).toBe('completed');
    expect(calls).toEqual(['status:running:open', 'step:a:completed', 'step:b:completed', 'status:completed:closed']);
  });

  it('contains a rejected promise returned by an async callback', async () => {
    const result = await runPipeline({
      steps: [sequential('a')],
      executor: instant,
      onStepComplete: () => Promise.reject(new Error('async callback bug')),
    });
    await flush();
    expect(result.status).toBe('completed');
  });

  it('reports the events of the run to an observer: step names, cancelled and skipped tasks, and the run end', async () => {
    const events: ObservedEvent[] = [];
    const executor = new GatedExecutor();
    const run = runPipeline({
      steps: [sequential('plan'), parallel('fan', ids('f', 3))],
      executor,
      maxConcurrency: 2,
      runId: 'r1',
      observer: { onEvent: (event) => events.push(event) },
    });
    await flush();
    executor.complete('plan');
    await flush();
    executor.fail('f0', 'bad');
    await flush();
    executor.fail('f1', executor.signals.get('f1')?.reason); // the stop's own abort: cancelled, not failed
    await run;
    const summary = events.map((e) => {
      if (e.type === 'task:end') return `${e.type} ${e.step} ${e.id} ${e.outcome.status}`;
      if (e.type === 'task:start') return `${e.type} ${e.step} ${e.id}`;
      return e.type;
    });
    expect(summary).toEqual([
      'graph:start',
      'task:start plan plan',
      'task:end plan plan passed',
      'task:start fan f0',
      'task:start fan f1',
      'task:end fan f0 failed',
      'task:end fan f1 cancelled',
      'task:end fan f2 skipped',
      'graph:end',
    ]);
    expect(events.every((e) => e.runId === 'r1' && e.source === 'pipeline')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'graph:end', result: { ok: false, aborted: false, failFastTriggered: true } });
  });

  it('an observer that throws never breaks the run', async () => {
    const result = await runPipeline({
      steps: [parallel('p', ids('t', 3))],
      executor: instant,
      observer: {
        onEvent() {
          throw new Error('observer bug');
        },
      },
    });
    expect(result.status).toBe('completed');
  });
});

describe('runPipeline: argument errors', () => {
  it('throws TypeErrors that name the argument, the expectation and the value', async () => {
    await expect(runPipeline({ steps: [], executor: instant, maxConcurrency: 0 })).rejects.toThrow(
      new TypeError('options.maxConcurrency must be an integer >= 1 or Infinity, received 0'),
    );
    await expect(runPipeline({ steps: {} as never, executor: instant })).rejects.toThrow('options.steps must be an array of steps, received object');
    await expect(runPipeline({ steps: [{ type: 'loop', name: 'x' } as never], executor: instant })).rejects.toThrow(
      `options.steps[0].type must be 'sequential' or 'parallel', received "loop"`,
    );
    await expect(runPipeline({ steps: [], executor: {} as never })).rejects.toThrow(
      'options.executor must be an object with an execute(task, { signal }) method, received object',
    );
    await expect(runPipeline({ steps: [], executor: instant, workspace: 3 as never })).rejects.toThrow(TypeError);
    await expect(runPipeline({ steps: [], executor: instant, observer: {} as never })).rejects.toThrow(
      'options.observer must be an observer (an object with an onEvent(event) method), received object',
    );
  });

  it('completes an empty pipeline', async () => {
    const result = await runPipeline({ steps: [], executor: instant });
    expect(result).toMatchObject({ status: 'completed', steps: [] });
  });
});

describe('runPipeline: the default workspace', () => {
  it('writes nothing to disk: no .fanout/pipelines/<run id> appears in the working directory', async () => {
    const runId = `default-workspace-${process.pid}-${Date.now()}`;
    const leftover = join(process.cwd(), '.fanout', 'pipelines', runId);
    try {
      const result = await runPipelineWithDefaults({
        runId,
        steps: [{ type: 'parallel', name: 'p', createTasks: () => [{ id: 'one' }, { id: 'two' }] }],
        executor: { execute: () => Promise.resolve({ status: 'completed' as const }) },
      });
      expect(result.status).toBe('completed');
      await expect(readdir(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(leftover, { recursive: true, force: true });
      // Leave no empty folders behind in the repository either (rmdir refuses a folder that holds anything else).
      await rmdir(join(process.cwd(), '.fanout', 'pipelines')).catch(() => undefined);
      await rmdir(join(process.cwd(), '.fanout')).catch(() => undefined);
    }
  });

  it('runs tasks of any shape: one holding a function or a class instance is kept by reference, not refused', async () => {
    class Budget {
      constructor(readonly limit: number) {}
      allows(n: number): boolean {
        return n <= this.limit;
      }
    }
    const plan = { id: 'plan', report: (line: string) => line.toUpperCase(), budget: new Budget(2) };
    const result = await runPipelineWithDefaults({
      steps: [{ type: 'sequential', name: 'plan', createTask: () => plan }],
      executor: { execute: (task) => ({ status: 'completed' as const, value: task.budget.allows(1) ? task.report('ok') : 'over' }) },
    });
    expect(result.error).toBeUndefined();
    expect(result.steps[0]?.values).toEqual(['OK']);
  });
});
