import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['src/**/*.ts', 'workers/**/*.ts'] })),
  {
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  // Type tests: compiled by `npm run test:types`, linted without type information.
  // Their values exist to be looked at as types, so "only used as a type" is the point.
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['test/types/**/*.ts'] })),
  { files: ['test/types/**/*.ts'], rules: { '@typescript-eslint/no-unused-vars': 'off' } },
  {
    // The raw shared-memory layout (word offsets, state numbers) is read only by the
    // ring modules and the agent runtime; everything else goes through their typed views.
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    ignores: ['src/ring/**', 'workers/runtime.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/ring/layout.js', '**/ring/layout'], message: 'Raw layout words stay in src/ring/ and workers/runtime.ts: use SlotTable, ControlBlock or SharedQueue.' }],
      }],
    },
  },
  {
    // The dashboard runs in the browser.
    files: ['dashboard/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly', location: 'readonly', EventSource: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly',
        fetch: 'readonly', setInterval: 'readonly', console: 'readonly',
      },
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly',
        SharedArrayBuffer: 'readonly', Atomics: 'readonly', URL: 'readonly', AbortController: 'readonly',
        AbortSignal: 'readonly', BroadcastChannel: 'readonly', MessageChannel: 'readonly', structuredClone: 'readonly',
        queueMicrotask: 'readonly', globalThis: 'readonly', Buffer: 'readonly', fetch: 'readonly', Response: 'readonly',
        TextDecoder: 'readonly', TextEncoder: 'readonly',
      },
    },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
);
