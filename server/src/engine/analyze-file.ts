// One file: pre-pass, parse, extract. Pure apart from the parser it is given (and readText, the
// one read from disk), so it runs the same in the language server's worker, the CLI and the index.

import { Edit, type Parser, type Tree } from 'web-tree-sitter';
import { changedSpan, type Span } from '../parsing/changed-span';
import { LineIndex, positionOf } from '../parsing/line-index';
import {
  extractFacts,
  includeNames,
  type BodyScan,
  type KeptBase,
  type SameUntil,
  type ExtractOptions,
  type ItemShapes,
  type ReuseScan,
} from '../parsing/extract';
import { prepass, prepassEdited, prepassState, type PrepassState } from '../parsing/prepass';
import { bodiesEdited, bodiesState, skeleton, type BodiesState } from '../parsing/skeleton';
import type { BodyRange } from '../parsing/references';
import type { FileFacts, Suppression } from '../model/types';
import { suppressionsEdited } from '../parsing/suppressions';
import { fileURLToPath } from 'node:url';
import { readTextFileSync } from '../../../shared/src/safe-read';

/** Files larger than this are not analyzed (generated tables); the user is told so. */
export const MAX_ANALYZED_BYTES = 8 * 1024 * 1024;

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

/** A file's text from disk, for where a quick fix inserts a line. */
export function readText(uri: string): string | undefined {
  try {
    return readTextFileSync(fileURLToPath(uri), MAX_ANALYZED_BYTES);
  } catch {
    return undefined;
  }
}

export function unanalyzableFacts(uri: string, reason: string): FileFacts {
  return { uri, symbols: [], references: [], macroUses: [], unanalyzable: reason };
}

/** What an open document keeps between edits, so the next analysis redoes only what changed. */
export interface ParseState {
  /** The text analyzed, its pre-pass and its bodies (the next edit's scans start near the change). */
  text: string;
  pre: PrepassState;
  bodies: BodiesState;
  /** The skeleton text the tree was parsed from, and the tree (incremental reparse). */
  parsed: string;
  tree: Tree;
  /** Each body's references (bodies that did not change are not rescanned). */
  scans: BodyScan[];
  /** What each file-scope item declares, by its text (items that did not change are not read from the tree again). */
  shapes: ItemShapes;
  /** The last extraction from a tree without errors: the next one takes the items before its change from it. */
  base?: KeptBase;
  /** The text's line index (the next one is made from it). */
  lines: LineIndex;
  /** The text's silenced lines (the next edit moves them unless it touches a marker). */
  suppressions: Suppression[];
  /** The options the scans were made with. */
  optionsKey: string;
}

/** A base made from the texts themselves. */
const EVERYWHERE: SameUntil = { source: Infinity, prepassed: Infinity, parsed: Infinity };

/** `kept` after an edit whose change starts at these offsets of the three texts. */
const narrowed = (kept: KeptBase, source: number, prepassed: number, parsed: number): KeptBase => ({
  extraction: kept.extraction,
  sameUntil: {
    source: Math.min(kept.sameUntil.source, source),
    prepassed: Math.min(kept.sameUntil.prepassed, prepassed),
    parsed: Math.min(kept.sameUntil.parsed, parsed),
  },
});

/** An analyzed text with what a body-local edit needs. */
export interface EditableFacts {
  text: string;
  facts: FileFacts;
  /** Bodies and initializers, in document order. */
  bodies: BodyRange[];
  /** The insides the parser did not see (skeleton regions), ascending. */
  cuts: [number, number][];
  /** The text's line starts, when the worker sent them (LineIndex). */
  lineStarts?: Uint32Array;
}

/** The tree-sitter edit that turns `before` into `after` (`span`: where they differ). */
export function diffEdit(before: string, after: string, span = changedSpan(before, after)): Edit {
  const point = (text: string, index: number) => {
    const { line, character } = positionOf(text, index);
    return { row: line, column: character };
  };
  return new Edit({
    startIndex: span.start,
    oldEndIndex: span.oldEnd,
    newEndIndex: span.newEnd,
    startPosition: point(before, span.start),
    oldEndPosition: point(before, span.oldEnd),
    newEndPosition: point(after, span.newEnd),
  });
}

