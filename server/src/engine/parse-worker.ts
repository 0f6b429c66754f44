// Worker thread: owns one tree-sitter parser and turns files into FileFacts. A WASM trap leaves
// the runtime unusable, so after any parser failure the worker reports it and exits; the pool
// starts a fresh one.

import { parentPort, workerData } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, analyzeFile, unanalyzableFacts, type ParseState } from './analyze-file';
import type {
  BatchRequest,
  BatchResponse,
  FactsAnswer,
  FactsDelta,
  FactsRequest,
  FactsResponse,
  ForgetRequest,
  ParseWorkerData,
  Replacement,
} from './facts-pool';
import type { FileFacts, MacroUse, Range, Reference, SymbolDef } from '../model/types';
import { packFacts } from './wire';
import { analyzerId, contentHash, FactsCache } from './facts-cache';
import { ModuleChecker, readSource, type LinkTablesMessage, type ModuleRequest, type ModuleResponse } from './module-job';
import { lowerThreadPriority } from './thread-priority';
import { warmUpScanners } from '../parsing/warm-up';
import type { Span } from '../parsing/changed-span';

if ((workerData as ParseWorkerData | undefined)?.lowPriority) lowerThreadPriority();
warmUpScanners();

let parser: Promise<Parser> | undefined;
/** Trees of open documents, most recently used last; a few at most (WASM memory only grows). */
const kept = new Map<string, ParseState>();
const MAX_KEPT = 8;

/** The facts last answered for each open document, by request id: the next answer is a delta of them when the pool holds them too. */
const answered = new Map<string, { id: number; facts: FileFacts }>();

/** How many leading items of `before` and `after` are the same. */
function samePrefix<T>(before: readonly T[], after: readonly T[], same: (a: T, b: T) => boolean): number {
  const limit = Math.min(before.length, after.length);
  let i = 0;
  while (i < limit && same(before[i], after[i])) i++;
  return i;
}

const sameRange = (a: Range, b: Range): boolean =>
  a.start.line === b.start.line &&
  a.start.character === b.start.character &&
  a.end.line === b.end.line &&
  a.end.character === b.end.character;

const sameReference = (a: Reference, b: Reference): boolean =>
  a === b || (a.name === b.name && a.line === b.line && a.character === b.character && a.fromIndex === b.fromIndex && a.from === b.from);

const sameMacroUse = (a: MacroUse, b: MacroUse): boolean =>
  a.macro === b.macro && a.argument === b.argument && sameRange(a.range, b.range) && sameRange(a.argumentRange, b.argumentRange);

function sameSymbol(a: SymbolDef, b: SymbolDef): boolean {
  return (
    a.name === b.name &&
    a.kind === b.kind &&
    a.section === b.section &&
    a.isDefinition === b.isDefinition &&
    a.isStatic === b.isStatic &&
    a.isConst === b.isConst &&
    a.alwaysInline === b.alwaysInline &&
    a.isInline === b.isInline &&
    a.localTo === b.localTo &&
    sameRange(a.nameRange, b.nameRange) &&
    sameRange(a.fullRange, b.fullRange) &&
    a.annotations.length === b.annotations.length &&
    a.annotations.every((name, i) => name === b.annotations[i]) &&
    a.annotationRanges.length === b.annotationRanges.length &&
    a.annotationRanges.every((range, i) => sameRange(range, b.annotationRanges[i]))
  );
}

/**
 * An open document's answer: as a delta of the facts the pool holds (request.base) when the worker
 * answered those too: an edit leaves most of a large file's symbols and references as they were,
 * and they need not cross again (nor be rebuilt, nor collected, on the server's thread).
 */
function openAnswer(request: FactsRequest, facts: FileFacts, extra: Pick<FactsAnswer, 'bodies' | 'cuts' | 'lineStarts'>): Answer {
  const last = answered.get(request.uri);
  if (facts.unanalyzable) answered.delete(request.uri);
  else answered.set(request.uri, { id: request.id, facts });
  if (!last || last.id !== request.base || facts.unanalyzable || last.facts.unanalyzable) return answer(request.id, facts, extra);
  const delta: FactsDelta = {
    base: last.id,
    symbols: samePrefix(last.facts.symbols, facts.symbols, sameSymbol),
    macroUses: samePrefix(last.facts.macroUses, facts.macroUses, sameMacroUse),
    references: samePrefix(last.facts.references, facts.references, sameReference),
  };
  const rest: FileFacts = {
    ...facts,
    symbols: facts.symbols.slice(delta.symbols),
    macroUses: facts.macroUses.slice(delta.macroUses),
    references: facts.references.slice(delta.references),
  };
  const packed = answer(request.id, rest, extra);
  if ('wire' in packed.response) packed.response.delta = delta;
  return packed;
}

