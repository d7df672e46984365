import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { invalidArgument } from '../../src/common/arguments.js';
import type { GraphTask } from '../../src/graph/types.js';
import { GraphError, compileGraph } from '../../src/graph/validate.js';

// The validator against a reference written for clarity (maps, recursion, one check at a time): on random task lists
// with duplicate ids, unknown requirements, self-requirements, cycles and malformed fields, both must accept the same
// lists and reject the others with the same first problem (same class, message and fields).

const run = (): Promise<void> => Promise.resolve();

/** What the reference reports: the error it expects, as plain data. */
type Problem =
  | { kind: 'TypeError'; message: string }
  | { kind: 'GraphError'; code: string; message: string; id?: string; index?: number; dependency?: string; cycle?: string[] };

function referenceProblem(tasks: readonly unknown[]): Problem | undefined {
  const type = (error: TypeError): Problem => ({ kind: 'TypeError', message: error.message });
  // Every task's own fields first, in input order, each task's fields in a fixed order.
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    if (typeof task !== 'object' || task === null) return type(invalidArgument(`tasks[${i}]`, 'an object', task));
    const { id, run: fn, requires, timeoutMs, estimateMs, async, triggersFailFast } = task as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) return type(invalidArgument(`tasks[${i}].id`, 'a non-empty string', id));
    if (typeof fn !== 'function') return type(invalidArgument(`tasks[${i}].run`, 'a function (or none, with options.worker)', fn));
    if (requires !== undefined && !Array.isArray(requires)) {
      return type(invalidArgument(`tasks[${i}].requires`, 'an array of ids or undefined', requires));
    }
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
      return type(invalidArgument(`tasks[${i}].timeoutMs`, 'a number > 0 (Infinity for none) or undefined', timeoutMs));
    }
    if (estimateMs !== undefined && !(typeof estimateMs === 'number' && Number.isFinite(estimateMs) && estimateMs >= 0)) {
      return type(invalidArgument(`tasks[${i}].estimateMs`, 'a finite number >= 0 or undefined', estimateMs));
    }
    if (async !== undefined && typeof async !== 'boolean') return type(invalidArgument(`tasks[${i}].async`, 'a boolean or undefined', async));
    if (triggersFailFast !== undefined && typeof triggersFailFast !== 'boolean') {
      return type(invalidArgument(`tasks[${i}].triggersFailFast`, 'a boolean or undefined', triggersFailFast));
    }
  }
  const list = tasks as ReadonlyArray<GraphTask<void>>;
  // Then the entries of every `requires`.
  for (let i = 0; i < list.length; i++) {
    const requires: readonly unknown[] = list[i]!.requires ?? [];
    for (let k = 0; k < requires.length; k++) {
      if (typeof requires[k] !== 'string') return type(invalidArgument(`tasks[${i}].requires[${k}]`, 'a string', requires[k]));
    }
  }
  // Then the second occurrence of an id.
  const indexOf = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const id = list[i]!.id;
    const first = indexOf.get(id);
    if (first !== undefined) {
      return { kind: 'GraphError', code: 'ERR_DUPLICATE_ID', message: `duplicate task id "${id}" (tasks[${first}] and tasks[${i}])`, id, index: i };
    }
    indexOf.set(id, i);
  }
  // Then the first unknown requirement in input order.
  for (let i = 0; i < list.length; i++) {
    const { id, requires = [] } = list[i]!;
    const dependency = requires.find((name) => !indexOf.has(name));
    if (dependency !== undefined) {
      return {
        kind: 'GraphError',
        code: 'ERR_UNKNOWN_DEPENDENCY',
        message: `task "${id}" requires unknown task "${dependency}"`,
        id,
        index: i,
        dependency,
      };
    }
  }
  // Then the first cycle a depth-first search along `requires` meets (roots and edges in input order).
  const state = new Map<number, 'open' | 'done'>();
  const path: number[] = [];
  const visit = (v: number): string[] | undefined => {
    state.set(v, 'open');
    path.push(v);
    for (const name of list[v]!.requires ?? []) {
      const w = indexOf.get(name)!;
      if (state.get(w) === 'open') return [...path.slice(path.indexOf(w)), w].map((x) => list[x]!.id);
      if (state.get(w) === undefined) {
        const cycle = visit(w);
        if (cycle !== undefined) return cycle;
      }
    }
    path.pop();
    state.set(v, 'done');
    return undefined;
  };
  for (let s = 0; s < list.length; s++) {
    const cycle = state.has(s) ? undefined : visit(s);
    if (cycle !== undefined) {
      return { kind: 'GraphError', code: 'ERR_CYCLE', message: `cyclic dependency: ${cycle.join(' -> ')}`, id: cycle[0]!, cycle };
    }
  }
  return undefined;
}

