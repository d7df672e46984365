// The hints fanout prints ("run it with: …", "See: … status ID") are commands the reader types or an agent runs in a
// shell: they name this very fanout the way that shell finds it. Installed as a project's dependency (the documented
// install), the bin is node_modules/.bin/fanout, which is on PATH only inside npm scripts: a bare `fanout` there would
// say "command not found", or run another fanout found first on PATH.
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** `fanout` when it names this fanout on PATH. */
const ON_PATH = 'fanout';
/** When this fanout is the project's own bin: npx runs it, and never downloads another one. */
const PROJECT_BIN = 'npx --no-install fanout';

/**
 * How to run this fanout from a shell in `cwd`: `fanout` when the first `fanout` on PATH is this one,
 * `npx --no-install fanout` when it is the bin of the project's node_modules (from `cwd` up), otherwise the path of
 * the script that runs now (quoted for a POSIX shell).
 * @param cwd the folder the command would be typed in. @default process.cwd()
 * @param script the script of this process. @default process.argv[1]
 * @param path the PATH to look in. @default process.env.PATH
 * @example
 * printErr(`run it with: ${selfCommand()} check\n`);
 */
export function selfCommand(cwd: string = process.cwd(), script: string | undefined = process.argv[1], path: string = process.env['PATH'] ?? ''): string {
  const self = script === undefined ? undefined : realPath(script);
  if (script === undefined || self === undefined) return ON_PATH;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const found = join(dir, 'fanout');
    if (!isExecutable(found)) continue;
    if (realPath(found) === self) return ON_PATH;
    break; // typing `fanout` would run another one
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'fanout');
    if (isExecutable(bin)) {
      if (realPath(bin) === self) return PROJECT_BIN;
      break; // npx would run this other one
    }
    if (dirname(dir) === dir) break;
  }
  return shellWord(resolve(script));
}

function realPath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `word` as one word of a POSIX shell: as it is when it holds only safe characters, single-quoted otherwise. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
