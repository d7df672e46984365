import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(new URL(import.meta.url).pathname), '..');

/** The pages whose TypeScript blocks must compile: the README, CONTRIBUTING and every page of docs/. */
function pages(): string[] {
  return ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
}

/**
 * Every ```ts block of a page, compiled as a module against the sources with the project's compiler options. A block
 * may be preceded by `<!-- type-checked: DECLARATIONS -->`: the declarations stand for the user's own functions.
 */
function blocksOf(page: string, markdown: string): { where: string; code: string }[] {
  const blocks: { where: string; code: string }[] = [];
  for (const match of markdown.matchAll(/(?:<!-- type-checked:(.*?)-->\n *)?```ts\n([\s\S]*?)```/g)) {
    const line = markdown.slice(0, match.index).split('\n').length + (match[1] === undefined ? 1 : 2);
    blocks.push({ where: `${page}:${line}`, code: `${match[1] ?? ''}\n${match[2] ?? ''}\nexport {};\n` });
  }
  return blocks;
}

function diagnosticsOf(files: Map<string, string>): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  const options = { ...config.options, noEmit: true, paths: { fanout: [join(root, 'src/index.ts')], 'fanout/*': [join(root, 'src/*/index.ts')] }, baseUrl: root };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.getSourceFile = (name, version, ...rest) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, version, ...rest) : ts.createSourceFile(name, text, version, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.has(d.file.fileName))
    .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('documentation examples', () => {
  it('every TypeScript block of the README and docs/ compiles under the project settings (strict), and a broken one would not', () => {
    const blocks = pages().flatMap((page) => blocksOf(page, readFileSync(join(root, page), 'utf8')));
    // The TSDoc examples of the checks engine's entry points too.
    for (const file of ['src/checks/run.ts', 'src/checks/errors.ts']) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/@example\n \* ```ts\n([\s\S]*?) \* ```/g)) {
        const code = (match[1] ?? '').replace(/^ \*( |$)/gm, '');
        blocks.push({ where: `${file}:${text.slice(0, match.index).split('\n').length}`, code: `${code}\nexport {};\n` });
      }
    }
    expect(blocks.filter((block) => block.where.startsWith('src/checks')).length).toBeGreaterThanOrEqual(2);
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    const files = new Map(blocks.map((block, index) => [join(root, `test/doc-example-${index}.ts`), block.code]));
    const where = new Map(blocks.map((block, index) => [join(root, `test/doc-example-${index}.ts`), block.where]));
    // The check must be able to fail: a block calling the API wrongly does not compile.
    const broken = join(root, 'test/doc-example-broken.ts');
    files.set(broken, "import { runWithConcurrency } from 'fanout';\nawait runWithConcurrency({ tasks: 42 });\nexport {};\n");
    const diagnostics = diagnosticsOf(files);
    const named = (d: string) => { const file = d.slice(0, d.indexOf(': ')); return `${where.get(file) ?? file}${d.slice(file.length)}`; };
    expect(diagnostics.filter((d) => !d.startsWith(broken)).map(named)).toEqual([]);
    expect(diagnostics.some((d) => d.startsWith(broken))).toBe(true);
  }, 300_000);
});
