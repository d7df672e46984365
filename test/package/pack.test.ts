// The package as a user installs it: `npm pack`, installed into a fresh project without optional peers, then used
// from ESM, CommonJS (Node's require(esm)), TypeScript under nodenext, node16 and bundler resolution (no
// skipLibCheck), and through its bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModulesAbove, STRAY_NODE_MODULES } from '../helpers/isolated.js';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let project = '';

function run(command: string, args: string[], cwd = project, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(result.status)}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The @types/node major of this repository (the consumers type-check against the same Node). */
function nodeTypesVersion(): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return manifest.devDependencies['@types/node'] ?? 'latest';
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'fanout-consumer-'));
  expect(nodeModulesAbove(project), STRAY_NODE_MODULES).toBeUndefined();
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string }>;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // Installed as users do, scripts allowed: the tarball holds dist/, and its prepare script (the build, for installs
  // from git) must not run. A tsdown first on PATH would tell if it did.
  const spy = join(project, 'spy');
  mkdirSync(spy);
  writeFileSync(join(spy, 'tsdown'), `#!/bin/sh\necho "$PWD" >> ${JSON.stringify(join(project, 'tsdown-ran'))}\n`, { mode: 0o755 });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(project, packed?.filename ?? '')], project, { PATH: `${spy}${delimiter}${process.env['PATH'] ?? ''}` });
  // A TypeScript user of a Node library has Node's types; they live in a folder of their own here, so the install
  // above is measured alone.
  const types = join(project, 'types');
  mkdirSync(types);
  writeFileSync(join(types, 'package.json'), JSON.stringify({ name: 'types', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', `@types/node@${nodeTypesVersion()}`], types);
}, 180_000);

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('the packed package', { timeout: 180_000 }, () => {
  it('installs without optional peers: at most 6 packages and 3 MB', () => {
    const modules = join(project, 'node_modules');
    const packages = readdirSync(modules).filter((name) => !name.startsWith('.')).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]));
    for (const peer of ['bullmq', 'ioredis', 'pino', 'piscina', '@opentelemetry/api', '@modelcontextprotocol/sdk', 'zod']) expect(packages).not.toContain(peer);
    expect(packages.length).toBeLessThanOrEqual(6);
    expect(sizeOf(modules)).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it('installing the tarball runs no script of it (the build is in it)', () => {
    expect(existsSync(join(project, 'tsdown-ran'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/fanout/dist/index.js'))).toBe(true);
  });

  it('loads from ESM and from CommonJS (one copy of every class)', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { Semaphore, runWithConcurrency, FanoutError } from 'fanout';
import { loadConfigText } from 'fanout/config';
import { runPipeline } from 'fanout/pipeline';
import { createThreadPool } from 'fanout/threads';
import { createNoopObserver } from 'fanout/observe';
import { shardOf } from 'fanout/distributed';
const sem = new Semaphore(2);
const results = await runWithConcurrency({ tasks: [() => 1, () => 2], maxConcurrency: 2 });
await sem.acquire();
const loaded = loadConfigText('version: "1"\\nchecks:\\n  - id: a\\n    run: "true"\\n', 'fanout.yaml');
console.log(JSON.stringify({ results: results.results, ok: loaded.ok, fns: [runPipeline, createThreadPool, createNoopObserver, shardOf].map((f) => typeof f), error: new FanoutError('ERR_X', 'x') instanceof Error }));
`,
    );
    expect(JSON.parse(run('node', ['esm.mjs']))).toEqual({ results: [1, 2], ok: true, fns: ['function', 'function', 'function', 'function'], error: true });
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const fanout = require('fanout');
const { loadConfigText } = require('fanout/config');
import('fanout').then((esm) => {
  console.log(JSON.stringify({ same: esm.Semaphore === fanout.Semaphore, semaphore: typeof fanout.Semaphore, config: typeof loadConfigText }));
});
`,
    );
    expect(JSON.parse(run('node', ['--no-warnings', 'cjs.cjs']))).toEqual({ same: true, semaphore: 'function', config: 'function' });
  });

  it('a feature whose optional peer is missing says what to install', () => {
    writeFileSync(
      join(project, 'peer.mjs'),
      `import { createJsonObserver } from 'fanout/observe';
try { createJsonObserver(); } catch (error) { console.log(error.code, error.message); }
`,
    );
    expect(run('node', ['peer.mjs'])).toMatch(/^ERR_MISSING_DEPENDENCY .*npm install pino/);
  });

  it('the commands whose optional peers are missing say so once, with the install command, and exit 2', () => {
    writeFileSync(join(project, 'fanout.yaml'), 'version: "1"\nchecks:\n  - { id: a, run: "touch ran" }\n');
    const bin = join(project, 'node_modules/.bin/fanout');
    // Nothing listens on port 1: the missing package is what is reported, before any connection is tried.
    const redis = ['--redis', 'redis://127.0.0.1:1', '--insecure', '--commit', 'abc'];
    const cases: Array<[string[], string]> = [
      [['worker', ...redis], 'fanout: distributed runs need the packages bullmq and ioredis (bullmq is not installed): npm install bullmq ioredis\n'],
      [['check', ...redis], 'fanout: --redis: distributed runs need the packages bullmq and ioredis (bullmq is not installed): npm install bullmq ioredis\n'],
      [['check', '--observer', 'json'], 'fanout: --observer json: this feature needs the package pino: npm install pino\n'],
    ];
    for (const [args, stderr] of cases) {
      const result = spawnSync(bin, args, { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      expect({ args, code: result.status, stderr: result.stderr }).toEqual({ args, code: 2, stderr });
    }
    expect(existsSync(join(project, 'ran'))).toBe(false);
  });

  it.each([
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, 'mts'],
    ['node16', { module: 'node16', moduleResolution: 'node16' }, 'mts'],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'ts'],
  ])('type-checks under %s resolution without skipLibCheck', (name, options, extension) => {
    const dir = join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `index.${extension}`),
      `import { Semaphore, runGraph, type GraphTask } from 'fanout';
import { loadConfigText, type ResolvedConfig } from 'fanout/config';
import { runPipeline } from 'fanout/pipeline';
import { createThreadPool } from 'fanout/threads';
import { createJsonObserver } from 'fanout/observe';
import { shardOf } from 'fanout/distributed';
const tasks: GraphTask<number>[] = [{ id: 'a', run: () => 1 }];
export const all = [new Semaphore(1), runGraph(tasks), loadConfigText('', 'x.yaml'), runPipeline, createThreadPool, createJsonObserver, shardOf];
export type Config = ResolvedConfig;
`,
    );
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, target: 'es2022', lib: ['es2023', 'esnext.disposable'], strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(project, 'types/node_modules/@types')], types: ['node'] }, files: [`index.${extension}`] }));
    run('node', [tsc, '-p', dir]);
  });

  // The forms docs/library.md (Importing fanout) lists for CommonJS TypeScript, compiled and run: require under
  // node20 and nodenext; under node16, which models a Node without require(esm), a dynamic import and type-only imports.
  const requireForm = `import fanout = require('fanout');
import config = require('fanout/config');
console.log(JSON.stringify({ semaphore: new fanout.Semaphore(2).available, config: typeof config.loadConfigText }));
`;
  const importForm = `import type { Semaphore } from 'fanout' with { 'resolution-mode': 'import' };
async function main(): Promise<void> {
  const fanout = await import('fanout');
  const config = await import('fanout/config');
  const semaphore: Semaphore = new fanout.Semaphore(2);
  console.log(JSON.stringify({ semaphore: semaphore.available, config: typeof config.loadConfigText }));
}
void main();
`;
  it.each([
    ['nodenext', 'require', requireForm],
    ['node20', 'require', requireForm],
    ['node16', 'import', importForm],
  ])('a CommonJS TypeScript file under module %s (%s) type-checks, compiles and runs', (module, form, source) => {
    const dir = join(project, `ts-cjs-${module}-${form}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.cts'), source);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module, moduleResolution: module === 'nodenext' ? 'nodenext' : 'node16', target: 'es2022', lib: ['es2023', 'esnext.disposable'], strict: true, outDir: 'out', skipLibCheck: false, typeRoots: [join(project, 'types/node_modules/@types')], types: ['node'] }, files: ['index.cts'] }));
    run('node', [tsc, '-p', dir]);
    expect(JSON.parse(run('node', ['--no-warnings', join(dir, 'out/index.cjs')]))).toEqual({ semaphore: 2, config: 'function' });
  });

  it('under module node16, require of fanout is refused as the docs say (TypeScript models a Node without require(esm))', () => {
    const dir = join(project, 'ts-cjs-node16-require');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.cts'), requireForm);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, typeRoots: [join(project, 'types/node_modules/@types')], types: ['node'] }, files: ['index.cts'] }));
    expect(() => run('node', [tsc, '-p', dir])).toThrow(/TS1471/);
  });

  it('a bundle that uses only Semaphore is at most 4 KB minified (nothing else survives tree-shaking)', async () => {
    writeFileSync(join(project, 'semaphore.mjs'), `import { Semaphore } from 'fanout';\nexport const semaphore = new Semaphore(1);\n`);
    const { rolldown } = await import('rolldown');
    const bundle = await rolldown({ input: join(project, 'semaphore.mjs'), platform: 'node', logLevel: 'silent' });
    const { output } = await bundle.generate({ format: 'esm', minify: true });
    await bundle.close();
    const code = output[0].code;
    expect(code).toContain('permits');
    expect(code).not.toMatch(/child_process|\/proc\//);
    expect(code.length).toBeLessThanOrEqual(4096);
  });

  it('the bin runs', () => {
    expect(run(join(project, 'node_modules/.bin/fanout'), ['--version']).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('init names the command that runs it: npx --no-install fanout outside npm scripts, fanout on their PATH; and it runs', () => {
    const bin = join(project, 'node_modules/.bin/fanout');
    const env = (path: string) => ({ ...process.env, NODE_OPTIONS: '', PATH: path });
    const plain = [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);
    // In a git repository init keeps the run logs out of it.
    const LOGS_NOTE = "added .fanout/ to .gitignore (run logs hold the checks' output unmasked)\n";
    // Each its own repository: the consumer project above holds a fanout.yaml that init would otherwise find.
    const here = join(project, 'init-plain');
    mkdirSync(join(here, '.git'), { recursive: true });
    const said = spawnSync(bin, ['init', '--template', 'minimal'], { cwd: here, encoding: 'utf8', env: env(plain) });
    expect(said.stdout).toBe('wrote fanout.yaml (template minimal); run it with: npx --no-install fanout check\n' + LOGS_NOTE);
    const validated = spawnSync('npx', ['--no-install', 'fanout', 'validate'], { cwd: here, encoding: 'utf8', env: env(plain) });
    expect({ code: validated.status, stderr: validated.stderr }).toEqual({ code: 0, stderr: '' });
    const script = join(project, 'init-script');
    mkdirSync(join(script, '.git'), { recursive: true });
    const inScript = spawnSync(bin, ['init', '--template', 'minimal'], { cwd: script, encoding: 'utf8', env: env([join(project, 'node_modules/.bin'), plain].join(delimiter)) });
    expect(inScript.stdout).toBe('wrote fanout.yaml (template minimal); run it with: fanout check\n' + LOGS_NOTE);
  });

  it('fanout mcp without its optional peers says what to install (exit 2, nothing on stdout)', () => {
    const result = spawnSync(join(project, 'node_modules/.bin/fanout'), ['mcp'], { cwd: project, encoding: 'utf8', input: '', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toContain('npm install @modelcontextprotocol/sdk zod');
  });
});
