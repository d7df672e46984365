import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative as relativePath, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { parseAst } from 'rolldown/parseAst';
import { defineConfig } from 'tsdown';

const require = createRequire(import.meta.url);
/** The package's folder: where this file is. */
const ROOT = dirname(fileURLToPath(import.meta.url));

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

/** A chunk or an asset of the bundle, as generateBundle sees it. */
interface BundleEntry {
  type: string;
  fileName: string;
  name?: string;
  code?: string;
  imports?: string[];
  moduleIds?: string[];
}

/** `import.meta`, spelled so that the loader of this file does not take it for its own. */
const IMPORT_META = ['import', 'meta'].join('.');

/** A node of the syntax tree rolldown's parser gives, as far as {@link scriptChunkProblem} reads it. */
interface SyntaxNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

const isNode = (value: unknown): value is SyntaxNode => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** Visits `node` and every node below it, each with its parent and whether it sits inside a function. */
function walk(node: SyntaxNode, visit: (node: SyntaxNode, parent: SyntaxNode | undefined, inFunction: boolean) => void, parent?: SyntaxNode, inFunction = false): void {
  visit(node, parent, inFunction);
  const inner = inFunction || /Function/.test(node.type);
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) if (isNode(child)) walk(child, visit, node, inner);
  }
}

/** The names the module written in place of the chunk gives its own bindings, and the script's parameters. */
const LOADER_NAMES = /^(__export\d+|script|runCachedScript|__import|__meta)$/;

/**
 * Why the code of a chunk cannot become the body of a function as {@link chunkAsCachedScript} writes it — undefined
 * when it can. Read from the syntax tree, not from the text, so that no form slips past the rewrite: only
 * `import { … } from "./x.js";` lines, one `export { … };`, each export a binding assigned once (a `const`, a
 * function, a class) since the module reads what the script returns once, `import("…")` of a string written just so,
 * `import.meta.url` and no other `import.meta` (nor those words in a string or a comment, which the rewrite would
 * change), no `await` outside a function (a function body cannot hold one), and none of the names the loader uses.
 *
 * @example
 * ```ts
 * scriptChunkProblem('const a = 1;\nexport { a };\n'); // undefined
 * ```
 */
