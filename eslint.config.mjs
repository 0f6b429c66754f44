import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Package boundaries (ARCHITECTURE.md); scripts/check-layers.mjs also checks the server's layers and cycles. */
const PACKAGE_IMPORTS = [
  { files: ['shared/src/**/*.ts'], forbidden: ['client', 'server', 'tools'], vscode: false },
  { files: ['server/src/**/*.ts'], forbidden: ['client', 'tools'], vscode: false },
  { files: ['tools/src/**/*.ts'], forbidden: ['client'], vscode: false },
  { files: ['client/src/**/*.ts'], forbidden: ['server', 'tools'], vscode: true },
];

const packageRules = PACKAGE_IMPORTS.map(({ files, forbidden, vscode }) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: vscode ? [] : [{ name: 'vscode', message: 'only the extension host (client/src) has the vscode module' }],
        patterns: [
          {
            group: forbidden.map((name) => `**/${name}/src/**`),
            message: `${files[0].split('/')[0]}/ may not import ${forbidden.map((name) => `${name}/`).join(' or ')} (see ARCHITECTURE.md)`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tools/**', 'examples/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    // Type-aware rules: a promise nobody awaits loses its errors.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  ...packageRules,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
