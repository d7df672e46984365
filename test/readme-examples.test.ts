import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(new URL(import.meta.url).pathname), '..');

/**
 * README blocks marked `<!-- type-checked: DECLARATIONS -->` (the declarations stand for the user's own functions),
 * each compiled as a module against the sources with the project's compiler options.
 */
function checkedBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  for (const match of markdown.matchAll(/<!-- type-checked:(.*?)-->\n```ts\n([\s\S]*?)```/g)) {
    const line = markdown.slice(0, match.index).split('\n').length + 2;
    blocks.push({ line, code: `${match[1] ?? ''}\n${match[2] ?? ''}\nexport {};\n` });
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
  const options = { ...config.options, noEmit: true, paths: { fanout: [join(root, 'src/index.ts')] }, baseUrl: root };
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

describe('README examples', () => {
  it('every type-checked block compiles under the project settings (strict), and a broken one would not', () => {
    const blocks = ['README.md', 'docs/checks-engine.md'].flatMap((file) =>
      checkedBlocks(readFileSync(join(root, file), 'utf8')).map((block) => ({ ...block, line: `${file.replace(/\W/g, '-')}-${block.line}` })),
    );
    // The TSDoc examples of the checks engine's entry points too.
    for (const file of ['src/checks/run.ts', 'src/checks/errors.ts']) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/@example\n \* ```ts\n([\s\S]*?) \* ```/g)) {
        const code = (match[1] ?? '').replace(/^ \*( |$)/gm, '');
        blocks.push({ line: `${file.replace(/\W/g, '-')}-${text.slice(0, match.index).split('\n').length}`, code: `${code}\nexport {};\n` });
      }
    }
    expect(blocks.filter((block) => block.line.startsWith('src-checks')).length).toBeGreaterThanOrEqual(2);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const files = new Map(blocks.map((block) => [join(root, `test/readme-line-${block.line}.ts`), block.code]));
    // The check must be able to fail: the first block with a wrong declaration does not compile.
    const broken = join(root, 'test/readme-broken.ts');
    const first = blocks[0]?.code ?? '';
    files.set(broken, first.replace(/declare const urls: string\[\];/, 'declare const urls: number;'));
    const diagnostics = diagnosticsOf(files);
    expect(diagnostics.filter((d) => !d.startsWith(broken))).toEqual([]);
    expect(diagnostics.some((d) => d.startsWith(broken))).toBe(true);
  }, 60_000);
});
