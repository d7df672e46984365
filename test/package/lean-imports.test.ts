// What the package loads, not how long it takes: the Node built-ins that are expensive to load on first use
// (child_process brings net, dgram and streams; crypto its whole family) stay unloaded until a feature needs them.
// The CLI tests and the exec tests check that they still work once needed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
