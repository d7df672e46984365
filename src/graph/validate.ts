/**
 * Graph validation: argument checks (TypeError), then the structural errors a graph can have (GraphError), in
 * O(V+E). The compiled form (index arrays, no Maps) is what the scheduler and the analyses run on.
 */
import { invalidArgument } from '../common/arguments.js';
import { FanoutError } from '../common/errors.js';
import { MAX_TIMER_MS } from '../common/timer.js';
import type { GraphTask } from './types.js';

/** Stable codes of {@link GraphError}. */
export type GraphErrorCode = 'ERR_DUPLICATE_ID' | 'ERR_UNKNOWN_DEPENDENCY' | 'ERR_CYCLE';

/**
 * A graph that cannot run: a duplicate id, a dependency on an unknown id, or a cycle (a task that requires itself
 * included). Raised before anything runs. Branch on `code`; the fields name the tasks involved.
 *
 * @example
 * ```ts
 * import { GraphError, validateGraph } from 'fanout';
 * try {
 *   validateGraph([{ id: 'a', requires: ['a'], run: async () => {} }]);
 * } catch (error) {
 *   if (error instanceof GraphError && error.code === 'ERR_CYCLE') console.log(error.cycle); // ['a', 'a']
 * }
 * ```
 */
export class GraphError extends FanoutError {
  declare readonly code: GraphErrorCode;
  /** The duplicated id (ERR_DUPLICATE_ID) or the task whose `requires` names an unknown id (ERR_UNKNOWN_DEPENDENCY). */
  readonly id: string | undefined;
  /** Input index of the offending task: the second occurrence for ERR_DUPLICATE_ID. */
  readonly index: number | undefined;
  /** The unknown id (ERR_UNKNOWN_DEPENDENCY). */
  readonly dependency: string | undefined;
  /**
   * The cycle (ERR_CYCLE) in `requires` direction, first id repeated at the end: `['a', 'b', 'a']` means a requires
   * b and b requires a; a task requiring itself gives `['a', 'a']`.
   */
  readonly cycle: string[] | undefined;

  constructor(
    code: GraphErrorCode,
    message: string,
    fields: { id?: string; index?: number; dependency?: string; cycle?: string[] },
  ) {
    super(code, message);
    this.id = fields.id;
    this.index = fields.index;
    this.dependency = fields.dependency;
    this.cycle = fields.cycle;
  }
}

/**
 * A validated graph as flat index arrays (CSR adjacency): `reqIdx[reqStart[i] .. reqStart[i+1])` are the indices
 * task i requires; `depIdx[depStart[i] .. depStart[i+1])` the indices that require task i. `order` is a topological
 * order (every task after all it requires).
 *
 * Arrays that would only say the obvious are left out, because on large graphs memory is time: V8 answers about 64 MB
 * of new typed arrays with a full mark-compact of the caller's whole heap (0.2 s and more beside a 1M-task graph).
 * So `estimates` is absent when no task has one, and `order` is built on first read when input order already is
 * topological (`inputOrderIsTopological`; the analyses then walk indices directly).
 */
export interface CompiledGraph<V = unknown> {
  readonly n: number;
  readonly ids: string[];
  readonly reqStart: Int32Array;
  readonly reqIdx: Int32Array;
  readonly depStart: Int32Array;
  readonly depIdx: Int32Array;
  /** True when every task comes after all it requires in input order: `order` is then 0, 1, 2... */
  readonly inputOrderIsTopological: boolean;
  readonly order: Int32Array;
  /** 1 where the task is `async`. */
  readonly isAsync: Uint8Array;
  /** `estimateMs` per task, NaN where absent; undefined when no task has one. */
  readonly estimates: Float64Array | undefined;
  /**
   * Each task's `run` and the task itself side by side (`runs[2i]`, `runs[2i + 1]`), read once here: the scheduler
   * calls `run` with the task as `this` without reading the task object, which on a large graph run in priority order
   * is a cache miss per task; the pair shares a cache line.
   */
  readonly runs: (GraphTask<V>['run'] | GraphTask<V>)[];
  /** `timeoutMs` per task, NaN where absent; undefined when no task has one. */
  readonly timeouts: Float64Array | undefined;
  /** 1 where `triggersFailFast` is false; undefined when no task says so. */
  readonly noFailFast: Uint8Array | undefined;
}

