// What `fanout init` writes without --template: checks built from what the project really has (package.json
// scripts run by its package manager, tools that are installed and configured, pyproject's tools, go.mod,
// Cargo.toml, Makefile targets), so that the first run passes on a healthy project. Every check says why it is there.
import { lstatSync, openSync, closeSync, readSync, fstatSync, constants } from 'node:fs';
import { join } from 'node:path';

/** One check found: its id, the command, tags, timeout, and why it was chosen (printed by init, written as a comment). */
export interface DetectedCheck {
  id: string;
  run: string;
  tags: string[];
  /** A Go duration: long enough for a cold run on a loaded machine (a check's timeout is no reason to be async). */
  timeout: string;
  why: string;
  severity?: 'warning';
}

/** Files larger than this are not a manifest a person wrote: read as absent. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The text of a regular file under `dir`, or undefined (missing, a folder, a FIFO, too large, unreadable). */
function readText(dir: string, name: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) return undefined;
    const buffer = Buffer.alloc(stat.size);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function present(dir: string, name: string): boolean {
  try {
    lstatSync(join(dir, name));
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How the project's package manager runs a script and a locally installed binary. */
interface PackageManager {
  name: 'npm' | 'pnpm' | 'yarn' | 'bun';
  why: string;
  script: (name: string) => string;
  bin: (command: string) => string;
}

const MANAGERS: Record<PackageManager['name'], Omit<PackageManager, 'why'>> = {
  npm: { name: 'npm', script: (s) => (s === 'test' ? 'npm test' : `npm run ${s}`), bin: (c) => `npx --no-install ${c}` },
  pnpm: { name: 'pnpm', script: (s) => `pnpm run ${s}`, bin: (c) => `pnpm exec ${c}` },
  yarn: { name: 'yarn', script: (s) => `yarn run ${s}`, bin: (c) => `yarn ${c}` },
  bun: { name: 'bun', script: (s) => `bun run ${s}`, bin: (c) => `bunx --no-install ${c}` },
};

/** The package manager: from the lockfile present, else package.json's `packageManager`, else npm. */
function packageManager(dir: string, pkg: Record<string, unknown>): PackageManager {
  const locks: Array<[string, PackageManager['name']]> = [
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lock', 'bun'],
    ['bun.lockb', 'bun'],
    ['package-lock.json', 'npm'],
    ['npm-shrinkwrap.json', 'npm'],
  ];
  for (const [file, name] of locks) if (present(dir, file)) return { ...MANAGERS[name], why: file };
  const declared = typeof pkg.packageManager === 'string' ? /^(npm|pnpm|yarn|bun)@/.exec(pkg.packageManager)?.[1] : undefined;
  if (declared !== undefined) return { ...MANAGERS[declared as PackageManager['name']], why: `packageManager in package.json` };
  return { ...MANAGERS.npm, why: 'no lockfile: npm' };
}

/** The scripts init runs, in this order, with the tags and timeout of each kind. */
const SCRIPTS: Array<{ names: string[]; tags: string[]; timeout: string }> = [
  { names: ['lint'], tags: ['fast', 'lint'], timeout: '5m' },
  { names: ['typecheck', 'type-check', 'types', 'check-types', 'tsc'], tags: ['fast', 'types'], timeout: '5m' },
  { names: ['format:check', 'check-format', 'fmt:check', 'format-check'], tags: ['fast', 'format'], timeout: '5m' },
  { names: ['test'], tags: ['test'], timeout: '10m' },
  { names: ['build'], tags: ['build'], timeout: '10m' },
];

/** npm's placeholder of `npm init`: a test script that always fails. */
const PLACEHOLDER_TEST = /no test specified/;

function scriptId(name: string): string {
  const id = name.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[a-zA-Z_]/.test(id) ? id : `script-${id}`;
}

const ESLINT_CONFIGS = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts', '.eslintrc', '.eslintrc.js', '.eslintrc.cjs', '.eslintrc.json', '.eslintrc.yaml', '.eslintrc.yml'];
const PRETTIER_CONFIGS = ['.prettierrc', '.prettierrc.json', '.prettierrc.yaml', '.prettierrc.yml', '.prettierrc.json5', '.prettierrc.js', '.prettierrc.cjs', '.prettierrc.mjs', '.prettierrc.toml', 'prettier.config.js', 'prettier.config.cjs', 'prettier.config.mjs'];
const BIOME_CONFIGS = ['biome.json', 'biome.jsonc'];

function javascriptChecks(dir: string): DetectedCheck[] {
  const text = readText(dir, 'package.json');
  if (text === undefined) return [];
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isRecord(pkg)) return [];
  const pm = packageManager(dir, pkg);
  const scripts = isRecord(pkg.scripts) ? pkg.scripts : {};
  const deps = new Set(['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((field) => (isRecord(pkg[field]) ? Object.keys(pkg[field]) : [])));
  const checks: DetectedCheck[] = [];
  const run: string[] = [];
  for (const kind of SCRIPTS) {
    const name = kind.names.find((candidate) => typeof scripts[candidate] === 'string' && scripts[candidate].trim() !== '');
    if (name === undefined) continue;
    const body = scripts[name] as string;
    if (name === 'test' && PLACEHOLDER_TEST.test(body)) continue;
    run.push(body);
    checks.push({ id: scriptId(name), run: pm.script(name), tags: kind.tags, timeout: kind.timeout, why: `package.json scripts.${name}, run with ${pm.name} (${pm.why})` });
  }
  const has = (kind: string) => checks.some((check) => check.tags.includes(kind));
  /** A linter a chosen script already runs (`"test": "xo && ava && tsd"`) gets no check of its own. */
  const runByScript = (bin: string) => run.some((body) => new RegExp(`(^|[\\s;&|(/"'])${bin}($|[\\s;&|)"'])`).test(body));
  const tool = (bin: string | undefined, id: string, command: string, tags: string[], why: string, severity?: 'warning') => {
    if ((bin !== undefined && runByScript(bin)) || checks.some((check) => check.id === id)) return;
    checks.push({ id, run: pm.bin(command), tags, timeout: '5m', why, ...(severity === undefined ? {} : { severity }) });
  };
  // A build script that runs tsc emits, and runs last: the fast type check is wanted all the same.
  if (!has('types') && deps.has('typescript') && present(dir, 'tsconfig.json')) {
    tool(undefined, 'typecheck', 'tsc --noEmit', ['fast', 'types'], 'tsconfig.json, and typescript in the dependencies');
  }
  if (!has('lint')) {
    const eslintConfig = ESLINT_CONFIGS.find((file) => present(dir, file)) ?? (isRecord(pkg.eslintConfig) ? 'eslintConfig in package.json' : undefined);
    const biomeConfig = BIOME_CONFIGS.find((file) => present(dir, file));
    if (deps.has('xo')) tool('xo', 'xo', 'xo', ['fast', 'lint'], 'xo in the dependencies');
    if (deps.has('eslint') && eslintConfig !== undefined) tool('eslint', 'eslint', 'eslint .', ['fast', 'lint'], `${eslintConfig}, and eslint in the dependencies`);
    if (deps.has('@biomejs/biome') && biomeConfig !== undefined) tool('biome', 'biome', 'biome check .', ['fast', 'lint'], `${biomeConfig}, and @biomejs/biome in the dependencies`);
  }
  if (!has('format')) {
    const prettierConfig = PRETTIER_CONFIGS.find((file) => present(dir, file)) ?? (pkg.prettier !== undefined ? 'prettier in package.json' : undefined);
    if (deps.has('prettier') && prettierConfig !== undefined) {
      tool('prettier', 'format', 'prettier --check .', ['fast', 'format'], `${prettierConfig}, and prettier in the dependencies (a warning: formatting does not fail the run)`, 'warning');
    }
  }
  return checks;
}

/** Whether a TOML text has a table `[name]` or one below it (`[name.sub]`). */
function hasTable(toml: string | undefined, name: string): boolean {
  if (toml === undefined) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*\\[${escaped}(\\.[^\\]]*)?\\]\\s*(#.*)?$`, 'm').test(toml);
}

function pythonChecks(dir: string): DetectedCheck[] {
  const pyproject = readText(dir, 'pyproject.toml');
  const setupCfg = readText(dir, 'setup.cfg');
  const toxIni = readText(dir, 'tox.ini');
  if (pyproject === undefined && setupCfg === undefined && !present(dir, 'setup.py') && !present(dir, 'requirements.txt')) return [];
  const runner = present(dir, 'uv.lock') ? 'uv run ' : present(dir, 'poetry.lock') ? 'poetry run ' : present(dir, 'pdm.lock') ? 'pdm run ' : '';
  const via = runner === '' ? '' : `, run with ${runner.trim()}`;
  const checks: DetectedCheck[] = [];
  const ruff = hasTable(pyproject, 'tool.ruff') ? '[tool.ruff] in pyproject.toml' : ['ruff.toml', '.ruff.toml'].find((file) => present(dir, file));
  if (ruff !== undefined) checks.push({ id: 'ruff', run: `${runner}ruff check .`, tags: ['fast', 'lint'], timeout: '5m', why: `${ruff}${via}` });
  const mypy = hasTable(pyproject, 'tool.mypy')
    ? '[tool.mypy] in pyproject.toml'
    : (['mypy.ini', '.mypy.ini'].find((file) => present(dir, file)) ?? (hasTable(setupCfg, 'mypy') ? '[mypy] in setup.cfg' : undefined));
  if (mypy !== undefined) checks.push({ id: 'mypy', run: `${runner}mypy .`, tags: ['types'], timeout: '10m', why: `${mypy}${via}` });
  const pytest = hasTable(pyproject, 'tool.pytest.ini_options')
    ? '[tool.pytest.ini_options] in pyproject.toml'
    : present(dir, 'pytest.ini')
      ? 'pytest.ini'
      : hasTable(setupCfg, 'tool:pytest')
        ? '[tool:pytest] in setup.cfg'
        : hasTable(toxIni, 'pytest')
          ? '[pytest] in tox.ini'
          : present(dir, 'conftest.py')
            ? 'conftest.py'
            : undefined;
  if (pytest !== undefined) checks.push({ id: 'pytest', run: `${runner}pytest -q`, tags: ['test'], timeout: '10m', why: `${pytest}${via}` });
  return checks;
}

function goChecks(dir: string): DetectedCheck[] {
  if (!present(dir, 'go.mod')) return [];
  return [
    { id: 'go-vet', run: 'go vet ./...', tags: ['fast', 'lint'], timeout: '5m', why: 'go.mod' },
    { id: 'go-test', run: 'go test ./...', tags: ['test'], timeout: '10m', why: 'go.mod' },
  ];
}

function rustChecks(dir: string): DetectedCheck[] {
  if (!present(dir, 'Cargo.toml')) return [];
  const checks: DetectedCheck[] = [{ id: 'cargo-check', run: 'cargo check --all-targets', tags: ['fast', 'types'], timeout: '15m', why: 'Cargo.toml' }];
  const clippy = ['clippy.toml', '.clippy.toml'].find((file) => present(dir, file));
  if (clippy !== undefined) checks.push({ id: 'clippy', run: 'cargo clippy --all-targets', tags: ['lint'], timeout: '15m', why: `${clippy}` });
  checks.push({ id: 'cargo-test', run: 'cargo test', tags: ['test'], timeout: '15m', why: 'Cargo.toml' });
  return checks;
}

/** Makefile targets init knows, the kind of check each is. */
const MAKE_TARGETS: Array<[target: string, tags: string[]]> = [
  ['lint', ['fast', 'lint']],
  ['test', ['test']],
  ['check', ['test']],
];

/** `make lint`, `make test`, `make check` for the targets the Makefile defines, when no other check does that job. */
function makeChecks(dir: string, found: readonly DetectedCheck[]): DetectedCheck[] {
  const file = ['GNUmakefile', 'makefile', 'Makefile'].find((name) => present(dir, name));
  const text = file === undefined ? undefined : readText(dir, file);
  if (file === undefined || text === undefined) return [];
  const targets = new Set([...text.matchAll(/^([A-Za-z0-9_.\- ]+?)\s*::?(?!=)/gm)].flatMap((match) => (match[1] ?? '').split(/\s+/)));
  const checks: DetectedCheck[] = [];
  for (const [target, tags] of MAKE_TARGETS) {
    const kind = tags.at(-1) ?? target;
    if (!targets.has(target) || [...found, ...checks].some((check) => check.tags.includes(kind))) continue;
    checks.push({ id: `make-${target}`, run: `make ${target}`, tags, timeout: '10m', why: `the ${target} target of ${file}` });
  }
  return checks;
}

/**
 * The checks for the project in `dir`: what its files say it has, each with why. Empty when nothing is recognised.
 * Reads only small regular files (package.json, pyproject.toml, setup.cfg, tox.ini, the Makefile); everything else is
 * looked at by name.
 */
export function detectChecks(dir: string): DetectedCheck[] {
  const checks = [...javascriptChecks(dir), ...pythonChecks(dir), ...goChecks(dir), ...rustChecks(dir)];
  return [...checks, ...makeChecks(dir, checks)];
}

/** The fanout.yaml for detected checks: each check with a comment saying why it is there. */
export function detectedConfig(checks: readonly DetectedCheck[], header: string): string {
  const blocks = checks.map((check) => {
    const lines = [
      `  # ${check.why}`,
      `  - id: ${check.id}`,
      `    run: ${JSON.stringify(check.run)}`,
      `    tags: [${check.tags.join(', ')}]`,
      `    timeout: ${check.timeout}`,
    ];
    if (check.severity !== undefined) lines.push(`    severity: ${check.severity}`);
    return lines.join('\n');
  });
  return `${header}\nchecks:\n${blocks.join('\n\n')}\n`;
}
