// The config cache of `fanout check`: an unchanged config is read back from <log-dir>/.config-cache/, anything else
// (changed text, another flag, a broken or foreign entry) is parsed afresh; only valid configs are stored.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configCacheFile, configCacheKey, CONFIG_CACHE_DIR, readCachedConfig } from '../../../src/checks/state/config-cache.js';
import { UsageError } from '../../../src/cli/errors.js';
import { loadForCommand } from '../../../src/cli/load-config.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { runCli, tempDir } from '../../cli/helpers.js';

const CONFIG = `version: "1"
vars:
  dir: src
checks:
  - id: build
    run: echo building {{.dir}}
    timeout: 2m
    env:
      MODE: fast
  - id: cover
    run: echo "coverage 71.5%"
    requires: [build]
    grok: ['coverage %{NUMBER:pct}%']
    assert: pct >= 50
    suggestion: raise coverage above {{.pct}}
    on:
      failure: fix it
`;

function setup(text = CONFIG, name = 'fanout.yaml') {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file, logDir: join(dir, 'logs') };
}

/** The resolved config without the compiled matchers (code, compared by what they extract instead). */
const plain = (config: ResolvedConfig) => JSON.parse(JSON.stringify(config, (key, value: unknown) => (key === 'grokMatcher' ? undefined : value))) as unknown;

/** Rewrites the stored entry's config (keeping its key): what a hit returns then shows the entry was used. */
function tamper(logDir: string, file: string, edit: (config: ResolvedConfig) => void): void {
  const path = configCacheFile(logDir, file);
  const entry = JSON.parse(readFileSync(path, 'utf8')) as { config: ResolvedConfig };
  edit(entry.config);
  writeFileSync(path, JSON.stringify(entry));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('config cache', () => {
  it('stores a valid config and reads it back equal, grok matchers compiled again', async () => {
    const { dir, file, logDir } = setup();
    const cache = { logDir, version: '1.2.3' };
    const fresh = await loadForCommand({ cwd: dir, cache });
    expect(existsSync(configCacheFile(logDir, file))).toBe(true);
    const cached = await readCachedConfig(logDir, file, configCacheKey(file, CONFIG, { strict: false, version: '1.2.3' }));
    expect(cached).toBeDefined();
    expect(plain(cached!)).toEqual(plain(fresh));
    const cover = cached!.checks.find((check) => check.id === 'cover');
    expect(cover?.grokMatcher?.extract('coverage 71.5%')).toEqual({ pct: '71.5' });
    expect(cached!.checks.find((check) => check.id === 'build')?.grokMatcher).toBeUndefined();
    expect(plain(cached!)).toEqual(plain((loadConfigText(CONFIG, file) as { config: ResolvedConfig }).config));
  });

  // Every value a resolution holds survives the cache unchanged: no Infinity turned null, no field lost or added.
  const RICH = `version: "1"
vars: { n: 1.50, flag: true }
prompts:
  - { id: help, description: d, content: c, tags: [x] }
checks:
  - { id: a, run: "echo {{.n}} {{.flag}}", timeout: -1s, retries: 2, lock: db, async: true, cwd: sub, files: ["src/**"], tags: [t] }
  - { id: b, run: echo b, requires: [a], timeout: 0, severity: warning, grok: ["x=%{INT:x}", "y=%{WORD:y}"], assert: "x > 1 && y == \\"ok\\"", on: { failure: [help], timeout: inline } }
`;
  const examples = resolve(new URL('../../../', import.meta.url).pathname, 'test/fixtures/vibeguard-examples');
  it.each<[string, string | undefined]>([
    ['a config using every field', undefined],
    ...readdirSync(examples)
      .filter((name) => name.endsWith('.yaml'))
      .map((name): [string, string] => [name, name]),
  ])('reads back exactly what a fresh load resolves: %s', async (_, example) => {
    const { dir, file, logDir } = setup(RICH, example === undefined ? 'fanout.yaml' : 'vibeguard.yaml');
    if (example !== undefined) copyFileSync(join(examples, example), file);
    const cache = { logDir, version: '1.2.3' };
    const fresh = await loadForCommand({ cwd: dir, cache });
    const cached = await readCachedConfig(logDir, file, configCacheKey(file, readFileSync(file, 'utf8'), { strict: false, version: '1.2.3' }));
    expect(cached).toBeDefined();
    const code = (config: ResolvedConfig) => ({ ...config, checks: config.checks.map(({ grokMatcher: _matcher, ...check }) => check) });
    expect(code(cached!)).toStrictEqual(code(fresh));
    expect(cached!.checks.map((check) => check.grokMatcher === undefined)).toEqual(fresh.checks.map((check) => check.grokMatcher === undefined));
  });

  it('answers from the entry while the text, the version and --strict are unchanged', async () => {
    const { dir, file, logDir } = setup();
    const cache = { logDir, version: '1.2.3' };
    await loadForCommand({ cwd: dir, cache });
    tamper(logDir, file, (config) => {
      config.checks[0]!.run = 'echo from-the-cache';
    });
    expect((await loadForCommand({ cwd: dir, cache })).checks[0]?.run).toBe('echo from-the-cache');
    // The same file named another way (relative -c) is the same entry.
    expect((await loadForCommand({ cwd: dir, config: 'fanout.yaml', cache })).checks[0]?.run).toBe('echo from-the-cache');
    // Without the cache option nothing is read from it.
    expect((await loadForCommand({ cwd: dir })).checks[0]?.run).toBe('echo building src');
  });

  it('names the build by the content-hashed name of the CLI chunk that keys it, not by the mtime and size of a file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fanout.yaml'), 'version: "1"\nchecks:\n  - id: one\n    run: "true"\n');
    const result = await runCli(['check'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const folder = join(dir, '.fanout', 'runs', CONFIG_CACHE_DIR);
    const [entry] = readdirSync(folder);
    const { key } = JSON.parse(readFileSync(join(folder, entry as string), 'utf8')) as { key: string };
    const [, , build] = JSON.parse(key.slice(0, key.indexOf('\0'))) as [number, string, string];
    // The chunk the name of which holds the hash of its code: the same build anywhere, another one after any change.
    expect(build).toMatch(/^check-[A-Za-z0-9_-]{8}\.js$/);
  });

  it('parses afresh when the text, the version or --strict changed, and stores the new resolution', async () => {
    const { dir, file, logDir } = setup();
    await loadForCommand({ cwd: dir, cache: { logDir, version: '1.2.3' } });
    const poison = () =>
      tamper(logDir, file, (config) => {
        config.checks[0]!.run = 'echo stale';
      });
    poison();
    expect((await loadForCommand({ cwd: dir, cache: { logDir, version: '1.2.4' } })).checks[0]?.run).toBe('echo building src');
    poison();
    expect((await loadForCommand({ cwd: dir, strict: true, cache: { logDir, version: '1.2.4' } })).checks[0]?.run).toBe('echo building src');
    poison();
    writeFileSync(file, CONFIG.replace('dir: src', 'dir: lib'));
    const changed = await loadForCommand({ cwd: dir, strict: true, cache: { logDir, version: '1.2.4' } });
    expect(changed.checks[0]?.run).toBe('echo building lib');
    // The new resolution is what the entry now holds.
    const key = configCacheKey(file, readFileSync(file, 'utf8'), { strict: true, version: '1.2.4' });
    expect((await readCachedConfig(logDir, file, key))?.checks[0]?.run).toBe('echo building lib');
  });

  it('treats a malformed, truncated or ill-shaped entry as a miss', async () => {
    const { dir, file, logDir } = setup();
    const cache = { logDir, version: '1' };
    const expected = plain(await loadForCommand({ cwd: dir, cache }));
    const path = configCacheFile(logDir, file);
    const good = readFileSync(path, 'utf8');
    for (const broken of [good.slice(0, good.length / 2), '[]', 'null', good.replace('"checks":[', '"checks":[7,')]) {
      writeFileSync(path, broken);
      expect(plain(await loadForCommand({ cwd: dir, cache }))).toEqual(expected);
      // …and the entry is repaired by that parse.
      expect(readFileSync(path, 'utf8')).toBe(good);
    }
  });

  it('never stores a config with errors, which still fails with every diagnostic', async () => {
    const { dir, logDir } = setup('checks:\n  - id: a\n    run: "true"\n    requires: [missing]\n');
    await expect(loadForCommand({ cwd: dir, cache: { logDir, version: '1' } })).rejects.toThrow(UsageError);
    await expect(loadForCommand({ cwd: dir, cache: { logDir, version: '1' } })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    expect(existsSync(join(logDir, CONFIG_CACHE_DIR)) ? readdirSync(join(logDir, CONFIG_CACHE_DIR)) : []).toEqual([]);
  });

  it('prints the warnings of a cached config on every run', async () => {
    const { dir, logDir } = setup('checks:\n  - id: a\n    run: "true"\n    colour: red\n', 'vibeguard.yaml');
    const cache = { logDir, version: '1' };
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    await loadForCommand({ cwd: dir, cache });
    await loadForCommand({ cwd: dir, cache });
    const warnings = writes.filter((line) => line.includes('unknown key "colour"'));
    expect(warnings).toHaveLength(2);
  });

  it('reports a missing config as before, cache or not', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    await expect(loadForCommand({ cwd: dir, cache: { logDir: join(dir, 'logs'), version: '1' } })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      message: `no fanout.yaml found in ${dir}; run \`npx --no-install fanout init\``,
    });
  });
});