/**
 * The TypeError for `requires` arrays whose entries did not add up to what the first pass counted: a getter or Proxy
 * that answers each read differently. The passes read `requires` again rather than keep n references (a million tasks'
 * worth), so what they read must be what was counted; else the adjacency would not match and a run never settle.
 */
function requiresChanged(counted: number, read: number): TypeError {
  return new TypeError(`tasks: the requires arrays held ${counted} entries in all when counted and ${read} when read again: a requires that changes while the graph is read (a getter or Proxy) is not supported`);
}

/**
 * The TypeError for the first malformed field of `tasks[i]`, given the values read from it (each field is read once:
 * a getter is not asked twice, so what is checked is what is kept), when at least one is malformed. Names are built
 * only here, on failure.
 */
function fieldError(
  i: number,
  id: unknown,
  run: unknown,
  requires: unknown,
  timeoutMs: unknown,
  estimateMs: unknown,
  async: unknown,
  triggersFailFast: unknown,
): TypeError {
  if (typeof id !== 'string' || id === '') return invalidArgument(`tasks[${i}].id`, 'a non-empty string', id);
  if (typeof run !== 'function') return invalidArgument(`tasks[${i}].run`, 'a function (or none, with options.worker)', run);
  // The entries of `requires` are checked where they are resolved, so each id string is touched once.
  if (requires !== undefined && !Array.isArray(requires)) {
    return invalidArgument(`tasks[${i}].requires`, 'an array of ids or undefined', requires);
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    return invalidArgument(`tasks[${i}].timeoutMs`, 'a number > 0 (Infinity for none) or undefined', timeoutMs);
  }
  if (estimateMs !== undefined && !(typeof estimateMs === 'number' && Number.isFinite(estimateMs) && estimateMs >= 0)) {
    return invalidArgument(`tasks[${i}].estimateMs`, 'a finite number >= 0 or undefined', estimateMs);
  }
  if (async !== undefined && typeof async !== 'boolean') return invalidArgument(`tasks[${i}].async`, 'a boolean or undefined', async);
  // The caller found a malformed field, and every one before this is well-formed.
  return invalidArgument(`tasks[${i}].triggersFailFast`, 'a boolean or undefined', triggersFailFast);
}

/** The timeout to arm for a task, or undefined for none (Infinity, or beyond what setTimeout can represent). */
export function effectiveTimeout(timeoutMs: number | undefined): number | undefined {
  return timeoutMs === undefined || timeoutMs > MAX_TIMER_MS ? undefined : timeoutMs;
}

/** FNV-1a over UTF-16 code units: cheap for the short ids graphs use, and well spread for linear probing. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let c = 0; c < text.length; c++) hash = Math.imul(hash ^ text.charCodeAt(c), 0x01000193);
  return hash >>> 0;
}

/**
 * Id -> index: an open-addressing table (load factor <= 1/2, linear probing) in one Int32Array: slot s holds a
 * 30-bit tag of the id's hash at `table[2s]` and the task index plus one at `table[2s + 1]` (0: free). Probing
 * compares tags only, so it never reads an id string: on large graphs each string read is a cache miss of its own,
 * which the string compare made wait on the table's miss. The ids behind the tags that matched are compared
 * afterwards, in a loop whose iterations do not depend on one another (see resolveRequirements). A typed array is
 * half the size of a plain array of small integers (fewer cache and TLB misses per probe) and is never scanned by
 * the garbage collector.
 */
type IdTable = Int32Array;

/** The tag a slot keeps of a hash: its 30 high bits (the low bits choose the slot), a small integer for V8. */
const tagOf = (hash: number): number => hash >>> 2;

