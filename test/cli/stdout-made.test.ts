// The CLI adds its stdout handlers when Node makes the stream (whenStdoutMade): taking them back must still work after.
import { afterEach, expect, it } from 'vitest';

const own = Object.getOwnPropertyDescriptor(process, 'stdout');
afterEach(() => {
  if (own !== undefined) Object.defineProperty(process, 'stdout', own);
});

it("guardFatal's release removes the stdout listener it added once stdout was made after it", async () => {
  // The test worker made its stdout long ago: stand in for Node's lazy getter, which makes the stream on first read.
  const real = process.stdout;
  let made = 0;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: true,
    get() {
      made++;
      return real;
    },
  });
  const { guardFatal } = await import('../../src/cli/signals.js');
  const before = real.listenerCount('error');
  const release = guardFatal(() => undefined);
  expect(made).toBe(0);
  expect(process.stdout).toBe(real);
  expect(made).toBe(1);
  expect(real.listenerCount('error')).toBe(before + 1);
  release();
  expect(real.listenerCount('error')).toBe(before);
});
