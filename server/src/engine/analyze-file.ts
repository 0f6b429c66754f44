// One file: pre-pass, parse, extract. Pure apart from the parser it is given, so it runs the same
// in the language server's worker, the CLI and the workspace indexer.

import type { Parser } from 'web-tree-sitter';
import { extractFacts, type ExtractOptions } from '../parsing/extract';
import { prepass } from '../parsing/prepass';
import type { FileFacts } from './types';

/** Files larger than this are not analysed (generated tables); the user is told so. */
export const MAX_ANALYSED_BYTES = 8 * 1024 * 1024;

/** Text that is mostly not C (binary junk) is skipped rather than fed to the parser. */
function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd) control++;
  }
  return sample.length > 0 && control / sample.length > 0.1;
}

export function unanalysableFacts(uri: string, reason: string): FileFacts {
  return { uri, symbols: [], references: [], macroUses: [], unanalysable: reason };
}

export function analyzeFile(parser: Parser, uri: string, text: string, options: ExtractOptions): FileFacts {
  if (text.length > MAX_ANALYSED_BYTES) {
    return unanalysableFacts(uri, `file is ${(text.length / 1048576).toFixed(1)} MB; files over ${MAX_ANALYSED_BYTES / 1048576} MB are not analysed`);
  }
  if (looksBinary(text)) return unanalysableFacts(uri, 'file looks binary (NUL or control bytes), not C source');
  const pre = prepass(text);
  const tree = parser.parse(pre.text);
  if (!tree) return unanalysableFacts(uri, 'the parser gave up on this file');
  try {
    return extractFacts(uri, text, pre, tree, options);
  } finally {
    tree.delete();
  }
}