// compileGraph runs one function per pass, each with a single hot loop for the JIT to optimize on its own. On large
// graphs the cost is memory latency, not arithmetic: an id table of a million tasks is far larger than the CPU caches,
// so every lookup is a cache miss. The passes are split so that the misses of consecutive lookups do not wait for one
// another: hashing reads the input in order, inserting and probing do little else, and the dependents are counted in
// a loop of independent increments. Measured on a 1M-task DAG (2M requires, ids not interned): 620 ms for hash +
// probe + index + count in one loop against 430 ms split this way. Fusing further does not pay either, even though
// validation runs cold (a graph cannot be warmed before it runs): one pass over the tasks doing every check, inserting
// each id and looking up each `requires` entry among the ids read so far (with a second pass for the precise error)
// took 14 instead of 16 ms on a 100k-task graph without edges, but 48-51 instead of 38-41 ms on a 100k-task DAG and
// 1.26 instead of 0.64 s on a 1M-task one: its larger loop compiles later and deoptimizes more often, and its lookups
// wait on one another's misses. The order of the passes also orders the errors: every malformed field (TypeError) is
// reported before any duplicate id, unknown dependency or cycle (GraphError).

/** Pass 1: checks every task, reads the per-task fields while the task object is in cache, and counts edges. */
function readTasks<V>(
  tasks: ReadonlyArray<GraphTask<V>>,
  isAsync: Uint8Array,
): Pick<CompiledGraph<V>, 'ids' | 'estimates' | 'runs' | 'timeouts' | 'noFailFast'> & { edges: number } {
  const n = tasks.length;
  const ids = new Array<string>(n);
  const runs = new Array<GraphTask<V>['run'] | GraphTask<V>>(n * 2);
  let estimates: Float64Array | undefined;
  let timeouts: Float64Array | undefined;
  let noFailFast: Uint8Array | undefined;
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const task: unknown = tasks[i];
    if (typeof task !== 'object' || task === null) throw invalidArgument(`tasks[${i}]`, 'an object', task);
    const t = task as GraphTask<V>;
    // Each field is read once, so the value checked is the value kept: a getter or Proxy may answer each read
    // differently (read again after its check, an id could be kept as ''). The message is built by fieldError only
    // when a check fails; the reference property test holds the two lists of checks together.
    const { id, run, requires, timeoutMs, estimateMs, async, triggersFailFast } = t as Record<keyof GraphTask<V>, unknown>;
    if (
      typeof id !== 'string' ||
      id === '' ||
      typeof run !== 'function' ||
      (requires !== undefined && !Array.isArray(requires)) ||
      (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) ||
      (estimateMs !== undefined && !(typeof estimateMs === 'number' && Number.isFinite(estimateMs) && estimateMs >= 0)) ||
      (async !== undefined && typeof async !== 'boolean') ||
      (triggersFailFast !== undefined && typeof triggersFailFast !== 'boolean')
    ) {
      throw fieldError(i, id, run, requires, timeoutMs, estimateMs, async, triggersFailFast);
    }
    ids[i] = id;
    if (requires !== undefined) edges += requires.length;
    if (async === true) isAsync[i] = 1;
    runs[i * 2] = run as GraphTask<V>['run'];
    runs[i * 2 + 1] = t;
    if (estimateMs !== undefined) (estimates ??= new Float64Array(n).fill(Number.NaN))[i] = estimateMs;
    if (timeoutMs !== undefined) (timeouts ??= new Float64Array(n).fill(Number.NaN))[i] = timeoutMs;
    if (triggersFailFast === false) (noFailFast ??= new Uint8Array(n))[i] = 1;
  }
  return { ids, estimates, runs, timeouts, noFailFast, edges };
}

/** Pass 1b, where ids are not numbered (see {@link numberIds}): hashes every id into `hashes`. */
function hashIds(ids: string[], hashes: Int32Array): void {
  for (let i = 0; i < ids.length; i++) hashes[i] = hashString(ids[i] as string);
}

/**
 * Numbered ids: every id is one prefix followed by a decimal number written without leading zeros (`t0`, `t1`, ...,
 * `shard-17`), and the numbers are `min .. min + n - 1`. Such ids (generated graphs, shards, the benchmarks') are
 * looked up by parsing the number, which reads each `requires` string once, in order, instead of probing an id table
 * and comparing with an id string at random places in memory. Measured (CPU, cold process, one thread), whole
 * validation of a random DAG listed in dependency order (2 requires a task): 1M tasks 0.85 -> 0.26 s, 100k tasks
 * 53 -> 43 ms; a 1M chain 0.25 -> 0.13 s, 1M tasks without edges 0.14 -> 0.08 s (at 100k the two are even: the time
 * goes to compiling the passes). Any other ids take the hash table, after one look at the first ids.
 */