describe('fanout check and the config cache', () => {
  it('stores the config on the first run and uses it on the next; --no-config-cache neither reads nor writes it', async () => {
    const { dir, file, logDir } = setup('checks:\n  - id: a\n    run: echo first\n');
    const first = await runCli(['check', '--json', '--log-dir', logDir], { cwd: dir });
    expect(first.code).toBe(0);
    tamper(logDir, file, (config) => {
      config.checks[0]!.run = 'echo from-the-cache';
    });
    const second = await runCli(['check', '--json', '--log-dir', logDir], { cwd: dir });
    expect((JSON.parse(second.stdout) as { checks: Array<{ output_tail: string[] }> }).checks[0]?.output_tail).toEqual(['from-the-cache']);
    const bypass = await runCli(['check', '--json', '--no-config-cache', '--log-dir', logDir], { cwd: dir });
    expect((JSON.parse(bypass.stdout) as { checks: Array<{ output_tail: string[] }> }).checks[0]?.output_tail).toEqual(['first']);

    const other = setup('checks:\n  - id: a\n    run: echo x\n');
    expect((await runCli(['check', '--no-config-cache', '--log-dir', other.logDir], { cwd: other.dir })).code).toBe(0);
    expect(existsSync(join(other.logDir, CONFIG_CACHE_DIR))).toBe(false);
  });
});
