// Type-aware lint for the whole tree. Generated CRD YAML is not linted (it is not code).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { dependencyRule } from './eslint.dependency-rule.js';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.cluster/', 'coverage/', 'bench-results/', 'crds/', 'deploy/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The Kubernetes client's models are classes, but the API takes plain objects; literals are the norm.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      complexity: ['warn', 25],
      'max-lines-per-function': ['warn', { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // describe() blocks are long by nature; the limit is for production functions.
    files: ['**/*.test.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  ...dependencyRule,
);
