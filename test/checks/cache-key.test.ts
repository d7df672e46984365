// The cache key: changing any one part changes it (a partial key is a false pass), order does not matter where the
// parts are sets, and hashing on worker threads gives the same hashes as in this thread.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIdentity, cacheKey, checkSpec, type CacheKeyParts } from '../../src/checks/cache/key.js';
import type { ResolvedCheck } from '../../src/config/types.js';
import { hashFile, hashFiles, hashOnWorkers } from '../../src/checks/cache/hash.js';
import { inputMatcher } from '../../src/checks/cache/inputs.js';
import { tempDir } from '../cli/helpers.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });
const name = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 });
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

const parts: fc.Arbitrary<CacheKeyParts> = fc.record({
  version: text,
  build: text,
  platform: text,
  arch: text,
  nodeMajor: fc.nat(40),
  id: name,
  spec: fc.record({
    run: text,
    env: fc.uniqueArray(fc.tuple(name, text), { selector: ([key]) => key, maxLength: 3 }),
    cwd: text,
    timeoutMs: fc.option(fc.nat(), { nil: null }),
    grok: fc.array(text, { maxLength: 3 }),
    assert: fc.option(text, { nil: null }),
    file: fc.option(text, { nil: null }),
    severity: fc.constantFrom('error' as const, 'warning' as const),
    retries: fc.nat(5),
    vibeguard: fc.boolean(),
  }),
  inputs: fc.uniqueArray(fc.record({ path: text, hash: hex, executable: fc.boolean() }), { selector: (input) => input.path, maxLength: 4 }),
  env: fc.uniqueArray(fc.tuple(name, fc.option(text, { nil: null })), { selector: ([key]) => key, maxLength: 3 }),
  requires: fc.uniqueArray(fc.tuple(name, hex), { selector: ([key]) => key, maxLength: 3 }),
});

/** One part of a key changed to something else (each mutation really differs from the original). */
function mutations(p: CacheKeyParts, other: string): Array<[string, CacheKeyParts]> {
  const changed = (value: string) => (value === other ? `${other}x` : other);
  const list: Array<[string, CacheKeyParts]> = [
    ['version', { ...p, version: changed(p.version) }],
    ['build', { ...p, build: changed(p.build) }],
    ['platform', { ...p, platform: changed(p.platform) }],
    ['arch', { ...p, arch: changed(p.arch) }],
    ['node major', { ...p, nodeMajor: p.nodeMajor + 1 }],
    ['id', { ...p, id: changed(p.id) }],
    ['run', { ...p, spec: { ...p.spec, run: changed(p.spec.run) } }],
    ['cwd', { ...p, spec: { ...p.spec, cwd: changed(p.spec.cwd) } }],
    ['timeout', { ...p, spec: { ...p.spec, timeoutMs: p.spec.timeoutMs === null ? 0 : null } }],
    ['grok', { ...p, spec: { ...p.spec, grok: [...p.spec.grok, other] } }],
    ['assert', { ...p, spec: { ...p.spec, assert: p.spec.assert === null ? other : null } }],
    ['file', { ...p, spec: { ...p.spec, file: p.spec.file === null ? other : null } }],
    ['severity', { ...p, spec: { ...p.spec, severity: p.spec.severity === 'error' ? 'warning' : 'error' } }],
    ['retries', { ...p, spec: { ...p.spec, retries: p.spec.retries + 1 } }],
    ['vibeguard mode', { ...p, spec: { ...p.spec, vibeguard: !p.spec.vibeguard } }],
    ['spec env added', { ...p, spec: { ...p.spec, env: [...p.spec.env.filter(([key]) => key !== '\u0000'), ['\u0000', other]] } }],
    ['input added', { ...p, inputs: [...p.inputs.filter((input) => input.path !== `${other}/new`), { path: `${other}/new`, hash: '0'.repeat(64), executable: false }] }],
    ['env input added', { ...p, env: [...p.env.filter(([key]) => key !== '\u0000'), ['\u0000', null]] }],
    ['requirement added', { ...p, requires: [...p.requires.filter(([key]) => key !== '\u0000'), ['\u0000', '0'.repeat(64)]] }],
  ];
  const [input] = p.inputs;
  if (input !== undefined) {
    const rest = p.inputs.slice(1);
    list.push(['input content', { ...p, inputs: [{ ...input, hash: input.hash.replace(/^./, (c) => (c === 'f' ? '0' : 'f')) }, ...rest] }]);
    list.push(['input mode', { ...p, inputs: [{ ...input, executable: !input.executable }, ...rest] }]);
    list.push(['input path', { ...p, inputs: [{ ...input, path: changed(input.path) }, ...rest].filter((item, index, all) => all.findIndex((x) => x.path === item.path) === index) }]);
    list.push(['input removed', { ...p, inputs: rest }]);
  }
  const [variable] = p.env;
  if (variable !== undefined) {
    list.push(['env value', { ...p, env: [[variable[0], variable[1] === null ? '' : null], ...p.env.slice(1)] }]);
    list.push(['env value text', { ...p, env: [[variable[0], changed(variable[1] ?? '')], ...p.env.slice(1)] }]);
  }
  const [requirement] = p.requires;
  if (requirement !== undefined) {
    list.push(['requirement key', { ...p, requires: [[requirement[0], requirement[1].replace(/^./, (c) => (c === 'f' ? '0' : 'f'))], ...p.requires.slice(1)] }]);
  }
  const [pair] = p.spec.env;
  if (pair !== undefined) list.push(['spec env value', { ...p, spec: { ...p.spec, env: [[pair[0], changed(pair[1])], ...p.spec.env.slice(1)] } }]);
  return list;
}