/**
 * Previous scans of the bodies an edit did not touch (`span`: the change of the pre-passed text):
 * before the changed span a body is where it
 * was; after it, it moved by the length difference. The scanner reads one character past a body,
 * so a body must end strictly before the span. A scan is reused only for the same kind of body.
 */
function unchangedScans(previous: ParseState, span: Span, optionsKey: string): ReuseScan | undefined {
  if (previous.optionsKey !== optionsKey) return undefined;
  const delta = span.newEnd - span.oldEnd;
  const byStart = new Map(previous.scans.map((scan) => [scan.start, scan]));
  return (body, isFunction) => {
    const unmoved = body.end < span.start;
    const oldStart = unmoved ? body.start : body.start >= span.newEnd ? body.start - delta : undefined;
    const scan = oldStart === undefined ? undefined : byStart.get(oldStart);
    // The same text that was an initializer can be a function's body now (`int x = {` became
    // `int x(void) {`): its static locals are symbols, which an initializer's scan did not look for.
    if (!scan || scan.isFunction !== isFunction || scan.end - scan.start !== body.end - body.start) return undefined;
    if (scan.parameters.length !== body.parameters.length) return undefined;
    return scan.parameters.every((name, i) => name === body.parameters[i]) ? { scan, unmoved } : undefined;
  };
}

/** Facts saying why `text` is not analyzed (too large, binary), or undefined when it is fine. */
export function checkInput(uri: string, text: string): FileFacts | undefined {
  if (text.length > MAX_ANALYZED_BYTES) {
    return unanalyzableFacts(
      uri,
      `file is ${(text.length / 1048576).toFixed(1)} MB; files over ${MAX_ANALYZED_BYTES / 1048576} MB are not analyzed`,
    );
  }
  if (looksBinary(text)) return unanalyzableFacts(uri, 'file looks binary (NUL or control bytes), not C source');
  return undefined;
}

/** Section annotations, as words (`\b__init\b` does not match `__initdata`; each is listed). */
const ANNOTATION_WORDS =
  '__(?:init|exit|ref|meminit|memexit|net_init|net_exit|initdata|initconst|exitdata|refdata|refconst|read_mostly|ro_after_init|section|sched|cpuidle|kprobes|head)';

/**
 * What makes an included file matter to its unit by itself: section annotations and attributes,
 * an annotation `#define`d anew, exports, module_init/exit, module metadata (an import in the
 * module's own header counts for modpost). Register and constant headers
 * (megabytes of #defines) and include guards (`#define __FOO_H`) are not it.
 */
const SHAPES_SECTIONS = new RegExp(
  `\\b${ANNOTATION_WORDS}\\b|\\bsection\\s*\\(|\\bEXPORT_SYMBOL|\\bmodule_(?:init|exit)\\b|\\bMODULE_(?:IMPORT_NS|LICENSE|DESCRIPTION|INFO)\\b`,
);

/** Code that matters only if it names one of the module's init/exit symbols. */
const HAS_BODIES = /\binline\b|\bstatic\b|__always_inline/;

