import { makeDir } from '../shared/make-dir.js';
import { replaceFile } from '../shared/safe-file.js';
import { join } from 'node:path';
import { invalidArgument } from '../shared/arguments.js';
import type { PipelineTask, TaskLocation, Workspace } from './types.js';

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
 * import { createDirectoryWorkspace, runPipeline } from 'fanout';
 * const workspace = createDirectoryWorkspace('.fanout/pipelines');
 * await runPipeline({
 *   workspace,
 *   steps: [{ type: 'sequential', name: 'plan', createTask: () => ({ id: 'plan' }) }],
 *   executor: { execute: async () => ({ status: 'completed' }) },
 * });
 * ```
 */
export function createDirectoryWorkspace(dir: string): Workspace {
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

/**
 * A workspace that keeps structured-cloned snapshots of the tasks in memory, in write order: for tests, dry runs and
 * callers that persist elsewhere.
 *
 * @example
 * ```ts
 * import { createMemoryWorkspace } from 'fanout';
 * const workspace = createMemoryWorkspace();
 * // … runPipeline({ workspace, … }) …
 * console.log(workspace.tasks.map((t) => t.task.id));
 * ```
 */
export function createMemoryWorkspace(): Workspace & { readonly tasks: StoredTask[] } {
  const tasks: StoredTask[] = [];
  return {
    tasks,
    writeTask(task, location) {
      try {
        tasks.push({ ...location, task: structuredClone(task) });
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
