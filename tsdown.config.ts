import { createRequire } from 'node:module';
import { defineConfig } from 'tsdown';

const require = createRequire(import.meta.url);

/** A plugin rewriting the code of the chunks the build writes. */
interface ChunkPlugin {
  name: string;
  renderChunk(code: string, chunk: { fileName: string }): string;
}

/** Whether a chunk is declarations (.d.ts): TSDoc and types, read by editors as written, never run. */
const declarations = (chunk: { fileName: string }): boolean => /\.d\.[cm]?ts$/.test(chunk.fileName);

/** Built-ins whose functions are fetched at their first call: loading them costs milliseconds (crypto's family of ciphers and keys). */
const LAZY_BUILTINS = new Set(['node:child_process', 'node:crypto']);

/**
 * Each `import … from "node:x"` of a chunk as `process.getBuiltinModule("node:x")` (Node 20.16 and later; the engines
 * field asks for 20.19): an import makes the built-in's ES module facade, which reads every export, lazy ones included
 * (`node:fs`'s brings fs/promises and the file streams), a few milliseconds at every start of the CLI. The functions
 * imported from {@link LAZY_BUILTINS} become wrappers that load the built-in at their first call, so `fanout check`
 * loads crypto only when something hashes. An import of another shape is left as it is.
 */
function builtinsWithoutFacades(): ChunkPlugin {
  const importLine = /^import (?:([\w$]+)(?:, | ))?(?:\{ ([^}]*) \} )?from "(node:[\w/]+)";$/gm;
  return {
    name: 'fanout:builtins-without-facades',
    renderChunk: (code, chunk) =>
      declarations(chunk) ? code : code.replace(importLine, (line, whole: string | undefined, named: string | undefined, specifier: string) => {
        const get = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
        const builtin = require(specifier) as Record<string, unknown>;
        const bindings = (named ?? '').split(', ').filter((part) => part !== '').map((part) => {
          const [name = '', local = name] = part.split(' as ');
          return { name, local };
        });
        if (bindings.some(({ name }) => name === 'default' || !(name in builtin))) return line;
        // A function called, never constructed (lower case): a wrapper can stand for it.
        const lazy = LAZY_BUILTINS.has(specifier) && whole === undefined && bindings.every(({ name }) => typeof builtin[name] === 'function' && /^[a-z]/.test(name));
        if (lazy) return bindings.map(({ name, local }) => `const ${local} = (...args) => ${get}.${name}(...args);`).join('\n');
        const destructured = bindings.map(({ name, local }) => (name === local ? name : `${name}: ${local}`)).join(', ');
        if (whole === undefined) return `const { ${destructured} } = ${get};`;
        return destructured === '' ? `const ${whole} = ${get};` : `const ${whole} = ${get}, { ${destructured} } = ${whole};`;
      }),
  };
}

/**
 * Every character outside ASCII in the JavaScript chunks written as a `\uXXXX` escape (they are in strings, templates
 * and regular expressions; none is in a tagged template, where the escape would show): V8 keeps a module's source with one byte a character
 * only when all of it is Latin-1, else two, and parses a one-byte source faster.
 */
function asciiOnly(): { name: string; generateBundle(options: unknown, bundle: Record<string, { type: string; fileName: string; code?: string }>): void } {
  return {
    name: 'fanout:ascii-only',
    // At the end, on the chunks as written: rolldown prints the code that renderChunk returns again, strings unescaped.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || chunk.code === undefined || declarations(chunk)) continue;
        const { code } = chunk;
        if (/String\.raw/.test(code) && /[^\0-\x7f]/.test(code)) throw new Error(`${chunk.fileName}: String.raw and characters outside ASCII: escaping them would change the raw strings`);
        chunk.code = code.replace(/[^\0-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
      }
    },
  };
}

const plugins = [builtinsWithoutFacades(), asciiOnly()];

const common = {
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  fixedExtension: false,
  plugins,
} as const;

/**
 * The modules of the root entry (src/index.ts and everything it imports), in two chunks: the lighter half
 * (concurrency, errors, arguments, run events) that fanout/pipeline shares with it, and the heavier one (graphs,
 * child processes, the thread pool). Their declarations (.d.ts) are left to the declaration build.
 */
