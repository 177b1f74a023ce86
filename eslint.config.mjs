import nx from '@nx/eslint-plugin';

// Lint for every project. The module-boundary rule keeps the layers honest:
// apps may use shared libraries; contracts depend on nothing; the policy engine only on contracts; the
// Angular UI library only on contracts. The Jellyfin gateway uses the SDK and contracts; its tests may
// import the API's test harness (`@latchkey/api-testing`, the one allowed import of an app) to run a real
// Latchkey in-process.
export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.angular', 'tmp/**', 'data/**', 'coverage/**', 'bench-results/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@latchkey/api-testing'],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
            { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:contracts'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:admin', onlyDependOnLibsWithTags: ['type:contracts', 'type:ui'] },
            { sourceTag: 'scope:portal', onlyDependOnLibsWithTags: ['type:contracts', 'type:ui'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['type:sdk', 'type:contracts'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:api', 'scope:examples'] },
            // The reference integration uses only what a plugin author gets: the published SDK.
            { sourceTag: 'scope:examples', onlyDependOnLibsWithTags: ['type:sdk'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.hostile-spec.ts', '**/testing/**/*.ts', '**/hostile/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
