/**
 * Static analyses of a task graph: task weights (estimates with the median default), the longest remaining path to
 * a sink (the scheduler's priority), Kahn levels (VibeGuard's barrier schedule) and the critical path.
 */
import type { PrioritySummary } from './heap.js';
import type { CompiledGraph } from './validate.js';
import { compileGraph } from './validate.js';
import type { GraphTask } from './types.js';

/**
 * Weight of every task: its `estimateMs`, or for a task without one the median of the known estimates (the mean of
 * the two middle ones for an even count), or 1 when no task has an estimate.
 */
export function taskWeights<V>(graph: CompiledGraph<V>): Float64Array {
  const { n, estimates } = graph;
  if (estimates === undefined) return new Float64Array(n).fill(1);
  const known: number[] = [];
  for (let i = 0; i < n; i++) {
    const estimate = estimates[i]!;
    if (!Number.isNaN(estimate)) known.push(estimate);
  }
  let fallback = 1;
  if (known.length > 0) {
    known.sort((a, b) => a - b);
    const mid = known.length >> 1;
    fallback = known.length % 2 === 1 ? (known[mid] as number) : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
  }
  if (known.length === n) return estimates.slice();
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const estimate = estimates[i]!;
    weights[i] = Number.isNaN(estimate) ? fallback : estimate;
  }
  return weights;
}

/**
 * Longest remaining path of every task: its own weight plus the longest remaining path among the tasks that require
 * it (0 beyond a sink). One sweep in reverse topological order, along `requires` only. Without `weights` every task
 * weighs 1 (no estimates): the lengths are task counts, held in an Int32Array half the size of a Float64Array.
 *
 * With `summary`, and input order topological, the sweep also fills in what {@link rankByPriority} would first scan
 * the lengths for (each length is final when the sweep reaches its task): one pass over every task less, in a run
 * that pays for each pass in the interpreter. Otherwise `summary.known` is left false.
 */
export function remainingPaths<V>(graph: CompiledGraph<V>, weights?: Float64Array, summary?: PrioritySummary): Float64Array | Int32Array {
  const { n, reqStart, reqIdx } = graph;
  const order = graph.inputOrderIsTopological ? undefined : graph.order;
  const longest = weights === undefined ? new Int32Array(n) : new Float64Array(n);
  if (summary !== undefined && order === undefined) {
    let max = 0;
    let integers = true;
    let sorted = true;
    let after = Number.NEGATIVE_INFINITY; // the length of task k + 1
    for (let k = n - 1; k >= 0; k--) {
      const total = longest[k]! + (weights === undefined ? 1 : weights[k]!);
      longest[k] = total;
      for (let p = reqStart[k]!, end = reqStart[k + 1]!; p < end; p++) {
        const r = reqIdx[p]!;
        if (longest[r]! < total) longest[r] = total;
      }
      if (total > max) max = total;
      if (!Number.isInteger(total) || total < 0) integers = false;
      if (after > total) sorted = false;
      after = total;
    }
    summary.known = true;
    summary.max = max;
    summary.integers = integers;
    summary.sorted = sorted;
    return longest;
  }
  for (let k = n - 1; k >= 0; k--) {
    const v = order === undefined ? k : order[k]!;
    const total = longest[v]! + (weights === undefined ? 1 : weights[v]!);
    longest[v] = total;
    for (let p = reqStart[v]!, end = reqStart[v + 1]!; p < end; p++) {
      const r = reqIdx[p]!;
      if (longest[r]! < total) longest[r] = total;
    }
  }
  return longest;
}

