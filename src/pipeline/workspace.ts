import { makeDir } from '../common/make-dir.js';
import { replaceFile } from '../common/safe-file.js';
import { join } from 'node:path';
import { invalidArgument } from '../common/arguments.js';
import type { PipelineTask, TaskLocation } from './types.js';

export type { TaskLocation, Workspace } from './types.js';

/**
 * A workspace that writes each task as a JSON file: `<dir>/<runId>/tasks/<taskId>.json` holding
 * `{ runId, step, stepIndex, task }`. Ids are URI-encoded into file names, so any id is safe. Each file is written
 * to a new file of a random name (created exclusively, never through a link planted in the folder) and renamed, so a
 * reader never sees half a task. Tasks must be JSON-serializable (a task that
 * is not fails its step with `WORKSPACE_WRITE_FAILED`).
 *
 * @example
 * ```ts
 * import { createDirectoryWorkspace, runPipeline } from 'fanout/pipeline';
 * const workspace = createDirectoryWorkspace('.fanout/pipelines');
 * await runPipeline({
 *   workspace,
 *   steps: [{ type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan' }) }],
 *   executor: { execute: async () => ({ status: 'completed' }) },
 * });
 * ```
 */
export function createDirectoryWorkspace(dir: string): { writeTask(task: PipelineTask, location: TaskLocation): Promise<void> } {
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('dir', 'a non-empty directory path', dir);
  const created = new Set<string>();
  return {
    async writeTask(task, location) {
      const runDir = join(dir, encodeURIComponent(location.runId), 'tasks');
      if (!created.has(runDir)) {
        await makeDir(runDir, 0o777); // the umask applies, as with mkdir -p
        created.add(runDir);
      }
      const json = `${JSON.stringify({ runId: location.runId, step: location.step, stepIndex: location.stepIndex, task }, null, 2)}\n`;
      const file = join(runDir, `${encodeURIComponent(task.id)}.json`);
      await replaceFile(file, json, 0o666); // the umask applies, as with any new file
    },
  };
}

/** A stored task of {@link createMemoryWorkspace}. */
export interface StoredTask extends TaskLocation {
  task: PipelineTask;
}

/** Options of {@link createMemoryWorkspace}. */
export interface MemoryWorkspaceOptions {
  /**
   * Store a `structuredClone` snapshot of each task instead of the task itself: the record then shows the task as it
   * was when written, whatever the executor does to it later, and a task structured clone cannot copy (one holding a
   * function, a class instance's methods, a stream) fails its step with `WORKSPACE_WRITE_FAILED`.
   * @default false: tasks are stored by reference
   */
  clone?: boolean;
}

/**
 * A workspace that keeps the tasks in memory, in write order: for tests, dry runs and callers that persist elsewhere.
 *
 * Tasks are stored by reference, not copied: any task works (functions, class instances, handles), writing costs
 * nothing, and `tasks[i].task` is the very object the executor received. The record is only as stable as the tasks:
 * treat a task as immutable once its factory returned it, or pass `{ clone: true }` for snapshots.
 *
 * @example
 * ```ts
 * import { createMemoryWorkspace, runPipeline } from 'fanout/pipeline';
 * const workspace = createMemoryWorkspace();
 * await runPipeline({
 *   workspace,
 *   steps: [{ type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan', log: (line: string) => console.log(line) }) }],
 *   executor: { execute: (task) => (task.log('planning'), { status: 'completed' }) },
 * });
 * console.log(workspace.tasks.map((t) => t.task.id)); // ['plan']
 * ```
 */
export function createMemoryWorkspace(options: MemoryWorkspaceOptions = {}): {
  readonly tasks: StoredTask[];
  writeTask(task: PipelineTask, location: TaskLocation): Promise<void>;
} {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const clone = options.clone ?? false;
  if (typeof clone !== 'boolean') throw invalidArgument('options.clone', 'a boolean', clone);
  const tasks: StoredTask[] = [];
  return {
    tasks,
    writeTask(task, location) {
      try {
        tasks.push({ ...location, task: clone ? structuredClone(task) : task });
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