export function scriptChunkProblem(code: string): string | undefined {
  let program: SyntaxNode;
  try {
    program = parseAst(code, { sourceType: 'module' }) as unknown as SyntaxNode;
  } catch (error) {
    return `it does not parse: ${String(error)}`;
  }
  const body = program.body as SyntaxNode[];
  const exports = body.filter((node) => /^Export/.test(node.type));
  const exportNode = exports[0];
  if (exports.length !== 1 || exportNode?.type !== 'ExportNamedDeclaration' || exportNode.declaration !== null || exportNode.source !== null) return 'not one `export { … };` of its own bindings';
  const exported = new Set((exportNode.specifiers as SyntaxNode[]).map((specifier) => (specifier.local as { name: string }).name));
  for (const node of body) {
    if (node.type === 'ImportDeclaration' && !/^import \{ [^}]* \} from "\.\/[\w.-]+\.js";$/.test(code.slice(node.start, node.end))) return `an import of another form: ${code.slice(node.start, node.end)}`;
  }
  // Each exported name must be bound once: a const, a function or a class (`var x = class` too) at the top.
  const declared = new Map<string, string>();
  for (const node of body) {
    if (node.type === 'VariableDeclaration') {
      for (const declarator of node.declarations as SyntaxNode[]) {
        const id = declarator.id as SyntaxNode;
        const init = declarator.init as SyntaxNode | null;
        if (id.type === 'Identifier') declared.set(id.name as string, node.kind === 'const' || (node.kind === 'var' && init?.type === 'ClassExpression') ? 'once' : 'again');
      }
    } else if ((node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') && isNode(node.id)) declared.set(node.id.name as string, 'once');
  }
  for (const name of exported) if (declared.get(name) !== 'once') return `it exports ${name}, which may be assigned again`;
  let problem: string | undefined;
  let metas = 0;
  walk(program, (node, parent, inFunction) => {
    if (problem !== undefined) return;
    const text = code.slice(node.start, node.end);
    if (node.type === 'Identifier' && LOADER_NAMES.test(node.name as string)) problem = `it uses the name ${node.name as string}, which the loader uses`;
    else if (node.type === 'ImportExpression' && !/^import\("[^"\\]*"\)$/.test(text)) problem = `an import() of another form: ${text}`;
    else if (node.type === 'MetaProperty' && (node.meta as { name?: string }).name === 'import') {
      metas += 1;
      if (!(parent?.type === 'MemberExpression' && code.slice(parent.start, parent.end) === 'import.meta.url')) problem = `import.meta other than import.meta.url: ${code.slice(parent?.start ?? node.start, parent?.end ?? node.end).slice(0, 80)}`;
    } else if (!inFunction && (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await === true))) problem = 'an await outside a function';
  });
  if (problem !== undefined) return problem;
  // The rewrite changes text: the words it rewrites must appear nowhere else (a string, a comment).
  if ((code.match(/\bimport\.meta\b/g)?.length ?? 0) !== metas) return 'the words import.meta in a string or a comment';
  let imports = 0;
  walk(program, (node) => {
    if (node.type === 'ImportExpression') imports += 1;
  });
  if ((code.match(/\bimport\s*\(/g)?.length ?? 0) !== imports) return 'the words import( in a string or a comment';
  return undefined;
}

/**
 * The chunk holding `module` (the code `fanout check` runs) written as a classic script, `<chunk>.script.js`, and the
 * chunk itself as a small module that runs that script through runCachedScript (src/cli/compile-cache.ts) and exports
 * what it returns, under the same names: V8 keeps and takes back the compiled code of a script on any Node, of an ES
 * module only from Node 22.1 (module.enableCompileCache), and compiling this chunk is a good part of a run's start.
 * Every other chunk still imports the module, so the code runs once, with one copy of its state. What the chunk
 * imports statically is handed to the script as arguments; its `import("…")` go through the module's own (same
 * folder, same resolution); `import.meta` is the module's (same file name). Any other form of import or export
 * stops the build rather than change what the code does.
 */
function chunkAsCachedScript(module: RegExp, loaderFile: string): { name: string; generateBundle(this: { emitFile(file: { type: 'asset'; fileName: string; source: string }): string }, options: unknown, bundle: Record<string, BundleEntry>): void } {
  return {
    name: 'fanout:chunk-as-cached-script',
    generateBundle(_options, bundle) {
      const chunk = Object.values(bundle).find((entry) => entry.type === 'chunk' && (entry.moduleIds ?? []).some((id) => module.test(id)));
      const loader = bundle[loaderFile];
      if (chunk?.code === undefined || loader === undefined) throw new Error(`chunk-as-cached-script: no chunk of ${String(module)} or no ${loaderFile} in the bundle`);
      // The module imports the loader statically: the loader must not need the module back.
      const reaches = (file: string, seen = new Set<string>()): boolean =>
        file === chunk.fileName || (!seen.has(file) && (seen.add(file), (bundle[file]?.imports ?? []).some((next) => reaches(next, seen))));
      if ((loader.imports ?? []).some((file) => reaches(file))) throw new Error(`chunk-as-cached-script: ${loaderFile} imports ${chunk.fileName}`);
      const fail = (what: string) => {
        throw new Error(`chunk-as-cached-script: ${chunk.fileName}: ${what}`);
      };
      const problem = scriptChunkProblem(chunk.code);
      if (problem !== undefined) fail(problem);
      const staticImport = /^import \{ ([^}]*) \} from "(\.\/[\w.-]+\.js)";$/gm;
      const imports: string[] = [];
      const names: string[] = [];
      let body = chunk.code.replace(staticImport, (line, bindings: string, from: string) => {
        // The values are handed over as the module is evaluated: a chunk in a cycle with it could still have none.
        if (reaches(join(dirname(chunk.fileName), from))) fail(`it imports ${from}, which imports it back`);
        imports.push(line);
        for (const binding of bindings.split(', ')) names.push(binding.split(' as ').pop() ?? binding);
        return ''; // the line stays, empty: the script's lines are the module's
      });
      const exportLine = /^export \{ ([^}]*) \};\s*$/m;
      const exported = exportLine.exec(body)?.[1];
      if (exported === undefined) fail('no `export { … };` at its end');
      body = body.replace(exportLine, () => `return { ${(exported ?? '').split(', ').map((part) => { const [local = '', as = local] = part.split(' as '); return `${JSON.stringify(as)}: ${local}`; }).join(', ')} };\n`);
      if (/^\s*(import|export)\b[^(.]/m.test(body)) fail('an import or export of another form');
      // What the module exports is what the script returned, once: a binding declared to be assigned again (a `let`, a
      // `var` other than a class's) would go stale.
      for (const part of (exported ?? '').split(', ')) {
        const local = (part.split(' as ')[0] ?? '').replaceAll('$', '\\$');
        if (new RegExp(`^(let ${local}\\b|var ${local} = (?!class\\b))`, 'm').test(body)) fail(`it exports ${local}, which may be assigned again`);
      }
      const dynamic = body.match(/\bimport\(/g)?.length ?? 0;
      body = body.replace(/\bimport\(("[^"\\]*")\)/g, '__import($1)');
      if (/\bimport\(/.test(body) || (body.match(/__import\(/g)?.length ?? 0) < dynamic) fail('an import() of something other than a string');
      body = body.replace(/\bimport\.meta\.url\b/g, '__meta.url');
      if (/\bimport\.meta\b/.test(body)) fail('import.meta other than import.meta.url');
      const scriptFile = chunk.fileName.replace(/\.js$/, '.script.js');
      const key = createHash('sha256').update(body).update(names.join(',')).digest('hex').slice(0, 24);
      // The build fails here, not a run, on a script V8 cannot compile.
      new Script(`(function (__import, __meta, ${names.join(', ')}) {"use strict";${body}\n})`);
      this.emitFile({ type: 'asset', fileName: scriptFile, source: body });
      const loaderPath = `./${relativePath(dirname(chunk.fileName), loaderFile)}`;
      const exportNames = (exported ?? '').split(', ').map((part) => part.split(' as ').pop() ?? part);
      if (names.some((local) => /^(__export\d+|script|runCachedScript|__import|__meta)$/.test(local))) fail('an import named as the module names its own');
      chunk.code = [
        ...imports,
        `import { runCachedScript } from ${JSON.stringify(loaderPath)};`,
        `const script = runCachedScript({ file: new URL(${JSON.stringify(`./${basename(scriptFile)}`)}, ${IMPORT_META}.url), key: ${JSON.stringify(key)}, names: ${JSON.stringify(['__import', '__meta', ...names])}, values: [(specifier) => import(specifier), ${IMPORT_META}, ${names.join(', ')}] });`,
        `const { ${exportNames.map((as, index) => `${JSON.stringify(as)}: __export${index}`).join(', ')} } = script;`,
        `export { ${exportNames.map((as, index) => `__export${index} as ${as}`).join(', ')} };`,
        '',
      ].join('\n');
    },
  };
}

/** What a chunk that only passes on another's exports re-exports: the chunk, and each name it exports by that chunk's name. */
interface Facade {
  target: string;
  names: Map<string, string>;
}

/**
 * The chunks of the bundle that are only `import { … } from "./x.js"; export { … };` of that one chunk's bindings,
 * under other names: what the bundler writes for an entry or a dynamic import whose module shares a chunk with others.
 */
export function reexportFacades(bundle: Record<string, BundleEntry>): Map<string, Facade> {
  const facades = new Map<string, Facade>();
  for (const entry of Object.values(bundle)) {
    if (entry.type !== 'chunk' || entry.code === undefined || declarations(entry)) continue;
    const lines = entry.code.split('\n').filter((line) => line.trim() !== '' && !/^\s*\/\//.test(line));
    const imported = /^import \{ ([^}]*) \} from "(\.\/[\w.-]+\.js)";$/.exec(lines[0] ?? '');
    const exported = /^export \{ ([^}]*) \};$/.exec(lines[1] ?? '');
    if (lines.length !== 2 || imported === null || exported === null) continue;
    // Plain names only: a quoted export name (`a as "a-b"`) would be read with its quotes.
    const plain = (list: string): boolean => list.split(', ').every((part) => /^[\w$]+(?: as [\w$]+)?$/.test(part));
    if (!plain(imported[1] ?? '') || !plain(exported[1] ?? '')) continue;
    // local name -> the target's export name
    const locals = new Map((imported[1] ?? '').split(', ').map((part) => {
      const [name = '', local = name] = part.split(' as ');
      return [local, name] as const;
    }));
    const names = new Map<string, string>();
    for (const part of (exported[1] ?? '').split(', ')) {
      const [local = '', as = local] = part.split(' as ');
      const name = locals.get(local);
      if (name === undefined) break;
      names.set(as, name);
    }
    if (names.size !== (exported[1] ?? '').split(', ').length) continue;
    facades.set(entry.fileName, { target: join(dirname(entry.fileName), imported[2] ?? ''), names });
  }
  return facades;
}

/** `specifier`, relative to the chunk `from` (as the bundler writes one: `./` and the path). */
const relativeSpecifier = (from: string, to: string): string => {
  const path = relativePath(dirname(from), to).replaceAll('\\', '/');
  return path.startsWith('.') ? path : `./${path}`;
};

/**
 * Every import of a re-export facade (see {@link reexportFacades}) goes to the chunk it re-exports instead: a static
 * import names that chunk's bindings (the same live bindings), a dynamic one takes them from its namespace under the
 * facade's names. The facade stays in the bundle (an entry of package.json, say) but `fanout check` no longer loads
 * it: each module it loads costs a resolve, a read on the thread pool and a link, in turn, before the first check.
 */
function throughReexportFacades(): { name: string; generateBundle(options: unknown, bundle: Record<string, BundleEntry>): void } {
  return {
    name: 'fanout:through-reexport-facades',
    generateBundle(_options, bundle) {
      const facades = reexportFacades(bundle);
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || chunk.code === undefined || declarations(chunk) || facades.has(chunk.fileName)) continue;
        const facadeOf = (specifier: string): Facade | undefined => facades.get(join(dirname(chunk.fileName), specifier));
        const code = chunk.code;
        // The imports are found in the syntax tree, not the text: the same words in a string or a comment stay as they are.
        const program = parseAst(code, { sourceType: 'module' }) as unknown as SyntaxNode;
        const edits: { start: number; end: number; text: string }[] = [];
        walk(program, (node) => {
          const text = code.slice(node.start, node.end);
          if (node.type === 'ImportDeclaration') {
            const found = /^import \{ ([^}]*) \} from "(\.\.?\/[\w./-]+\.js)";$/.exec(text);
            const facade = found === null ? undefined : facadeOf(found[2] ?? '');
            if (found === null || facade === undefined) return;
            const parts = (found[1] ?? '').split(', ').map((part) => {
              const [name = '', local = name] = part.split(' as ');
              const target = facade.names.get(name);
              return target === undefined || !/^[\w$]+$/.test(local) ? undefined : `${target} as ${local}`;
            });
            if (parts.includes(undefined)) return;
            edits.push({ start: node.start, end: node.end, text: `import { ${parts.join(', ')} } from ${JSON.stringify(relativeSpecifier(chunk.fileName, facade.target))};` });
          } else if (node.type === 'ImportExpression') {
            const found = /^import\("(\.\.?\/[\w./-]+\.js)"\)$/.exec(text);
            const facade = found === null ? undefined : facadeOf(found[1] ?? '');
            if (facade === undefined) return;
            const fields = [...facade.names].map(([as, name]) => `${JSON.stringify(as)}: namespace[${JSON.stringify(name)}]`).join(', ');
            edits.push({ start: node.start, end: node.end, text: `import(${JSON.stringify(relativeSpecifier(chunk.fileName, facade.target))}).then((namespace) => ({ ${fields} }))` });
          }
        });
        let rewritten = code;
        for (const edit of edits.sort((a, b) => b.start - a.start)) rewritten = rewritten.slice(0, edit.start) + edit.text + rewritten.slice(edit.end);
        chunk.code = rewritten;
      }
    },
  };
}

/** The line by which a module of src/ reads the package's version: package.json as a JSON module. */
const PACKAGE_IMPORT = /^import pkg from '((?:\.\.\/)+package\.json)' with \{ type: 'json' \};$/m;

/**
 * package.json's version written into each module of src/ that reads it as `pkg.version` (and reads nothing else of
 * it), in place of the import: the CLI's entry answers `--version` without loading another file, and `fanout check`
 * loads one module less before its first check (package.json was a chunk of its own, imported by the entry and the
 * check chunk). A module that reads another field of package.json stops the build.
 */
function packageVersionInline(): { name: string; transform(code: string, id: string): string | undefined } {
  const { version } = require('./package.json') as { version: string };
  return {
    name: 'fanout:package-version-inline',
    transform(code, id) {
      const found = PACKAGE_IMPORT.exec(code);
      if (found === null || !id.startsWith(join(ROOT, 'src') + sep) || /[\\/]node_modules[\\/]/.test(id)) return undefined;
      // This package's package.json only, the path resolved: `../package.json` from a deeper folder is another file.
      if (resolvePath(dirname(id), found[1] ?? '') !== join(ROOT, 'package.json')) throw new Error(`package-version-inline: ${id} reads a package.json other than the package's`);
      const uses = code.match(/\bpkg\b/g)?.length ?? 0;
      const versions = code.match(/\bpkg\.version\b/g)?.length ?? 0;
      if (uses !== versions + 1) throw new Error(`package-version-inline: ${id} reads package.json other than as pkg.version`);
      return code.replace(PACKAGE_IMPORT, () => `const pkg = { version: ${JSON.stringify(version)} };`);
    },
  };
}

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
    entry: { cli: 'src/cli/main.ts', 'cli/compile-cache': 'src/cli/compile-cache.ts', 'cli/match-worker': 'src/config/match-worker.js', 'cli/heartbeat-thread': 'src/distributed/heartbeat-thread.js', 'cli/watchdog': 'src/distributed/watchdog.js' },
    dts: false,
    clean: false,
    // The entry is dist/cli.js (package.json's bin); its chunks go to dist/cli/, apart from the library's.
    // `fanout check` and every module it imports statically go into one chunk: resolving, reading and linking some
    // thirty small modules one by one cost several milliseconds of its start-up. The grok/assert worker thread's
    // code (match-core) has a chunk of its own, so the thread does not load the whole check chunk. package.json's
    // version is written into the modules that read it (see packageVersionInline): `fanout --version` loads nothing else.
    // No TSDoc either: every start of `fanout check` would scan it again in the chunks it loads.
    outputOptions: { chunkFileNames: 'cli/[name]-[hash].js', comments: { legal: true, annotation: true, jsdoc: false }, codeSplitting: { groups: [{ name: 'match-core', test: /src[\\/]config[\\/]match-core\.js$/ }, { name: 'compile-cache', test: /src[\\/](cli[\\/]compile-cache|common[\\/](builtins|make-dir|random|safe-file))\.ts$/, priority: 2 }, { name: 'check', test: /src[\\/]cli[\\/](actions[\\/]check|commands[\\/]check-fast)\.ts$/ }] } },
    deps: { alwaysBundle: ['yaml', 'commander', '@commander-js/extra-typings', 'valibot', 're2js'], onlyBundle: false },
    // The check chunk runs as a script whose compiled code is kept (see chunkAsCachedScript); compile-cache.ts, which
    // runs it, is an entry of its own (its exports kept) with what it imports in a chunk of their own, below the check chunk.
    plugins: [packageVersionInline(), ...plugins, chunkAsCachedScript(/src[\\/]cli[\\/]commands[\\/]check-fast\.ts$/, 'cli/compile-cache.js'), throughReexportFacades()],
  },
]);
