// Bundles the extension, the language server, its parse worker and the CLIs into dist/ with
// esbuild, and copies the two WASM files next to them (no native modules in the package).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');

/** entry point → bundle name; optional entries are owned by features still being written. */
const entries = [
  ['client/src/extension.ts', 'extension'],
  ['server/src/server.ts', 'server'],
  ['server/src/engine/parse-worker.ts', 'parse-worker'],
  ['server/src/cli.ts', 'cli'],
  ['server/src/modpost/kbuildRun.ts', 'kbuild-run'],
  ['client/src/kbuild/kmsgFollow.ts', 'kmsg-follow'],
  ['client/src/kbuild/kmodRun.ts', 'kmod-run'],
  ['client/src/vm/cli.ts', 'vmtest'],
].filter(([entry]) => existsSync(entry));

mkdirSync('dist', { recursive: true });
await Promise.all(entries.map(([entry, name]) => esbuild.build({
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
})));
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
copyFileSync(join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');
console.log(`bundled ${entries.map(([, name]) => name).join(', ')} into dist/`);
