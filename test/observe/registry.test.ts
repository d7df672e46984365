import { describe, expect, it } from 'vitest';
import { createObserver, observerNames, registerObserver } from '../../src/observe/registry.js';
import { safeObserver } from '../../src/observe/safe.js';
import type { ObservedEvent, Observer } from '../../src/observe/types.js';
import { sampleRun } from './events.js';

describe('observer registry', () => {
  it('has noop, json and otel built in, and creates them by name', () => {
    expect(observerNames().slice(0, 3)).toEqual(['noop', 'json', 'otel']);
    const noop = createObserver('noop');
    for (const event of sampleRun()) noop.onEvent(event);
    expect(typeof createObserver('otel').onEvent).toBe('function');
  });

  it('rejects an unknown name with a TypeError listing the known ones', () => {
    expect(() => createObserver('slog')).toThrow(new TypeError(`observer name must be one of 'noop', 'json', 'otel', received "slog"`));
  });

  it('registers a custom observer under a new name, and refuses a taken or malformed name', () => {
    const seen: ObservedEvent[] = [];
    registerObserver('collect-test', () => ({ onEvent: (e) => seen.push(e) }));
    const observer = createObserver('collect-test');
    observer.onEvent(sampleRun()[0] as ObservedEvent);
    expect(seen).toHaveLength(1);
    expect(observerNames()).toContain('collect-test');
    expect(() => registerObserver('json', () => ({ onEvent() {} }))).toThrow('name must be a name not yet registered, received "json"');
    expect(() => registerObserver('Bad Name', () => ({ onEvent() {} }))).toThrow(TypeError);
    registerObserver('broken-test', () => ({}) as Observer);
    expect(() => createObserver('broken-test')).toThrow("observer 'broken-test' must be an observer");
  });
});

describe('safeObserver', () => {
  it('contains a throwing or rejecting onEvent and is idempotent', async () => {
    const throwing = safeObserver({
      onEvent() {
        throw new Error('bug');
      },
    });
    expect(() => throwing.onEvent(sampleRun()[0] as ObservedEvent)).not.toThrow();
    const asyncHandler: unknown = () => Promise.reject(new Error('async bug'));
    const rejecting = safeObserver({ onEvent: asyncHandler as Observer['onEvent'] });
    rejecting.onEvent(sampleRun()[0] as ObservedEvent);
    await new Promise((resolve) => setImmediate(resolve)); // an unhandled rejection would fail the run
    expect(safeObserver(throwing)).toBe(throwing);
  });

  it('rejects a non-observer with a TypeError', () => {
    expect(() => safeObserver({} as Observer)).toThrow('observer must be an observer (an object with an onEvent(event) method), received object');
  });
});
