import type { ExecutionContext, ExecutionResult, PipelineExecutor, PipelineTask } from '../../src/pipeline/types.js';
import { deferred } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';

/** An executor whose every call waits for the test to settle it: who started, in what order, with what signal. */
export class GatedExecutor<T extends PipelineTask = PipelineTask> implements PipelineExecutor<T, unknown> {
  readonly started: string[] = [];
  readonly ended: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly gates = new Map<string, Deferred<ExecutionResult>>();
  running = 0;
  peak = 0;

  execute(task: T, { signal }: ExecutionContext): Promise<ExecutionResult> {
    this.started.push(task.id);
    this.signals.set(task.id, signal);
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    const gate = deferred<ExecutionResult>();
    this.gates.set(task.id, gate);
    return gate.promise.finally(() => {
      this.running--;
      this.ended.push(task.id);
    });
  }

  complete(id: string, result: Partial<ExecutionResult> = {}): void {
    this.gate(id).resolve({ status: 'completed', ...result });
  }

  fail(id: string, error: unknown = `task ${id} failed`): void {
    this.gate(id).resolve({ status: 'failed', error });
  }

  throws(id: string, error: unknown): void {
    this.gate(id).reject(error);
  }

  private gate(id: string): Deferred<ExecutionResult> {
    const gate = this.gates.get(id);
    if (gate === undefined) throw new Error(`task ${id} has not started`);
    return gate;
  }
}

export const ids = (prefix: string, n: number): PipelineTask[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