interface NumberedIds {
  readonly prefix: string;
  readonly min: number;
  /** The number of each id. */
  readonly numbers: Int32Array;
  /**
   * True when task i's id has the number `min + i` (the ids are listed in order, as generated graphs list them): no
   * two ids can be equal, so a graph without a `requires` entry needs no further pass.
   */
  readonly inOrder: boolean;
}

/**
 * The number after `prefix` in `text` when `text` is `prefix` and a canonical decimal of at most 9 digits, else -1.
 * Compares the prefix by hand: for the short prefixes of numbered ids a call to startsWith cost more than the rest.
 */
function numberAfter(text: string, prefix: string): number {
  const start = prefix.length;
  const end = text.length;
  if (end === start || end - start > 9) return -1;
  for (let c = 0; c < start; c++) if (text.charCodeAt(c) !== prefix.charCodeAt(c)) return -1;
  let value = text.charCodeAt(start) - 48;
  if (value < 0 || value > 9 || (value === 0 && end > start + 1)) return -1;
  for (let c = start + 1; c < end; c++) {
    const digit = text.charCodeAt(c) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Pass 1b: the ids' numbers (in `numbers`, n entries or more), or undefined when the ids are not numbered as
 * {@link NumberedIds} says.
 */
function numberIds(ids: string[], numbers: Int32Array): NumberedIds | undefined {
  const n = ids.length;
  if (n === 0) return undefined;
  const first = ids[0] as string;
  let cut = first.length;
  while (cut > 0 && first.charCodeAt(cut - 1) >= 48 && first.charCodeAt(cut - 1) <= 57) cut--;
  const prefix = first.slice(0, cut);
  let min = Number.MAX_SAFE_INTEGER;
  let max = -1;
  // The number task i has when the ids are listed in order; -1 once one is not (numbers are never negative).
  let expected = numberAfter(first, prefix);
  for (let i = 0; i < n; i++) {
    const value = numberAfter(ids[i] as string, prefix);
    if (value < 0) return undefined;
    numbers[i] = value;
    if (value < min) min = value;
    if (value > max) max = value;
    expected = value === expected ? expected + 1 : -1;
  }
  return max - min + 1 === n ? { prefix, min, numbers, inOrder: expected >= 0 } : undefined;
}

/**
 * Pass 2 for numbered ids: checks every `requires` entry and stores the offset of the id it names in `reqIdx` (CSR
 * positions in `reqStart`), or -1 where no id can be that string. Returns the first such entry in input order (the
 * unknown dependency reported after the duplicate check), or -1. The walk is {@link hashRequirements}'s, written out
 * again on purpose: each loop stays small, with one kind of work per entry, on a path that runs a million times.
 */
function numberRequirements<V>(
  tasks: ReadonlyArray<GraphTask<V>>,
  numbered: NumberedIds,
  reqStart: Int32Array,
  reqIdx: Int32Array,
): { edge: number; name: string } | undefined {
  const n = tasks.length;
  const { prefix, min } = numbered;
  let unknown: { edge: number; name: string } | undefined;
  let e = 0;
  for (let i = 0; i < n; i++) {
    reqStart[i] = e;
    const requires = (tasks[i] as GraphTask<V>).requires;
    if (requires === undefined) continue;
    for (let k = 0; k < requires.length; k++) {
      const dependency: unknown = requires[k];
      if (typeof dependency !== 'string') throw invalidArgument(`tasks[${i}].requires[${k}]`, 'a string', dependency);
      const value = numberAfter(dependency, prefix) - min;
      const offset = value >= 0 && value < n ? value : -1;
      if (offset < 0 && unknown === undefined) unknown = { edge: e, name: dependency };
      reqIdx[e++] = offset;
    }
  }
  if (e !== reqIdx.length) throw requiresChanged(reqIdx.length, e);
  reqStart[n] = e;
  return unknown;
}

/**
 * Pass 3 for numbered ids: the task of each offset (number - min); the second occurrence of a number is
 * ERR_DUPLICATE_ID.
 */
function indexNumbers(ids: string[], { numbers, min }: NumberedIds): Int32Array {
  const n = ids.length;
  const taskOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const offset = numbers[i]! - min;
    const other = taskOf[offset]!;
    if (other >= 0) {
      const id = ids[i] as string;
      throw new GraphError('ERR_DUPLICATE_ID', `duplicate task id "${id}" (tasks[${other}] and tasks[${i}])`, { id, index: i });
    }
    taskOf[offset] = i;
  }
  return taskOf;
}

/**
 * Pass 4 for numbered ids: replaces every offset in `reqIdx` by its task, throwing ERR_UNKNOWN_DEPENDENCY for
 * `unknown` (the first entry that names no id). Returns whether input order is a topological order.
 */
function resolveNumbers(
  ids: string[],
  taskOf: Int32Array,
  unknown: { edge: number; name: string } | undefined,
  reqStart: Int32Array,
  reqIdx: Int32Array,
): boolean {
  if (unknown !== undefined) {
    let i = 0;
    while (reqStart[i + 1]! <= unknown.edge) i++;
    const id = ids[i] as string;
    throw new GraphError('ERR_UNKNOWN_DEPENDENCY', `task "${id}" requires unknown task "${unknown.name}"`, {
      id,
      index: i,
      dependency: unknown.name,
    });
  }
  let inputOrderIsTopological = true;
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    for (let e = reqStart[i]!, end = reqStart[i + 1]!; e < end; e++) {
      const r = taskOf[reqIdx[e]!]!;
      reqIdx[e] = r;
      if (r >= i) inputOrderIsTopological = false;
    }
  }
  return inputOrderIsTopological;
}

