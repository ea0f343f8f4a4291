import nx from '@nx/eslint-plugin';

// Which projects may import which: production code (apps, type:lib) never imports the test-only
// libraries (type:test: test-support, hub-harness); tests and their testing/ folders may.
const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: true, allow: [], depConstraints },
];
const testOnly = ['type:lib', 'type:test'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '.tools', 'tmp', 'coverage'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries([
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
        { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
        { sourceTag: 'type:test', onlyDependOnLibsWithTags: testOnly },
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: testOnly },
      ]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries([
        { sourceTag: '*', onlyDependOnLibsWithTags: testOnly },
      ]),
    },
  },
  {
    // tests index into fixtures they just built; a failed assertion there is the test failing
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
