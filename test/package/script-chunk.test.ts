// The build writes the check chunk as a classic script: every chunk it cannot rewrite faithfully stops the build.
import { describe, expect, it } from 'vitest';
import { scriptChunkProblem } from '../../tsdown.config.js';

const chunk = (body: string, exported = 'run') => `import { a as b } from "./other-AbCdEfGh.js";\n${body}\nexport { ${exported} };\n`;

describe('scriptChunkProblem', () => {
  it('accepts what the rewrite keeps as it is', () => {
    expect(scriptChunkProblem(chunk('const run = async () => { await import("./x.js"); return new URL("y", import.meta.url); };\nvar Kind = class {};', 'run, Kind'))).toBeUndefined();
    expect(scriptChunkProblem(chunk('function run() { return new.target; }'))).toBeUndefined();
  });

  it.each([
    ['an exported var assigned later', chunk('var mode;\nmode = 1;\nconst run = () => mode;', 'run, mode'), /exports mode/],
    ['an exported let among others', chunk('let a = 1, counter = 0;\nconst run = () => { counter += a; };', 'run, counter'), /exports counter/],
    ['an await at the top', chunk('const run = 1;\nawait (Promise.resolve());'), /await outside a function/],
    ['a for await at the top', chunk('const run = 1;\nfor await (const x of []) {}'), /await outside a function/],
    ['an import() with a space', chunk('const run = () => import ("./x.js");'), /import\(\) of another form/],
    ['an import() of a variable', chunk('const run = (x) => import(x);'), /import\(\) of another form/],
    ['a body naming __import', chunk('const __import = 1;\nconst run = __import;'), /__import/],
    ['a body naming __meta', chunk('function run(__meta) { return __meta; }'), /__meta/],
    ['import.meta.url in a string', chunk('const run = () => "import.meta.url";'), /string or a comment/],
    ['import( in a comment', chunk('// import("./x.js")\nconst run = 1;'), /string or a comment/],
    ['import.meta other than its url', chunk('const run = import.meta.dirname;'), /import\.meta other/],
    ['an import of another form', `import * as all from "./x.js";\nconst run = all;\nexport { run };\n`, /import of another form/],
    ['an export of a declaration', 'export const run = 1;\n', /export/],
    ['two exports', 'const run = 1;\nexport { run };\nexport { run as again };\n', /export/],
  ])('refuses %s', (_what, code, problem) => {
    expect(scriptChunkProblem(code)).toMatch(problem);
  });
});