/**
 * Pass 2: checks every `requires` entry, stores its hash in `reqIdx` (CSR positions in `reqStart`) and the entry
 * itself in a flat array, so that pass 4 need not walk task objects and their `requires` arrays again (in a list
 * that is not in dependency order each of those is a cache miss).
 */
function hashRequirements<V>(tasks: ReadonlyArray<GraphTask<V>>, reqStart: Int32Array, reqIdx: Int32Array): string[] {
  const n = tasks.length;
  const names = new Array<string>(reqIdx.length);
  let e = 0;
  for (let i = 0; i < n; i++) {
    reqStart[i] = e;
    const requires = (tasks[i] as GraphTask<V>).requires;
    if (requires === undefined) continue;
    for (let k = 0; k < requires.length; k++) {
      const dependency: unknown = requires[k];
      if (typeof dependency !== 'string') throw invalidArgument(`tasks[${i}].requires[${k}]`, 'a string', dependency);
      names[e] = dependency;
      reqIdx[e++] = hashString(dependency);
    }
  }
  if (e !== reqIdx.length) throw requiresChanged(reqIdx.length, e);
  reqStart[n] = e;
  return names;
}

/**
 * Pass 3: the id table (presized: against a Map on a 1M-task DAG in a cold process it was 0.4 s instead of 1.1-2.6 s,
 * the Map's growth and rehashing dominating); the second occurrence of an id is ERR_DUPLICATE_ID.
 */
function indexIds(ids: string[], hashes: Int32Array, mask: number): IdTable {
  const n = ids.length;
  const table: IdTable = new Int32Array((mask + 1) * 2);
  for (let i = 0; i < n; i++) {
    const hash = hashes[i]!;
    const tag = tagOf(hash);
    let slot = hash & mask;
    for (let other = table[slot * 2 + 1]! - 1; other >= 0; other = table[slot * 2 + 1]! - 1) {
      if (table[slot * 2] === tag && ids[other] === ids[i]) {
        const id = ids[i] as string;
        throw new GraphError('ERR_DUPLICATE_ID', `duplicate task id "${id}" (tasks[${other}] and tasks[${i}])`, { id, index: i });
      }
      slot = (slot + 1) & mask;
    }
    table[slot * 2] = tag;
    table[slot * 2 + 1] = i + 1;
  }
  return table;
}

