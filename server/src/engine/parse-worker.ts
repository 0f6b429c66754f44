// Worker thread: owns one tree-sitter parser and turns files into FileFacts. A WASM trap leaves
// the runtime unusable, so after any parser failure the worker reports it and exits; the pool
// starts a fresh one.

import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, analyzeFile, MAX_ANALYZED_BYTES, unanalyzableFacts, type ParseState } from './analyze-file';
import type { FactsAnswer, FactsRequest, FactsResponse, ForgetRequest } from './facts-pool';
import type { FileFacts } from '../model/types';
import { packFacts } from './wire';

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
      // A huge included file (a generated register header) is not analyzed: do not read it either.
      const size = request.options.included ? fs.statSync(request.path).size : 0;
      if (size > MAX_ANALYZED_BYTES)
        return answer(
          request.id,
          unanalyzableFacts(
            request.uri,
            `file is ${(size / 1048576).toFixed(1)} MB; files over ${MAX_ANALYZED_BYTES / 1048576} MB are not analyzed`,
          ),
        );
      text = fs.readFileSync(request.path, 'utf8');
    } catch (error) {
      return {
        response: { id: request.id, error: `cannot read ${request.path}: ${(error as Error).message}`, fatal: false },
        transfer: [],
      };
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