describe('cacheKey', () => {
  it('changes when any one part changes', () => {
    fc.assert(
      fc.property(parts, text, (p, other) => {
        const key = cacheKey(p);
        expect(key).toMatch(/^[0-9a-f]{64}$/);
        for (const [what, changed] of mutations(p, other)) expect(cacheKey(changed), what).not.toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of inputs, variables and requirements', () => {
    fc.assert(
      fc.property(parts, (p) => {
        const reversed = { ...p, inputs: [...p.inputs].reverse(), env: [...p.env].reverse(), requires: [...p.requires].reverse() };
        expect(cacheKey(reversed)).toBe(cacheKey(p));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps apart texts that would join alike: separators inside values, "" and unset', () => {
    const base: CacheKeyParts = {
      version: '1',
      build: 'b',
      platform: 'linux',
      arch: 'x64',
      nodeMajor: 22,
      id: 'a',
      spec: { run: 'x', env: [], cwd: '.', timeoutMs: 1, grok: [], assert: null, file: null, severity: 'error', retries: 0, vibeguard: false },
      inputs: [],
      env: [],
      requires: [],
    };
    const keys = [
      cacheKey({ ...base, spec: { ...base.spec, grok: ['a', 'b'] } }),
      cacheKey({ ...base, spec: { ...base.spec, grok: ['a","b'] } }),
      cacheKey({ ...base, spec: { ...base.spec, grok: ['ab'] } }),
      cacheKey({ ...base, env: [['X', '']] }),
      cacheKey({ ...base, env: [['X', null]] }),
      cacheKey({ ...base, env: [['X', 'null']] }),
      cacheKey({ ...base, spec: { ...base.spec, assert: 'null' } }),
      cacheKey(base),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('checkSpec', () => {
  const check: ResolvedCheck = {
    id: 'lint',
    run: 'npm run lint',
    grok: ['%{INT:n} errors'],
    severity: 'error',
    requires: [],
    tags: [],
    timeoutMs: 60_000,
    timeoutExplicit: false,
    on: {},
    async: false,
    cwd: '/repo',
    env: { A: '1' },
    retries: 0,
    files: [],
    inputs: ['src/**'],
    envInputs: [],
    cache: true,
    line: 3,
  };
  // Every field of a resolved check, and why it is or is not part of the spec. A field added to ResolvedCheck fails
  // to compile here until it is placed.
  const fields: Record<keyof ResolvedCheck, Partial<ResolvedCheck> | string> = {
    run: { run: 'npm run lint -- --fix' },
    grok: { grok: ['%{INT:n} warnings'] },
    grokMatcher: 'compiled from grok under the mode, both in the spec',
    invalid: 'derived from grok and assert under the mode; such a check fails, and fails are never stored',
    file: { file: '/repo/out.txt' },
    assert: { assert: 'n == 0' },
    vibeguardAssert: 'the assert as written, for the wording of a failure under the mode; both in the spec, and fails are never stored',
    severity: { severity: 'warning' },
    cwd: { cwd: '/repo/sub' },
    env: { env: { A: '2' } },
    retries: { retries: 2 },
    timeoutMs: 'the effective timeout is given to checkSpec (the run timeout counts for a check without one)',
    id: 'a part of the key beside the spec',
    requires: 'a part of the key: each requirement with the key of its result',
    envInputs: 'a part of the key: each name with its value',
    inputs: 'the content of the files matched is a part of the key',
    suggestion: 'rendered from the current config on every result, hits too',
    fix: 'rendered from the current config on every result, hits too',
    on: 'prompts rendered from the current config on every result, hits too',
    tags: 'selection only',
    files: 'selection and watch only',
    line: 'messages only',
    cache: 'whether the check is cached at all',
    async: 'when it runs, not what it does',
    timeoutExplicit: 'the async threshold only',
    lock: 'when it runs, not what it does',
  };

  it('changes with each field that can change an outcome, and with the config mode', () => {
    const base = JSON.stringify(checkSpec(check, '/repo', 60_000, false));
    for (const [name, change] of Object.entries(fields)) {
      if (typeof change === 'string') continue;
      expect(JSON.stringify(checkSpec({ ...check, ...change }, '/repo', 60_000, false)), name).not.toBe(base);
    }
    expect(JSON.stringify(checkSpec(check, '/repo', 60_000, true))).not.toBe(base);
    expect(JSON.stringify(checkSpec(check, '/repo', 30_000, false))).not.toBe(base);
  });

  it('the build identity is the hash of the module, read once', () => {
    // Here the module is a source file: its name holds no hash, its content is hashed.
    expect(buildIdentity()).toMatch(/^[0-9a-f]{32}$/);
    expect(buildIdentity()).toBe(buildIdentity());
  });
});

describe('input files', () => {
  it('a path counts when a glob matches it and no ! glob does, in any order', () => {
    const matches = inputMatcher(['!src/gen/**', 'src/**/*.ts', 'package.json']);
    expect(['src/a.ts', 'src/x/b.ts', 'src/gen/c.ts', 'package.json', 'lib/package.json', 'README.md'].filter(matches)).toEqual(['src/a.ts', 'src/x/b.ts', 'package.json', 'lib/package.json']);
  });

  it('worker threads hash as this thread does: contents, links as their target text, unreadable as undefined', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'tree'));
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const path = join(dir, 'tree', `f${i}`);
      const content = Buffer.alloc(40_000 + i, i % 251);
      writeFileSync(path, content);
      return { path, isLink: false, size: content.length };
    });
    symlinkSync('tree/f1', join(dir, 'link'));
    jobs.push({ path: join(dir, 'link'), isLink: true, size: 7 }, { path: join(dir, 'missing'), isLink: false, size: 0 });
    const threaded = await hashOnWorkers(jobs, 2, undefined);
    expect(await hashFiles(jobs, { threads: 2 })).toEqual(threaded);
    const here = await hashFiles(jobs, { threads: 1 });
    expect(threaded).toEqual(here);
    expect(here[0]).toBe(hashFile(jobs[0]!.path, false));
    // git's names for the same contents: a file git knows unchanged and one read here count alike.
    expect(here[0]).toBe(execFileSync('git', ['hash-object', jobs[0]!.path], { encoding: 'utf8' }).trim());
    expect(here.at(-2)).toBe(`link:${execFileSync('git', ['hash-object', '--stdin'], { input: 'tree/f1', encoding: 'utf8' }).trim()}`);
    expect(here.at(-2)).not.toBe(here[1]);
    expect(here.at(-1)).toBeUndefined();
  });
});

describe('inputMatcher agrees with the glob matcher of files:', () => {
  it('for any glob and path', async () => {
    const { matchesGlob } = await import('../../src/common/glob.js');
    const segment = fc.constantFrom('src', 'a', 'b.ts', 'x.md', '*', '**', '*.ts', '{a,src}', '[ab]', '?', 'sr?');
    const glob = fc.tuple(fc.constantFrom('', './', '/'), fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '/')).map(([head, parts, tail]) => `${head}${parts.join('/')}${tail}`);
    const path = fc.array(fc.constantFrom('src', 'a', 'b.ts', 'x.md', 'sra'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(glob, path, (g, p) => {
        expect(inputMatcher([g])(p), `${g} ${p}`).toBe(matchesGlob(p, g));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('InputTree.match', () => {
  it('selects what inputMatcher selects, in order, for any globs over a tree (log folder and .git left out)', async () => {
    const { InputTree } = await import('../../src/checks/cache/inputs.js');
    const dir = tempDir();
    const paths = ['a', 'a.ts', 'b/a.ts', 'b/c/d.md', 'src/a.ts', 'src/a/b.ts', 'src-x/a.ts', 'src.ts', 'srcz/q', 'z/src/a.ts', '.git/config', 'logs/run/x.log'];
    for (const path of paths) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), path);
    }
    const tree = new InputTree(dir, join(dir, 'logs'), undefined);
    const all = await tree.files();
    expect(all).toEqual(paths.filter((path) => !path.startsWith('.git/') && !path.startsWith('logs/')).sort());
    const segment = fc.constantFrom('src', 'a', 'b', 'a.ts', '*', '**', '*.ts', '{a,src}', 'src*', 'c');
    const glob = fc.tuple(fc.constantFrom('', '!', '/', './'), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '/')).map(([head, parts, tail]) => `${head}${parts.join('/')}${tail}`);
    await fc.assert(
      fc.asyncProperty(fc.array(glob, { minLength: 1, maxLength: 4 }), async (globs) => {
        expect(await tree.match(globs), globs.join(' ')).toEqual(all.filter(inputMatcher(globs)));
      }),
      { numRuns: 500 },
    );
  });
});
