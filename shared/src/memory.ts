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
 * How far past what it kept at its last full collection V8 lets a heap grow before the next one,
 * in percent. V8's default grows it up to fourfold while the program runs at full speed: checking
 * a whole kernel tree with `kmodcheck` kept 50–100 MB live on its main thread, and its heap grew
 * to 390 MB between collections (the process peaked at 680–1,180 MB over runs). At half as much
 * again it peaked at 430–470 MB, in the same time.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Node options the language server runs with, wherever it is started (the extension, `kmod-lsp`
 * in its first line, the tests).
 *
 * - A young generation of 1 MB semi-spaces on the main thread: the default (16 MB) grows to
 *   30–50 MB during a burst of edits and stays resident once the editor is idle. The workers,
 *   which allocate most, keep a young generation of the default size (WORKER_YOUNG_GENERATION_MB).
 * - V8 optimizes a function after four times as much work in it as by default. The main thread
 *   runs many functions a few times per key (the checks, the protocol); V8 compiled them on its
 *   helper threads, and again after each change of what they see. Typing inside a body of
 *   lpfc_sli.c, three bursts in a fresh server, six servers each: 2.45 ms of CPU per key instead of
 *   4.3 (medians), the diagnostics as soon after the last key (42 ms against 44.5); at file
 *   scope 2.45 against 2.95. The scanners the workers run millions of times are optimized as before.
 * - The heaps grow by HEAP_GROWING_PERCENT between full collections, as kmodcheck's. With the later
 *   optimization the background workers' code allocates more: indexing the whole 6.1 tree, the
 *   server peaked at 402 and 411 MiB in two runs of three (335 and 334 without it). With the
 *   bound, 335 and 342 MiB, the index as fast.
 */
export const SERVER_NODE_OPTIONS: readonly string[] = [
  '--max-semi-space-size=1',
  '--interrupt-budget=270336',
  `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
];

/**
 * What the language server's environment adds to its parent's (the extension, `kmod-lsp` and the
 * tests set it; it must be there when the process starts). glibc's malloc, told to give memory
 * back: two arenas (it gives each thread that allocates an arena of its own, and the server has a
 * dozen threads), blocks of 64 KB and more mapped on their own (file texts, the buffers facts
 * cross threads in: unmapped when freed, where the default threshold grows until they stay in the
 * heap), and the heap's free top returned from 128 KB. On the drivers/scsi workspace the idle
 * server held about 160 MB without the last two, and 140–147 MB with them; the index took as long.
 */
export const SERVER_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** The parse workers' young generation (V8's default on 64-bit: three 16 MB semi-space units). */
export const WORKER_YOUNG_GENERATION_MB = 48;

/**
 * The background workers' old generation at most. They check whole modules, and what a module's
 * check holds lives long enough to leave the young generation: with no bound V8 let each worker's
 * heap grow to about four times what it kept, and the server's peak on a whole kernel tree rose to
 * 650–880 MB (510 MB with this bound). Since a module job holds one file's text at a time and its
 * facts no longer keep their files' texts alive, the peak is about 335 MB, and a lower bound no
 * longer lowers it.
 */
export const BACKGROUND_OLD_GENERATION_MB = 384;

/** Applies HEAP_GROWING_PERCENT to this process's heaps (its workers' too): for the command-line tools (the server has it in SERVER_NODE_OPTIONS). */
export function boundHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
