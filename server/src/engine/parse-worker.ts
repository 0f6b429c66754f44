// Worker thread: owns one tree-sitter parser and turns files into FileFacts. A WASM trap leaves
// the runtime unusable, so after any parser failure the worker reports it and exits; the pool
// starts a fresh one.

import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { createCParser } from '../parsing/parser';
import { analyzeFile } from './analyze-file';
import type { FactsRequest, FactsResponse } from './facts-pool';

let parser: Promise<Parser> | undefined;

async function handle(request: FactsRequest): Promise<FactsResponse> {
  let text = request.text;
  if (text === undefined) {
    try {
      text = fs.readFileSync(request.path, 'utf8');
    } catch (error) {
      return { id: request.id, error: `cannot read ${request.path}: ${(error as Error).message}`, fatal: false };
    }
  }
  parser ??= createCParser();
  const facts = analyzeFile(await parser, request.uri, text, request.options);
  return { id: request.id, facts };
}

parentPort?.on('message', (request: FactsRequest) => {
  handle(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => {
      parentPort?.postMessage({ id: request.id, error: String((error as Error)?.message ?? error), fatal: true } satisfies FactsResponse);
      process.exit(1);
    },
  );
});
