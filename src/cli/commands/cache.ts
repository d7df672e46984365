// `fanout cache info|clean`: the cache of passed checks under the log folder.
import { resolve } from 'node:path';
import { finish, type Program } from './global.js';
import { print, printErr, printJson } from '../terminal.js';

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/** Registers `fanout cache`. */
export function register(program: Program): void {
  const cache = program.command('cache').description('the cache of passed checks (checks with inputs:) under --log-dir: info, clean');
  cache
    .command('info')
    .description('print how many results the cache holds and their size')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { cacheInfo, DEFAULT_CACHE_MAX_BYTES } = await import('../../checks/index.js');
      const { logDirOf } = await import('../log-dir.js');
      const info = cacheInfo(await logDirOf(flags));
      if (flags.json === true) printJson({ ...info, max_bytes: DEFAULT_CACHE_MAX_BYTES });
      else {
        const used = info.oldest === null || info.newest === null ? '' : `, used ${new Date(info.oldest).toISOString()} … ${new Date(info.newest).toISOString()}`;
        print(`${info.folder}: ${info.entries} ${info.entries === 1 ? 'result' : 'results'}, ${bytes(info.bytes)} of ${bytes(DEFAULT_CACHE_MAX_BYTES)}${used}\n`);
      }
      finish(0);
    });
  cache
    .command('clean')
    .description('delete the cache: every check runs on the next run')
    .action(async (_options, command) => {
      const flags = command.optsWithGlobals();
      const { cleanCache } = await import('../../checks/index.js');
      const { logDirOf } = await import('../log-dir.js');
      const logDir = await logDirOf(flags);
      const folder = resolve(logDir, 'cache');
      let removed: boolean;
      try {
        removed = cleanCache(logDir);
      } catch (error) {
        // A link, or another user's folder: refused, and nothing of it deleted.
        printErr(`fanout: not deleting ${folder}: ${error instanceof Error ? error.message : String(error)}\n`);
        finish(1);
        return;
      }
      if (flags.json === true) printJson({ folder, removed });
      else print(removed ? `removed ${folder}\n` : `no cache in ${folder}\n`);
      finish(0);
    });
}
