import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/common/errors.js';
import { load } from '../../src/observe/lazy.js';

describe('load (optional dependencies on first use)', () => {
  it('a missing package is a FanoutError that says what to install', () => {
    let caught: unknown;
    try {
      load('fanout-no-such-package-for-tests');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FanoutError);
    expect((caught as FanoutError).code).toBe('ERR_MISSING_DEPENDENCY');
    expect((caught as FanoutError).message).toContain('npm install fanout-no-such-package-for-tests');
  });

  it('a present package loads', () => {
    expect(typeof load<{ trace: unknown }>('@opentelemetry/api').trace).toBe('object');
  });
});