/** Kahn level of every task: 0 without requirements, else one more than the deepest task it requires. */
export function levelIndices<V>(graph: CompiledGraph<V>): { level: Int32Array; count: number } {
  const { n, reqStart, reqIdx } = graph;
  const order = graph.inputOrderIsTopological ? undefined : graph.order;
  const level = new Int32Array(n);
  let count = n === 0 ? 0 : 1;
  for (let k = 0; k < n; k++) {
    const v = order === undefined ? k : order[k]!;
    let l = 0;
    for (let p = reqStart[v]!, end = reqStart[v + 1]!; p < end; p++) {
      const lr = level[reqIdx[p]!]! + 1;
      if (lr > l) l = lr;
    }
    level[v] = l;
    if (l + 1 > count) count = l + 1;
  }
  return { level, count };
}

/**
 * The dependency levels of a graph, as VibeGuard runs them: level 0 holds the tasks that require nothing, level k the
 * tasks whose deepest requirement is in level k-1. Ids within a level keep input order. Validates the graph first.
 *
 * @throws TypeError for a malformed task; {@link GraphError} for a graph that cannot run.
 * @example
 * ```ts
 * import { graphLevels } from 'fanout';
 * const run = async () => {};
 * graphLevels([
 *   { id: 'lint', run },
 *   { id: 'build', run },
 *   { id: 'test', requires: ['build'], run },
 * ]); // [['lint', 'build'], ['test']]
 * ```
 */
export function graphLevels<V = unknown>(tasks: ReadonlyArray<GraphTask<NoInfer<V>, never>>): string[][] {
  const graph = compileGraph(tasks as ReadonlyArray<GraphTask<V>>);
  const { level, count } = levelIndices(graph);
  const levels: string[][] = [];
  for (let l = 0; l < count; l++) levels.push([]);
  for (let i = 0; i < graph.n; i++) (levels[level[i]!] as string[]).push(graph.ids[i] as string);
  return levels;
}

/** The longest chain of a graph by estimated duration; see {@link criticalPath}. */
export interface CriticalPath {
  /** Ids from a task that requires nothing on the path to a task nothing requires, in run order. */
  path: string[];
  /** Sum of the path's weights (estimates, with the median default for tasks without one). */
  estimateMs: number;
}

/**
 * The critical path: the chain of dependent tasks with the largest total estimated duration, a lower bound of the
 * makespan however many slots there are. Weights are `estimateMs`; a task without one counts as the median of the
 * known estimates, or 1 when none is known (then the path is the longest chain by task count). Ties go to the task
 * earlier in input order. Validates the graph first.
 *
 * @throws TypeError for a malformed task; {@link GraphError} for a graph that cannot run.
 * @example
 * ```ts
 * import { criticalPath } from 'fanout';
 * const run = async () => {};
 * criticalPath([
 *   { id: 'build', estimateMs: 300, run },
 *   { id: 'lint', estimateMs: 200, run },
 *   { id: 'test', requires: ['build'], estimateMs: 500, run },
 * ]); // { path: ['build', 'test'], estimateMs: 800 }
 * ```
 */
export function criticalPath<V = unknown>(tasks: ReadonlyArray<GraphTask<NoInfer<V>, never>>): CriticalPath {
  const graph = compileGraph(tasks as ReadonlyArray<GraphTask<V>>);
  const { n, depStart, depIdx, ids } = graph;
  if (n === 0) return { path: [], estimateMs: 0 };
  const longest = remainingPaths(graph, graph.estimates === undefined ? undefined : taskWeights(graph));
  const { reqStart } = graph;
  // Start from a task that requires nothing: some such task always carries the maximum (weights are >= 0).
  let v = -1;
  for (let i = 0; i < n; i++) {
    if (reqStart[i] === reqStart[i + 1] && (v === -1 || longest[i]! > longest[v]!)) v = i;
  }
  const estimateMs = longest[v]!;
  const path = [ids[v] as string];
  for (;;) {
    let next = -1;
    for (let p = depStart[v]!, end = depStart[v + 1]!; p < end; p++) {
      const d = depIdx[p]!;
      if (next === -1 || longest[d]! > longest[next]! || (longest[d] === longest[next] && d < next)) next = d;
    }
    if (next === -1) break;
    path.push(ids[next] as string);
    v = next;
  }
  return { path, estimateMs };
}
