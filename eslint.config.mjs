// ESLint flat config: ESLint's and typescript-eslint's recommended rules (syntax-only, no type
// information, so it stays fast). Formatting is Prettier's job (.prettierrc.json,
// `npm run format:check`); no stylistic rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.vscode-test/', '.vscode-e2e/', 'test-results/', 'test/vscode/workspace/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `{ rule: _rule, ...finding }` drops a field on purpose; `_`-prefixed names are unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Plain CommonJS scripts (esbuild.js, the VS Code test runner and its mocha suite).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The mocha suite that runs inside the VS Code extension host.
    files: ['test/vscode/suite/**/*.js'],
    languageOptions: { globals: globals.mocha },
  },
  {
    // Playwright drivers: the callbacks given to page.evaluate()/waitForFunction() run in the workbench page.
    files: ['test/vscode/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // Findings in code other branches are editing at the time these rules came in: reported, not
    // yet failing `npm run lint`. Promote to 'error' once the code satisfies them.
    rules: {
      'no-useless-assignment': 'warn',
      'prefer-const': 'warn',
      'preserve-caught-error': 'warn',
    },
  },
  {
    // An unused import (enclosingFunction) in a file the quick-fix work is changing.
    files: ['server/src/rules/kvmallocFix.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'warn' },
  },
);