function actualProblem(tasks: readonly unknown[]): Problem | undefined {
  try {
    compileGraph(tasks as ReadonlyArray<GraphTask<void>>);
    return undefined;
  } catch (error) {
    if (error instanceof GraphError) {
      const { code, message, id, index, dependency, cycle } = error;
      const problem: Problem = { kind: 'GraphError', code, message };
      if (id !== undefined) problem.id = id;
      if (index !== undefined) problem.index = index;
      if (dependency !== undefined) problem.dependency = dependency;
      if (cycle !== undefined) problem.cycle = cycle;
      return problem;
    }
    if (error instanceof TypeError) return { kind: 'TypeError', message: error.message };
    throw error;
  }
}

// Few distinct ids, so that duplicates, self-requirements and cycles are common; 'ghost' is never an id.
const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const malformed: Array<(task: Record<string, unknown>) => unknown> = [
  () => null,
  () => 'task',
  (task) => ({ ...task, id: '' }),
  (task) => ({ ...task, id: 3 }),
  (task) => ({ ...task, run: undefined }),
  (task) => ({ ...task, requires: 'a' }),
  (task) => ({ ...task, requires: [...((task.requires as unknown[] | undefined) ?? []), 7] }),
  (task) => ({ ...task, timeoutMs: 0 }),
  (task) => ({ ...task, timeoutMs: Number.NaN }),
  (task) => ({ ...task, estimateMs: -1 }),
  (task) => ({ ...task, estimateMs: Number.POSITIVE_INFINITY }),
  (task) => ({ ...task, async: 'yes' }),
  (task) => ({ ...task, triggersFailFast: 1 }),
];

const task = fc
  .record(
    {
      id: fc.constantFrom(...ids),
      requires: fc.array(fc.constantFrom(...ids, 'ghost'), { maxLength: 3 }),
      timeoutMs: fc.constantFrom(5, Number.POSITIVE_INFINITY),
      estimateMs: fc.constantFrom(0, 2.5),
      async: fc.boolean(),
      triggersFailFast: fc.boolean(),
    },
    { requiredKeys: ['id'] },
  )
  .map((fields): Record<string, unknown> => ({ ...fields, run }));

const taskLists = fc
  .tuple(
    fc.array(task, { maxLength: 12 }),
    // A malformed field in one task now and then.
    fc.option(fc.tuple(fc.nat(), fc.nat(malformed.length - 1)), { freq: 4 }),
    // Unique ids now and then, so that lists reach the unknown-id and cycle checks.
    fc.boolean(),
  )
  .map(([tasks, broken, unique]) => {
    const list: unknown[] = tasks.map((t, i) => (unique ? { ...t, id: `${t.id as string}${i}`, requires: renumber(t, tasks) } : t));
    if (broken !== null && list.length > 0) {
      const [at, kind] = broken;
      list[at % list.length] = malformed[kind]!(list[at % list.length] as Record<string, unknown>);
    }
    return list;
  });

/** With unique ids (`<id><index>`), a requirement on `x` names the first task whose id was `x`, or stays unknown. */
function renumber(task: Record<string, unknown>, tasks: Array<Record<string, unknown>>): string[] | undefined {
  const requires = task.requires as string[] | undefined;
  return requires?.map((name) => {
    const k = tasks.findIndex((t) => t.id === name);
    return k < 0 ? name : `${name}${k}`;
  });
}

/** compileGraph and the reference agree on every list the arbitrary makes: the same first problem, or none. */
function agreesWithReference(lists: fc.Arbitrary<readonly unknown[]>): void {
  fc.assert(
    fc.property(lists, (tasks) => {
      expect(actualProblem(tasks)).toEqual(referenceProblem(tasks));
    }),
    { numRuns: 3000 },
  );
}

