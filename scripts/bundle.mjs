// Bundles the extension, the language server, its parse worker and the CLIs into dist/ with
// esbuild, and copies the two WASM files next to them (no native modules in the package).
// --watch rebuilds dist/ on every change (and runs `tsc -b -w` beside it for type errors and out/).
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** entry point → bundle name (the bin/ launchers and the extension load these names). */
const entries = [
  ['client/src/extension.ts', 'extension'],
  ['tools/src/kmod-lsp.ts', 'server'],
  ['server/src/engine/parse-worker.ts', 'parse-worker'],
  ['server/src/engine/plan-worker.ts', 'plan-worker'],
  ['server/src/engine/header-worker.ts', 'header-worker'],
  ['tools/src/kmodcheck.ts', 'cli'],
  ['tools/src/kbuild-run.ts', 'kbuild-run'],
  ['tools/src/kmsg-follow.ts', 'kmsg-follow'],
  ['tools/src/kmod-run.ts', 'kmod-run'],
  ['tools/src/kmod-vmtest.ts', 'vmtest'],
  ['tools/src/kmod-debug-adapter.ts', 'debug-adapter'],
  ['tools/src/vm-console.ts', 'vm-console'],
];

/** The licence texts of the runtime dependencies bundled into dist/ (their licences ask to ship them). */
function writeThirdPartyNotices(file) {
  const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));
  const seen = new Set();
  const sections = [];
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = join('node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(entry));
    const text = licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : `Licence: ${pkg.license}`;
    sections.push(`${name} ${pkg.version} (${pkg.license})\n${'-'.repeat(60)}\n${text}\n`);
    for (const dependency of Object.keys(pkg.dependencies ?? {})) if (existsSync(join('node_modules', dependency))) visit(dependency);
  };
  Object.keys(dependencies).sort().forEach(visit);
  writeFileSync(file, `Kernel Module Tools bundles the following packages.\n\n${sections.join('\n')}`);
}

const options = (entry, name) => ({
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
  logLevel: watch ? 'info' : 'warning',
});

mkdirSync('dist', { recursive: true });
writeThirdPartyNotices('dist/ThirdPartyNotices.txt');
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
copyFileSync(join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');
if (watch) {
  const contexts = await Promise.all(entries.map(([entry, name]) => esbuild.context(options(entry, name))));
  await Promise.all(contexts.map((context) => context.watch()));
  const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', '-w', '--preserveWatchOutput'], { stdio: 'inherit' });
  const stop = async () => {
    tsc.kill();
    await Promise.all(contexts.map((context) => context.dispose()));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`watching: dist/ (${entries.map(([, name]) => name).join(', ')}) and out/ (tsc)`);
} else {
  await Promise.all(entries.map(([entry, name]) => esbuild.build(options(entry, name))));
  console.log(`bundled ${entries.map(([, name]) => name).join(', ')} into dist/`);
}
