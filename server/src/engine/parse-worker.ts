// Worker thread: owns one tree-sitter parser and turns files into FileFacts. A WASM trap leaves
// the runtime unusable, so after any parser failure the worker reports it and exits; the pool
// starts a fresh one.

import { parentPort } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, analyzeFile, MAX_ANALYZED_BYTES, unanalyzableFacts, type ParseState } from './analyze-file';
import type { FactsAnswer, FactsRequest, FactsResponse, ForgetRequest } from './facts-pool';
import type { FileFacts } from '../model/types';
import { packFacts } from './wire';
import { FileReadError, readTextFileSync } from '../../../shared/src/safe-read';

let parser: Promise<Parser> | undefined;
/** Trees of open documents, most recently used last; a few at most (WASM memory only grows). */
const kept = new Map<string, ParseState>();
const MAX_KEPT = 8;

/** An answer and the buffers to transfer with it. */
type Answer = { response: FactsResponse; transfer: ArrayBuffer[] };

function answer(id: number, facts: FileFacts, extra: Pick<FactsAnswer, 'bodies' | 'cuts'> = {}): Answer {
  const { wire, transfer } = packFacts(facts);
  return { response: { id, wire, ...extra }, transfer };
}

async function handle(request: FactsRequest): Promise<Answer> {
  let text = request.text;
  if (text === undefined) {
    try {
      // Only regular files, never more than the analyzer takes: a source named by a Kbuild may be
      // a FIFO or a link to /dev/zero.
      text = readTextFileSync(request.path, MAX_ANALYZED_BYTES);
    } catch (error) {
      if (error instanceof FileReadError && error.reason === 'too-large')
        return answer(request.id, unanalyzableFacts(request.uri, `files over ${MAX_ANALYZED_BYTES / 1048576} MB are not analyzed`));
      return { response: { id: request.id, error: (error as Error).message, fatal: false }, transfer: [] };
    }
  }
  parser ??= createCParser();
  if (!request.keep) return answer(request.id, analyzeFile(await parser, request.uri, text, request.options));
  const previous = kept.get(request.uri);
  kept.delete(request.uri);
  const { result, state } = analyzeEditedFile(await parser, request.uri, text, request.options, previous);
  if (state) kept.set(request.uri, state);
  for (const [uri, old] of kept) {
    if (kept.size <= MAX_KEPT) break;
    old.tree.delete();
    kept.delete(uri);
  }
  return answer(request.id, result.facts, { bodies: result.bodies, cuts: result.cuts });
}

parentPort?.on('message', (message: FactsRequest | ForgetRequest) => {
  if ('forget' in message) {
    kept.get(message.forget)?.tree.delete();
    kept.delete(message.forget);
    return;
  }
  const request = message;
  handle(request).then(
    ({ response, transfer }) => parentPort?.postMessage(response, transfer),
    (error: unknown) => {
      parentPort?.postMessage({ id: request.id, error: String((error as Error)?.message ?? error), fatal: true } satisfies FactsResponse);
      process.exit(1);
    },
  );
});
