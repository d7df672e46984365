// What the package loads, not how long it takes: the Node built-ins that are expensive to load on first use
// (child_process brings net, dgram and streams; crypto its whole family) stay unloaded until a feature needs them.
// The CLI tests and the exec tests check that they still work once needed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string; bin: { fanout: string } };

/** Prints, at exit, the list of Node's own modules the process loaded (on stderr, after a marker). */
const reportLoaded = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nLOADED'+JSON.stringify(process.moduleLoadList)))`;

/** Runs `node args` with {@link reportLoaded}; returns its stdout and the built-ins it loaded. */
function run(args: string[]): { stdout: string; builtins: string[] } {
  const result = spawnSync(process.execPath, ['--import', reportLoaded, ...args], { cwd: root, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const list = JSON.parse(result.stderr.slice(result.stderr.lastIndexOf('LOADED') + 'LOADED'.length)) as string[];
  return { stdout: result.stdout, builtins: nativeModules(list) };
}

/** The names of Node's own JavaScript modules in `process.moduleLoadList`. */
function nativeModules(list: string[]): string[] {
  return list.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
}

describe('what loading the package loads', () => {
  it('answers fanout --version without loading the rest of the CLI', () => {
    const { stdout, builtins } = run([`${root}${pkg.bin.fanout}`, '--version']);
    expect(stdout).toBe(`${pkg.version}\n`);
    // The CLI's other modules use both (style keys, child processes): loading them would load these.
    expect(builtins).not.toContain('crypto');
    expect(builtins).not.toContain('child_process');
    // Nor a file of its own but the entry: the version is written into it.
    const loaded = spawnSync(process.execPath, ['--import', reportModules, `${root}${pkg.bin.fanout}`, '--version'], { cwd: root, encoding: 'utf8' });
    expect(loaded.stdout).toBe(`${pkg.version}\n`);
    const files = [...loaded.stderr.matchAll(/^MODULE (file:\S+)$/gm)].map((match) => fileURLToPath(match[1] as string)).filter((file) => file.startsWith(root));
    expect(files).toEqual([`${root}${pkg.bin.fanout.replace(/^\.\//, '')}`]);
  });

  it('imports fanout without loading child_process, crypto or the streams', () => {
    // A copy of the list is taken before anything is written: process.stdout on a pipe loads the streams itself.
    const code = `const m = await import(${JSON.stringify(`${root}dist/index.js`)}); const loaded = [...process.moduleLoadList]; process.stdout.write(JSON.stringify({ runCommand: typeof m.runCommand, loaded }))`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const { runCommand, loaded } = JSON.parse(result.stdout) as { runCommand: string; loaded: string[] };
    expect(runCommand).toBe('function');
    const builtins = nativeModules(loaded);
    expect(builtins).not.toContain('child_process');
    expect(builtins).not.toContain('crypto');
    // What an import of node:fs (not the module itself, loaded with Node) brings: its facade reads the file streams.
    expect(builtins).not.toContain('stream');
  });
});

/** Records, on stderr, every module the process loads (a module hook: the ESM loader tells nothing otherwise). */
const reportModules = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(
  `data:text/javascript,import { writeSync } from 'node:fs'; export async function load(url, context, next) { writeSync(2, 'MODULE ' + url + '\\n'); return next(url, context); }`,
)});`;

/**
 * The files of `modules` and the scripts they run: a chunk built as a classic script (`<chunk>.script.js`, see
 * chunkAsCachedScript in tsdown.config.ts) is read by its module, not loaded as one, and the module hook sees only the module.
 */
const withScripts = (modules: readonly string[]): string[] => modules.flatMap((file) => [file, ...[file.replace(/\.js$/, '.script.js')].filter((script) => script !== file && existsSync(script))]);

/** What marks the code of the config's parser in a chunk of dist/: YAML's, the schema validator's and RE2's. */
const PARSER_MARKS = ['class YAMLOMap', 'safeParse', 'class RE2JS'];

describe('what fanout check loads', () => {
  it('a run of a config it ran before (without grok) reads it from the config cache without loading the YAML parser, the schema or RE2; its first run loads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-lean-'));
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: echo hello\n  - id: two\n    run: "true"\n    requires: [one]\n');
    /** The parser marks found in the files of dist/ that one `fanout check -v` loaded, and what it printed. */
    const check = () => {
      const result = spawnSync(process.execPath, ['--import', reportModules, `${root}${pkg.bin.fanout}`, 'check', '-v'], { cwd: dir, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const files = withScripts([...result.stderr.matchAll(/^MODULE (file:\S+)$/gm)].map((match) => fileURLToPath(match[1] as string)));
      expect(files.length).toBeGreaterThan(3);
      const marks = PARSER_MARKS.filter((mark) => files.some((file) => readFileSync(file, 'utf8').includes(mark)));
      return { marks, stdout: result.stdout, stderr: result.stderr.replace(/^MODULE .*\n/gm, '') };
    };
    const first = check();
    expect(first.marks).toEqual(PARSER_MARKS);
    const second = check();
    expect(second.marks).toEqual([]);
    // The same report either way.
    const timeless = (text: string) => text.replace(/\([\d.]+m?s\)/g, '');
    expect(timeless(second.stdout)).toBe(timeless(first.stdout));
    expect(second.stdout).toContain('two passed');
    expect(timeless(second.stderr)).toBe(timeless(first.stderr));
  });
});

/** Whether a module's code only passes on the exports of another: one `import { … } from "./x.js";` and one `export { … };`. */
const isReexportFacade = (code: string): boolean => {
  const lines = code.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//'));
  return lines.length === 2 && /^import \{ [^}]* \} from "[^"]+";$/.test(lines[0] ?? '') && /^export \{ [^}]* \};$/.test(lines[1] ?? '');
};

/** The code a plain run never uses (commander included: `fanout check` reads its usual flags itself), by the region marks the bundler leaves in dist/'s chunks. */
const UNUSED_BY_A_PLAIN_RUN = ['node_modules/commander/lib/command.js', 'src/checks/watch.ts', 'src/checks/cache/remote.ts', 'src/threads/thread-pool.ts', 'src/config/assert.ts', 'src/config/match-runner.ts'];

describe('what a plain fanout check loads', () => {
  it('a rerun of a config without grok or asserts, without watch or a shared cache: none of their code, and no worker_threads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-lean-'));
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: "true"\n');
    // The second run: the first parses the config, and its validation reads asserts with the assert parser.
    const runs = [0, 1].map(() => spawnSync(process.execPath, ['--import', reportModules, `${root}${pkg.bin.fanout}`, 'check'], { cwd: dir, encoding: 'utf8' }));
    const result = runs[1] as (typeof runs)[number];
    expect(result.status, result.stderr).toBe(0);
    const files = withScripts([...result.stderr.matchAll(/^MODULE (file:\S+)$/gm)].map((match) => fileURLToPath(match[1] as string)).filter((file) => file.startsWith(`${root}dist/`)));
    // The code of a run is in the check script.
    expect(files.some((file) => file.endsWith('.script.js'))).toBe(true);
    expect(files.length).toBeGreaterThan(3);
    const loaded = UNUSED_BY_A_PLAIN_RUN.filter((module) => files.some((file) => readFileSync(file, 'utf8').includes(`//#region ${module}\n`)));
    expect(loaded).toEqual([]);
    // Nor a module that only re-exports another's bindings (what the bundler writes for an entry or a dynamic import
    // whose module shares a chunk): each module costs a resolve, a read on the thread pool and a link, in turn.
    expect(files.filter((file) => isReexportFacade(readFileSync(file, 'utf8')))).toEqual([]);
    // Nor one that holds package.json alone: the version is written into the modules that read it.
    expect(files.filter((file) => readFileSync(file, 'utf8').includes('//#region package.json'))).toEqual([]);
    // They are there to find: the CLI's chunks hold some.
    expect(readdirSync(`${root}dist/cli`).some((name) => isReexportFacade(readFileSync(`${root}dist/cli/${name}`, 'utf8')))).toBe(true);
    // Without the module hook, which runs on a thread of its own.
    const { builtins } = run([`${root}${pkg.bin.fanout}`, 'check', '-c', join(dir, 'fanout.yaml')]);
    expect(builtins).toContain('child_process');
    expect(builtins).not.toContain('worker_threads');
    // Nothing of a plain run hashes or needs crypto's random bytes: the config cache compares its key whole.
    expect(builtins).not.toContain('crypto');
    // Built-ins are taken as they are, without the ES module facade that an import makes (node:fs's loads the streams).
    expect(builtins).not.toContain('internal/fs/streams');
    // The marks are there to find: the modules are in dist/, in chunks this run did not load.
    const chunks = readdirSync(`${root}dist/cli`).map((name) => readFileSync(`${root}dist/cli/${name}`, 'utf8'));
    for (const module of UNUSED_BY_A_PLAIN_RUN) expect(chunks.some((chunk) => chunk.includes(`//#region ${module}\n`)), module).toBe(true);
  });
});