/** The kind of the reference's first problem on a list: `valid`, `TypeError` or the error's code. */
function outcome(tasks: readonly unknown[]): string {
  const problem = referenceProblem(tasks);
  return problem === undefined ? 'valid' : problem.kind === 'TypeError' ? 'TypeError' : problem.code;
}

describe('compileGraph against a reference validator', () => {
  it('accepts the same task lists and reports the same first problem', () => {
    agreesWithReference(taskLists);
  });

  it('meets every kind of problem on these task lists', () => {
    // The property above is only as strong as its inputs: each outcome must come up in a sample of them.
    const seen = new Set<string>();
    for (const tasks of fc.sample(taskLists, { numRuns: 3000, seed: 7 })) {
      seen.add(outcome(tasks));
    }
    expect([...seen].sort()).toEqual(['ERR_CYCLE', 'ERR_DUPLICATE_ID', 'ERR_UNKNOWN_DEPENDENCY', 'TypeError', 'valid']);
  });
});

// Numbered ids (one prefix and canonical decimals making a range, `t3`, `t4`, `t5`, ...) are looked up by their number
// rather than in the id table: the same answers, including for names that only look numbered.
const lookalikes = ['t', 't01', 't00', 't-1', 't1x', 'T1', 'u1', '1', 't1234567890', 't2147483648', ''];
const numberedTask = fc
  .record(
    {
      id: fc.nat(6).map((k) => `t${k}`),
      requires: fc.array(fc.oneof(fc.nat(8).map((k) => `t${k}`), fc.constantFrom(...lookalikes)), { maxLength: 3 }),
      timeoutMs: fc.constantFrom(5, Number.POSITIVE_INFINITY),
    },
    { requiredKeys: ['id'] },
  )
  .map((fields): Record<string, unknown> => ({ ...fields, run }));

const numberedLists = fc
  .tuple(
    fc.array(numberedTask, { maxLength: 9 }),
    fc.option(fc.tuple(fc.nat(), fc.nat(malformed.length - 1)), { freq: 5 }),
    // A rotation of base .. base + n - 1 (numbered, so the fast path runs) unless false (duplicates and gaps are common).
    fc.option(fc.tuple(fc.nat(3), fc.nat(20)), { freq: 4 }),
  )
  .map(([tasks, broken, range]) => {
    const list: unknown[] = tasks.map((t, i) => (range === null ? t : { ...t, id: `t${range[0] + ((i + range[1]) % tasks.length)}` }));
    if (broken !== null && list.length > 0) {
      const [at, kind] = broken;
      list[at % list.length] = malformed[kind]!(list[at % list.length] as Record<string, unknown>);
    }
    return list;
  });

/** Whether the ids of a list are numbered: `t` and canonical decimals forming a range without gaps or repeats. */
function isNumbered(tasks: readonly unknown[]): boolean {
  const numbers = tasks.map((t) => {
    const id = (t as { id?: unknown } | null)?.id;
    return typeof id === 'string' && /^t(0|[1-9]\d*)$/.test(id) ? Number(id.slice(1)) : Number.NaN;
  });
  if (numbers.length === 0 || numbers.some(Number.isNaN)) return false;
  return new Set(numbers).size === numbers.length && Math.max(...numbers) - Math.min(...numbers) + 1 === numbers.length;
}

