// Loads web-tree-sitter and the tree-sitter-c grammar (both WASM). The WASM runtime can trap on
// degenerate trees and is unusable afterwards, so callers that must survive run this inside a
// worker (see parse-worker.ts) and recreate it on a trap.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

/** Directory holding web-tree-sitter.wasm and tree-sitter-c.wasm: dist/ when bundled, else node_modules. */
function wasmPaths(): { runtime: string; grammar: string } {
  const bundled = { runtime: path.join(__dirname, 'web-tree-sitter.wasm'), grammar: path.join(__dirname, 'tree-sitter-c.wasm') };
  if (fs.existsSync(bundled.runtime) && fs.existsSync(bundled.grammar)) return bundled;
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammar: path.join(path.dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'),
  };
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