/** The index of the task whose id is `name`, or -1: a probe that compares the id of every slot whose tag matches. */
function findId(ids: string[], table: IdTable, mask: number, name: string): number {
  const hash = hashString(name);
  const tag = tagOf(hash);
  let slot = hash & mask;
  for (let other = table[slot * 2 + 1]! - 1; other >= 0; other = table[slot * 2 + 1]! - 1) {
    if (table[slot * 2] === tag && ids[other] === name) return other;
    slot = (slot + 1) & mask;
  }
  return -1;
}

/**
 * Pass 4: replaces every hash in `reqIdx` by the index of the task with that id (ERR_UNKNOWN_DEPENDENCY if none).
 * Returns whether input order already is a topological order (every requirement earlier in the list): graphs are
 * often listed that way, and then no search is needed.
 *
 * In two loops: the first probes by tag only (the first slot whose tag matches, or -1); the second compares each
 * entry with the id found, in input order, and resolves the rare entry whose tag matched another id (or none) with a
 * full probe, so the first unknown dependency in input order is the one reported. Measured against one loop comparing
 * strings while probing, whole validation of a random DAG listed in dependency order (2 requires a task): 100k tasks
 * 51-54 -> 34-37 ms, 1M tasks 1.11-1.15 -> 0.80-0.81 s.
 */
function resolveRequirements(
  ids: string[],
  table: IdTable,
  mask: number,
  names: string[],
  reqStart: Int32Array,
  reqIdx: Int32Array,
): boolean {
  const n = ids.length;
  const edges = reqIdx.length;
  for (let e = 0; e < edges; e++) {
    const hash = reqIdx[e]!;
    const tag = tagOf(hash);
    let slot = hash & mask;
    let found = -1;
    for (let other = table[slot * 2 + 1]! - 1; other >= 0; other = table[slot * 2 + 1]! - 1) {
      if (table[slot * 2] === tag) {
        found = other;
        break;
      }
      slot = (slot + 1) & mask;
    }
    reqIdx[e] = found;
  }
  let inputOrderIsTopological = true;
  for (let i = 0; i < n; i++) {
    for (let e = reqStart[i]!, end = reqStart[i + 1]!; e < end; e++) {
      const dependency = names[e] as string;
      let r = reqIdx[e]!;
      if (r < 0 || ids[r] !== dependency) {
        r = findId(ids, table, mask, dependency);
        if (r < 0) {
          const id = ids[i] as string;
          throw new GraphError('ERR_UNKNOWN_DEPENDENCY', `task "${id}" requires unknown task "${dependency}"`, {
            id,
            index: i,
            dependency,
          });
        }
        reqIdx[e] = r;
      }
      if (r >= i) inputOrderIsTopological = false;
    }
  }
  return inputOrderIsTopological;
}

/**
 * Pass 5: the reverse adjacency in `depStart` (zeroed here: it held the id hashes) and a new `depIdx`: counts (a loop
 * of independent increments), prefix sums of the counts giving where each run of dependents ends, then filled
 * backwards from those ends (so dependents keep input order, and the ends come down to the starts without a copy).
 */
function buildDependents(n: number, reqStart: Int32Array, reqIdx: Int32Array, depStart: Int32Array): Int32Array {
  depStart.fill(0);
  for (let p = 0; p < reqIdx.length; p++) depStart[reqIdx[p]!]! += 1;
  for (let i = 1; i <= n; i++) depStart[i]! += depStart[i - 1]!;
  const depIdx = new Int32Array(reqIdx.length);
  for (let i = n - 1; i >= 0; i--) {
    for (let p = reqStart[i + 1]! - 1, start = reqStart[i]!; p >= start; p--) {
      depIdx[--depStart[reqIdx[p]!]!] = i;
    }
  }
  return depIdx;
}