function mentionsAny(text: string, names: readonly string[]): boolean {
  if (names.length === 0) return false;
  const wanted = new Set(names);
  for (const match of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (wanted.has(match[0])) return true;
  return false;
}

/** An included file's facts without parsing it: only where its own includes lead. */
function skimmed(uri: string, text: string, deferred: boolean): FileFacts {
  // From the text as written (an include inside `#if 0` is followed too: harmless).
  const includes = includeNames(text);
  return {
    uri,
    symbols: [],
    references: [],
    macroUses: [],
    ...(includes.length > 0 ? { includes } : {}),
    ...(deferred ? { deferred: true } : {}),
  };
}

export function analyzeFile(parser: Parser, uri: string, text: string, options: ExtractOptions): FileFacts {
  const rejected = checkInput(uri, text);
  if (rejected) return rejected;
  if (options.included && !SHAPES_SECTIONS.test(text)) {
    const bodies = HAS_BODIES.test(text);
    const mentions = options.included === true ? [] : options.included.mentions;
    if (!bodies || !mentionsAny(text, mentions)) return skimmed(uri, text, bodies);
  }
  const pre = prepass(text);
  const parsed = skeleton(pre.text);
  const tree = parser.parse(parsed.text);
  if (!tree) return unanalyzableFacts(uri, 'the parser gave up on this file');
  try {
    return extractFacts(uri, text, pre, tree, options, parsed).facts;
  } finally {
    tree.delete();
  }
}

/**
 * Like analyzeFile, for an open document: reparses incrementally from `previous` (which it
 * consumes) and returns the new state for the next edit, and what editWithinBody needs to handle
 * the next edit without the parser. `edit`: where `text` differs from `previous.text`, when the
 * caller knows (it is looked for otherwise: a compare of the whole text).
 */
export function analyzeEditedFile(
  parser: Parser,
  uri: string,
  text: string,
  options: ExtractOptions,
  previous?: ParseState,
  edit?: Span,
): { result: EditableFacts; state?: ParseState } {
  const rejected = checkInput(uri, text);
  if (rejected) {
    previous?.tree.delete();
    return { result: { text, facts: rejected, bodies: [], cuts: [] } };
  }
  const change = previous && (edit ?? changedSpan(previous.text, text));
  const edited = previous && change ? prepassEdited(previous.pre, text, change) : undefined;
  const preState = edited?.state ?? prepassState(text);
  const pre = preState.result;
  const preSpan = edited?.changed;
  const found = previous && preSpan ? bodiesEdited(previous.bodies, pre.text, preSpan) : bodiesState(pre.text);
  const parsed = skeleton(pre.text, found);
  const parsedSpan = previous && changedSpan(previous.parsed, parsed.text);
  let tree: Tree | null;
  if (previous) {
    previous.tree.edit(diffEdit(previous.parsed, parsed.text, parsedSpan));
    tree = parser.parse(parsed.text, previous.tree);
    previous.tree.delete();
    // Error recovery can end differently when it starts from reused subtrees: a tree with errors
    // is parsed again from scratch, so an open file's facts never depend on its edit history.
    if (tree?.rootNode.hasError) {
      tree.delete();
      tree = parser.parse(parsed.text);
    }
  } else {
    tree = parser.parse(parsed.text);
  }
  if (!tree) return { result: { text, facts: unanalyzableFacts(uri, 'the parser gave up on this file'), bodies: [], cuts: [] } };
  const optionsKey = JSON.stringify(options);
  const reuse = previous && preSpan && unchangedScans(previous, preSpan, optionsKey);
  // Error recovery can read the same text otherwise: in a tree with errors, only file-scope items without errors of their own use shapes.
  // The items it cannot read by shape are kept for the next analysis too (a function half typed).
  const known: ItemShapes = (reuse && previous?.shapes) || new Map();
  const treeHasErrors = tree.rootNode.hasError;
  const base =
    reuse && change && preSpan && parsedSpan && previous?.base
      ? narrowed(previous.base, change.start, preSpan.start, parsedSpan.start)
      : undefined;
  const lines = previous && change ? LineIndex.edited(previous.lines, text, change) : new LineIndex(text);
  const suppressions =
    previous && change
      ? suppressionsEdited(
          previous.suppressions,
          previous.text,
          text,
          change,
          previous.lines.positionAt(change.start).line,
          lines.lineCount - previous.lines.lineCount,
        )
      : undefined;
  const shapes = { previous: known, next: treeHasErrors ? new Map(known) : new Map(), treeHasErrors, base, lines, suppressions };
  const extracted = extractFacts(uri, text, pre, tree, options, parsed, reuse, true, shapes);
  const { facts, bodies, scans = [] } = extracted;
  return {
    result: { text, facts, bodies, cuts: parsed.regions },
    state: {
      text,
      pre: preState,
      bodies: found,
      parsed: parsed.text,
      tree,
      scans,
      shapes: shapes.next,
      base: extracted.base ? { extraction: extracted.base, sameUntil: EVERYWHERE } : base,
      lines,
      suppressions: facts.suppressions ?? [],
      optionsKey,
    },
  };
}
