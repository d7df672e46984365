// How the CLI starts: only the command the command line names is built, and Node's compile cache where there is one.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheDir, enableCompileCache } from '../../src/cli/compile-cache.js';
import { buildProgram, invokedCommand } from '../../src/cli/program.js';
import { createProgram } from '../../src/cli/commands/global.js';
import { root, runCli, tempDir } from './helpers.js';

const names = (args?: readonly string[]) => buildProgram('0.0.0', args).commands.map((command) => command.name());

describe('invokedCommand', () => {
  const program = createProgram('0.0.0');
  it('is the first word after the global flags and the values of those that take one', () => {
    expect(invokedCommand(program, ['check', '-p', '2'])).toBe('check');
    expect(invokedCommand(program, ['run'])).toBe('run');
    expect(invokedCommand(program, ['-c', 'x.yaml', '--log-dir', 'logs', '-v', '--no-color', 'list'])).toBe('list');
    expect(invokedCommand(program, ['--config=check', '-p', 'status', 'merge-reports'])).toBe('merge-reports');
    // A value that names a command is a value, not the command.
    expect(invokedCommand(program, ['-c', 'status', 'check'])).toBe('check');
  });

  it('is undefined whenever the words do not say it plainly: the whole program parses them', () => {
    for (const args of [[], ['--help'], ['-h', 'check'], ['help', 'check'], ['chek'], ['--frobnicate', 'check'], ['-vp', '2', 'check'], ['-p2', 'check'], ['--', 'check'], ['-c']]) {
      expect(invokedCommand(program, args)).toBeUndefined();
    }
  });
});

describe('buildProgram', () => {
  it('registers only the command the arguments name (with its alias), every command otherwise', () => {
    const all = names();
    expect(all.length).toBeGreaterThan(10);
    expect(names(['check'])).toEqual(['check']);
    expect(names(['-c', 'f.yaml', 'run', 'a'])).toEqual(['check']);
    expect(names(['status', 'latest'])).toEqual(['status']);
    expect(names(['--help'])).toEqual(all);
    expect(names(['chek'])).toEqual(all);
  });

  it('a run with global flags before the command, and after it, goes as before', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'c.yaml'), 'version: "1"\nchecks:\n  - id: a\n    run: "echo hi"\n');
    const before = await runCli(['-c', join(dir, 'c.yaml'), '--log-dir', join(dir, 'logs'), '--json', 'check'], { cwd: join(dir, 'sub') });
    expect(before.code).toBe(0);
    expect((JSON.parse(before.stdout) as { checks: Array<{ id: string; status: string }> }).checks).toMatchObject([{ id: 'a', status: 'passed' }]);
    const after = await runCli(['run', '-c', join(dir, 'c.yaml'), '--log-dir', join(dir, 'logs'), '--json'], { cwd: join(dir, 'sub') });
    expect(after.code).toBe(0);
    // The help of the program still lists every command; a mistyped one is still suggested.
    const help = await runCli(['--help']);
    for (const command of ['check|run', 'watch', 'status', 'merge-reports', 'mcp']) expect(help.stdout).toContain(command);
    const typo = await runCli(['chek']);
    expect(typo).toMatchObject({ code: 2 });
    expect(typo.stderr).toContain('Did you mean check?');
  });
});

