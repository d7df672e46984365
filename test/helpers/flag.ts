/**
 * A flag shared with worker threads: a task stores 1 (or counts up) at index 0 and `Atomics.notify`s when it has
 * started; `started` resolves then. Lets a test wait for a thread without sleeping.
 */
export function startFlag(): { flag: Int32Array; started: Promise<void> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // Atomics.waitAsync is in Node 20 but not in the ES2023 lib the project compiles against.
  const atomics = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: true; value: Promise<string> } | { async: false; value: string };
  };
  const wait = atomics.waitAsync(flag, 0, 0);
  return { flag, started: wait.async ? wait.value.then(() => undefined) : Promise.resolve() };
}
