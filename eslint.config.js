// ESLint for the TypeScript sources and the plain JS scripts: typescript-eslint's recommended set
// plus the type-aware promise rules. Layout is Prettier's job (.prettierrc); these rules catch bugs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    // Not ours to lint: dependencies, build output, the run store, committed reports, generated types.
    ignores: [
      'node_modules/',
      'build/',
      'dist/',
      'dist.tmp-*/',
      'dist.old-*/',
      'runs/',
      'reports/',
      '.nnlab-tmp/',
      'src/config/experiment-types.ts',
      'src/config/experiment-types/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused names are bugs or leftovers; a parameter kept for its position is named `_x`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Issue 13's size rule: a source file past 400 lines is doing more than one thing; split it.
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 400 }] },
  },
  {
    // Type-aware rules for the TypeScript in tsconfig.json: a promise nobody awaits loses its error
    // (`void p` says the loss is intended); node:test's test()/describe() are awaited by the runner.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The browser scripts of the interactive pages; `vega` is the runtime inlined before them.
    files: ['templates/**/*.js'],
    languageOptions: { globals: { ...globals.browser, vega: 'readonly' } },
  },
);
