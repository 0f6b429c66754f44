// Gives garbage back to the system after a burst (a header scan reads a few hundred MB of text;
// an index run makes the facts of thousands of files). V8 collects on its own schedule and keeps
// the pages it grew into for a while; a full collection when the burst is over returns them.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let collect: (() => void) | undefined;

/** A full garbage collection now (no-op where the runtime refuses). */
export function releaseGarbage(): void {
  try {
    if (!collect) {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
    collect();
  } catch {
    collect = () => undefined;
  }
}

/**
 * Node options the language server runs with, wherever it is started (the extension, `kmod-lsp`,
 * the tests). A young generation of 1 MB semi-spaces on the main thread: the default (16 MB) grows
 * to 30–50 MB during a burst of edits and stays resident once the editor is idle. The workers, which
 * allocate most, keep a young generation of the default size (WORKER_YOUNG_GENERATION_MB).
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * What the language server's environment adds to its parent's (the extension and the tests set it;
 * it must be there when the process starts). Two malloc arenas: glibc gives each thread that
 * allocates an arena of its own (the server has a dozen threads: its workers, the thread pool,
 * V8's), and keeps what each grew into: an idle server held about 12 MB more that way.
 */
export const SERVER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The parse workers' young generation (V8's default on 64-bit: three 16 MB semi-space units). */
export const WORKER_YOUNG_GENERATION_MB = 48;
