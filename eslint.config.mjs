// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.tmp/**', 'coverage/**', '*.js', '*.cjs', '*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // The transport port: only the BullMQ adapter, the module (the one place that picks a transport) and the
    // dashboard (a view of BullMQ queues) name BullMQ or ioredis; the rest of the library works through EventTransport.
    files: ['libs/event-bus/src/**/*.ts', 'libs/event-bus/testing/**/*.ts'],
    ignores: ['libs/event-bus/src/transport/bullmq/**', 'libs/event-bus/src/module/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'bullmq', message: 'Only transport/bullmq/ and module/ use BullMQ: go through EventTransport.' },
            { name: 'ioredis', message: 'Only transport/bullmq/ and module/ use ioredis: go through EventTransport.' },
          ],
          patterns: [
            {
              group: ['**/transport/bullmq/*', '!**/transport/bullmq/index'],
              message: 'Only module/ names the BullMQ transport: go through EventTransport.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and tooling: decorators on throwaway classes, unused handler parameters, loose async checks.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'tools/**/*.ts', 'apps/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