describe('enableCompileCache', () => {
  const host = () => {
    const calls: Array<string | undefined> = [];
    return { calls, enableCompileCache: (directory?: string) => calls.push(directory) };
  };

  it('asks Node for a cache in the user\'s own cache folder, made private', () => {
    const node = host();
    const home = tempDir();
    const xdg = tempDir();
    expect(enableCompileCache({ HOME: home }, node)).toBe(`${home}/.cache/fanout/compile-cache`);
    expect(enableCompileCache({ HOME: home, XDG_CACHE_HOME: `${xdg}/` }, node)).toBe(`${xdg}/fanout/compile-cache`);
    expect(node.calls).toEqual([`${home}/.cache/fanout/compile-cache`, `${xdg}/fanout/compile-cache`]);
    expect(statSync(`${xdg}/fanout/compile-cache`).mode & 0o777).toBe(0o700);
    // Made before, private: used again.
    expect(enableCompileCache({ HOME: home }, node)).toBe(`${home}/.cache/fanout/compile-cache`);
  });

  it('asks nothing for a folder another user could have written to: a link, a folder others may write to, a file', () => {
    const node = host();
    const link = tempDir();
    mkdirSync(join(link, 'fanout'));
    const elsewhere = tempDir();
    symlinkSync(elsewhere, join(link, 'fanout', 'compile-cache'));
    expect(enableCompileCache({ XDG_CACHE_HOME: link }, node)).toBeNull();
    const open = tempDir();
    mkdirSync(join(open, 'fanout', 'compile-cache'), { recursive: true });
    chmodSync(join(open, 'fanout', 'compile-cache'), 0o777);
    expect(enableCompileCache({ XDG_CACHE_HOME: open }, node)).toBeNull();
    const groupWritable = tempDir();
    mkdirSync(join(groupWritable, 'fanout', 'compile-cache'), { recursive: true });
    chmodSync(join(groupWritable, 'fanout', 'compile-cache'), 0o770);
    expect(enableCompileCache({ XDG_CACHE_HOME: groupWritable }, node)).toBeNull();
    const file = tempDir();
    mkdirSync(join(file, 'fanout'));
    writeFileSync(join(file, 'fanout', 'compile-cache'), '');
    expect(enableCompileCache({ XDG_CACHE_HOME: file }, node)).toBeNull();
    expect(node.calls).toEqual([]);
  });

  it.skipIf(process.getuid === undefined)('asks nothing below a folder another user could change: one others may write to, a link in one', () => {
    const node = host();
    // World-writable without the sticky bit: anyone may rename fanout/ away and put their own in its place.
    const open = join(tempDir(), 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(enableCompileCache({ XDG_CACHE_HOME: open }, node)).toBeNull();
    // Two levels up, group-writable.
    const group = join(tempDir(), 'group');
    mkdirSync(join(group, 'cache'), { recursive: true });
    chmodSync(group, 0o775);
    expect(enableCompileCache({ XDG_CACHE_HOME: join(group, 'cache') }, node)).toBeNull();
    // A link to a private folder, itself in a folder anyone may write to: the link can be replaced.
    const private_ = tempDir();
    symlinkSync(private_, join(open, 'link'));
    expect(enableCompileCache({ XDG_CACHE_HOME: join(open, 'link') }, node)).toBeNull();
    // A private link to a folder under one others may write to: the real path is judged too.
    const linkHome = tempDir();
    mkdirSync(join(open, 'real'));
    symlinkSync(join(open, 'real'), join(linkHome, 'cache'));
    expect(enableCompileCache({ XDG_CACHE_HOME: join(linkHome, 'cache') }, node)).toBeNull();
    expect(node.calls).toEqual([]);
    // Sticky and world-writable (as /tmp), with this user's folder in it: only its owner may rename it.
    const sticky = join(tempDir(), 'sticky');
    mkdirSync(join(sticky, 'mine'), { recursive: true });
    chmodSync(sticky, 0o1777);
    expect(enableCompileCache({ XDG_CACHE_HOME: join(sticky, 'mine') }, node)).toBe(join(sticky, 'mine', 'fanout', 'compile-cache'));
    // A private link to a private folder: used.
    const target = tempDir();
    symlinkSync(target, join(linkHome, 'private'));
    expect(enableCompileCache({ XDG_CACHE_HOME: join(linkHome, 'private') }, node)).toBe(join(linkHome, 'private', 'fanout', 'compile-cache'));
    expect(node.calls).toHaveLength(2);
  });

  it.skipIf(process.getuid?.() !== 0)('asks nothing below a folder of another user, nor below another user\'s folder in a sticky one (chown as root)', () => {
    const node = host();
    const theirs = join(tempDir(), 'theirs');
    mkdirSync(join(theirs, 'cache'), { recursive: true, mode: 0o755 });
    chownSync(theirs, 65534, 65534);
    expect(enableCompileCache({ XDG_CACHE_HOME: join(theirs, 'cache') }, node)).toBeNull();
    const sticky = join(tempDir(), 'sticky');
    mkdirSync(join(sticky, 'theirs', 'cache'), { recursive: true, mode: 0o755 });
    chmodSync(sticky, 0o1777);
    chownSync(join(sticky, 'theirs'), 65534, 65534);
    expect(enableCompileCache({ XDG_CACHE_HOME: join(sticky, 'theirs', 'cache') }, node)).toBeNull();
    expect(node.calls).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('asks nothing for a folder of another user (chown as root)', () => {
    const node = host();
    const theirs = tempDir();
    mkdirSync(join(theirs, 'fanout', 'compile-cache'), { recursive: true, mode: 0o700 });
    chownSync(join(theirs, 'fanout', 'compile-cache'), 65534, 65534);
    expect(enableCompileCache({ XDG_CACHE_HOME: theirs }, node)).toBeNull();
    expect(node.calls).toEqual([]);
  });

  it('asks nothing where Node has no cache (Node 20), where the user chose, or where no absolute folder is known', () => {
    const node = host();
    const home = tempDir();
    expect(enableCompileCache({ HOME: home }, {})).toBeNull();
    expect(enableCompileCache({ HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' }, node)).toBeNull();
    expect(enableCompileCache({ HOME: home, NODE_COMPILE_CACHE: '/elsewhere' }, node)).toBeNull();
    expect(enableCompileCache({ HOME: 'relative', XDG_CACHE_HOME: 'also-relative' }, node)).toBeNull();
    expect(enableCompileCache({}, node)).toBeNull();
    expect(node.calls).toEqual([]);
    expect(compileCacheDir({ HOME: '/' })).toBe('/.cache/fanout/compile-cache');
  });

  it('never throws: a cache Node refuses means compiling as before', () => {
    const refusing = { enableCompileCache: () => {
      throw new Error('EACCES');
    } };
    expect(enableCompileCache({ HOME: tempDir() }, refusing)).toBeNull();
  });
});

describe('runCachedScript', () => {
  /** Runs `count` processes, one after the other, each running `body` through dist's runCachedScript; their outputs. */
  let lastStderr = '';
  const runScript = (body: string, env: Record<string, string | undefined>, count = 1, dir = tempDir()) => {
    // Written only when it changes: the code kept is tied to this very file (a write makes it another).
    if (!existsSync(join(dir, 'code.script.js')) || readFileSync(join(dir, 'code.script.js'), 'utf8') !== body) writeFileSync(join(dir, 'code.script.js'), body);
    const code = `const { compiledCodeUse, runCachedScript } = await import(${JSON.stringify(`${root}dist/cli/compile-cache.js`)}); const out = runCachedScript({ file: new URL(\`file://\${process.env.SCRIPT_DIR}/code.script.js\`), key: 'k1', names: ['a', 'b'], values: [2, 3] }, process.env); process.stdout.write(JSON.stringify(out)); process.once('exit', () => { const use = compiledCodeUse(); if (process.env.FANOUT_DEBUG && use) process.stderr.write(\`fanout: compiled code \${use.used ? 'used' : 'not used'}\${use.written ? ', written' : ''}\\n\`); });`;
    return Array.from({ length: count }, () => {
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { PATH: process.env.PATH, SCRIPT_DIR: dir, ...env } });
      expect(result.status, result.stderr).toBe(0);
      lastStderr = result.stderr;
      expect(result.stderr).toEqual(env.FANOUT_DEBUG === undefined ? '' : expect.stringMatching(/^fanout: compiled code (used|not used)/));
      return JSON.parse(result.stdout) as unknown;
    });
  };
  const BODY = 'const sum = a + b;\nreturn { sum, strict: this === undefined };\n';
  const cached = (xdg: string) => {
    const folder = join(xdg, 'fanout', 'compile-cache');
    return existsSync(folder) ? readdirSync(folder).map((name) => join(folder, name)) : [];
  };

  it('runs the body as a strict function of the names given, and keeps its compiled code in the private folder once the process exits', () => {
    const dir = tempDir();
    const xdg = tempDir();
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
    const [file, ...more] = cached(xdg);
    expect(more).toEqual([]);
    // The flags this Node runs with (here `--input-type=module -e …`) have a name of their own, and so has the script's place.
    expect(file).toMatch(new RegExp(`/k1-${process.version}-${process.arch}-[0-9a-f]{12}-at[0-9a-f]{8}\\.v8$`));
    expect(statSync(file as string).mode & 0o777).toBe(0o600);
    // Taken back, not written again; the same result.
    const before = statSync(file as string).mtimeMs;
    const bytes = readFileSync(file as string);
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 2, dir)).toEqual([{ sum: 5, strict: true }, { sum: 5, strict: true }]);
    expect(statSync(file as string).mtimeMs).toBe(before);
    expect(readFileSync(file as string)).toEqual(bytes);
  });

  it('compiles as without a cache when V8 refuses what it reads (cut short, garbage), and writes it again', () => {
    const xdg = tempDir();
    const dir = tempDir();
    runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir);
    const [file] = cached(xdg) as [string];
    const good = readFileSync(file);
    for (const bad of [good.subarray(0, 16), Buffer.from('not compiled code'), Buffer.alloc(0)]) {
      writeFileSync(file, bad);
      expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
      expect(readFileSync(file).length).toBe(good.length);
    }
  });

  it('never gives V8 compiled code whose bytes were changed: the run is as without a cache, and the file is written again', () => {
    const dir = tempDir();
    const xdg = tempDir();
    runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir);
    const [file] = cached(xdg) as [string];
    const good = readFileSync(file);
    // Same length, V8's own header kept: V8 would take these bytes and crash the process (exit 133 or a segfault).
    for (const start of [good.length >> 1, 200, good.length - 8]) {
      const bad = Buffer.from(good);
      for (let at = start; at < Math.min(bad.length, start + 64); at += 1) bad[at] = (bad[at] ?? 0) ^ 0xa5;
      writeFileSync(file, bad);
      expect(runScript(BODY, { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
      expect(lastStderr).toBe('fanout: compiled code not used, written\n');
      expect(readFileSync(file)).not.toEqual(bad);
      expect(runScript(BODY, { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
      expect(lastStderr).toBe('fanout: compiled code used\n');
    }
  });

  it('runs the text read now after an edit of the same length, and keeps its compiled code instead', () => {
    const xdg = tempDir();
    const dir = tempDir();
    const edited = BODY.replace('a + b', 'a * b');
    expect(edited.length).toBe(BODY.length);
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
    const [file] = cached(xdg) as [string];
    const before = readFileSync(file);
    // Its modification time set back, as a copy keeping times would: the change time still tells.
    const { atime, mtime } = statSync(join(dir, 'code.script.js'));
    writeFileSync(join(dir, 'code.script.js'), edited);
    utimesSync(join(dir, 'code.script.js'), atime, mtime);
    expect(runScript(edited, { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' }, 1, dir)).toEqual([{ sum: 6, strict: true }]);
    expect(lastStderr).toBe('fanout: compiled code not used, written\n');
    expect(readFileSync(file)).not.toEqual(before);
    expect(runScript(edited, { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' }, 1, dir)).toEqual([{ sum: 6, strict: true }]);
    expect(lastStderr).toBe('fanout: compiled code used\n');
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
  });

  it('keeps one file a place: two installs of one build that run by turns use their code instead of writing it at every run', () => {
    const xdg = tempDir();
    const [first, second] = [tempDir(), tempDir()];
    const env = { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' };
    for (const dir of [first, second]) {
      runScript(BODY, env, 1, dir);
      expect(lastStderr).toBe('fanout: compiled code not used, written\n');
    }
    for (const dir of [first, second, first, second]) {
      expect(runScript(BODY, env, 1, dir)).toEqual([{ sum: 5, strict: true }]);
      expect(lastStderr).toBe('fanout: compiled code used\n');
    }
    expect(cached(xdg)).toHaveLength(2);
  });

  it('keeps one file a set of Node flags: runs that alternate flags use their code instead of writing it at every run', () => {
    const xdg = tempDir();
    const dir = tempDir();
    const flagged = { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1', NODE_OPTIONS: '--max-old-space-size=300' };
    const plain = { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' };
    for (const env of [plain, flagged]) {
      runScript(BODY, env, 1, dir);
      expect(lastStderr).toBe('fanout: compiled code not used, written\n');
    }
    for (const env of [plain, flagged, plain]) {
      expect(runScript(BODY, env, 1, dir)).toEqual([{ sum: 5, strict: true }]);
      expect(lastStderr).toBe('fanout: compiled code used\n');
    }
    expect(cached(xdg)).toHaveLength(2);
  });

  it('removes, when it writes, the code of other builds unused for 30 days and stale temporary files: only regular files of its own names', () => {
    const xdg = tempDir();
    const folder = join(xdg, 'fanout', 'compile-cache');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const key = 'a'.repeat(24);
    const month = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    const twoHours = new Date(Date.now() - 2 * 3600 * 1000);
    const plant = (name: string, when: Date) => {
      writeFileSync(join(folder, name), 'x');
      utimesSync(join(folder, name), when, when);
      return name;
    };
    const removed = [
      plant(`${key}-v18.20.0-x64.v8`, month),
      plant(`${key}-v20.1.0-arm64-0123456789ab.v8`, month),
      plant(`${key}-v20.1.0-x64-at0123abcd.v8`, month), // another install's
      plant(`${key}-v20.1.0-x64.v8.0123456789abcdef.tmp`, twoHours),
      plant(`${key}-v20.1.0-x64-0123456789ab-at0123abcd.v8.0123456789abcdef.tmp`, twoHours),
    ];
    const kept = [
      plant(`${key}-v20.2.0-x64.v8`, twoHours), // used lately
      plant(`${key}-v20.2.0-x64-at0123abcd.v8`, twoHours), // another install's, used lately
      plant(`${key}-v20.2.0-x64.v8.0123456789abcdef.tmp`, new Date()), // a write under way
      plant('notes.txt', month), // not a name of ours
      plant(`${key}-v20.2.0-x64.v8.bak`, month),
    ];
    const target = join(tempDir(), 'elsewhere');
    writeFileSync(target, 'theirs');
    utimesSync(target, month, month);
    symlinkSync(target, join(folder, `${'b'.repeat(24)}-v18.0.0-x64.v8`));
    kept.push(`${'b'.repeat(24)}-v18.0.0-x64.v8`);
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg })).toEqual([{ sum: 5, strict: true }]);
    const names = readdirSync(folder);
    for (const name of removed) expect(names).not.toContain(name);
    for (const name of kept) expect(names).toContain(name);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
    expect(names.filter((name) => name.startsWith('k1-'))).toHaveLength(1);
  });

  it('keeps at most 8 places of one build, Node and set of flags, the newest, when it writes', () => {
    const xdg = tempDir();
    const folder = join(xdg, 'fanout', 'compile-cache');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const places = Array.from({ length: 10 }, (_, i) => {
      const name = `${'c'.repeat(24)}-v20.2.0-x64-at0000000${i}.v8`;
      writeFileSync(join(folder, name), 'x');
      const when = new Date(Date.now() - (i + 1) * 3600 * 1000);
      utimesSync(join(folder, name), when, when);
      return name;
    });
    const other = `${'c'.repeat(24)}-v20.3.0-x64-at00000000.v8`;
    writeFileSync(join(folder, other), 'x');
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg })).toEqual([{ sum: 5, strict: true }]);
    const names = readdirSync(folder);
    expect(places.filter((name) => names.includes(name))).toEqual(places.slice(0, 8));
    expect(names).toContain(other);
  });

  it('marks code it used that was written over a week ago as used, so that pruning keeps it', () => {
    const xdg = tempDir();
    const dir = tempDir();
    runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir);
    const [file] = cached(xdg);
    const old = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    utimesSync(file as string, old, old);
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
    expect(lastStderr).toBe('fanout: compiled code used\n');
    expect(Date.now() - statSync(file as string).mtimeMs).toBeLessThan(24 * 3600 * 1000);
  });

  it('neither reads nor writes compiled code through a link, in a folder others may write to, or when NODE_DISABLE_COMPILE_CACHE is set', () => {
    const open = tempDir();
    mkdirSync(join(open, 'fanout', 'compile-cache'), { recursive: true });
    chmodSync(join(open, 'fanout', 'compile-cache'), 0o777);
    expect(runScript(BODY, { XDG_CACHE_HOME: open })).toEqual([{ sum: 5, strict: true }]);
    expect(cached(open)).toEqual([]);
    const disabled = tempDir();
    expect(runScript(BODY, { XDG_CACHE_HOME: disabled, NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual([{ sum: 5, strict: true }]);
    expect(cached(disabled)).toEqual([]);
    // A link planted at the file's name: not read (its target is garbage V8 would refuse anyway), replaced by a file.
    const xdg = tempDir();
    const target = join(tempDir(), 'elsewhere');
    writeFileSync(target, 'planted');
    mkdirSync(join(xdg, 'fanout', 'compile-cache'), { recursive: true, mode: 0o700 });
    const scratch = tempDir();
    const dir = tempDir();
    runScript(BODY, { XDG_CACHE_HOME: scratch }, 1, dir);
    const link = join(xdg, 'fanout', 'compile-cache', basename(cached(scratch)[0] as string));
    symlinkSync(target, link);
    expect(runScript(BODY, { XDG_CACHE_HOME: xdg }, 1, dir)).toEqual([{ sum: 5, strict: true }]);
    expect(readFileSync(target, 'utf8')).toBe('planted');
    expect(lstatSync(link).isFile()).toBe(true);
  });
});

// Each case runs the whole CLI three to five times in a row: on a loaded 2-core machine one run takes seconds.
describe('fanout check with the compiled code of its script', { timeout: 120_000 }, () => {
  it('runs alike with no cache, with one, and with one V8 refuses', async () => {
    const xdg = tempDir();
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: echo hi\n');
    const env = { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' };
    const folder = join(xdg, 'fanout', 'compile-cache');
    const first = await runCli(['check', '--json'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('fanout: compiled code not used, written\n');
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    const kept = readFileSync(join(folder, files[0] as string));
    const second = await runCli(['check', '--json'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    // V8 took the code: a cache it always refused would be written again at every run.
    expect(second.stderr).toContain('fanout: compiled code used\n');
    expect(readFileSync(join(folder, files[0] as string))).toEqual(kept);
    writeFileSync(join(folder, files[0] as string), 'garbage');
    const third = await runCli(['check', '--json'], { cwd: dir, env });
    expect(third.code, third.stderr).toBe(0);
    for (const result of [first, second, third]) expect(JSON.parse(result.stdout)).toMatchObject({ exit_code: 0, checks: [{ id: 'one', status: 'passed' }] });
    expect(readFileSync(join(folder, files[0] as string)).length).toBeGreaterThan(1000);
  });

  it('keeps the code of a run that ran checks over the code of one that compiled less, once', async () => {
    const xdg = tempDir();
    const empty = tempDir();
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: echo hi\n');
    const env = { XDG_CACHE_HOME: xdg, FANOUT_DEBUG: '1' };
    const folder = join(xdg, 'fanout', 'compile-cache');
    // No config there: the run stops before any check, having compiled a small part of the script.
    const failed = await runCli(['check'], { cwd: empty, env });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('fanout: compiled code not used, written\n');
    const [name] = readdirSync(folder) as [string];
    const small = readFileSync(join(folder, name));
    const again = await runCli(['check'], { cwd: empty, env });
    expect(again.stderr).toContain('fanout: compiled code used\n');
    expect(readFileSync(join(folder, name))).toEqual(small);
    const full = await runCli(['check', '--json'], { cwd: dir, env });
    expect(full.code, full.stderr).toBe(0);
    expect(full.stderr).toContain('fanout: compiled code used, written\n');
    const bigger = readFileSync(join(folder, name));
    expect(bigger.length).toBeGreaterThan(small.length);
    const next = await runCli(['check', '--json'], { cwd: dir, env });
    expect(next.stderr).toContain('fanout: compiled code used\n');
    expect(readFileSync(join(folder, name))).toEqual(bigger);
    // Nor is it replaced by a run that compiled less.
    await runCli(['check'], { cwd: empty, env });
    expect(readFileSync(join(folder, name))).toEqual(bigger);
  });
});

describe('fanout check and its stdout', () => {
  /**
   * A preload counting the children spawned and writing, at the first read of process.stdout (which makes the stream:
   * a pipe's loads Node's socket modules), how many there were then.
   */
  const preload = (dir: string) => {
    const file = join(dir, 'preload.mjs');
    writeFileSync(
      file,
      `import { writeFileSync } from 'node:fs';
import { ChildProcess } from 'node:child_process';
let spawned = 0;
const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function (...args) { spawned++; return spawn.apply(this, args); };
const own = Object.getOwnPropertyDescriptor(process, 'stdout');
Object.defineProperty(process, 'stdout', { configurable: true, enumerable: own.enumerable, get() {
  Object.defineProperty(process, 'stdout', own);
  writeFileSync(${JSON.stringify(join(dir, 'made'))}, String(spawned));
  return own.get.call(process);
} });
`,
    );
    return { NODE_OPTIONS: `--import ${file}` };
  };

  it('makes stdout only once its first check has started, and prints the report there as before', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: echo hi\n');
    const env = preload(dir);
    for (const args of [['check'], ['check', '--json'], ['-v', 'check']]) {
      rmSync(join(dir, 'made'), { force: true });
      const result = await runCli(args, { cwd: dir, env });
      expect(result.code, result.stderr).toBe(0);
      expect(Number(readFileSync(join(dir, 'made'), 'utf8'))).toBeGreaterThanOrEqual(1);
      if (args.includes('--json')) expect(JSON.parse(result.stdout)).toMatchObject({ exit_code: 0, checks: [{ id: 'one', status: 'passed' }] });
    }
    // A usage error still says so (and a config error as JSON on stdout with --json), stdout made when it is written.
    writeFileSync(join(dir, 'bad.yaml'), 'version: "1"\nchecks:\n  - id: one\n');
    const bad = await runCli(['check', '-c', 'bad.yaml', '--json'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ exit_code: 2 });
  });
});
