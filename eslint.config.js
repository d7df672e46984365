// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.fanout/', 'docs/api/', 'test/fixtures/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // TypeScript (checkJs included) already reports undefined names, with Node's globals known.
      'no-undef': 'off',
    },
  },
  {
    // Tests, benchmarks, examples and the CLI's reporters are allowed to print.
    files: ['test/**', 'bench/**', 'examples/**', 'scripts/**', 'src/cli/**', '*.config.*'],
    rules: { 'no-console': 'off' },
  },
  {
    // The CLI prints through terminal.ts only: it strips escape sequences and control characters from what a check,
    // a config or a journal puts into the text.
    files: ['src/cli/**'],
    ignores: ['src/cli/terminal.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.object.name='process'][object.property.name=/^(stdout|stderr)$/][property.name='write']",
          message: 'print with print(), printErr() or printJson() of src/cli/terminal.ts: they keep escape sequences off the terminal',
        },
      ],
    },
  },
  {
    // Plain-JS benchmarks and examples are type-checked with checkJs, but JSON.parse and dynamic imports make the
    // no-unsafe-* family report noise there rather than bugs.
    files: ['**/*.js'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
