// One file: pre-pass, parse, extract. Pure apart from the parser it is given, so it runs the same
// in the language server's worker, the CLI and the workspace indexer.

import { Edit, type Parser, type Tree } from 'web-tree-sitter';
import { extractFacts, type ExtractOptions } from '../parsing/extract';
import { prepass } from '../parsing/prepass';
import { skeleton } from '../parsing/skeleton';
import type { EditableFacts } from './body-edit';
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

/** What an open document keeps between edits: the text it parsed and its tree, for incremental parsing. */
export interface ParseState {
  parsed: string;
  tree: Tree;
}

/** The single edit that turns `before` into `after`: their common prefix and suffix stay. */
export function diffEdit(before: string, after: string): Edit {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const point = (text: string, index: number) => {
    let row = 0, lineStart = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) { row++; lineStart = i + 1; }
    return { row, column: index - lineStart };
  };
  return new Edit({
    startIndex: prefix,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition: point(before, prefix),
    oldEndPosition: point(before, before.length - suffix),
    newEndPosition: point(after, after.length - suffix),
  });
}

/** Facts saying why `text` is not analysed (too large, binary), or undefined when it is fine. */
export function checkInput(uri: string, text: string): FileFacts | undefined {
  if (text.length > MAX_ANALYSED_BYTES) {
    return unanalysableFacts(uri, `file is ${(text.length / 1048576).toFixed(1)} MB; files over ${MAX_ANALYSED_BYTES / 1048576} MB are not analysed`);
  }
  if (looksBinary(text)) return unanalysableFacts(uri, 'file looks binary (NUL or control bytes), not C source');
  return undefined;
}

export function analyzeFile(parser: Parser, uri: string, text: string, options: ExtractOptions): FileFacts {
  const rejected = checkInput(uri, text);
  if (rejected) return rejected;
  const pre = prepass(text);
  const parsed = skeleton(pre.text);
  const tree = parser.parse(parsed.text);
  if (!tree) return unanalysableFacts(uri, 'the parser gave up on this file');
  try {
    return extractFacts(uri, text, pre, tree, options, parsed).facts;
  } finally {
    tree.delete();
  }
}

/**
 * Like analyzeFile, for an open document: reparses incrementally from `previous` (which it
 * consumes) and returns the new state for the next edit, and what editWithinBody needs to handle
 * the next edit without the parser.
 */
export function analyzeEditedFile(parser: Parser, uri: string, text: string, options: ExtractOptions, previous?: ParseState): { result: EditableFacts; state?: ParseState } {
  const rejected = checkInput(uri, text);
  if (rejected) {
    previous?.tree.delete();
    return { result: { text, facts: rejected, bodies: [], cuts: [] } };
  }
  const pre = prepass(text);
  const parsed = skeleton(pre.text);
  let tree: Tree | null;
  if (previous) {
    previous.tree.edit(diffEdit(previous.parsed, parsed.text));
    tree = parser.parse(parsed.text, previous.tree);
    previous.tree.delete();
  } else {
    tree = parser.parse(parsed.text);
  }
  if (!tree) return { result: { text, facts: unanalysableFacts(uri, 'the parser gave up on this file'), bodies: [], cuts: [] } };
  const { facts, bodies } = extractFacts(uri, text, pre, tree, options, parsed);
  return { result: { text, facts, bodies, cuts: parsed.regions }, state: { parsed: parsed.text, tree } };
}
