import { describe, expect, it } from 'vitest';
import { FailFastError, FanoutError, ParallelError, TaskError, messageOf, summarizeFailures } from '../../src/common/errors.js';

describe('FanoutError', () => {
  it('carries code, cause, and the subclass name', () => {
    const cause = new Error('root');
    const error = new FanoutError('ERR_X', 'something', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_X');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('something');
    expect(error.name).toBe('FanoutError');
  });
});

describe('TaskError', () => {
  it('names the index, item and cause, with code ERR_TASK', () => {
    const cause = new Error('boom');
    const item = { id: 'item-3' };
    const error = new TaskError(3, item, cause);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_TASK');
    expect(error.name).toBe('TaskError');
    expect(error.index).toBe(3);
    expect(error.item).toBe(item);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('item 3 failed: boom');
  });

  it('describes a non-Error cause too', () => {
    expect(new TaskError(0, 'x', 'plain string').message).toBe('item 0 failed: plain string');
    expect(new TaskError(1, 'x', 42).message).toBe('item 1 failed: 42');
    expect(new TaskError(2, 'x', undefined).message).toBe('item 2 failed: undefined');
    expect(new TaskError(2, 'x', undefined).cause).toBeUndefined();
  });
});

describe('ParallelError', () => {
  it('extends AggregateError with code ERR_PARALLEL, the TaskErrors and the results', () => {
    const errors = [new TaskError(0, 'a', new Error('timeout exceeded')), new TaskError(2, 'c', new Error('timeout exceeded'))];
    const error = new ParallelError(errors, ['b-out']);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_PARALLEL');
    expect(error.name).toBe('ParallelError');
    expect(error.errors).toEqual(errors);
    expect(error.errors[1]).toBe(errors[1]);
    expect(error.results).toEqual(['b-out']);
    expect(error.message).toBe("parallel execution failed: 2 items failed with 1 error type: 'timeout exceeded' (2 items)");
    expect('cause' in error).toBe(false);
  });

  it('takes a cause and a custom message', () => {
    const reason = new Error('aborted by user');
    const error = new ParallelError([], [1, 2], { cause: reason, message: 'parallel execution aborted: aborted by user' });
    expect(error.cause).toBe(reason);
    expect(error.message).toBe('parallel execution aborted: aborted by user');
    expect(error.errors).toEqual([]);
    expect(error.results).toEqual([1, 2]);
  });
});

describe('FailFastError', () => {
  it('names the failed index, keeps the cause, code ERR_FAIL_FAST', () => {
    const cause = new Error('first failure');
    const error = new FailFastError(4, cause);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error.code).toBe('ERR_FAIL_FAST');
    expect(error.name).toBe('FailFastError');
    expect(error.index).toBe(4);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('stopped because task 4 failed');
    expect('cause' in new FailFastError(1)).toBe(false);
  });
});

describe('summarizeFailures', () => {
  it('groups by message, most frequent first', () => {
    const errors = [
      ...Array.from({ length: 3 }, () => ({ cause: new Error('timeout exceeded') })),
      ...Array.from({ length: 12 }, () => ({ cause: new Error('connection refused') })),
    ];
    expect(summarizeFailures(errors)).toBe(
      "parallel execution failed: 15 items failed with 2 error types: 'connection refused' (12 items), 'timeout exceeded' (3 items)",
    );
  });

  it('breaks ties by order of first appearance, so the message is deterministic', () => {
    const errors = [
      { cause: new Error('beta') },
      { cause: 'alpha' },
      { cause: new Error('gamma') },
      { cause: new Error('beta') },
      { cause: 'alpha' },
      { cause: new Error('delta') },
      { cause: new Error('delta') },
      { cause: new Error('delta') },
    ];
    expect(summarizeFailures(errors)).toBe(
      "parallel execution failed: 8 items failed with 4 error types: 'delta' (3 items), 'beta' (2 items), 'alpha' (2 items), 'gamma' (1 item)",
    );
    // Reversing the input reverses the tie order only.
    expect(summarizeFailures([...errors].reverse())).toBe(
      "parallel execution failed: 8 items failed with 4 error types: 'delta' (3 items), 'alpha' (2 items), 'beta' (2 items), 'gamma' (1 item)",
    );
  });

  it('uses the singular for one item and one type, and groups an Error and a string with the same message', () => {
    expect(summarizeFailures([{ cause: new Error('x') }])).toBe("parallel execution failed: 1 item failed with 1 error type: 'x' (1 item)");
    expect(summarizeFailures([{ cause: new Error('same') }, { cause: 'same' }])).toBe(
      "parallel execution failed: 2 items failed with 1 error type: 'same' (2 items)",
    );
  });

  it('handles causes that are not errors, even one whose toString throws', () => {
    const hostile = {
      toString(): string {
        throw new Error('no string for you');
      },
    };
    expect(summarizeFailures([{ cause: hostile }, {}])).toBe(
      "parallel execution failed: 2 items failed with 2 error types: 'unknown error' (1 item), 'undefined' (1 item)",
    );
  });
});

describe('messageOf', () => {
  it('returns an Error message, a string as is, and String() of anything else', () => {
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf('text')).toBe('text');
    expect(messageOf(7)).toBe('7');
    expect(messageOf(null)).toBe('null');
    expect(messageOf(Object.create(null))).toBe('unknown error');
  });
});