describe('compileGraph with numbered ids against the reference validator', () => {
  it('accepts the same task lists and reports the same first problem', () => {
    agreesWithReference(numberedLists);
  });

  it('meets every kind of problem with numbered ids', () => {
    const seen = new Set<string>();
    for (const tasks of fc.sample(numberedLists, { numRuns: 3000, seed: 11 })) {
      if (!isNumbered(tasks)) continue;
      seen.add(outcome(tasks));
    }
    expect([...seen].sort()).toEqual(['ERR_CYCLE', 'ERR_UNKNOWN_DEPENDENCY', 'TypeError', 'valid']);
  });

  it('agrees on ids listed in order, with and without requirements, and meets every kind of problem there', () => {
    // `t<b>`, `t<b+1>`, ... in input order: no duplicate can occur, and without a `requires` entry the requirement
    // passes are skipped.
    const inOrder = fc
      .tuple(
        fc.array(numberedTask, { maxLength: 9 }),
        fc.nat(3),
        fc.boolean(),
        fc.option(fc.tuple(fc.nat(), fc.nat(malformed.length - 1)), { freq: 5 }),
      )
      .map(([tasks, base, edgeless, broken]) => {
        const list: unknown[] = tasks.map((t, i) => ({ ...t, id: `t${base + i}`, ...(edgeless ? { requires: [] } : {}) }));
        if (broken !== null && list.length > 0) {
          const [at, kind] = broken;
          list[at % list.length] = malformed[kind]!(list[at % list.length] as Record<string, unknown>);
        }
        return list;
      });
    agreesWithReference(inOrder);
    const seen = new Set<string>();
    for (const tasks of fc.sample(inOrder, { numRuns: 3000, seed: 13 })) if (isNumbered(tasks)) seen.add(outcome(tasks));
    expect([...seen].sort()).toEqual(['ERR_CYCLE', 'ERR_UNKNOWN_DEPENDENCY', 'TypeError', 'valid']);
  });

  it('finds a duplicate among numbers that span a range as long as the list', () => {
    // t0, t2, t2: min 0, max 2, three tasks — the range fits, the repeat must still be reported.
    const tasks = [{ id: 't0', run }, { id: 't2', run }, { id: 't2', run }];
    expect(actualProblem(tasks)).toEqual(referenceProblem(tasks));
    expect(actualProblem(tasks)).toMatchObject({ code: 'ERR_DUPLICATE_ID', index: 2 });
  });
});

// Ids that are property names of every object, or numbers in non-canonical spellings: none may be taken for another
// id, nor found where no task has it. Lists of them alone are sometimes numbered ('0', '1', '2': an empty prefix).
const oddIds = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '1', '2', '01', '00', '1e3', '1000', '-0', '+1', '0x1', ' 1'];
const oddTask = fc
  .record(
    {
      id: fc.constantFrom(...oddIds),
      requires: fc.array(fc.constantFrom(...oddIds, 'ghost'), { maxLength: 3 }),
    },
    { requiredKeys: ['id'] },
  )
  .map((fields): Record<string, unknown> => ({ ...fields, run }));

const oddLists = fc
  .tuple(fc.array(oddTask, { maxLength: 10 }), fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.nat(malformed.length - 1)), { freq: 6 }))
  .map(([tasks, distinct, broken]) => {
    // Distinct ids now and then (the first task of each id kept), so that lists reach the requirement checks.
    const seen = new Set<unknown>();
    const list: unknown[] = distinct ? tasks.filter((t) => !seen.has(t.id) && seen.add(t.id)) : tasks;
    if (broken !== null && list.length > 0) {
      const [at, kind] = broken;
      list[at % list.length] = malformed[kind]!(list[at % list.length] as Record<string, unknown>);
    }
    return list;
  });

describe('compileGraph with ids such as __proto__, 01, 1e3 and -0 against the reference validator', () => {
  it('accepts the same task lists and reports the same first problem', () => {
    agreesWithReference(oddLists);
  });

  it('meets every kind of problem, and numbered lists among them', () => {
    const seen = new Set<string>();
    let numbered = 0;
    for (const tasks of fc.sample(oddLists, { numRuns: 3000, seed: 17 })) {
      seen.add(outcome(tasks));
      const ids = tasks.map((t) => (t as { id?: unknown } | null)?.id);
      const numbers = ids.map((id) => (id === '0' || id === '1' || id === '2' ? Number(id) : Number.NaN));
      const range = Math.max(...numbers) - Math.min(...numbers) + 1;
      if (numbers.length > 1 && new Set(numbers).size === numbers.length && range === numbers.length) numbered++;
    }
    expect([...seen].sort()).toEqual(['ERR_CYCLE', 'ERR_DUPLICATE_ID', 'ERR_UNKNOWN_DEPENDENCY', 'TypeError', 'valid']);
    expect(numbered).toBeGreaterThan(0);
  });
});
