/** Gate-controlled graph tasks: each task's run records its start and waits until the test settles it. */
import { deferred } from '../helpers/deferred.js';
import type { Deferred } from '../helpers/deferred.js';
import type { GraphEvent, GraphTask } from '../../src/graph/types.js';

export interface Harness {
  started: string[];
  signals: Map<string, AbortSignal>;
  dependencies: Map<string, Readonly<Record<string, unknown>>>;
  events: GraphEvent<unknown>[];
  onEvent: (event: GraphEvent<unknown>) => void;
  task: (id: string, extra?: Omit<Partial<GraphTask<unknown>>, 'id' | 'run'>) => GraphTask<unknown>;
  pass: (id: string, value?: unknown) => void;
  fail: (id: string, error?: unknown) => void;
  running: () => string[];
  /** `type:id` strings of the events so far, e.g. `start:a`, `end:a:passed`. */
  trace: () => string[];
}

export function harness(): Harness {
  const started: string[] = [];
  const gates = new Map<string, Deferred<unknown>>();
  const signals = new Map<string, AbortSignal>();
  const dependencies = new Map<string, Readonly<Record<string, unknown>>>();
  const events: GraphEvent<unknown>[] = [];
  const gate = (id: string): Deferred<unknown> => {
    const d = gates.get(id);
    if (d === undefined) throw new Error(`task ${id} has not started`);
    return d;
  };
  return {
    started,
    signals,
    dependencies,
    events,
    onEvent: (event) => events.push(event),
    task: (id, extra = {}) => ({
      id,
      ...extra,
      run: (context) => {
        started.push(id);
        signals.set(id, context.signal);
        dependencies.set(id, context.dependencies);
        const d = deferred<unknown>();
        gates.set(id, d);
        return d.promise;
      },
    }),
    pass: (id, value = `value of ${id}`) => gate(id).resolve(value),
    fail: (id, error = new Error(`${id} failed`)) => gate(id).reject(error),
    running: () => [...gates].filter(([, d]) => !d.settled).map(([id]) => id),
    trace: () =>
      events.map((e) => {
        switch (e.type) {
          case 'graph:start':
            return 'graph:start';
          case 'graph:end':
            return 'graph:end';
          case 'task:start':
            return `start:${e.id}`;
          case 'task:end':
            return `end:${e.id}:${e.outcome.status}`;
        }
      }),
  };
}
