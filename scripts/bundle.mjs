// Bundles the extension, the language server, its parse worker and the CLIs into dist/ with
// esbuild, and copies the two WASM files next to them (no native modules in the package).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');

/** entry point → bundle name (the bin/ launchers and the extension load these names). */
const entries = [
  ['client/src/extension.ts', 'extension'],
  ['tools/src/kmod-lsp.ts', 'server'],
  ['server/src/engine/parse-worker.ts', 'parse-worker'],
  ['tools/src/kmodcheck.ts', 'cli'],
  ['tools/src/kbuild-run.ts', 'kbuild-run'],
  ['tools/src/kmsg-follow.ts', 'kmsg-follow'],
  ['tools/src/kmod-run.ts', 'kmod-run'],
  ['tools/src/kmod-vmtest.ts', 'vmtest'],
];

mkdirSync('dist', { recursive: true });
await Promise.all(
  entries.map(([entry, name]) =>
    esbuild.build({
      entryPoints: [entry],
      outfile: `dist/${name}.js`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode'],
      // web-tree-sitter's CommonJS build reads import.meta.url, which CommonJS bundles lack.
      define: { 'import.meta.url': '__import_meta_url' },
      banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
    }),
  ),
);
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
copyFileSync(join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');
console.log(`bundled ${entries.map(([, name]) => name).join(', ')} into dist/`);
