import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.cache/**', 'coverage/**', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Jest loads test sequencers and reporters as they are, untransformed: these few files are plain CommonJS.
    files: ['test/support/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // A stray .only/.skip, an expect that never runs or a test that asserts nothing fails lint, not review.
    files: ['test/**/*.spec.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-disabled-tests': 'error',
      'jest/no-focused-tests': 'error',
      'jest/no-conditional-expect': 'error',
      // An afterEach may hold a check every test of its file must pass.
      'jest/no-standalone-expect': ['error', { additionalTestBlockFunctions: ['afterEach'] }],
      'jest/valid-expect': 'error',
      // supertest's `.expect(status)` and fast-check's `fc.assert` assert too.
      'jest/expect-expect': [
        'error',
        { assertFunctionNames: ['expect', 'expect[A-Z]*', '**.expect', 'fc.assert', 'check[A-Z]*'] },
      ],
    },
  },
  {
    // The web console: the rules of hooks (a hook called conditionally or a stale dependency is a bug React
    // does not report).
    files: ['apps/console/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      // About the React Compiler's memoisation, which the console's build does not use.
      'react-hooks/incompatible-library': 'off',
    },
  },
  {
    // Workflow code is replayed: no host clock, no timers, no I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'fs',
            'node:*',
            'http',
            'pg',
            'typeorm',
            'nodemailer',
            '@nestjs/*',
            '@temporalio/client',
            '@temporalio/worker',
            '@temporalio/activity',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval'],
    },
  },
);
