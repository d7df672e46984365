// The package as a user installs it: `npm pack`, installed into a fresh project without optional peers, then used
// from ESM, CommonJS (Node's require(esm)), TypeScript under nodenext, node16 and bundler resolution (no
// skipLibCheck), and through its bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let project = '';

function run(command: string, args: string[], cwd = project): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
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
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string }>;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', join(project, packed?.filename ?? '')]);
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

  it('type-checks a CommonJS TypeScript file under nodenext (require of the ESM build)', () => {
    const dir = join(project, 'ts-cjs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.cts'), `import fanout = require('fanout');\nexport const semaphore = new fanout.Semaphore(1);\n`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023', 'esnext.disposable'], strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(project, 'types/node_modules/@types')], types: ['node'] }, files: ['index.cts'] }));
    run('node', [tsc, '-p', dir]);
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

  it('fanout mcp without its optional peers says what to install (exit 2, nothing on stdout)', () => {
    const result = spawnSync(join(project, 'node_modules/.bin/fanout'), ['mcp'], { cwd: project, encoding: 'utf8', input: '', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toContain('npm install @modelcontextprotocol/sdk zod');
  });
});