/** The facts cache of each directory asked for (one in practice); the analyzer id is this script's. */
const caches = new Map<string, FactsCache>();
let analyzer: string | undefined;

function cacheFor(dir: string): FactsCache {
  let cache = caches.get(dir);
  if (!cache) caches.set(dir, (cache = new FactsCache(dir, (analyzer ??= analyzerId(__filename)))));
  return cache;
}

/** The text of request `id` for `uri`, while its tree is kept (the last request on `uri` was that one, and it was analyzed). */
function keptText(uri: string, id: number): string | undefined {
  return answered.get(uri)?.id === id ? kept.get(uri)?.text : undefined;
}

/** An answer and the buffers to transfer with it. */
type Answer = { response: FactsResponse; transfer: ArrayBuffer[] };

function answer(id: number, facts: FileFacts, extra: Pick<FactsAnswer, 'bodies' | 'cuts' | 'lineStarts'> = {}): Answer {
  const { wire, transfer } = packFacts(facts);
  // The line starts are a copy of the kept ones: they cross without another.
  if (extra.lineStarts) transfer.push(extra.lineStarts.buffer as ArrayBuffer);
  return { response: { id, wire, ...extra }, transfer };
}

async function handle(request: FactsRequest): Promise<Answer> {
  if (request.edit) {
    const edit = request.edit;
    let previous = keptText(request.uri, edit.of);
    if (previous === undefined) return { response: { id: request.id, needsText: true }, transfer: [] };
    // The edits inside bodies the server made since: the kept tree catches up with them first.
    if (edit.first) previous = await catchUp(request, applied(previous, edit.first), spanOf(edit.first), edit.first.id);
    // The kept tree's text is the one edited: where the texts differ needs no compare.
    return analyzeText(request, applied(previous, edit), undefined, spanOf(edit));
  }
  if (request.text !== undefined) return analyzeText(request, request.text);
  const read = readSource(request.path);
  if ('notAnalyzed' in read)
    return read.tooLarge
      ? answer(request.id, unanalyzableFacts(request.uri, read.notAnalyzed))
      : { response: { id: request.id, error: read.notAnalyzed, fatal: false }, transfer: [] };
  const { text, stamp } = read;
  // Hashed once, for both caches: the facts cache's key, and what the module results cache checks the file by.
  const hash = request.cacheDir === undefined ? undefined : contentHash(text);
  const answered = await analyzeText(request, text, hash);
  if (hash !== undefined && 'wire' in answered.response) answered.response.content = { hash, stamp };
  return answered;
}

const applied = (text: string, edit: Replacement): string => text.slice(0, edit.start) + edit.text + text.slice(edit.end);
const spanOf = (edit: Replacement): Span => ({ start: edit.start, oldEnd: edit.end, newEnd: edit.start + edit.text.length });

/**
 * The kept tree of the request's document, made that of `text` (`edit` away from it), whose
 * facts the server made itself: nothing is answered, and the next answer is a delta of them (`id`).
 */
async function catchUp(request: FactsRequest, text: string, edit: Span, id: number): Promise<string> {
  parser ??= createCParser();
  const previous = kept.get(request.uri);
  kept.delete(request.uri);
  const { result, state } = analyzeEditedFile(await parser, request.uri, text, request.options, previous, edit);
  if (state) kept.set(request.uri, state);
  if (result.facts.unanalyzable) answered.delete(request.uri);
  else answered.set(request.uri, { id, facts: result.facts });
  return text;
}