const coreModules =
  /src[\\/](core[\\/][^\\/]+|observe[\\/](lazy|run-events|safe)|common[\\/](abort|arguments|builtins|duration|errors|signals)|threads[\\/]batcher)(?<!\.d)\.ts$/;
const engineModules =
  /src[\\/](graph[\\/][^\\/]+|exec[\\/](executor|kill|output-buffer|process-group|processes|read-back|run-command|spawn-error)|threads[\\/]thread-pool)(?<!\.d)\.ts$/;

export default defineConfig([
  // The library: one entry point per subpath of package.json's exports.
  // batch-worker: the module worker threads load for automatic batching; thread-pool finds it next to itself.
  // heartbeat-thread and watchdog: the coordinator's heartbeat thread and the worker's watchdog process, found the
  // same way (dist/cli/ has its own copies, next to the CLI's chunks).
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      config: 'src/config/index.ts',
      checks: 'src/checks/index.ts',
      pipeline: 'src/pipeline/index.ts',
      threads: 'src/threads/index.ts',
      observe: 'src/observe/index.ts',
      distributed: 'src/distributed/index.ts',
      'batch-worker': 'src/threads/batch-worker.js',
      'match-worker': 'src/config/match-worker.js',
      'heartbeat-thread': 'src/distributed/heartbeat-thread.js',
      watchdog: 'src/distributed/watchdog.js',
    },
    dts: true,
    clean: true,
    // yaml, valibot and re2js (fanout/config's parser, schema and grok's RE2) are bundled: the package installs without dependencies,
    // and only the parts fanout uses are shipped (valibot is tree-shaken from 1.8 MB of sources).
    deps: { alwaysBundle: ['yaml', 'valibot', 're2js'], onlyBundle: false },
    // The TSDoc is in the .d.ts files; in the JavaScript it would only be parsed again at every import (a third of
    // the bytes of the root entry's chunks).
    // The modules the root entry (`fanout`) reaches go into two chunks, not a dozen: at import, each file costs its
    // own resolve, open and read, more than the parsing of its bytes.
    outputOptions: {
      comments: { legal: true, annotation: true, jsdoc: false },
      codeSplitting: { groups: [{ name: 'core', test: coreModules, priority: 2 }, { name: 'engine', test: engineModules, priority: 1 }] },
    },
  },
  // The CLI: yaml and commander are bundled into its chunks, so `fanout check` starts without resolving and
  // loading their many CommonJS files (about 10 ms of start-up); everything else stays external and lazy.
  {
    ...common,
    entry: { cli: 'src/cli/main.ts', 'cli/match-worker': 'src/config/match-worker.js', 'cli/heartbeat-thread': 'src/distributed/heartbeat-thread.js', 'cli/watchdog': 'src/distributed/watchdog.js' },
    dts: false,
    clean: false,
    // The entry is dist/cli.js (package.json's bin); its chunks go to dist/cli/, apart from the library's.
    // `fanout check` and every module it imports statically go into one chunk: resolving, reading and linking some
    // thirty small modules one by one cost several milliseconds of its start-up. The grok/assert worker thread's
    // code (match-core) has a chunk of its own, so the thread does not load the whole check chunk. package.json has
    // one too: `fanout --version` reads the version from it and loads nothing else.
    // No TSDoc either: every start of `fanout check` would scan it again in the chunks it loads.
    outputOptions: { chunkFileNames: 'cli/[name]-[hash].js', comments: { legal: true, annotation: true, jsdoc: false }, codeSplitting: { groups: [{ name: 'package', test: /[\\/]package\.json$/, priority: 1 }, { name: 'match-core', test: /src[\\/]config[\\/]match-core\.js$/ }, { name: 'check', test: /src[\\/]cli[\\/](actions[\\/]check|commands[\\/]check-fast)\.ts$/ }] } },
    deps: { alwaysBundle: ['yaml', 'commander', '@commander-js/extra-typings', 'valibot', 're2js'], onlyBundle: false },
  },
]);
