/**
 * Node built-ins that are expensive to load the first time (child_process brings net, dgram and the streams with it;
 * crypto its whole family of ciphers, keys and hashes), fetched at first use instead of when fanout is imported: a
 * program that imports fanout for a semaphore does not pay for them. Each is fetched once and kept, so a hot path
 * pays one comparison per use. `process.getBuiltinModule` is synchronous, unlike `import()`.
 */
import type * as ChildProcessModule from 'node:child_process';
import type * as CryptoModule from 'node:crypto';
import type * as FsModule from 'node:fs';

let childProcessModule: typeof ChildProcessModule | undefined;
let cryptoModule: typeof CryptoModule | undefined;

/** `node:child_process`, loaded on the first call. */
export function childProcess(): typeof ChildProcessModule {
  return (childProcessModule ??= process.getBuiltinModule('node:child_process'));
}

/** `node:crypto`, loaded on the first call. */
export function crypto(): typeof CryptoModule {
  return (cryptoModule ??= process.getBuiltinModule('node:crypto'));
}

/**
 * `node:fs`. Node loads it at start-up; what an `import` of it costs is its ES module facade, which reads every
 * property, lazy ones included (the file streams, and with them the whole of `node:stream`). The object itself is
 * already there, so it is taken at once.
 */
export const fs: typeof FsModule = process.getBuiltinModule('node:fs');