/** `edit`: where `text` differs from the kept tree's, when the request said. */
async function analyzeText(request: FactsRequest, text: string, hash?: string, edit?: Span): Promise<Answer> {
  if (!request.keep && request.cacheDir !== undefined) return cached(request, text, hash ?? contentHash(text), cacheFor(request.cacheDir));
  parser ??= createCParser();
  if (!request.keep) return answer(request.id, analyzeFile(await parser, request.uri, text, request.options));
  const previous = kept.get(request.uri);
  kept.delete(request.uri);
  const { result, state } = analyzeEditedFile(await parser, request.uri, text, request.options, previous, edit);
  if (state) kept.set(request.uri, state);
  for (const [uri, old] of kept) {
    if (kept.size <= MAX_KEPT) break;
    old.tree.delete();
    kept.delete(uri);
  }
  return openAnswer(request, result.facts, { bodies: result.bodies, cuts: result.cuts, lineStarts: state?.lines.copyOfStarts() });
}

/** A file's facts from the cache, else analyzed and stored (failures are never stored). */
async function cached(request: FactsRequest, text: string, hash: string, cache: FactsCache): Promise<Answer> {
  const key = cache.key(request.options, hash);
  const found = cache.get(key, request.uri);
  if (typeof found === 'object') {
    const { lines, characters, fromIndexes } = found.wire.packed;
    // decodeEntry made each array on an ArrayBuffer of its own: nothing else shares them.
    const transfer = [lines.buffer, characters.buffer, fromIndexes.buffer] as ArrayBuffer[];
    return { response: { id: request.id, wire: found.wire, cache: 'hit' }, transfer };
  }
  parser ??= createCParser();
  const facts = analyzeFile(await parser, request.uri, text, request.options);
  const packed = answer(request.id, facts);
  if (facts.unanalyzable || facts.transient || !('wire' in packed.response)) return packed;
  // Written before the answer goes: posting transfers (detaches) the reference arrays.
  const storedBytes = cache.put(key, packed.response.wire);
  return { ...packed, response: { ...packed.response, cache: found === 'corrupt' ? 'corrupt' : 'stored', storedBytes } };
}

/** Jobs one after another; hits are answered together, anything slower at once (its clock runs in the pool). */
async function handleBatch(requests: readonly FactsRequest[]): Promise<void> {
  let hits: Answer[] = [];
  const flush = (): void => {
    if (hits.length === 1) parentPort?.postMessage(hits[0].response, hits[0].transfer);
    else if (hits.length > 1)
      parentPort?.postMessage(
        { batch: hits.map((hit) => hit.response) } satisfies BatchResponse,
        hits.flatMap((hit) => hit.transfer),
      );
    hits = [];
  };
  for (const request of requests) {
    let result: Answer;
    try {
      result = await handle(request);
    } catch (error) {
      flush();
      fail(request, error);
      return;
    }
    if ('cache' in result.response && result.response.cache === 'hit') hits.push(result);
    else {
      flush();
      parentPort?.postMessage(result.response, result.transfer);
    }
  }
  flush();
}

/** A parser failure leaves the runtime unusable: say which file, and end this worker. */
function fail(request: FactsRequest, error: unknown): never {
  parentPort?.postMessage({ id: request.id, error: String((error as Error)?.message ?? error), fatal: true } satisfies FactsResponse);
  process.exit(1);
}

/** Modules the background index has checked here, whole (module-job.ts). */
const modules = new ModuleChecker(() => (parser ??= createCParser()), cacheFor);

function checkModule(request: ModuleRequest): void {
  modules.check(request.job).then(
    (answer) => parentPort?.postMessage({ id: request.id, ...answer } satisfies ModuleResponse),
    // Anything may have failed, the parser too: end this worker as after a parser failure.
    (error: unknown) => {
      parentPort?.postMessage({ id: request.id, error: String((error as Error)?.message ?? error), fatal: true } satisfies ModuleResponse);
      process.exit(1);
    },
  );
}

parentPort?.on('message', (message: FactsRequest | BatchRequest | ForgetRequest | ModuleRequest | LinkTablesMessage) => {
  if ('linkTables' in message) {
    modules.setLinkTables(message.linkTables);
    return;
  }
  if ('job' in message) {
    checkModule(message);
    return;
  }
  if ('forget' in message) {
    kept.get(message.forget)?.tree.delete();
    kept.delete(message.forget);
    answered.delete(message.forget);
    return;
  }
  if ('batch' in message) {
    void handleBatch(message.batch);
    return;
  }
  const request = message;
  handle(request).then(
    ({ response, transfer }) => parentPort?.postMessage(response, transfer),
    (error: unknown) => fail(request, error),
  );
});
