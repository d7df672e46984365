/**
 * Dependency cycles among checks, for the config's `cyclic dependency: a -> b -> a` diagnostics (the graph layer
 * validates its own input separately).
 */

/**
 * Every dependency cycle, once each, as the path `[a, b, …, a]`: each starts from its check that comes first in
 * `checks` and follows the shortest way back (edges in `requires` order). Requirements naming no check are ignored.
 *
 * @example
 * ```ts
 * findCycles([{ id: 'a', requires: ['b'] }, { id: 'b', requires: ['a'] }]); // [['a', 'b', 'a']]
 * ```
 */
export function findCycles(checks: ReadonlyArray<{ id: string; requires: readonly string[] }>): string[][] {
  const order = new Map(checks.map((c, i) => [c.id, i]));
  const edges = new Map(checks.map((c) => [c.id, c.requires.filter((r) => order.has(r))]));
  // Tarjan's strongly connected components, iterative so a long chain cannot exhaust the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of order.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges.get(frame.id) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1) components.push(component);
      }
    }
  }
  const sorted = components
    .map((component) => component.sort((a, b) => order.get(a)! - order.get(b)!))
    .sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!);
  const cycles: string[][] = [];
  for (const component of sorted) {
    const first = component[0]!;
    const members = new Set(component);
    // Shortest path back to `first` inside the component (breadth-first, edges in file order).
    const previous = new Map<string, string>();
    const queue = [first];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const current = queue.shift()!;
      for (const target of edges.get(current) ?? []) {
        if (!members.has(target)) continue;
        if (target === first) {
          closing = current;
          break;
        }
        if (!previous.has(target)) {
          previous.set(target, current);
          queue.push(target);
        }
      }
    }
    const path: string[] = [];
    for (let at = closing; at !== undefined && at !== first; at = previous.get(at)) path.unshift(at);
    cycles.push([first, ...path, first]);
  }
  return cycles;
}