/** Validates and compiles `tasks`; throws TypeError for malformed input and GraphError for a graph that cannot run. */
export function compileGraph<V>(tasks: ReadonlyArray<GraphTask<V>>): CompiledGraph<V> {
  if (!Array.isArray(tasks)) throw invalidArgument('tasks', 'an array of graph tasks', tasks);
  const n = tasks.length;
  const isAsync = new Uint8Array(n);
  // depStart holds the ids' numbers or hashes until pass 5 builds the reverse adjacency in it: one typed array less.
  const depStart = new Int32Array(n + 1);
  const { ids, estimates, runs, timeouts, noFailFast, edges } = readTasks<V>(tasks, isAsync);
  const reqStart = new Int32Array(n + 1);
  const reqIdx = new Int32Array(edges);
  const numbered = numberIds(ids, depStart);
  let sorted: boolean;
  if (numbered?.inOrder === true && edges === 0) {
    // Ids numbered in order are all different, and nothing is required: nothing to resolve, input order is a
    // topological order. (A one-walk pass for in-order ids with edges was measured no faster than the passes below.)
    sorted = true;
  } else if (numbered !== undefined) {
    const unknown = numberRequirements(tasks, numbered, reqStart, reqIdx);
    sorted = resolveNumbers(ids, indexNumbers(ids, numbered), unknown, reqStart, reqIdx);
  } else {
    hashIds(ids, depStart);
    const names = hashRequirements(tasks, reqStart, reqIdx);
    let capacity = 8;
    while (capacity < n * 2) capacity *= 2;
    const mask = capacity - 1;
    const table = indexIds(ids, depStart, mask);
    sorted = resolveRequirements(ids, table, mask, names, reqStart, reqIdx);
  }
  // Without a single `requires` entry every start is 0: depStart only needs to be zero.
  let depIdx: Int32Array;
  if (edges === 0) {
    depStart.fill(0);
    depIdx = reqIdx;
  } else depIdx = buildDependents(n, reqStart, reqIdx, depStart);
  let order = sorted ? undefined : topologicalOrder(n, ids, reqStart, reqIdx);
  return {
    n,
    ids,
    reqStart,
    reqIdx,
    depStart,
    depIdx,
    inputOrderIsTopological: sorted,
    get order(): Int32Array {
      if (order === undefined) {
        order = new Int32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
      }
      return order;
    },
    isAsync,
    estimates,
    runs,
    timeouts,
    noFailFast,
  };
}

/**
 * Iterative depth-first search along `requires` (an explicit stack: a million-deep chain must not overflow the call
 * stack). Post-order is a topological order; meeting a node still on the stack is a cycle, reported from that node.
 */
function topologicalOrder(n: number, ids: string[], reqStart: Int32Array, reqIdx: Int32Array): Int32Array {
  const color = new Uint8Array(n); // 0 unvisited, 1 on the stack, 2 done
  const stackNode = new Int32Array(n);
  const stackEdge = new Int32Array(n);
  const order = new Int32Array(n);
  let k = 0;
  for (let s = 0; s < n; s++) {
    if (color[s] !== 0) continue;
    let sp = 0;
    stackNode[0] = s;
    stackEdge[0] = reqStart[s]!;
    color[s] = 1;
    while (sp >= 0) {
      const v = stackNode[sp]!;
      const p = stackEdge[sp]!;
      if (p < reqStart[v + 1]!) {
        stackEdge[sp] = p + 1;
        const w = reqIdx[p]!;
        const c = color[w];
        if (c === 0) {
          color[w] = 1;
          sp++;
          stackNode[sp] = w;
          stackEdge[sp] = reqStart[w]!;
        } else if (c === 1) {
          let from = sp;
          while (stackNode[from] !== w) from--;
          const cycle: string[] = [];
          for (let q = from; q <= sp; q++) cycle.push(ids[stackNode[q]!] as string);
          cycle.push(ids[w] as string);
          throw new GraphError('ERR_CYCLE', `cyclic dependency: ${cycle.join(' -> ')}`, { id: cycle[0] as string, cycle });
        }
      } else {
        color[v] = 2;
        order[k++] = v;
        sp--;
      }
    }
  }
  return order;
}

