// Loads web-tree-sitter and the tree-sitter-c grammar (both WASM). The WASM runtime can trap on
// degenerate trees and is unusable afterwards, so callers that must survive run this inside a
// worker (see parse-worker.ts) and recreate it on a trap.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

/** web-tree-sitter.wasm and tree-sitter-c.wasm: next to the bundle in dist/, else in node_modules. */
function wasmPaths(): { runtime: string; grammar: string } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const bundled = { runtime: path.join(dir, 'web-tree-sitter.wasm'), grammar: path.join(dir, 'tree-sitter-c.wasm') };
    if (fs.existsSync(bundled.runtime) && fs.existsSync(bundled.grammar)) return bundled;
    const modules = path.join(dir, 'node_modules');
    const installed = {
      runtime: path.join(modules, 'web-tree-sitter', 'web-tree-sitter.wasm'),
      grammar: path.join(modules, 'tree-sitter-c', 'tree-sitter-c.wasm'),
    };
    if (fs.existsSync(installed.runtime) && fs.existsSync(installed.grammar)) return installed;
    if (path.dirname(dir) === dir) throw new Error(`tree-sitter WASM files not found near ${__dirname}: run npm install && npm run build`);
  }
}

let language: Promise<Language> | undefined;

async function loadLanguage(): Promise<Language> {
  const paths = wasmPaths();
  await Parser.init({ locateFile: () => paths.runtime });
  return Language.load(fs.readFileSync(paths.grammar));
}

/** A C parser; the first call loads the WASM modules. */
export async function createCParser(): Promise<Parser> {
  language ??= loadLanguage();
  const loaded = await language;
  const parser = new Parser();
  parser.setLanguage(loaded);
  return parser;
}