/**
 * Checks a task list without running it, in O(V+E): every task well-formed (TypeError naming the field), ids unique
 * (`ERR_DUPLICATE_ID`), every `requires` entry known (`ERR_UNKNOWN_DEPENDENCY`) and no cycle (`ERR_CYCLE`, a task
 * requiring itself included). {@link runGraph} performs the same checks before starting anything.
 *
 * @throws TypeError for a malformed task; {@link GraphError} for a graph that cannot run.
 * @example
 * ```ts
 * import { validateGraph } from 'fanout';
 * validateGraph([
 *   { id: 'build', run: async () => {} },
 *   { id: 'test', requires: ['build'], run: async () => {} },
 * ]); // returns normally
 * ```
 */
export function validateGraph<V = unknown>(tasks: ReadonlyArray<GraphTask<NoInfer<V>, never>>): void {
  compileGraph(tasks as ReadonlyArray<GraphTask<V>>);
}

/**
 * A graph's tasks renumbered: task k of the view is task `inputOf[k]` of `graph` (`internalOf` is the inverse).
 * The scheduler runs on the view whose numbering is its start order (priority order): a run then walks its per-task
 * arrays nearly in order instead of at random, which on a large graph is most of its time (a cache miss per array
 * and task). Requirement lists keep their order; the view's `order` is `graph.order` renumbered.
 */
export interface GraphView<V> {
  readonly graph: CompiledGraph<V>;
  readonly inputOf: Int32Array;
  readonly internalOf: Int32Array;
}

/** Renumbers `graph` by `inputOf` (a permutation of 0 .. n-1) and its inverse `internalOf`. */
export function permuteGraph<V>(graph: CompiledGraph<V>, inputOf: Int32Array, internalOf: Int32Array): GraphView<V> {
  const { n, ids, runs, reqStart, reqIdx, depStart, depIdx, isAsync, estimates, timeouts, noFailFast } = graph;
  const vIds = new Array<string>(n);
  const vRuns = new Array<GraphTask<V>['run'] | GraphTask<V>>(n * 2);
  const vAsync = new Uint8Array(n);
  const vReqStart = new Int32Array(n + 1);
  const vReqIdx = new Int32Array(reqIdx.length);
  const vDepStart = new Int32Array(n + 1);
  const vDepIdx = new Int32Array(depIdx.length);
  let r = 0;
  let d = 0;
  for (let k = 0; k < n; k++) {
    const i = inputOf[k]!;
    vIds[k] = ids[i] as string;
    vRuns[k * 2] = runs[i * 2] as GraphTask<V>['run'];
    vRuns[k * 2 + 1] = runs[i * 2 + 1] as GraphTask<V>;
    vAsync[k] = isAsync[i]!;
    vReqStart[k] = r;
    for (let p = reqStart[i]!, end = reqStart[i + 1]!; p < end; p++) vReqIdx[r++] = internalOf[reqIdx[p]!]!;
    vDepStart[k] = d;
    for (let p = depStart[i]!, end = depStart[i + 1]!; p < end; p++) vDepIdx[d++] = internalOf[depIdx[p]!]!;
  }
  vReqStart[n] = r;
  vDepStart[n] = d;
  const permute = <A extends Float64Array | Uint8Array>(values: A | undefined): A | undefined => {
    if (values === undefined) return undefined;
    const out = values.slice() as A;
    for (let k = 0; k < n; k++) out[k] = values[inputOf[k]!]!;
    return out;
  };
  let order: Int32Array | undefined;
  const view: CompiledGraph<V> = {
    n,
    ids: vIds,
    reqStart: vReqStart,
    reqIdx: vReqIdx,
    depStart: vDepStart,
    depIdx: vDepIdx,
    inputOrderIsTopological: false,
    get order(): Int32Array {
      if (order === undefined) {
        const original = graph.order;
        order = new Int32Array(n);
        for (let k = 0; k < n; k++) order[k] = internalOf[original[k]!]!;
      }
      return order;
    },
    isAsync: vAsync,
    estimates: permute(estimates),
    runs: vRuns,
    timeouts: permute(timeouts),
    noFailFast: permute(noFailFast),
  };
  return { graph: view, inputOf, internalOf };
}
